/**
 * The IC HTTP interface of one emulated instance (IC interface spec § HTTPS Interface): what
 * `@dfinity/agent`'s `HttpAgent` talks to. Served by the PocketIC server at
 * `/instances/<id>/api/…` and by HTTP gateways at `/api/…`.
 *
 * - `GET  /api/v2/status`
 * - `POST /api/v2/canister/<ecid>/call` (asynchronous; poll `read_state`), `/api/v3|v4/…/call`
 *   (synchronous: the certificate of the request's status in the reply)
 * - `POST /api/v2|v3/canister/<ecid>/query` (replies signed by a node)
 * - `POST /api/v2|v3/canister/<ecid>/read_state`, `/api/v2|v3/subnet/<sid>/read_state`
 *
 * Requests are signed envelopes, verified as the IC verifies them unless the instance was created
 * with `disable_ingress_validation`.
 */
import { Principal } from '@dfinity/principal';

import { makeCertificate } from '../../certification/certificate.js';
import { icCode, RejectCode } from '../../errors.js';
import { LIMITS } from '../../constants.js';
import { PocketError, type IcInstance, type EffectivePrincipal } from '../../instance.js';
import type { RawResult } from '../../messages.js';
import type { Subnet } from '../../subnet.js';
import { validateEnvelope, type RequestValidationError } from './authentication.js';
import { decodeEnvelope, envelopeErrorMessage, EnvelopeError, type Envelope, type ReadStateContent } from './envelope.js';
import { encodeQueryResponse, type QueryResponse } from './query-signature.js';
import { encodeCallRejection, encodeReadStateResponse, encodeStatusResponse, encodeSyncCallResponse } from './responses.js';
import { buildStateTree, readStateExclusions, readStateWitness, type CanisterState, type RequestStatusValue, type SubnetState } from './state-tree.js';

export interface HttpReply {
  status: number;
  contentType: string;
  body: Uint8Array | string;
}

const CBOR = 'application/cbor';
const text = (status: number, message: string): HttpReply => ({ status, contentType: 'text/plain; charset=utf-8', body: message });
const methodNotAllowed = (allowed: string): HttpReply => text(405, `Method not allowed: this endpoint accepts ${allowed} only.`);
const cbor = (body: Uint8Array, status = 200): HttpReply => ({ status, contentType: CBOR, body });

/** How long a synchronous call may take before the reply falls back to "accepted" (202). */
const SYNC_CALL_MAX_ROUNDS = 100;

export class IcHttpApi {
  constructor(private readonly ic: IcInstance, private readonly options: { validate: boolean }) {}

  /**
   * `parts`: the path after `/api`, split (`['v2', 'canister', '<id>', 'call']`); `contentType`:
   * the request's (calls, queries and read_state must be `application/cbor`, as the replica and
   * PocketIC require; in-process callers may leave it out). Every bad request is a 4xx reply in
   * plain text, worded as the replica words it; nothing a client sends makes this throw.
   */
  handle(method: string, parts: string[], body: Uint8Array, contentType?: string): HttpReply {
    const [version, kind, id, endpoint, ...rest] = parts;
    const apiVersion = version === 'v2' ? 2 : version === 'v3' ? 3 : version === 'v4' ? 4 : undefined;
    if (apiVersion === undefined) return text(404, `unknown API version ${version ?? ''}`);
    if (kind === 'status' && parts.length === 2) {
      if (method !== 'GET') return methodNotAllowed('GET');
      return cbor(encodeStatusResponse({ rootKey: this.ic.rootSubnet.key.der, implVersion: 'lineage-pocket', certifiedHeight: 0n }));
    }
    const known = id !== undefined && rest.length === 0 && (
      (kind === 'canister' && endpoint === 'call') ||
      (kind === 'canister' && (endpoint === 'query' || endpoint === 'read_state') && apiVersion <= 3) ||
      (kind === 'subnet' && endpoint === 'read_state' && apiVersion <= 3));
    if (!known) return text(404, `unknown endpoint /api/${parts.join('/')}`);
    if (method !== 'POST') return methodNotAllowed('POST');
    if (contentType !== undefined && contentType.split(';')[0]!.trim().toLowerCase() !== CBOR) {
      return text(400, `Unexpected content-type, expected ${CBOR}.`);
    }
    let target: Principal;
    try {
      target = Principal.fromText(id!);
    } catch {
      return text(400, `Invalid ${kind === 'subnet' ? 'subnet' : 'canister'} id in URL: ${id}`);
    }
    try {
      if (kind === 'subnet') return this.readState({ subnet: target }, body, apiVersion as 2 | 3);
      if (endpoint === 'call') return this.call(target, body, apiVersion);
      if (endpoint === 'query') return this.query(target, body);
      return this.readState({ canister: target }, body, apiVersion as 2 | 3);
    } catch (error) {
      if (error instanceof EnvelopeError) return text(400, envelopeErrorMessage(endpoint === 'call' ? 'call' : 'query', error));
      // Routing errors (no subnet hosts the effective canister id) and size limits: PocketIC
      // answers them in plain text with the error's status (400 for routing, as its
      // `RequestRoutingError`; 413 for a message over the subnet's ingress limit).
      if (error instanceof PocketError) return text(error.status, error.message);
      throw error;
    }
  }

  private validate(envelope: Envelope): RequestValidationError | undefined {
    if (!this.options.validate) return undefined;
    const result = validateEnvelope(envelope, { currentTimeNs: this.ic.time, rootKey: this.ic.rootSubnet.key.der });
    return result.ok ? undefined : result.error;
  }

  private call(ecid: Principal, body: Uint8Array, apiVersion: 2 | 3 | 4): HttpReply {
    const envelope = decodeEnvelope(body, 'call');
    const { content } = envelope;
    const effective: EffectivePrincipal = { kind: 'canister', id: ecid };
    // PocketIC routes the request to a subnet first: an effective canister id no subnet hosts is a
    // 400 before anything else is looked at (thrown as a PocketError, answered by `handle`).
    this.ic.routeCall(content.canisterId, content.methodName, content.arg, effective);
    const management = content.canisterId.toUint8Array().length === 0;
    if (!management && content.canisterId.toText() !== ecid.toText()) {
      return text(400, `Specified CanisterId ${content.canisterId.toText()} does not match effective canister id in URL ${ecid.toText()}`);
    }
    // The replica refuses a message over the subnet's `max_ingress_bytes_per_message` (counted
    // over the signed envelope) before checking its signature: 413, worded as below.
    if (body.length > LIMITS.maxIngressPayload) {
      const hex = Buffer.from(envelope.requestId).toString('hex');
      return text(413, `Request ${hex} is too large. Message byte size ${body.length} is larger than the max allowed ${LIMITS.maxIngressPayload}.`);
    }
    const invalid = this.validate(envelope);
    if (invalid) return text(invalid.httpStatus, invalid.message);
    const messageId = Buffer.from(envelope.requestId).toString('base64');
    const submitted = this.ic.submitIngress(content.sender, content.canisterId, content.methodName, content.arg, effective, { messageId, expiry: content.ingressExpiry, bytes: body.length });
    if ('err' in submitted) {
      const err = (submitted.err as Extract<RawResult, { Err: unknown }>).Err;
      return cbor(encodeCallRejection({ reject_code: err.reject_code, reject_message: err.reject_message, error_code: icCode(err.error_code) }, apiVersion));
    }
    if (apiVersion === 2) return { status: 202, contentType: 'text/plain', body: '' };
    // Synchronous call: run rounds until the message completes, then certify its status.
    for (let round = 0; round < SYNC_CALL_MAX_ROUNDS && !this.ic.ingressRecord(messageId)?.result; round++) this.ic.tick();
    if (!this.ic.ingressRecord(messageId)?.result) return { status: 202, contentType: 'text/plain', body: '' };
    const subnet = this.ic.subnetOf(ecid) ?? this.ic.rootSubnet;
    const paths = [['request_status', envelope.requestId]];
    return cbor(encodeSyncCallResponse(this.certify(subnet, paths, { requestIds: [envelope.requestId], canisters: [] }, { effectiveCanisterId: ecid, apiVersion: 3 })));
  }

  private query(ecid: Principal, body: Uint8Array): HttpReply {
    const envelope = decodeEnvelope(body, 'query');
    const { content } = envelope;
    this.ic.routeCall(content.canisterId, content.methodName, content.arg, { kind: 'canister', id: ecid });
    if (content.canisterId.toUint8Array().length > 0 && content.canisterId.toText() !== ecid.toText()) {
      return text(400, `Specified CanisterId ${content.canisterId.toText()} does not match effective canister id in URL ${ecid.toText()}`);
    }
    const invalid = this.validate(envelope);
    if (invalid) return text(invalid.httpStatus, invalid.message);
    const result = this.ic.query(content.sender, content.canisterId, content.methodName, content.arg, { kind: 'canister', id: ecid });
    const response: QueryResponse = 'Ok' in result
      ? { status: 'replied', reply: { arg: result.Ok } }
      : { status: 'rejected', reject_code: result.Err.reject_code, reject_message: result.Err.reject_message, error_code: icCode(result.Err.error_code) };
    const subnet = this.ic.subnetOf(ecid) ?? this.ic.rootSubnet;
    return cbor(encodeQueryResponse(response, envelope.requestId, this.ic.certifiedTime, subnet.nodes[0]!));
  }

  private readState(target: { canister: Principal } | { subnet: Principal }, body: Uint8Array, apiVersion: 2 | 3): HttpReply {
    const envelope = decodeEnvelope(body, 'read_state');
    const invalid = this.validate(envelope);
    if (invalid) return text(invalid.httpStatus, invalid.message);
    const content = envelope.content as ReadStateContent;
    const subnet = 'canister' in target ? this.ic.subnetOf(target.canister) : this.ic.subnetById(target.subnet);
    if (!subnet) {
      return 'canister' in target
        ? text(400, `Canister ${target.canister.toText()} does not belong to any subnet.`)
        : text(404, `Subnet ${target.subnet.toText()} not found`);
    }
    // What the sender may read (IC spec § Request: Read state).
    const requestIds: Uint8Array[] = [];
    const canisters: Principal[] = [];
    for (const path of content.paths) {
      const [head, second, third, fourth] = path.map((l) => l);
      const label = head ? new TextDecoder().decode(head) : '';
      if (label === 'time' || label === 'subnet' || label === 'canister_ranges') continue;
      if (label === 'request_status' && second) {
        if ('subnet' in target) return text(404, 'request_status paths are not available on the subnet read_state endpoint');
        const record = this.ic.ingressRecord(Buffer.from(second).toString('base64'));
        if (record && record.sender.toText() !== content.sender.toText()) {
          return text(403, `Request IDs must be for requests signed by the caller: the request ${Buffer.from(second).toString('hex')} was not signed by ${content.sender.toText()}.`);
        }
        if (requestIds.length > 0 && Buffer.compare(Buffer.from(requestIds[0]!), Buffer.from(second)) !== 0) {
          return text(400, 'Can only request a single request ID in request_status paths.');
        }
        requestIds.push(second);
        continue;
      }
      if (label === 'canister' && second && 'canister' in target) {
        const id = Principal.fromUint8Array(second);
        if (id.toText() !== target.canister.toText()) {
          return text(400, `Effective principal ${target.canister.toText()} does not match the canister id ${id.toText()} in a read_state path.`);
        }
        const name = third ? new TextDecoder().decode(third) : '';
        if (name === 'metadata' && fourth) {
          const section = new TextDecoder().decode(fourth);
          const canister = this.ic.canister(id);
          const isPrivate = canister?.module?.privateMetadata.has(section) ?? false;
          if (isPrivate && !canister!.isController(content.sender)) {
            return text(403, `Custom section ${section} can only be requested by the controllers of the canister.`);
          }
        }
        canisters.push(id);
        continue;
      }
      return text(404, `Invalid path requested: /${path.map((l) => tryText(l)).join('/')}`);
    }
    const exclusions = readStateExclusions({
      subnets: this.ic.subnets.map((s) => ({ id: s.id, canisterRanges: s.rangesAsPrincipals() })),
      rootSubnetId: this.ic.rootSubnet.id,
      effectiveCanisterId: 'canister' in target ? target.canister : undefined,
      effectiveSubnetId: 'subnet' in target ? target.subnet : undefined,
      apiVersion,
    });
    const certificate = this.certify(subnet, content.paths, { requestIds, canisters }, { exclusions });
    return cbor(encodeReadStateResponse(certificate));
  }

  /** A certificate, signed by `subnet`, of the state tree's witness for `paths`. */
  private certify(
    subnet: Subnet,
    paths: Uint8Array[][] | (string | Uint8Array)[][],
    include: { requestIds: Uint8Array[]; canisters: Principal[] },
    options: { exclusions?: ReturnType<typeof readStateExclusions>; effectiveCanisterId?: Principal; apiVersion?: 2 | 3 },
  ): Uint8Array {
    const exclusions = options.exclusions ?? readStateExclusions({
      subnets: this.ic.subnets.map((s) => ({ id: s.id, canisterRanges: s.rangesAsPrincipals() })),
      rootSubnetId: this.ic.rootSubnet.id,
      effectiveCanisterId: options.effectiveCanisterId,
      apiVersion: options.apiVersion ?? 3,
    });
    const tree = buildStateTree({
      time: this.ic.certifiedTime,
      subnets: this.ic.subnets.map((s): SubnetState => ({
        id: s.id,
        publicKey: s.key.der,
        canisterRanges: s.rangesAsPrincipals(),
        nodes: s.nodes.map((n) => ({ id: n.nodeId, publicKey: n.der })),
      })),
      canisters: include.canisters.flatMap((id): CanisterState[] => {
        const c = this.ic.canister(id);
        if (!c) return [];
        return [{
          id: c.id,
          moduleHash: c.module?.hash,
          controllers: c.controllers,
          metadata: c.module ? [...c.module.publicMetadata, ...c.module.privateMetadata] : [],
        }];
      }),
      requestStatus: include.requestIds.flatMap((id): [Uint8Array, RequestStatusValue][] => {
        const record = this.ic.ingressRecord(Buffer.from(id).toString('base64'));
        const status = record && statusOf(record);
        return status ? [[id, status]] : [];
      }),
    });
    return makeCertificate(readStateWitness(tree, paths, { exclude: exclusions }), subnet.key, this.ic.delegationFor(subnet));
  }
}

/**
 * A request's status in the state tree (IC spec § Request status), or none while no round has
 * inducted it (the IC does not know it yet: its status is unknown).
 */
export function statusOf({ result, state }: { result: RawResult | undefined; state: 'received' | 'processing' | undefined }): RequestStatusValue | undefined {
  if (!result) return state && { status: state };
  if ('Ok' in result) return { status: 'replied', reply: result.Ok };
  return { status: 'rejected', rejectCode: result.Err.reject_code as RejectCode, rejectMessage: result.Err.reject_message, errorCode: icCode(result.Err.error_code) };
}

function tryText(label: Uint8Array): string {
  const s = new TextDecoder().decode(label);
  return /^[\x20-\x7e]*$/.test(s) ? s : Buffer.from(label).toString('hex');
}
