/**
 * The Lineage registry: an ICRC-118 Wasm registry with verified chunked storage, upgrade paths,
 * verified installation reports and an ICRC-3 audit log whose tip is the certified data.
 *
 * This class is the shell: Candid in and out, the caller, time and inter-canister calls. The
 * rules live in `./domain`; state lives in `./storage`.
 */
import {
  call, certifiedDataSet, dataCertificate, IDL, init, inspectMessage, isController, msgArgData, msgCaller, msgMethodName, postUpgrade,
  Principal, setTimer, time, trap,
} from 'azle';
import {
  registryTypes,
  type CreateCanisterType, type CreateCanisterTypeResult, type DeprecateRequest, type DeprecateResult,
  type GetCanisterTypesRequest, type GetUpgradePathRequest, type GetWasmChunkRequest, type GetWasmChunkResult,
  type GetWasmsRequest, type Icrc3DataCertificate, type Icrc3GetBlocksResult, type Installation,
  type ManageControllerRequest, type ManageControllerResult, type RegistryInitArgs, type ReportInstallationRequest,
  type ReportInstallationResult, type UpdateWasmRequest, type UpdateWasmResult, type UploadRequest, type UploadResult,
  type UploadStatus, type UpgradePathResult, type Wasm, type CanisterType,
  type AttestationRequest, type DivergenceReportRequest, type GetVerificationsRequest, type Verification, type VerificationRequest,
  type VerificationRequestRecord as CandidVerificationRequest, type VerificationResult,
} from '@lineage/types';

import { asBytes, fromHex, fullBucket, ingressProblem, takeToken, toHex, type Bucket, type IngressPolicy, type Value } from '@lineage/kit';

import {
  ANONYMOUS, acceptChunk, advanceHash, checkRegistration, controlsType, emptyProgress, fieldsProblem, isAdmin, KNOWN_REPORTERS, UNKNOWN_REPORTERS,
  isKnownReporter, mayCreateType, MAX_BYTES_HASHED_PER_MESSAGE, MAX_CHUNKS, MAX_CHUNKS_HASHED_PER_MESSAGE, namespaceProblem, queryTypes, queryWasms, repeatedReport, upgradePath, withStoredChunk,
  type WasmRecord,
  admitFiling, filingOf, filingProblem, isKnownVerifier, KNOWN_VERIFIERS, NEW_VERIFIERS, parseWasmId, queryVerifications, requestProblem,
  type VerificationRefusal,
} from './domain/index.js';
import { query, update } from './methods.js';
import {
  filterFromCandid, filingToCandid, hex, installationToCandid, opt, refusalToCandid, requestToCandid, some, typeToCandid, uploadStatus, versionToCandid,
  wasmToCandid,
} from './convert.js';
import { Storage } from './storage.js';

const T = registryTypes(IDL);

const CanisterInfoArgs = IDL.Record({ canister_id: IDL.Principal, num_requested_changes: IDL.Opt(IDL.Nat64) });

const BLOCK_TYPES = [
  '118typecreate', '118controller', '118wasm', '118chunk', '118verified', '118deprecate', '118install', '126request', '126attestation', '126divergence',
];
const DOCS = 'https://github.com/lineage-dapps/lineage/blob/main/canisters/registry/README.md#blocks-the-icrc-3-log';
const MAX_BLOCKS_PER_REPLY = 2000n;

const principalBlob = (p: string): Value => ({ Blob: Principal.fromText(p).toUint8Array() });

const KiB = 1024;
/**
 * Ingress the registry refuses before paying for it (`canister_inspect_message`): every update
 * refuses the anonymous principal anyway, and no argument needs more than a chunk (512 KiB) or a
 * version's metadata and chunk hashes allow.
 */
const INGRESS: IngressPolicy = {
  maxArgBytes: {
    default: 64 * KiB, icrc118_upload_wasm_chunk: 512 * KiB + 4 * KiB, icrc118_update_wasm: 1536 * KiB,
    icrc118_create_canister_type: 1024 * KiB, icrc118_deprecate: 128 * KiB, lineage_report_installation: KiB,
    // ICRC-126: 16 KiB of metadata plus a 4 KiB report or a 1 KiB repository URL, and the Candid around them.
    icrc126_verification_request: 24 * KiB, icrc126_file_attestation: 24 * KiB, icrc126_file_divergence: 24 * KiB,
  },
  refuseAnonymous: new Set([
    'icrc118_create_canister_type', 'icrc118_manage_controller', 'icrc118_update_wasm', 'icrc118_upload_wasm_chunk',
    'icrc118_deprecate', 'lineage_report_installation', 'icrc126_verification_request', 'icrc126_file_attestation', 'icrc126_file_divergence',
  ]),
};

export default class {
  store = new Storage();
  /**
   * Heap only (an upgrade forgets them, relaxing the bound once): checks by reporters without a
   * confirmed installation, shared; and each confirmed reporter's own.
   */
  newcomerChecks: Bucket | undefined;
  reporterChecks = new Map<string, Bucket>();
  /** Heap only, like the report buckets: ICRC-126 filings by principals that never filed (shared), and by each verifier. */
  newVerifierFilings: Bucket | undefined;
  verifierFilings = new Map<string, Bucket>();

  @inspectMessage({ manual: true })
  inspect(): boolean {
    const problem = ingressProblem(INGRESS, msgMethodName(), msgCaller().toText(), msgArgData());
    if (problem) trap(problem);
    return true;
  }

  @init([IDL.Opt(T.InitArgs)])
  init(args: [] | [RegistryInitArgs]): void {
    this.configure(args);
    this.store.load();
  }

  @postUpgrade([IDL.Opt(T.InitArgs)])
  postUpgrade(args: [] | [RegistryInitArgs]): void {
    if (args.length > 0) this.configure(args);
    this.store.load();
    const certified = this.store.log.certifiedData();
    if (certified) certifiedDataSet(certified);
    // An upgrade clears timers: hashing that was left to one starts again.
    for (const hash of this.store.view.wasms.keys()) this.continueHashingLater(hash);
  }

  private configure(args: [] | [RegistryInitArgs]): void {
    const a = opt(args);
    this.store.config = { admins: (a?.admins ?? []).map((p) => p.toText()), openTypeCreation: a?.open_type_creation ?? false };
  }

  // ---- the log ---------------------------------------------------------------------------

  /** Appends a block chained to the tip and certifies the new tip; returns its index. */
  private log(btype: string, tx: [string, Value][]): bigint {
    const { index, certifiedData } = this.store.log.append(btype, time(), [...tx, ['caller', principalBlob(msgCaller().toText())]]);
    certifiedDataSet(certifiedData);
    return index;
  }

  private caller(): { text: string; isController: boolean } {
    const caller = msgCaller();
    return { text: caller.toText(), isController: isController(caller) };
  }

  // ---- canister types --------------------------------------------------------------------

  @update([IDL.Vec(T.CreateCanisterType)], IDL.Vec(T.CreateCanisterTypeResult))
  icrc118_create_canister_type(requests: CreateCanisterType[]): CreateCanisterTypeResult[] {
    const caller = this.caller();
    return requests.map((r): CreateCanisterTypeResult => {
      if (!mayCreateType(this.store.config, caller.text, caller.isController)) return { Error: { Unauthorized: null } };
      const problem = namespaceProblem(r.canister_type_namespace);
      if (problem) return { Error: { InvalidNamespace: problem } };
      const tooLarge = fieldsProblem({ name: r.canister_type_name, description: r.description, repo: r.repo, metadata: r.metadata });
      if (tooLarge) return { Error: { Generic: tooLarge } };
      if (this.store.view.types.has(r.canister_type_namespace)) return { Error: { AlreadyExists: null } };
      const fork = opt(r.forked_from);
      if (fork && !this.store.view.types.has(fork.canister_type_namespace)) return { Error: { UnknownForkSource: null } };
      const controllers = (opt(r.controllers) ?? [Principal.fromText(caller.text)]).map((p) => p.toText());
      if (controllers.length === 0 || controllers.includes(ANONYMOUS)) {
        return { Error: { Generic: 'a canister type needs at least one controller, and the anonymous principal cannot be one' } };
      }
      this.store.putType({
        namespace: r.canister_type_namespace, name: r.canister_type_name, description: r.description, repo: r.repo,
        metadata: r.metadata, controllers: [...new Set(controllers)],
        forkedFrom: fork && { namespace: fork.canister_type_namespace, version: fork.version }, created: time(),
      });
      return {
        Ok: this.log('118typecreate', [
          ['namespace', { Text: r.canister_type_namespace }], ['name', { Text: r.canister_type_name }],
          ['controllers', { Array: controllers.map(principalBlob) }],
        ]),
      };
    });
  }

  @update([IDL.Vec(T.ManageControllerRequest)], IDL.Vec(T.ManageControllerResult))
  icrc118_manage_controller(requests: ManageControllerRequest[]): ManageControllerResult[] {
    const caller = this.caller();
    return requests.map((r): ManageControllerResult => {
      const type = this.store.view.types.get(r.canister_type);
      if (!type) return { Error: { NotFound: null } };
      if (!controlsType(type, caller.text)) return { Error: { Unauthorized: null } };
      const controller = r.controller.toText();
      const add = 'Add' in r.op;
      if (add && controller === ANONYMOUS) return { Error: { Generic: 'the anonymous principal cannot control a canister type' } };
      const controllers = add ? [...new Set([...type.controllers, controller])] : type.controllers.filter((c) => c !== controller);
      if (controllers.length === 0) return { Error: { LastController: null } };
      this.store.putType({ ...type, controllers });
      return {
        Ok: this.log('118controller', [
          ['namespace', { Text: type.namespace }], ['controller', principalBlob(controller)], ['op', { Text: add ? 'add' : 'remove' }],
        ]),
      };
    });
  }

  @query([T.GetCanisterTypesRequest], IDL.Vec(T.CanisterType))
  icrc118_get_canister_types(request: GetCanisterTypesRequest): CanisterType[] {
    const filters = request.filter.map((f) => ('namespace' in f ? { kind: 'namespace' as const, prefix: f.namespace } : { kind: 'controller' as const, principal: f.controller.toText() }));
    return queryTypes(this.store.view, filters, opt(request.prev), opt(request.take)).map((t) => typeToCandid(this.store.view, t));
  }

  // ---- versions --------------------------------------------------------------------------

  @update([T.UpdateWasmRequest], T.UpdateWasmResult)
  icrc118_update_wasm(r: UpdateWasmRequest): UpdateWasmResult {
    const caller = this.caller();
    if (caller.text === ANONYMOUS) return { Error: { Unauthorized: null } };
    const type = this.store.view.types.get(r.canister_type);
    if (!type) return { Error: { UnknownCanisterType: null } };
    if (!controlsType(type, caller.text)) return { Error: { Unauthorized: null } };
    const tooLarge = fieldsProblem({ description: r.description, repo: r.repo, metadata: r.metadata });
    if (tooLarge) return { Error: { Generic: tooLarge } };
    const expected = asBytes(r.expected_hash);
    if (expected.length !== 32) return { Error: { InvalidHash: `expected_hash must be a 32-byte sha256, not ${expected.length} bytes` } };
    const chunks = r.expected_chunks;
    if (chunks < 1n || chunks > BigInt(MAX_CHUNKS)) {
      return { Error: { InvalidChunkCount: `expected_chunks must be between 1 and ${MAX_CHUNKS} (chunks of at most 1 MiB)` } };
    }
    const chunkHashes = opt(r.chunk_hashes)?.map((h) => asBytes(h));
    if (chunkHashes && BigInt(chunkHashes.length) !== chunks) {
      return { Error: { InvalidChunkCount: `chunk_hashes has ${chunkHashes.length} hashes for ${chunks} chunks` } };
    }
    if (chunkHashes?.some((h) => h.length !== 32)) return { Error: { InvalidHash: 'every chunk hash must be a 32-byte sha256' } };
    const hash = toHex(expected);
    const previousBytes = opt(r.previous_hash);
    const previousHash = previousBytes === undefined ? undefined : hex(previousBytes);
    const refused = checkRegistration(this.store.view, { namespace: type.namespace, version: r.version_number, hash, previousHash });
    if (refused) {
      switch (refused.kind) {
        case 'UnknownCanisterType': return { Error: { UnknownCanisterType: null } };
        case 'AlreadyRegistered': return { Error: { AlreadyRegistered: fromHex(refused.hash) } };
        case 'UnknownPreviousHash': return { Error: { UnknownPreviousHash: fromHex(refused.hash) } };
        case 'PreviousHashOfAnotherType': return { Error: { PreviousHashOfAnotherType: fromHex(refused.hash) } };
        case 'UpgradeCycle': return { Error: { UpgradeCycle: fromHex(refused.hash) } };
        case 'VersionNotAfterPrevious': return { Error: { VersionNotAfterPrevious: { previous: refused.previous } } };
        case 'VersionNotBeforeNext': return { Error: { VersionNotBeforeNext: { next: refused.next } } };
        case 'NonDeprecatedWasmFound': return { Error: { NonDeprecatedWasmFound: fromHex(refused.hash) } };
      }
    }
    // Registering again an unverified version replaces it and discards its chunks.
    const replaced = this.store.view.wasms.get(hash);
    if (replaced) this.store.removeChunks(hash, replaced.expectedChunks);
    const record: WasmRecord = {
      hash, namespace: type.namespace, version: r.version_number, description: r.description, repo: r.repo,
      metadata: r.metadata, previousHash, expectedChunks: Number(chunks), chunkHashes: chunkHashes?.map(toHex),
      deprecated: false, created: time(), seq: replaced?.seq ?? this.store.nextWasmSeq(), calculatedHash: undefined,
      upload: emptyProgress(),
    };
    this.store.putWasm(record);
    const tx: [string, Value][] = [
      ['hash', { Blob: expected }], ['namespace', { Text: type.namespace }],
      ['version', { Array: r.version_number.map((n) => ({ Nat: n })) }], ['chunks', { Nat: chunks }],
    ];
    if (previousHash !== undefined) tx.push(['previous_hash', { Blob: fromHex(previousHash) }]);
    if (replaced) tx.push(['replaces_unverified', { Nat: 1n }]);
    return { Ok: this.log('118wasm', tx) };
  }

  @update([T.UploadRequest], T.UploadResult)
  icrc118_upload_wasm_chunk(r: UploadRequest): UploadResult {
    const caller = this.caller();
    if (caller.text === ANONYMOUS) return { Error: { Unauthorized: null } };
    const hash = hex(r.hash);
    const wasm = this.store.view.wasms.get(hash);
    if (!wasm) return { Error: { UnknownHash: null } };
    const type = this.store.view.types.get(wasm.namespace);
    if (!type || !controlsType(type, caller.text)) return { Error: { Unauthorized: null } };
    if (r.chunk_id >= BigInt(wasm.expectedChunks)) return { Error: { ChunkOutOfRange: { total_chunks: BigInt(wasm.expectedChunks) } } };
    const id = Number(r.chunk_id);
    const bytes = asBytes(r.wasm_chunk);
    const decision = acceptChunk(wasm, id, bytes, this.store.chunk(hash, id));
    if ('kind' in decision && decision.kind !== 'store' && decision.kind !== 'unchanged') {
      switch (decision.kind) {
        case 'AlreadyVerified': return { Error: { AlreadyVerified: null } };
        case 'ChunkOutOfRange': return { Error: { ChunkOutOfRange: { total_chunks: BigInt(decision.totalChunks) } } };
        case 'ChunkTooLarge': return { Error: { ChunkTooLarge: { max_bytes: BigInt(decision.maxBytes) } } };
        case 'EmptyChunk': return { Error: { Generic: 'a chunk cannot be empty' } };
        case 'ChunkMismatch': return { Error: { ChunkMismatch: { expected: fromHex(decision.expected), actual: fromHex(decision.actual) } } };
        case 'ChunkConflict': return { Error: { ChunkConflict: null } };
      }
    }
    if (decision.kind === 'unchanged') return { Ok: this.uploadResponse(wasm, id) };
    // What this message may still hash after checking the declared chunk hash; chunks beyond it
    // are absorbed by a timer (continueHashingLater), each timer message within the same budget.
    const budget = MAX_BYTES_HASHED_PER_MESSAGE - (wasm.chunkHashes?.[id] !== undefined ? bytes.length : 0);
    const outcome = advanceHash(wasm, withStoredChunk(wasm.upload, id), (i) => (i === id ? bytes : this.store.chunk(hash, i)), MAX_CHUNKS_HASHED_PER_MESSAGE, budget, false);
    if (outcome.kind === 'mismatch') {
      // Nothing of this call is kept: the chunk that completed a wrong module is refused.
      return { Error: { HashMismatch: { expected: fromHex(hash), calculated: fromHex(outcome.calculated) } } };
    }
    this.store.putChunk(hash, id, bytes);
    const updated: WasmRecord = { ...wasm, upload: outcome.progress, calculatedHash: outcome.kind === 'verified' ? hash : undefined };
    this.store.putWasm(updated);
    this.log('118chunk', [['hash', { Blob: fromHex(hash) }], ['chunk_id', { Nat: r.chunk_id }], ['size', { Nat: BigInt(bytes.length) }]]);
    if (outcome.kind === 'verified') this.log('118verified', [['hash', { Blob: fromHex(hash) }]]);
    else this.continueHashingLater(hash);
    return { Ok: this.uploadResponse(updated, id) };
  }

  private uploadResponse(wasm: WasmRecord, id: number) {
    return {
      chunk_id: BigInt(id),
      total_chunks: BigInt(wasm.expectedChunks),
      stored_chunks: BigInt(wasm.upload.stored.length),
      calculated_hash: some(wasm.calculatedHash === undefined ? undefined : fromHex(wasm.calculatedHash)),
    };
  }

  /**
   * Chunks that arrived out of order are absorbed into the running hash by later messages (a
   * timer), a bounded number at a time, so no message hashes too much.
   */
  private continueHashingLater(hash: string): void {
    const wasm = this.store.view.wasms.get(hash);
    if (!wasm || wasm.calculatedHash !== undefined || wasm.upload.failure !== undefined) return;
    if (!wasm.upload.stored.includes(wasm.upload.hashedChunks)) return;
    setTimer(0, () => {
      const current = this.store.view.wasms.get(hash);
      if (!current || current.calculatedHash !== undefined || current.upload.failure !== undefined) return;
      const outcome = advanceHash(current, current.upload, (i) => this.store.chunk(hash, i));
      this.store.putWasm({ ...current, upload: outcome.progress, calculatedHash: outcome.kind === 'verified' ? hash : undefined });
      if (outcome.kind === 'verified') this.log('118verified', [['hash', { Blob: fromHex(hash) }]]);
      else if (outcome.kind === 'mismatch') this.log('118verified', [['hash', { Blob: fromHex(hash) }], ['failure', { Text: outcome.progress.failure ?? '' }]]);
      else this.continueHashingLater(hash);
    });
  }

  @update([T.DeprecateRequest], T.DeprecateResult)
  icrc118_deprecate(r: DeprecateRequest): DeprecateResult {
    const caller = this.caller();
    const wasm = this.store.view.wasms.get(hex(r.hash));
    if (!wasm) return { Error: { NotFound: null } };
    const type = this.store.view.types.get(wasm.namespace);
    if (!type || !controlsType(type, caller.text)) return { Error: { Unauthorized: null } };
    const deprecated = opt(r.deprecation_flag) ?? true;
    if (!deprecated) {
      // Un-deprecating must not create two live versions that the draft's rule forbids.
      const clash = [...this.store.view.wasms.values()].find((o) =>
        o.namespace === wasm.namespace && !o.deprecated && o.hash !== wasm.hash &&
        (o.previousHash === wasm.previousHash || o.version.every((n, i) => n === wasm.version[i])));
      if (clash) return { Error: { Generic: `cannot un-deprecate: the live version ${clash.hash} has the same version number or predecessor` } };
    }
    this.store.putWasm({ ...wasm, deprecated });
    return { Ok: this.log('118deprecate', [['hash', { Blob: fromHex(wasm.hash) }], ['deprecated', { Nat: deprecated ? 1n : 0n }]]) };
  }

  @query([T.GetWasmsRequest], IDL.Vec(T.Wasm))
  icrc118_get_wasms(request: GetWasmsRequest): Wasm[] {
    const filters = (opt(request.filter) ?? []).map(filterFromCandid);
    const prev = opt(request.prev);
    return queryWasms(this.store.view, filters, prev === undefined ? undefined : hex(prev), opt(request.take)).map(wasmToCandid);
  }

  @query([T.GetUpgradePathRequest], T.UpgradePathResult)
  icrc118_get_upgrade_path(r: GetUpgradePathRequest): UpgradePathResult {
    const result = upgradePath(this.store.view, r.canister_type_namespace, hex(r.current_version), hex(r.target_version));
    if ('ok' in result) return { Ok: result.ok.map(versionToCandid) };
    const e = result.error;
    switch (e.kind) {
      case 'DeprecatedStep': return { Error: { DeprecatedStep: fromHex(e.hash) } };
      case 'UnverifiedStep': return { Error: { UnverifiedStep: fromHex(e.hash) } };
      default: return { Error: { [e.kind]: null } as never };
    }
  }

  @query([T.GetWasmChunkRequest], T.GetWasmChunkResult)
  icrc118_get_wasm_chunk(r: GetWasmChunkRequest): GetWasmChunkResult {
    const hash = hex(r.hash);
    const wasm = this.store.view.wasms.get(hash);
    if (!wasm) return { Error: { NotFound: null } };
    if (wasm.calculatedHash === undefined) return { Error: { NotVerified: null } };
    if (r.chunk_id >= BigInt(wasm.expectedChunks)) return { Error: { ChunkOutOfRange: { total_chunks: BigInt(wasm.expectedChunks) } } };
    const id = Number(r.chunk_id);
    const bytes = this.store.chunk(hash, id);
    if (!bytes) return { Error: { NotFound: null } };
    return { Ok: { chunk_id: r.chunk_id, wasm_chunk: bytes, total_chunks: BigInt(wasm.expectedChunks), chunk_hash: some(wasm.chunkHashes?.[id] === undefined ? undefined : fromHex(wasm.chunkHashes[id]!)) } };
  }

  @query([IDL.Vec(IDL.Nat8)], IDL.Opt(T.UploadStatus))
  lineage_upload_status(hash: Uint8Array): [] | [UploadStatus] {
    const wasm = this.store.view.wasms.get(hex(hash));
    return wasm ? [uploadStatus(wasm)] : [];
  }

  // ---- installations ---------------------------------------------------------------------

  /**
   * A deployer reports that it installed a version on a canister. The registry believes only what
   * `canister_info` shows: the canister runs that module and the reporter controls it.
   */
  @update([T.ReportInstallationRequest], T.ReportInstallationResult)
  async lineage_report_installation(r: ReportInstallationRequest): Promise<ReportInstallationResult> {
    const reporter = msgCaller().toText();
    if (reporter === ANONYMOUS) return { Error: { Unauthorized: null } };
    const hash = hex(r.hash);
    if (!this.store.view.wasms.has(hash)) return { Error: { UnknownHash: null } };
    // What the log already says is answered from it: no call, no second block.
    const repeated = repeatedReport(this.store.view.installations, r.canister.toText(), hash);
    if (repeated?.block !== undefined) return { Ok: repeated.block };
    const refusedFor = this.failureBudgetRefuses(reporter);
    if (refusedFor !== undefined) return { Error: { TooManyRequests: { retry_after_seconds: refusedFor } } };
    // One canister_info call answers the module, the controllers and the version of the latest
    // change; nothing awaits between reading the state and recording, so concurrent reports each
    // get their own position.
    const Change = IDL.Record({ timestamp_nanos: IDL.Nat64, canister_version: IDL.Nat64, origin: IDL.Reserved, details: IDL.Reserved });
    const Result = IDL.Record({
      total_num_changes: IDL.Nat64, recent_changes: IDL.Vec(Change), module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)), controllers: IDL.Vec(IDL.Principal),
    });
    let info: { module_hash: [] | [Uint8Array]; controllers: Principal[]; recent_changes: { canister_version: bigint }[] };
    try {
      info = await call<[{ canister_id: Principal; num_requested_changes: [] | [bigint] }], typeof info>('aaaaa-aa', 'canister_info', {
        paramIdlTypes: [CanisterInfoArgs], returnIdlType: Result,
        args: [{ canister_id: r.canister, num_requested_changes: [1n] }],
      });
    } catch (error) {
      const e = error as { rejectMessage?: string };
      return { Error: { InfoUnavailable: e.rejectMessage ?? String(error) } };
    }
    const moduleHash = opt(info.module_hash);
    if (moduleHash === undefined || hex(moduleHash) !== hash) {
      return { Error: { NotInstalled: { module_hash: some(moduleHash) } } };
    }
    if (!info.controllers.some((c) => c.toText() === reporter)) {
      return { Error: { NotAController: null } };
    }
    // Re-read after the await: the version may have changed meanwhile (nothing else is assumed).
    if (!this.store.view.wasms.has(hash)) return { Error: { UnknownHash: null } };
    const canister = r.canister.toText();
    const seq = this.store.view.installations.reduce((m, i) => Math.max(m, i.seq), -1) + 1;
    const canisterVersion = info.recent_changes[0]?.canister_version ?? 0n;
    // A concurrent report of the same installation may have been recorded during the await.
    const recorded = repeatedReport(this.store.view.installations, canister, hash);
    if (recorded?.block !== undefined && recorded.canisterVersion === canisterVersion) return { Ok: recorded.block };
    const block = this.log('118install', [
      ['hash', { Blob: fromHex(hash) }], ['canister', principalBlob(canister)], ['reporter', principalBlob(reporter)],
      ['canister_version', { Nat: canisterVersion }],
    ]);
    this.store.putInstallation({ canister, hash, reporter, canisterVersion, recordedAt: time(), seq, block });
    return { Ok: block };
  }

  /**
   * Seconds to wait when the reporter's bucket is empty; undefined when it may go ahead (a token
   * is taken before the call, so concurrent reports cannot overrun it). Reporters without a
   * confirmed installation share one small bucket; a confirmed reporter (a deployer) has its own,
   * so strangers cannot hold deployers back.
   */
  private failureBudgetRefuses(reporter: string): bigint | undefined {
    const now = time();
    const known = isKnownReporter(this.store.view.installations, reporter);
    const rule = known ? KNOWN_REPORTERS : UNKNOWN_REPORTERS;
    const current = (known ? this.reporterChecks.get(reporter) : this.newcomerChecks) ?? fullBucket(rule, now);
    const taken = takeToken(rule, current, now);
    if (known) this.reporterChecks.set(reporter, taken.bucket);
    else this.newcomerChecks = taken.bucket;
    return taken.granted ? undefined : rule.refillNanos / 1_000_000_000n + 1n;
  }

  @query([T.GetInstallationsRequest], IDL.Vec(T.Installation))
  lineage_get_installations(r: { hash: [] | [Uint8Array]; canister: [] | [Principal]; prev: [] | [bigint]; take: [] | [bigint] }): Installation[] {
    const hash = opt(r.hash);
    const canister = opt(r.canister)?.toText();
    const prev = opt(r.prev);
    const take = Number(opt(r.take) ?? 100n);
    return this.store.view.installations
      .filter((i) => (hash === undefined || i.hash === hex(hash)) && (canister === undefined || i.canister === canister))
      .filter((i) => prev === undefined || BigInt(i.seq) > prev)
      .slice(0, Math.min(take, 1000))
      .map(installationToCandid);
  }

  // ---- ICRC-126: build verification ----------------------------------------------------------

  /** A controller of the version's type says where its source is: repository, commit, build metadata. */
  @update([T.VerificationRequest], T.VerificationResult)
  icrc126_verification_request(r: VerificationRequest): VerificationResult {
    const caller = msgCaller().toText();
    if (caller === ANONYMOUS) return { Error: { Unauthorized: null } };
    const hash = hex(r.wasm_hash);
    const wasm = this.store.view.wasms.get(hash);
    if (!wasm) return { Error: { NotFound: null } };
    const type = this.store.view.types.get(wasm.namespace);
    if (!type || !controlsType(type, caller)) return { Error: { Unauthorized: null } };
    const commit = asBytes(r.commit_hash);
    const refused = requestProblem({ repo: r.repo, commit, metadata: r.metadata });
    if (refused) return { Error: refusalToCandid(refused) };
    const block = this.log('126request', [
      ['wasm_hash', { Blob: fromHex(hash) }], ['repo', { Text: r.repo }], ['commit_hash', { Blob: commit }],
    ]);
    this.store.putRequest({ hash, repo: r.repo, commit: toHex(commit), metadata: r.metadata, requestedBy: caller, requestedAt: time(), block });
    return { Ok: block };
  }

  /** Anyone who rebuilt the version and got its hash says so; it replaces the caller's earlier filing on it. */
  @update([T.AttestationRequest], T.VerificationResult)
  icrc126_file_attestation(r: AttestationRequest): VerificationResult {
    return this.file(r.wasm_id, 'attested', '', r.metadata, opt(r.rebuilt_hash));
  }

  /** Anyone who rebuilt the version and got something else says so (with what differed). */
  @update([T.DivergenceReportRequest], T.VerificationResult)
  icrc126_file_divergence(r: DivergenceReportRequest): VerificationResult {
    return this.file(r.wasm_id, 'diverged', r.divergence_report, opt(r.metadata) ?? [], opt(r.rebuilt_hash));
  }

  private file(wasmId: string, outcome: 'attested' | 'diverged', report: string, metadata: VerificationRequest['metadata'], rebuilt: Uint8Array | number[] | undefined): VerificationResult {
    const verifier = msgCaller().toText();
    if (verifier === ANONYMOUS) return { Error: { Unauthorized: null } };
    const parsed = parseWasmId(wasmId);
    if ('kind' in parsed) return { Error: refusalToCandid(parsed) };
    const { hash } = parsed;
    if (!this.store.view.wasms.has(hash)) return { Error: { NotFound: null } };
    const rebuiltHash = rebuilt === undefined ? undefined : asBytes(rebuilt);
    const tooLarge = filingProblem({ report, metadata, rebuiltHash });
    if (tooLarge) return { Error: refusalToCandid(tooLarge) };
    if (outcome === 'attested' && rebuiltHash !== undefined && toHex(rebuiltHash) !== hash) {
      return { Error: { HashMismatch: { expected: fromHex(hash), rebuilt: rebuiltHash } } };
    }
    const admitted = admitFiling(this.store.filings, verifier, hash);
    if (admitted) return { Error: refusalToCandid(admitted) };
    const wait = this.filingBudgetRefuses(verifier);
    if (wait !== undefined) return { Error: { TooManyRequests: { retry_after_seconds: wait } } };
    const amended = filingOf(this.store.filings, verifier, hash);
    const tx: [string, Value][] = [['wasm_hash', { Blob: fromHex(hash) }]];
    if (rebuiltHash !== undefined) tx.push(['rebuilt_hash', { Blob: rebuiltHash }]);
    if (outcome === 'diverged') tx.push(['report', { Text: report }]);
    if (amended) tx.push(['amends', { Nat: amended.block }]);
    const block = this.log(outcome === 'attested' ? '126attestation' : '126divergence', tx);
    this.store.putFiling({
      hash, verifier, outcome, report, rebuiltHash: rebuiltHash && toHex(rebuiltHash), metadata, filedAt: time(), block, seq: this.store.nextFilingSeq(),
    });
    return { Ok: block };
  }

  /** Seconds to wait when the filer's bucket is empty (see `domain/verifications.ts`). */
  private filingBudgetRefuses(verifier: string): bigint | undefined {
    const now = time();
    const known = isKnownVerifier(this.store.filings, verifier);
    const rule = known ? KNOWN_VERIFIERS : NEW_VERIFIERS;
    const current = (known ? this.verifierFilings.get(verifier) : this.newVerifierFilings) ?? fullBucket(rule, now);
    const taken = takeToken(rule, current, now);
    if (known) this.verifierFilings.set(verifier, taken.bucket);
    else this.newVerifierFilings = taken.bucket;
    return taken.granted ? undefined : rule.refillNanos / 1_000_000_000n + 1n;
  }

  /** Current filings, by version and / or verifier, in filing order, paged by `seq`. */
  @query([T.GetVerificationsRequest], IDL.Vec(T.Verification))
  lineage_get_verifications(r: GetVerificationsRequest): Verification[] {
    const hash = opt(r.wasm_hash);
    const filter = { hash: hash === undefined ? undefined : hex(hash), verifier: opt(r.verifier)?.toText() };
    return queryVerifications(this.store.filings, filter, opt(r.prev), opt(r.take)).map(filingToCandid);
  }

  @query([IDL.Vec(IDL.Nat8)], IDL.Opt(T.VerificationRequestRecord))
  lineage_get_verification_request(hash: Uint8Array): [] | [CandidVerificationRequest] {
    const record = this.store.requests.get(hex(hash));
    return record ? [requestToCandid(record)] : [];
  }

  // ---- ICRC-3 and ICRC-10 ------------------------------------------------------------------

  @query([T.GetBlocksArgs], T.GetBlocksResult)
  icrc3_get_blocks(ranges: { start: bigint; length: bigint }[]): Icrc3GetBlocksResult {
    return { ...this.store.log.getBlocks(ranges, MAX_BLOCKS_PER_REPLY), archived_blocks: [] } as Icrc3GetBlocksResult;
  }

  @query([], IDL.Opt(T.DataCertificate))
  icrc3_get_tip_certificate(): [] | [Icrc3DataCertificate] {
    const certificate = dataCertificate();
    const tree = this.store.log.tipHashTree();
    if (!certificate || !tree) return [];
    return [{ certificate, hash_tree: tree }];
  }

  @query([T.GetArchivesArgs], T.GetArchivesResult)
  icrc3_get_archives(_args: { from: [] | [Principal] }): { canister_id: Principal; start: bigint; end: bigint }[] {
    return [];
  }

  @query([], IDL.Vec(T.BlockType))
  icrc3_supported_block_types(): { block_type: string; url: string }[] {
    return BLOCK_TYPES.map((block_type) => ({ block_type, url: DOCS }));
  }

  @query([], IDL.Vec(T.SupportedStandard))
  icrc10_supported_standards(): { name: string; url: string }[] {
    return [
      { name: 'ICRC-3', url: 'https://github.com/dfinity/ICRC-1/tree/main/standards/ICRC-3' },
      { name: 'ICRC-10', url: 'https://github.com/dfinity/ICRC/ICRCs/ICRC-10' },
      { name: 'ICRC-118', url: 'https://github.com/dfinity/ICRC/ICRCs/ICRC-118' },
      { name: 'ICRC-126', url: 'https://github.com/dfinity/ICRC/ICRCs/ICRC-126' },
    ];
  }
}
