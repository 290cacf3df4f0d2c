/**
 * The PocketIC server's REST protocol, as `@dfinity/pic` 0.23 speaks it
 * (../../shared/pocketic-rest.md): instances, time and rounds, ingress and queries, direct state
 * access, the blob store. Requests run synchronously, one at a time, so no 202/409 replies arise.
 */
import { createHash } from 'node:crypto';
import { Principal } from '@dfinity/principal';

import { hasSavedState } from '../state/snapshot.js';
import { IcInstance, PocketError } from '../instance.js';
import { StableMemory } from '../state/stable-memory.js';
import type { SubnetSpec, TopologyRequest } from '../subnet.js';
import { HttpGateway } from './gateway.js';
import { IcHttpApi } from './ic-http/api.js';
import { asBigInt, JsonSyntaxError, type Json } from './json.js';
import { AutoProgress } from './live.js';
import { mockCanisterHttp, pendingOutcallsJson } from './canister-http.js';
import { BadRequest, b64, effectivePrincipal, fromB64, obj, principalFromB64, rawResultJson } from './wire.js';

export interface Reply {
  status: number;
  /** A JSON value, raw text (the blob store), or bytes with a content type (the IC HTTP interface). */
  json?: Json | unknown;
  text?: string;
  bytes?: { contentType: string; body: Uint8Array | string };
}

const ok = (json: unknown, status = 200): Reply => ({ status, json });
const error = (message: string, status = 400): Reply => ({ status, json: { message } });

/** Features of PocketIC this emulator does not provide, named in the error a user sees. */
export const UNSUPPORTED_FEATURES = {
  icpFeatures: 'system canisters from icp_features (NNS registry, CMC, ledgers, governance, SNS, II)',
  fromPath: 'subnet state read from a replica state directory (FromPath); this emulator reads only a directory it saved itself (state_dir)',
  replicaGateway: 'HTTP gateways forwarding to a replica URL (only PocketIcInstance targets)',
  https: 'HTTPS on HTTP gateways (https_config)',
};

export interface PocketIcOptions {
  onCanisterLog?: (line: string) => void;
}

export class PocketIcApi {
  private readonly instances: (IcInstance | 'deleted')[] = [];
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly httpApis = new Map<IcInstance, IcHttpApi>();
  private readonly progress = new Map<IcInstance, AutoProgress>();
  private readonly gateways: (HttpGateway | undefined)[] = [];
  /** The instance each gateway forwards to (by gateway id). */
  private readonly gatewayInstances: number[] = [];
  /** Where each instance created with `state_dir` saves its state when it is deleted. */
  private readonly stateDirs = new Map<IcInstance, string>();

  constructor(private readonly options: PocketIcOptions = {}) {}

  /** The instance with id `id`, in process (benchmarks read its `stats`). */
  instance(id: number): IcInstance | undefined {
    const slot = this.instances[id];
    return slot === 'deleted' ? undefined : slot;
  }

  get liveInstances(): number {
    return this.instances.filter((i) => i !== 'deleted').length;
  }

  /** Whether `path` carries raw bytes rather than JSON (the blob store, the IC HTTP interface). */
  static isRawPath(method: string, path: string): boolean {
    return (method === 'POST' && path.startsWith('/blobstore')) || /^\/instances\/\d+\/api\//.test(path);
  }

  /**
   * Routes one request. `body` is the parsed JSON body (raw bytes are in `raw`); `contentType` is
   * the request's, which the IC HTTP interface checks. Bad input of any kind is a 4xx reply; only
   * an emulator bug throws.
   */
  async handle(method: string, path: string, body: Json | undefined, raw: Uint8Array, contentType?: string): Promise<Reply> {
    try {
      const parts = path.split('?')[0]!.split('/').filter((p) => p !== '');
      if (parts[0] === 'http_gateway') return await this.gateway(method, parts, body);
      return this.route(method, parts, body, raw, contentType);
    } catch (e) {
      if (e instanceof PocketError) return error(e.message, e.status);
      if (e instanceof BadRequest || e instanceof JsonSyntaxError) return error(e.message, 400);
      throw e;
    }
  }

  /** Stops every gateway and auto-progress loop (server shutdown). */
  /** Stops live instances and gateways, and saves instances that have a state directory. */
  async closeAll(): Promise<void> {
    for (const loop of this.progress.values()) loop.stop();
    this.progress.clear();
    await Promise.all(this.gateways.map((g) => g?.close()));
    this.saveAll();
  }

  private httpApi(ic: IcInstance): IcHttpApi {
    let api = this.httpApis.get(ic);
    if (!api) {
      api = new IcHttpApi(ic, { validate: !ic.options.disableIngressValidation });
      this.httpApis.set(ic, api);
    }
    return api;
  }

  private async gateway(method: string, parts: string[], body: Json | undefined): Promise<Reply> {
    if (method === 'POST' && parts.length === 1) {
      const config = obj(body ?? {}, 'body');
      const fail = (message: string) => ok({ Error: { message } }, 400);
      const forward = obj(config.forward_to, 'forward_to');
      if (!('PocketIcInstance' in forward)) return fail(`Unsupported by the Lineage emulator: ${UNSUPPORTED_FEATURES.replicaGateway}.`);
      if (config.https_config !== undefined && config.https_config !== null) return fail(`Unsupported by the Lineage emulator: ${UNSUPPORTED_FEATURES.https}.`);
      const instanceId = Number(forward.PocketIcInstance);
      if (!(this.instances[instanceId] instanceof IcInstance)) return fail(`Instance not found: ${String(forward.PocketIcInstance)}`);
      const id = this.gateways.length;
      const gateway = new HttpGateway(id, () => {
        const ic = this.instances[instanceId];
        return ic instanceof IcInstance ? { ic, api: this.httpApi(ic) } : undefined;
      }, {
        host: typeof config.ip_addr === 'string' ? config.ip_addr : undefined,
        port: typeof config.port === 'number' ? config.port : undefined,
      });
      this.gateways.push(gateway);
      this.gatewayInstances[id] = instanceId;
      try {
        const port = await gateway.listen();
        return ok({ Created: { instance_id: id, port } }, 201);
      } catch (e) {
        this.gateways[id] = undefined;
        return ok({ Error: { message: `could not start the HTTP gateway: ${(e as Error).message}` } }, 502);
      }
    }
    if (method === 'POST' && parts.length === 3 && parts[2] === 'stop') {
      // Stopping a gateway that does not exist (or no longer) is a no-op, as in PocketIC.
      const id = /^\d+$/.test(parts[1]!) ? Number(parts[1]) : -1;
      const gateway = this.gateways[id];
      if (gateway) this.gateways[id] = undefined;
      await gateway?.close();
      return ok(null);
    }
    return error(`unknown endpoint ${method} /${parts.join('/')}`, 404);
  }

  private route(method: string, parts: string[], body: Json | undefined, raw: Uint8Array, contentType?: string): Reply {
    const [first, second, third, fourth] = parts;
    if (first === 'status' && method === 'GET') return ok(null);
    if (first === 'blobstore') {
      if (method === 'POST' && parts.length === 1) {
        const id = createHash('sha256').update(raw).digest('hex');
        this.blobs.set(id, raw.slice());
        return { status: 200, text: id };
      }
      if (method === 'GET' && second) {
        const blob = this.blobs.get(second);
        return blob ? { status: 200, text: Buffer.from(blob).toString('base64') } : error(`blob ${second} not found`, 404);
      }
    }
    if (first === 'read_graph') return error('no pending operation: this server answers every request synchronously', 404);
    if (first !== 'instances') return error(`unknown endpoint ${method} /${parts.join('/')}`, 404);

    if (parts.length === 1) {
      if (method === 'POST') return this.createInstance(obj(body ?? {}, 'body'));
      if (method === 'GET') return ok(this.instances.map((i) => (i === 'deleted' ? 'Deleted' : 'Available')));
    }
    const id = /^\d+$/.test(second ?? '') ? Number(second) : -1;
    if (id < 0 || id >= this.instances.length) return error(`Instance not found: ${second}`, 404);
    const slot = this.instances[id]!;
    if (method === 'DELETE' && parts.length === 2) {
      if (slot !== 'deleted') {
        this.progress.get(slot)?.stop();
        this.progress.delete(slot);
        this.httpApis.delete(slot);
        this.saveState(slot);
      }
      // PocketIC stops the gateways that forward to a deleted instance.
      this.gateways.forEach((gateway, g) => {
        if (gateway && this.gatewayInstances[g] === id) {
          this.gateways[g] = undefined;
          void gateway.close();
        }
      });
      this.instances[id] = 'deleted';
      return ok(null);
    }
    if (slot === 'deleted') return error(`Instance was deleted: ${id}`);
    const ic = slot;
    const args = body === undefined || body === null ? {} : obj(body, 'body');

    if (third === '_' && fourth === 'topology') return ok(this.topology(ic));
    if (third === 'api') {
      const reply = this.httpApi(ic).handle(method, parts.slice(3), raw, contentType);
      return { status: reply.status, bytes: { contentType: reply.contentType, body: reply.body } };
    }
    if (third === 'auto_progress') {
      if (method === 'GET') return ok(this.progress.has(ic));
      if (this.progress.has(ic)) return error('Auto progress mode has already been enabled.');
      const delay = args.artificial_delay_ms;
      const loop = new AutoProgress(ic, typeof delay === 'number' ? delay : 0);
      this.progress.set(ic, loop);
      loop.start();
      return ok(null);
    }
    if (third === 'stop_progress') {
      this.progress.get(ic)?.stop();
      this.progress.delete(ic);
      return ok(null);
    }
    const op = `${third}/${fourth}`;
    switch (op) {
      case 'read/topology': return ok(this.topology(ic));
      case 'read/get_time': return ok({ nanos_since_epoch: ic.time });
      case 'update/set_time': ic.setTime(asBigInt(args.nanos_since_epoch, 'nanos_since_epoch')); return ok(null);
      case 'update/set_certified_time': ic.setCertifiedTime(asBigInt(args.nanos_since_epoch, 'nanos_since_epoch')); return ok(null);
      case 'update/tick': ic.tick(); return ok(null);
      case 'update/submit_ingress_message': return ok(this.submit(ic, args));
      case 'update/await_ingress_message': return ok(rawResultJson(ic.awaitIngress(messageIdOf(args))));
      case 'update/execute_ingress_message': {
        const submitted = this.submit(ic, args);
        if ('Err' in submitted) return ok(submitted);
        return ok(rawResultJson(ic.awaitIngress(submitted.Ok.message_id)));
      }
      case 'read/ingress_status': {
        const ref = obj(args.raw_message_id, 'raw_message_id');
        const callerField = args.raw_caller;
        const caller = callerField === undefined || callerField === null ? undefined
          : typeof callerField === 'string' ? principalFromB64(callerField, 'raw_caller')
          : principalFromB64(obj(callerField, 'raw_caller').principal_id, 'raw_caller.principal_id');
        const result = ic.ingressStatus(messageIdOf(ref), caller);
        return ok(result ? rawResultJson(result) : null);
      }
      case 'read/query': {
        const call = callOf(args);
        return ok(rawResultJson(ic.query(call.sender, call.canister, call.method, call.payload, call.effective)));
      }
      case 'read/get_controllers': {
        const canister = ic.requireCanister(principalFromB64(args.canister_id, 'canister_id'));
        return ok(canister.controllers.map((c) => ({ principal_id: b64(c.toUint8Array()) })));
      }
      case 'read/get_cycles': return ok({ cycles: ic.requireCanister(principalFromB64(args.canister_id, 'canister_id')).cycles });
      case 'update/add_cycles': return ok({ cycles: ic.addCycles(principalFromB64(args.canister_id, 'canister_id'), asBigInt(args.amount, 'amount', 128)) });
      case 'read/get_subnet': {
        const id = principalFromB64(args.canister_id, 'canister_id');
        const subnet = ic.canister(id) ? ic.subnetOf(id) : undefined;
        return ok(subnet ? { subnet_id: b64(subnet.id.toUint8Array()) } : null);
      }
      case 'read/pub_key': {
        const subnet = ic.subnetById(principalFromB64(args.subnet_id, 'subnet_id'));
        if (!subnet) return error(`SubnetNotFound(${principalFromB64(args.subnet_id, 'subnet_id').toText()})`);
        return ok([...subnet.key.der]);
      }
      case 'read/get_stable_memory': {
        const canister = ic.requireCanister(principalFromB64(args.canister_id, 'canister_id'));
        if (!canister.module) return error(`CanisterIsEmpty(${canister.idText})`);
        return ok({ blob: b64(canister.stable.toBytes()) });
      }
      case 'update/set_stable_memory': {
        const canister = ic.requireCanister(principalFromB64(args.canister_id, 'canister_id'));
        const blobId = Buffer.from(fromB64(args.blob_id, 'blob_id')).toString('hex');
        const blob = this.blobs.get(blobId);
        if (!blob) return error(`Bad blob id: ${blobId}`);
        if (!canister.module) return error(`CanisterIsEmpty(${canister.idText})`);
        canister.stable = StableMemory.fromBytes(blob);
        return ok(null);
      }
      case 'read/get_canister_http': return ok(pendingOutcallsJson(ic));
      case 'update/mock_canister_http': mockCanisterHttp(ic, args); return ok(null);
      default: return error(`unknown endpoint ${method} /${parts.join('/')}`, 404);
    }
  }

  private submit(ic: IcInstance, args: { [key: string]: Json }): { Ok: { effective_principal: Json; message_id: string } } | { Err: Json } {
    const call = callOf(args);
    const submitted = ic.submitIngress(call.sender, call.canister, call.method, call.payload, call.effective);
    if ('err' in submitted) return rawResultJson(submitted.err) as { Err: Json };
    return {
      Ok: {
        effective_principal: { SubnetId: b64(submitted.ok.subnet.id.toUint8Array()) },
        message_id: submitted.ok.messageId,
      },
    };
  }

  private createInstance(config: { [key: string]: Json }): Reply {
    const fail = (message: string) => ok({ Error: { message } }, 400);
    if (config.icp_features !== undefined && config.icp_features !== null && Object.keys(obj(config.icp_features, 'icp_features')).length > 0) {
      return fail(`Unsupported by the Lineage emulator: ${UNSUPPORTED_FEATURES.icpFeatures}.`);
    }
    if (config.state_dir !== undefined && config.state_dir !== null && typeof config.state_dir !== 'string') throw new BadRequest('state_dir must be a path');
    const stateDir = config.state_dir === undefined || config.state_dir === null ? undefined : config.state_dir;
    let topology: TopologyRequest;
    try {
      topology = topologyRequest(config.subnet_config_set);
    } catch (e) {
      return fail((e as Error).message);
    }
    const id = this.instances.length;
    let ic: IcInstance;
    try {
      // Subnets loaded `FromPath`: PocketIC reads a replica's state directory there; this emulator
      // reads a directory it saved itself (an instance created with `state_dir`, then deleted).
      // It loads the saved instance whole, so every subnet of the request must come from that one
      // directory and the saved instance must have the same subnets. The directory is only read:
      // the new instance writes its state nowhere unless it names a `state_dir` of its own.
      const fromPaths = fromPathDirs(config.subnet_config_set);
      if (fromPaths.length > 0) {
        const dir = fromPaths[0]!;
        if (fromPaths.some((d) => d !== dir)) return fail('FromPath: the Lineage emulator loads one saved instance; every subnet loaded FromPath must name the same directory.');
        if (!hasSavedState(dir)) return fail(`FromPath: ${dir} holds no state this emulator saved (an instance created with state_dir writes it when deleted).`);
        ic = IcInstance.restoreFrom(dir, { onCanisterLog: this.options.onCanisterLog });
        const requested = [...Object.values(topology.named), ...topology.system, ...topology.application, ...topology.verifiedApplication].map((s) => s.kind);
        const saved = ic.subnets.map((s) => s.kind as string);
        if (fromPaths.length !== requested.length || kindsOf(requested) !== kindsOf(saved)) {
          return fail(`FromPath: the state saved in ${dir} has the subnets [${kindsOf(saved)}]; the request must name exactly those, each FromPath the same directory (it names [${kindsOf(requested)}], ${fromPaths.length} from that directory).`);
        }
        if (stateDir !== undefined) this.stateDirs.set(ic, stateDir);
        this.instances.push(ic);
        return ok({ Created: { instance_id: id, topology: this.topology(ic), http_gateway_info: null } }, 201);
      }
      // An instance over a directory that holds a saved state is that state, whatever topology
      // the request names (PocketIC's state_dir).
      if (stateDir !== undefined && hasSavedState(stateDir)) {
        ic = IcInstance.restoreFrom(stateDir, { onCanisterLog: this.options.onCanisterLog });
        this.stateDirs.set(ic, stateDir);
        this.instances.push(ic);
        return ok({ Created: { instance_id: id, topology: this.topology(ic), http_gateway_info: null } }, 201);
      }
      ic = new IcInstance({
        topology, seed: `pocket-instance-${id}`,
        disableIngressValidation: config.disable_ingress_validation === true,
        onCanisterLog: this.options.onCanisterLog,
      });
    } catch (e) {
      if (e instanceof PocketError) return fail(e.message);
      throw e;
    }
    const initial = config.initial_time;
    if (initial !== undefined && initial !== null && typeof initial === 'object' && !Array.isArray(initial) && 'Timestamp' in initial) {
      ic.setCertifiedTime(asBigInt(obj(initial.Timestamp, 'initial_time.Timestamp').nanos_since_epoch, 'initial_time'));
    }
    if (stateDir !== undefined) this.stateDirs.set(ic, stateDir);
    this.instances.push(ic);
    return ok({ Created: { instance_id: id, topology: this.topology(ic), http_gateway_info: null } }, 201);
  }

  /** Writes the state of an instance created with `state_dir` (on deletion, and when the server stops). */
  private saveState(ic: IcInstance): void {
    const dir = this.stateDirs.get(ic);
    if (dir === undefined) return;
    this.stateDirs.delete(ic);
    const { droppedContexts } = ic.saveTo(dir);
    if (droppedContexts > 0) this.options.onCanisterLog?.(`[pocket] saved the state to ${dir}; ${droppedContexts} call contexts still open were not saved`);
  }

  /** Saves every instance that has a state directory (the server is shutting down). */
  saveAll(): void {
    for (const ic of [...this.stateDirs.keys()]) this.saveState(ic);
  }

  private topology(ic: IcInstance): Json {
    const subnetConfigs: { [key: string]: Json } = {};
    for (const subnet of ic.subnets) {
      subnetConfigs[subnet.id.toText()] = {
        subnet_kind: subnet.kind,
        subnet_seed: [...subnet.seed],
        size: subnet.size,
        node_ids: [],
        canister_ranges: subnet.rangesAsPrincipals().map(([start, end]) => ({
          start: { canister_id: b64(start.toUint8Array()) },
          end: { canister_id: b64(end.toUint8Array()) },
        })),
        instruction_config: subnet.spec.instructionConfig,
        subnet_admins: null,
        cost_schedule: subnet.spec.costSchedule,
      };
    }
    return { subnet_configs: subnetConfigs, default_effective_canister_id: { canister_id: b64(ic.defaultEffectiveCanisterId.toUint8Array()) } };
  }
}

function callOf(args: { [key: string]: Json }) {
  const canister = principalFromB64(args.canister_id, 'canister_id');
  if (typeof args.method !== 'string') throw new BadRequest('method must be a string');
  return {
    sender: args.sender === undefined ? Principal.anonymous() : principalFromB64(args.sender, 'sender'),
    canister,
    method: args.method,
    payload: fromB64(args.payload, 'payload'),
    effective: effectivePrincipal(args.effective_principal),
  };
}

function messageIdOf(args: { [key: string]: Json }): string {
  if (typeof args.message_id !== 'string') throw new BadRequest('message_id must be a base64 string');
  return args.message_id;
}

function subnetSpec(value: Json | undefined, field: string): SubnetSpec {
  const o = value === undefined || value === null ? {} : obj(value, field);
  const state = o.state_config;
  if (state !== undefined && state !== null && state !== 'New' && fromPathOf(state) === undefined) {
    throw new Error(`${field}.state_config must be "New" or {"FromPath": "<directory>"}`);
  }
  const cost = o.cost_schedule === 'Free' ? 'Free' : 'Normal';
  return {
    kind: 'Application',
    instructionConfig: o.instruction_config === 'Benchmarking' ? 'Benchmarking' : 'Production',
    costSchedule: cost,
  };
}

function specs(value: Json | undefined, field: string): SubnetSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${field} must be a list`);
  return value.map((v, i) => subnetSpec(v, `${field}[${i}]`));
}

/** The directory of a `{"FromPath": dir}` state config, if it is one. */
function fromPathOf(state: Json): string | undefined {
  if (state === null || typeof state !== 'object' || Array.isArray(state) || !('FromPath' in state)) return undefined;
  const dir = (state as { FromPath: Json }).FromPath;
  if (typeof dir !== 'string' || dir === '') throw new Error('state_config.FromPath must be a directory path');
  return dir;
}

/**
 * The directories the subnets of `subnet_config_set` are to be loaded from (`FromPath`), in the
 * order the subnets are listed; empty when every subnet is new.
 */
export function fromPathDirs(value: Json | undefined): string[] {
  if (value === undefined || value === null) return [];
  const set = obj(value, 'subnet_config_set');
  const configs: Json[] = [];
  for (const key of ['nns', 'sns', 'ii', 'fiduciary', 'bitcoin']) if (set[key] !== undefined && set[key] !== null) configs.push(set[key]!);
  for (const key of ['system', 'application', 'verified_application']) if (Array.isArray(set[key])) configs.push(...(set[key] as Json[]));
  const dirs: string[] = [];
  for (const config of configs) {
    const state = config !== null && typeof config === 'object' && !Array.isArray(config) ? config.state_config : undefined;
    const dir = state === undefined ? undefined : fromPathOf(state);
    if (dir !== undefined) dirs.push(dir);
  }
  return dirs;
}

/** The kinds of a topology's subnets, in a stable order (to compare a request with a saved state). */
function kindsOf(kinds: string[]): string {
  return [...kinds].sort().join(', ');
}

/** Reads `subnet_config_set`; with none, one application subnet (PocketIC's default). */
export function topologyRequest(value: Json | undefined): TopologyRequest {
  const set: { [key: string]: Json } = value === undefined || value === null ? { application: [{}] } : obj(value, 'subnet_config_set');
  const named: TopologyRequest['named'] = {};
  const names = { nns: 'NNS', sns: 'SNS', ii: 'II', fiduciary: 'Fiduciary', bitcoin: 'Bitcoin' } as const;
  for (const [key, kind] of Object.entries(names)) {
    if (set[key] !== undefined && set[key] !== null) named[kind] = { ...subnetSpec(set[key], key), kind };
  }
  if (Array.isArray(set.cloud_engine) && set.cloud_engine.length > 0) throw new Error('Unsupported by the Lineage emulator: cloud engine subnets.');
  return {
    named,
    system: specs(set.system, 'system'),
    application: specs(set.application, 'application'),
    verifiedApplication: specs(set.verified_application, 'verified_application'),
  };
}
