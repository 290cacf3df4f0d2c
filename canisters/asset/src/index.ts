/**
 * The Lineage asset canister: DFINITY's asset canister interface (uploads with `@dfinity/assets`
 * and dfx work unchanged), certified serving with response verification v2 and v1, and a
 * tamper-evident history of the certified roots (`get_recent_hashes`, `get_certified_root`).
 *
 * This class is the shell: Candid in and out, the caller, time and certification. The rules live
 * in `./domain`; state lives in `./storage`.
 */
import {
  call, canisterSelf, certifiedDataSet, dataCertificate, IDL, init, inspectMessage, isController, msgArgData, msgCaller, msgMethodName, postUpgrade,
  Principal, time, trap,
} from 'azle';
import { ingressProblem, type IngressPolicy } from '@lineage/kit';
import {
  assetTypes,
  type AssetCanisterArgs, type AssetCanisterInfo, type AssetDetails, type AssetError as CandidAssetError, type AssetHttpRequest,
  type AssetHttpResponse, type AssetPermission, type AssetProperties, type AssetStreamingResponse, type AssetStreamingToken,
  type CertifiedRoot, type CommitBatchArguments, type CommitProposedBatchArguments, type CommitReceipt, type CommitResult,
  type ComputeEvidenceArguments, type ConfigurationResponse, type ConfigureArguments, type CreateAssetArguments, type CreateChunkResult,
  type EncodedAsset, type RootHistoryEntry, type SetAssetContentArguments, type SetAssetPropertiesArguments, type StateInfo,
  type StoreArguments, type UnsetAssetContentArguments, type ValidationResult,
} from '@lineage/types';

import {
  advanceEvidence, advanceHashing, ANONYMOUS, applyConfigure, assetProblems, asBytes, BATCH_EXPIRY_NANOS, batchLimitProblem, bytesEqual, certifyChanges, chunkCount,
  chunkLimitProblem, DEFAULT_EVIDENCE_ITERATIONS, EVIDENCE_BYTES_PER_CALL, DEFAULT_HISTORY_LENGTH, describeCommitError, describeError, encodeHashTree, grant,
  MAX_BATCH_CHUNKS, MAX_HISTORY_LENGTH, MAX_LIST_PAGE, MAX_OPERATIONS, MAX_MESSAGE_CONTENT_BYTES, MAX_OPEN_BATCHES, MAX_PENDING_BYTES,
  MAX_UPLOAD_CHUNK_BYTES, HASH_BYTES_PER_MESSAGE, hashingLeft, planHashing, UPLOAD_HASH_BYTES, may, mayRevoke, nextEntry, noPermissions, planCommit, proposalProblem, rechunk, REMEMBERED_CLOSED_BATCHES,
  revoke, SERVE_CHUNK_BYTES, serveHttp, sha256, sourceOf, startEvidence, stateOperations, streamChunk, toHex,
  type AssetError, type AssetRecord, type CommitError, type CommitPlan, type ContentHashes, type EvidenceProgress, type HistoryEntry, type Operation, type Permission,
  type PermissionLists, type Waiting,
} from './domain/index.js';
import { query, update } from './methods.js';
import { Storage, type Settings } from './storage.js';

/**
 * Ingress the asset canister refuses before paying for it (`canister_inspect_message`): the
 * anonymous principal holds no permission, so it can change nothing; and an argument is at most
 * the IC's 2 MiB ingress limit. Methods not named here (reads, validations) stay open.
 */
const INGRESS: IngressPolicy = {
  maxArgBytes: { default: 2 * 1024 * 1024 },
  refuseAnonymous: new Set([
    'authorize', 'deauthorize', 'grant_permission', 'revoke_permission', 'take_ownership', 'create_batch', 'create_chunk',
    'create_chunks', 'delete_batch', 'commit_batch', 'propose_commit_batch', 'compute_evidence', 'commit_proposed_batch', 'store', 'create_asset',
    'set_asset_content', 'unset_asset_content', 'delete_asset', 'clear', 'set_asset_properties', 'configure',
  ]),
};

const T = assetTypes(IDL);

type Opt<T> = [] | [T];
const opt = <T>(o: Opt<T>): T | undefined => (o.length === 0 ? undefined : o[0]);
const some = <T>(v: T | undefined): Opt<T> => (v === undefined ? [] : [v]);

/** Steps of the state hash one `compute_state_hash` call takes (and at most EVIDENCE_BYTES_PER_CALL of content). */
const STATE_HASH_STEPS = 200;

/**
 * A batch whose commit hashes in slices is locked (no chunks, no deletion, no other commit) until
 * the commit ends; a lock whose commit made no progress for this long is stale (its commit
 * trapped in a callback, which rolls back that message but not the lock taken before it).
 */
const COMMIT_IDLE_NANOS = 120_000_000_000n;

const permissionName = (p: AssetPermission): Permission => Object.keys(p)[0] as Permission;

class Refused {
  constructor(readonly error: AssetError) {}
}

export default class {
  state = new Storage();
  /** Batches whose commit is hashing in slices → the time of its last slice (heap only). */
  private readonly committing = new Map<bigint, bigint>();

  @inspectMessage({ manual: true })
  inspect(): boolean {
    const problem = ingressProblem(INGRESS, msgMethodName(), msgCaller().toText(), msgArgData());
    if (problem) trap(problem);
    return true;
  }

  // ---- install and upgrade ------------------------------------------------------------------

  @init([IDL.Opt(T.AssetCanisterArgs)])
  init(args: Opt<AssetCanisterArgs>): void {
    const arg = opt(args);
    if (arg && 'Upgrade' in arg) trap('Cannot initialize the canister with an Upgrade argument. Please provide an Init argument.');
    const initArgs = arg && 'Init' in arg ? arg.Init : undefined;
    const historyLength = opt(initArgs?.history_length ?? []) ?? DEFAULT_HISTORY_LENGTH;
    if (historyLength < 1 || historyLength > MAX_HISTORY_LENGTH) trap(`history_length is between 1 and ${MAX_HISTORY_LENGTH}`);
    const caller = msgCaller().toText();
    let permissions = noPermissions();
    if (caller !== ANONYMOUS) permissions = grant(permissions, caller, 'Commit');
    const set = opt(initArgs?.set_permissions ?? []);
    if (set) permissions = permissionsFrom(set);
    this.state.initialise({ historyLength, permissions, nextBatch: 1n, nextChunk: 1n, nextBlob: 0, historyTotal: 0n });
    this.state.load();
    this.appendHistory(undefined);
    this.certify();
  }

  @postUpgrade([IDL.Opt(T.AssetCanisterArgs)])
  postUpgrade(args: Opt<AssetCanisterArgs>): void {
    const arg = opt(args);
    if (arg && 'Init' in arg) trap('Cannot upgrade the canister with an Init argument. Please provide an Upgrade argument.');
    this.state.load();
    const upgrade = arg && 'Upgrade' in arg ? arg.Upgrade : undefined;
    const set = opt(upgrade?.set_permissions ?? []);
    const historyLength = opt(upgrade?.history_length ?? []);
    if (historyLength !== undefined && (historyLength < this.state.settings.historyLength || historyLength > MAX_HISTORY_LENGTH)) {
      trap(`history_length can only grow on upgrade (now ${this.state.settings.historyLength}, at most ${MAX_HISTORY_LENGTH})`);
    }
    this.state.settings = {
      ...this.state.settings,
      ...(set ? { permissions: permissionsFrom(set) } : {}),
      ...(historyLength !== undefined ? { historyLength } : {}),
    };
    // A new module that certifies the same assets differently shows in the history.
    const last = this.state.last;
    if (!last || !bytesEqual(last.root, this.state.tree.assetRoot())) this.appendHistory(undefined);
    this.certify();
  }

  // ---- certification and history ------------------------------------------------------------

  private certify(): void {
    certifiedDataSet(this.state.tree.certifiedData(this.state.last!.hash));
  }

  private appendHistory(batchId: bigint | undefined, evidence?: Uint8Array): HistoryEntry {
    const entry = nextEntry(this.state.last, this.state.tree.assetRoot(), time(), batchId, BigInt(this.state.assets.size), evidence);
    this.state.appendEntry(entry);
    return entry;
  }

  // ---- permissions ----------------------------------------------------------------------------

  private check(permission: Permission, caller: Principal = msgCaller()): void {
    if (!may(this.state.settings.permissions, caller.toText(), isController(caller), permission)) {
      throw new Refused({ Unauthorized: { caller: caller.toText(), needs: permission } });
    }
  }

  private setPermissions(permissions: PermissionLists): void {
    this.state.settings = { ...this.state.settings, permissions };
  }

  @update([IDL.Principal])
  authorize(p: Principal): void {
    this.orTrap(() => {
      this.check('ManagePermissions');
      this.grantTo(p, 'Commit');
    });
  }

  @update([IDL.Principal])
  deauthorize(p: Principal): void {
    this.orTrap(() => this.revokeFrom(p, 'Commit'));
  }

  @update([], IDL.Vec(IDL.Principal))
  list_authorized(): Principal[] {
    return this.state.settings.permissions.Commit.map((p) => Principal.fromText(p));
  }

  @update([T.GrantPermission])
  grant_permission(arg: { to_principal: Principal; permission: AssetPermission }): void {
    this.orTrap(() => {
      this.check('ManagePermissions');
      this.grantTo(arg.to_principal, permissionName(arg.permission));
    });
  }

  @update([T.RevokePermission])
  revoke_permission(arg: { of_principal: Principal; permission: AssetPermission }): void {
    this.orTrap(() => this.revokeFrom(arg.of_principal, permissionName(arg.permission)));
  }

  @update([T.ListPermitted], IDL.Vec(IDL.Principal))
  list_permitted(arg: { permission: AssetPermission }): Principal[] {
    return this.state.settings.permissions[permissionName(arg.permission)].map((p) => Principal.fromText(p));
  }

  @update([])
  take_ownership(): void {
    const caller = msgCaller();
    if (!isController(caller)) trap('Unauthorized: only a controller may take ownership');
    this.setPermissions(grant(noPermissions(), caller.toText(), 'Commit'));
  }

  // DFINITY's `validate_*` companions: an SNS calls them to check and describe a proposal that
  // will call the method; anyone may call them, and they change nothing.

  @update([T.GrantPermission], T.ValidationResult)
  validate_grant_permission(arg: { to_principal: Principal; permission: AssetPermission }): ValidationResult {
    if (arg.to_principal.toText() === ANONYMOUS) return { Err: 'the anonymous principal cannot hold a permission' };
    return { Ok: `grant ${permissionName(arg.permission)} permission to principal ${arg.to_principal.toText()}` };
  }

  @update([T.RevokePermission], T.ValidationResult)
  validate_revoke_permission(arg: { of_principal: Principal; permission: AssetPermission }): ValidationResult {
    return { Ok: `revoke ${permissionName(arg.permission)} permission from principal ${arg.of_principal.toText()}` };
  }

  @update([], T.ValidationResult)
  validate_take_ownership(): ValidationResult {
    return { Ok: 'revoke all permissions, then give the caller Commit permission' };
  }

  // ---- configuration ------------------------------------------------------------------------

  @update([], T.ConfigurationResponse)
  get_configuration(): ConfigurationResponse {
    return this.orTrap(() => {
      this.check('Prepare');
      const c = this.state.extras.configuration;
      return { max_batches: some(c.maxBatches), max_chunks: some(c.maxChunks), max_bytes: some(c.maxBytes) };
    });
  }

  @update([T.ConfigureArguments])
  configure(arg: ConfigureArguments): void {
    this.orTrap(() => {
      this.check('Commit');
      this.state.extras = { ...this.state.extras, configuration: applyConfigure(this.state.extras.configuration, arg) };
    });
  }

  @update([T.ConfigureArguments], T.ValidationResult)
  validate_configure(arg: ConfigureArguments): ValidationResult {
    const show = (v: Opt<Opt<bigint>>) => (v.length === 0 ? 'unchanged' : v[0]!.length === 0 ? 'none' : String(v[0]![0]));
    return { Ok: `configure: max_batches ${show(arg.max_batches)}, max_chunks ${show(arg.max_chunks)}, max_bytes ${show(arg.max_bytes)}` };
  }

  private grantTo(p: Principal, permission: Permission): void {
    if (p.toText() === ANONYMOUS) throw new Refused({ InvalidArgument: 'the anonymous principal cannot hold a permission' });
    this.setPermissions(grant(this.state.settings.permissions, p.toText(), permission));
  }

  private revokeFrom(p: Principal, permission: Permission): void {
    const caller = msgCaller();
    if (!mayRevoke(this.state.settings.permissions, caller.toText(), isController(caller), p.toText(), permission)) {
      throw new Refused({ Unauthorized: { caller: caller.toText(), needs: 'ManagePermissions' } });
    }
    this.setPermissions(revoke(this.state.settings.permissions, p.toText(), permission));
  }

  /** Runs `f`; a refusal becomes the IC's reject (the DFINITY methods have no error type). */
  private orTrap<R>(f: () => R): R {
    try {
      return f();
    } catch (e) {
      if (e instanceof Refused) trap(describeError(e.error));
      throw e;
    }
  }

  // ---- uploads ------------------------------------------------------------------------------

  /** Drops batches nobody touched in time, and their chunks. */
  private expireBatches(): void {
    const now = time();
    for (const [id, open] of [...this.state.openBatches]) {
      if (open.record.expiresAt < now && !this.awaitsVote(id) && !this.isCommitting(id)) this.closeBatch(id, 'expired');
    }
  }

  /** Whether a commit of batch `id` is hashing in slices (and so holds the batch). */
  private isCommitting(id: bigint): boolean {
    const since = this.committing.get(id);
    return since !== undefined && time() - since < COMMIT_IDLE_NANOS;
  }

  /** Refuses to change batch `id` while a commit is hashing its contents. */
  private refuseIfCommitting(id: bigint): void {
    if (this.isCommitting(id)) throw new Refused({ InvalidArgument: `batch ${id} is being committed; wait for that commit to reply` });
  }

  /** A proposed batch whose evidence is computed waits for its commit without expiring (as in DFINITY's canister). */
  private awaitsVote(id: bigint): boolean {
    return this.state.proposal(id)?.evidence !== undefined;
  }

  private closeBatch(id: bigint, status: 'committed' | 'expired'): void {
    this.state.removeProposal(id);
    const open = this.state.openBatches.get(id);
    if (open) for (const chunk of [...open.chunks.keys()]) this.state.removeChunk(id, chunk);
    const record = this.state.batchRecord(id);
    this.state.putBatch(id, { status, expiresAt: record?.expiresAt ?? 0n, bytes: 0n, chunks: 0 });
    for (const old of this.state.closedBatchesBeyond(REMEMBERED_CLOSED_BATCHES)) this.state.forgetBatch(old);
  }

  /** The open batch `id`, or the reason it cannot take chunks or be committed. */
  private openBatch(id: bigint) {
    const record = this.state.batchRecord(id);
    if (!record) throw new Refused({ UnknownBatch: { batch_id: id } });
    if (record.status === 'committed') throw new Refused({ BatchCommitted: { batch_id: id } });
    if (record.status === 'expired') throw new Refused({ BatchExpired: { batch_id: id } });
    if (record.expiresAt < time() && !this.awaitsVote(id) && !this.isCommitting(id)) {
      this.closeBatch(id, 'expired');
      throw new Refused({ BatchExpired: { batch_id: id } });
    }
    return this.state.openBatches.get(id)!;
  }

  /** What waits in open batches (for the configured limits). */
  private waiting(): Waiting {
    let chunks = 0;
    let bytes = 0n;
    for (const open of this.state.openBatches.values()) {
      chunks += open.chunks.size;
      bytes += open.record.bytes;
    }
    return { batches: this.state.openBatches.size, chunks, bytes };
  }

  @update([IDL.Record({})], IDL.Record({ batch_id: T.BatchId }))
  create_batch(_arg: Record<string, never>): { batch_id: bigint } {
    return this.orTrap(() => {
      this.check('Prepare');
      this.expireBatches();
      // One proposal at a time, as in DFINITY's canister: a DAO votes on one batch, and no other
      // batch may change the assets the proposal was prepared against meanwhile.
      for (const id of this.state.proposedBatches()) {
        throw new Refused({
          InvalidArgument: this.awaitsVote(id)
            ? `batch ${id} is already proposed; delete or commit it to propose another`
            : `batch ${id} has not completed evidence computation; wait for it to expire or delete it`,
        });
      }
      if (this.state.openBatches.size >= MAX_OPEN_BATCHES) throw new Refused({ LimitExceeded: `at most ${MAX_OPEN_BATCHES} open batches` });
      const configured = batchLimitProblem(this.state.extras.configuration, this.waiting());
      if (configured) throw new Refused({ LimitExceeded: configured });
      const s = this.state.settings;
      const id = s.nextBatch;
      this.state.settings = { ...s, nextBatch: id + 1n };
      this.state.putBatch(id, { status: 'open', expiresAt: time() + BATCH_EXPIRY_NANOS, bytes: 0n, chunks: 0 });
      return { batch_id: id };
    });
  }

  private createChunks(batchId: bigint, contents: Uint8Array[]): bigint[] {
    this.check('Prepare');
    const batch = this.openBatch(batchId);
    this.refuseIfCommitting(batchId);
    if (this.state.proposal(batchId)) throw new Refused({ InvalidArgument: `batch ${batchId} has been proposed: it takes no more chunks` });
    let total = 0;
    for (const c of contents) {
      if (c.length > MAX_UPLOAD_CHUNK_BYTES) throw new Refused({ ChunkTooLarge: { size: BigInt(c.length), max: BigInt(MAX_UPLOAD_CHUNK_BYTES) } });
      total += c.length;
    }
    if (total > MAX_MESSAGE_CONTENT_BYTES) throw new Refused({ LimitExceeded: `at most ${MAX_MESSAGE_CONTENT_BYTES} content bytes per message` });
    if (batch.chunks.size + contents.length > MAX_BATCH_CHUNKS) throw new Refused({ LimitExceeded: `at most ${MAX_BATCH_CHUNKS} chunks per batch` });
    let pending = 0n;
    for (const open of this.state.openBatches.values()) pending += open.record.bytes;
    if (pending + BigInt(total) > BigInt(MAX_PENDING_BYTES)) throw new Refused({ LimitExceeded: `at most ${MAX_PENDING_BYTES} bytes waiting in open batches` });
    const configured = chunkLimitProblem(this.state.extras.configuration, this.waiting(), contents.length, BigInt(total));
    if (configured) throw new Refused({ LimitExceeded: configured });
    const s = this.state.settings;
    const ids = contents.map((_, i) => s.nextChunk + BigInt(i));
    this.state.settings = { ...s, nextChunk: s.nextChunk + BigInt(contents.length) };
    // Small chunks are hashed now (a one-chunk file then needs no hashing at its commit); larger
    // ones at the commit, in slices: hashing 1.9 MB here would take half an update's limit.
    let hashed = 0;
    contents.forEach((c, i) => {
      hashed += c.length;
      this.state.putChunk(batchId, ids[i]!, c, hashed <= UPLOAD_HASH_BYTES ? sha256(c) : undefined);
    });
    this.state.putBatch(batchId, {
      status: 'open', expiresAt: time() + BATCH_EXPIRY_NANOS, bytes: batch.record.bytes + BigInt(total), chunks: batch.chunks.size,
    });
    return ids;
  }

  @update([T.CreateChunkArguments], IDL.Record({ chunk_id: T.ChunkId }))
  create_chunk(arg: { batch_id: bigint; content: Uint8Array }): { chunk_id: bigint } {
    return this.orTrap(() => ({ chunk_id: this.createChunks(arg.batch_id, [asBytes(arg.content)])[0]! }));
  }

  @update([T.CreateChunksArguments], IDL.Record({ chunk_ids: IDL.Vec(T.ChunkId) }))
  create_chunks(arg: { batch_id: bigint; content: Uint8Array[] }): { chunk_ids: bigint[] } {
    return this.orTrap(() => ({ chunk_ids: this.createChunks(arg.batch_id, arg.content.map(asBytes)) }));
  }

  @update([T.CreateChunkArguments], T.CreateChunkResult)
  lineage_create_chunk(arg: { batch_id: bigint; content: Uint8Array }): CreateChunkResult {
    try {
      return { Ok: { chunk_id: this.createChunks(arg.batch_id, [asBytes(arg.content)])[0]! } };
    } catch (e) {
      if (e instanceof Refused) return { Err: e.error as CandidAssetError };
      throw e;
    }
  }

  @update([T.DeleteBatchArguments])
  delete_batch(arg: { batch_id: bigint }): void {
    this.orTrap(() => {
      this.check('Prepare');
      this.openBatch(arg.batch_id);
      this.refuseIfCommitting(arg.batch_id);
      const open = this.state.openBatches.get(arg.batch_id)!;
      for (const chunk of [...open.chunks.keys()]) this.state.removeChunk(arg.batch_id, chunk);
      this.state.removeProposal(arg.batch_id);
      this.state.forgetBatch(arg.batch_id);
    });
  }

  // ---- commits ------------------------------------------------------------------------------

  /**
   * Plans and applies `operations` (of batch `batchId`, or a single-operation method), then
   * certifies the new tree and records the root. A refusal changes nothing.
   *
   * Batch id 0 names no batch: `ic-asset` commits a large batch in stages, each a `commit_batch`
   * with id 0 whose operations use the real batch's chunks, then a last one with the real id and
   * no operations (which closes the batch). `evidence` is set for `commit_proposed_batch`.
   */
  private commit(
    operations: Operation[], batchId: bigint | undefined, evidence?: Uint8Array,
    hashed?: { caller: Principal; done: Map<number, ContentHashes> },
  ): { ok: { Ok: CommitReceipt } } | { err: CommitError } {
    const scoped = batchId !== undefined && batchId !== 0n ? batchId : undefined;
    const refusal = this.commitProblem(operations, scoped, evidence, hashed?.caller ?? msgCaller(), hashed !== undefined);
    if (refusal) return { err: { error: refusal, operation: [] } };
    const store = this.state;
    const planned = planCommit({
      now: time(),
      lookup: (k) => store.assets.get(k),
      keys: () => store.assets.keys(),
      ...(scoped !== undefined ? { batchId: scoped } : {}),
      chunkInfo: (id) => store.chunkInfo(id),
      readChunk: (id) => store.readChunk(id),
      ...(hashed ? { precomputed: (i: number) => hashed.done.get(i) } : {}),
    }, operations);
    return 'err' in planned ? { err: planned.err } : this.applyPlan(planned.ok, scoped, evidence);
  }

  /**
   * Why a commit cannot start: the caller's permission, the batch, a proposal, the configured
   * limits. `sliced`: the commit that hashed in slices holds its batches' lock.
   */
  private commitProblem(operations: Operation[], scoped: bigint | undefined, evidence: Uint8Array | undefined, caller: Principal, sliced: boolean): AssetError | undefined {
    try {
      this.check('Commit', caller);
      if (scoped !== undefined) {
        this.openBatch(scoped);
        if (!sliced) this.refuseIfCommitting(scoped);
        if (evidence === undefined && this.state.proposal(scoped)) {
          throw new Refused({ InvalidArgument: `batch ${scoped} is proposed: commit it with commit_proposed_batch, or delete it` });
        }
      }
      const inline = operations.reduce((n, op) => n + ('SetAssetContent' in op && op.SetAssetContent.last_chunk.length ? 1 : 0), 0);
      const inlineBytes = operations.reduce((n, op) => n + BigInt('SetAssetContent' in op ? op.SetAssetContent.last_chunk[0]?.length ?? 0 : 0), 0n);
      const configured = inline > 0 ? chunkLimitProblem(this.state.extras.configuration, this.waiting(), inline, inlineBytes) : undefined;
      if (configured) throw new Refused({ LimitExceeded: configured });
      return undefined;
    } catch (e) {
      if (e instanceof Refused) return e.error;
      throw e;
    }
  }

  /** Writes a planned commit, certifies the new tree and records the root: the one message that changes what is served. */
  private applyPlan(plan: CommitPlan, scoped: bigint | undefined, evidence: Uint8Array | undefined): { ok: { Ok: CommitReceipt } } {
    const store = this.state;
    // The batch a staged commit (id 0) belongs to: the one whose chunks it uses, when that is one batch.
    const chunkBatches = new Set(plan.usedChunks.map((id) => store.chunkInfo(id)?.batchId));
    const entryBatch = scoped ?? (chunkBatches.size === 1 ? [...chunkBatches][0] : undefined);

    // Write the new contents in serving chunks, then drop what is no longer referenced.
    const blobIds = new Map<number, number>();
    let settings: Settings = store.settings;
    for (const [plannedId, pieces] of plan.contents) {
      const blob = settings.nextBlob;
      settings = { ...settings, nextBlob: blob + 1 };
      rechunk((function* () {
        for (const p of pieces) yield 'inline' in p ? p.inline : store.readChunk(p.chunk);
      })(), (index, bytes) => store.writeBlob(blob, index, bytes));
      blobIds.set(plannedId, blob);
    }
    store.settings = settings;
    for (const id of plan.usedChunks) {
      const info = store.chunkInfo(id);
      if (info) store.removeChunk(info.batchId, id);
    }
    for (const e of plan.freed) store.removeBlob(e.blob, chunkCount(e.length));
    for (const [key, record] of plan.changes) {
      if (record === null) store.removeAsset(key);
      else store.putAsset({ ...record, encodings: record.encodings.map((e) => (e.blob < 0 ? { ...e, blob: blobIds.get(e.blob)! } : e)) });
    }
    if (scoped !== undefined) this.closeBatch(scoped, 'committed');
    if (plan.changes.size > 0) store.extras = { ...store.extras, lastStateUpdate: time() };

    certifyChanges(store.tree, plan.changes.keys(), (k) => store.assets.get(k));
    const root = store.tree.assetRoot();
    const changed = !bytesEqual(root, store.last!.root);
    // One entry per commit that changes the root; a committed proposal always gets one, so the
    // history shows which evidence (which vote) produced which root.
    const entry = changed || evidence !== undefined ? this.appendHistory(entryBatch, evidence) : store.last!;
    this.certify();
    return {
      ok: {
        Ok: {
          batch_id: some(entryBatch), asset_root: root, certified_data: store.tree.certifiedData(entry.hash), history_index: entry.index,
          changed, asset_count: BigInt(store.assets.size),
        },
      },
    };
  }

  /** A commit for the DFINITY methods: a refusal is the IC's reject (nothing was changed). */
  private commitOrTrap(operations: Operation[], batchId?: bigint, evidence?: Uint8Array): void {
    const r = this.commit(operations, batchId, evidence);
    if ('err' in r) trap(describeCommitError(r.err));
  }

  /**
   * A commit whose contents may be large: hashes them first, `HASH_BYTES_PER_MESSAGE` per message
   * (awaiting a call to itself between slices: each callback is a new message with its own
   * instruction limit, as the IC runs them), holding the batches whose chunks it uses, then plans
   * and applies the commit in one last message. The reply comes after the commit happened. Until
   * that last message nothing that is served, certified or listed changes; a refusal found there
   * changes nothing at all.
   */
  private async commitSliced(operations: Operation[], batchId: bigint | undefined, evidence?: Uint8Array): Promise<{ ok: { Ok: CommitReceipt } } | { err: CommitError }> {
    const caller = msgCaller();
    const scoped = batchId !== undefined && batchId !== 0n ? batchId : undefined;
    const refusal = this.commitProblem(operations, scoped, evidence, caller, false);
    if (refusal) return { err: { error: refusal, operation: [] } };
    const store = this.state;
    const hashing = planHashing(operations, (id) => store.chunkInfo(id));
    if (hashingLeft(hashing) > HASH_BYTES_PER_MESSAGE) {
      const held = new Set<bigint>(scoped !== undefined ? [scoped] : []);
      for (const job of hashing.jobs) for (const p of job.pieces) if ('chunk' in p) held.add(store.chunkInfo(p.chunk)!.batchId);
      for (const id of held) {
        try {
          this.refuseIfCommitting(id);
        } catch (e) {
          if (e instanceof Refused) return { err: { error: e.error, operation: [] } };
          throw e;
        }
      }
      try {
        for (;;) {
          for (const id of held) this.committing.set(id, time());
          if (advanceHashing(hashing, (id) => store.readChunk(id), HASH_BYTES_PER_MESSAGE)) break;
          await this.nextMessage();
        }
        await this.nextMessage();
      } finally {
        for (const id of held) this.committing.delete(id);
      }
    } else {
      advanceHashing(hashing, (id) => store.readChunk(id), HASH_BYTES_PER_MESSAGE);
    }
    return this.commit(operations, batchId, evidence, { caller, done: hashing.done });
  }

  /** Ends this message and continues in a new one: a call to itself (any cheap method does; `api_version` is one). */
  private async nextMessage(): Promise<void> {
    await call(canisterSelf(), 'api_version', { returnIdlType: IDL.Nat16 });
  }

  private async commitSlicedOrTrap(operations: Operation[], batchId?: bigint, evidence?: Uint8Array): Promise<void> {
    const r = await this.commitSliced(operations, batchId, evidence);
    if ('err' in r) trap(describeCommitError(r.err));
  }

  // ---- proposals (DAO-governed commits) -----------------------------------------------------

  /** Stores a batch's operations to be committed later by `commit_proposed_batch` with their evidence. */
  @update([T.CommitBatchArguments])
  propose_commit_batch(arg: CommitBatchArguments): void {
    this.orTrap(() => {
      this.check('Prepare');
      const batch = this.openBatch(arg.batch_id);
      this.refuseIfCommitting(arg.batch_id);
      if (this.state.proposal(arg.batch_id)) throw new Refused({ InvalidArgument: `batch ${arg.batch_id} already has proposed operations` });
      if (arg.operations.length > MAX_OPERATIONS) throw new Refused({ LimitExceeded: `at most ${MAX_OPERATIONS} operations per batch` });
      this.state.propose(arg.batch_id, arg.operations as Operation[]);
      // The proposal restarts the batch's expiry: its evidence is computed next.
      this.state.putBatch(arg.batch_id, { ...batch.record, expiresAt: time() + BATCH_EXPIRY_NANOS });
    });
  }

  /**
   * Advances the evidence of a proposed batch by `max_iterations` steps (default 20); returns it
   * once computed. Call until it does.
   */
  @update([T.ComputeEvidenceArguments], IDL.Opt(IDL.Vec(IDL.Nat8)))
  compute_evidence(arg: ComputeEvidenceArguments): Opt<Uint8Array> {
    return this.orTrap(() => {
      this.check('Prepare');
      this.openBatch(arg.batch_id);
      const proposal = this.state.proposal(arg.batch_id);
      if (!proposal) throw new Refused({ InvalidArgument: `batch ${arg.batch_id} does not have proposed operations (propose_commit_batch first)` });
      if (proposal.evidence) return [proposal.evidence];
      const iterations = opt(arg.max_iterations) ?? DEFAULT_EVIDENCE_ITERATIONS;
      const status = advanceEvidence(
        proposal.operations, proposal.progress ?? startEvidence(), (id) => this.chunkOf(arg.batch_id, id), iterations, EVIDENCE_BYTES_PER_CALL,
      );
      this.state.setEvidenceState(arg.batch_id, status);
      return 'evidence' in status ? [status.evidence] : [];
    });
  }

  /** An uploaded chunk of `batch`, if it is there. */
  private chunkOf(batch: bigint, id: bigint): Uint8Array | undefined {
    const info = this.state.chunkInfo(id);
    return info && info.batchId === batch ? this.state.readChunk(id) : undefined;
  }

  /** Commits a proposed batch, if `evidence` is the evidence computed for it. */
  @update([T.CommitProposedBatchArguments])
  async commit_proposed_batch(arg: CommitProposedBatchArguments): Promise<void> {
    const proposal = this.orTrap(() => {
      this.check('Commit');
      this.openBatch(arg.batch_id);
      const p = this.state.proposal(arg.batch_id);
      const problem = proposalProblem(arg.batch_id, p, asBytes(arg.evidence));
      if (problem) throw new Refused({ InvalidArgument: problem });
      return p!;
    });
    await this.commitSlicedOrTrap(proposal.operations, arg.batch_id, proposal.evidence);
  }

  /** What a proposal to commit `batch_id` with `evidence` would do, or why it would fail (for SNS proposal validation). */
  @update([T.CommitProposedBatchArguments], T.ValidationResult)
  validate_commit_proposed_batch(arg: CommitProposedBatchArguments): ValidationResult {
    const record = this.state.batchRecord(arg.batch_id);
    if (!record || record.status !== 'open') return { Err: `batch ${arg.batch_id} is not an open batch` };
    const problem = proposalProblem(arg.batch_id, this.state.proposal(arg.batch_id), asBytes(arg.evidence));
    if (problem) return { Err: problem };
    return { Ok: `commit proposed batch ${arg.batch_id} with evidence ${toHex(asBytes(arg.evidence))}` };
  }

  @update([T.CommitBatchArguments])
  async commit_batch(arg: CommitBatchArguments): Promise<void> {
    await this.commitSlicedOrTrap(arg.operations as Operation[], arg.batch_id);
  }

  @update([T.CommitBatchArguments], T.CommitResult)
  async lineage_commit_batch(arg: CommitBatchArguments): Promise<CommitResult> {
    const r = await this.commitSliced(arg.operations as Operation[], arg.batch_id);
    return 'err' in r ? { Err: r.err } : r.ok;
  }

  @update([T.StoreArguments])
  async store(arg: StoreArguments): Promise<void> {
    await this.commitSlicedOrTrap([{ Store: arg }]);
  }

  @update([T.StoreArguments], T.CommitResult)
  async lineage_store(arg: StoreArguments): Promise<CommitResult> {
    const r = await this.commitSliced([{ Store: arg }], undefined);
    return 'err' in r ? { Err: r.err } : r.ok;
  }

  @update([T.CreateAssetArguments])
  create_asset(arg: CreateAssetArguments): void {
    this.commitOrTrap([{ CreateAsset: arg }]);
  }

  @update([T.SetAssetContentArguments])
  async set_asset_content(arg: SetAssetContentArguments): Promise<void> {
    await this.commitSlicedOrTrap([{ SetAssetContent: arg }]);
  }

  @update([T.UnsetAssetContentArguments])
  unset_asset_content(arg: UnsetAssetContentArguments): void {
    this.commitOrTrap([{ UnsetAssetContent: arg }]);
  }

  @update([T.DeleteAssetArguments])
  delete_asset(arg: { key: string }): void {
    this.commitOrTrap([{ DeleteAsset: arg }]);
  }

  @update([T.ClearArguments])
  clear(_arg: Record<string, never>): void {
    this.commitOrTrap([{ Clear: {} }]);
  }

  @update([T.SetAssetPropertiesArguments])
  set_asset_properties(arg: SetAssetPropertiesArguments): void {
    this.commitOrTrap([{ SetAssetProperties: arg }]);
  }

  // ---- reading ------------------------------------------------------------------------------

  @query([], IDL.Nat16)
  api_version(): number {
    return 2;
  }

  /** The asset a key names, following aliases like HTTP does. */
  private served(key: string): AssetRecord | undefined {
    return sourceOf(key, (k) => this.state.assets.get(k)) as AssetRecord | undefined;
  }

  @query([T.GetArgs], T.EncodedAsset)
  get(arg: { key: string; accept_encodings: string[] }): EncodedAsset {
    const asset = this.served(arg.key) ?? trap(describeError({ UnknownAsset: { key: arg.key } }));
    for (const name of arg.accept_encodings) {
      const e = asset.encodings.find((x) => x.name === name);
      if (e) {
        return {
          content: this.state.readBlob(e.blob, 0), content_type: asset.contentType, content_encoding: e.name,
          total_length: BigInt(e.length), sha256: [e.sha256],
        };
      }
    }
    return trap(describeError({ UnknownEncoding: { key: arg.key, encoding: arg.accept_encodings.join(', ') } }));
  }

  @query([T.GetChunkArgs], IDL.Record({ content: IDL.Vec(IDL.Nat8) }))
  get_chunk(arg: { key: string; content_encoding: string; index: bigint; sha256: Opt<Uint8Array> }): { content: Uint8Array } {
    const asset = this.served(arg.key) ?? trap(describeError({ UnknownAsset: { key: arg.key } }));
    const e = asset.encodings.find((x) => x.name === arg.content_encoding) ?? trap(describeError({ UnknownEncoding: { key: arg.key, encoding: arg.content_encoding } }));
    const expected = opt(arg.sha256);
    if (!expected) trap('InvalidArgument: sha256 is required (the content may have changed between chunks)');
    if (!bytesEqual(asBytes(expected), e.sha256)) trap(describeError({ Sha256Mismatch: { key: arg.key, encoding: e.name, expected: asBytes(expected), computed: e.sha256 } }));
    if (arg.index >= BigInt(chunkCount(e.length))) trap(`InvalidArgument: chunk ${arg.index} is out of range (${chunkCount(e.length)} chunks of ${SERVE_CHUNK_BYTES} bytes)`);
    return { content: this.state.readBlob(e.blob, Number(arg.index)) };
  }

  @query([T.ListRequest], IDL.Vec(T.AssetDetails))
  list(arg: { start: Opt<bigint>; length: Opt<bigint> }): AssetDetails[] {
    const start = Number(opt(arg.start) ?? 0n);
    const length = Math.min(Number(opt(arg.length) ?? BigInt(MAX_LIST_PAGE)), MAX_LIST_PAGE);
    const keys = [...this.state.assets.keys()].sort().slice(start, start + length);
    return keys.map((key) => {
      const a = this.state.assets.get(key)!;
      return {
        key, content_type: a.contentType,
        encodings: a.encodings.map((e) => ({ content_encoding: e.name, sha256: [e.sha256], length: BigInt(e.length), modified: e.modified })),
        max_age: some(a.maxAge), headers: a.headers.length ? [a.headers] : [], allow_raw_access: some(a.allowRawAccess), is_aliased: some(a.isAliased),
      };
    });
  }

  @query([T.Key], T.AssetProperties)
  get_asset_properties(key: string): AssetProperties {
    const a = this.state.assets.get(key) ?? trap(describeError({ UnknownAsset: { key } }));
    return { max_age: some(a.maxAge), headers: a.headers.length ? [a.headers] : [], allow_raw_access: some(a.allowRawAccess), is_aliased: some(a.isAliased) };
  }

  @query([T.HttpRequest], T.HttpResponse)
  http_request(request: AssetHttpRequest): AssetHttpResponse {
    const response = serveHttp({
      method: request.method, url: request.url, headers: request.headers, certificate_version: request.certificate_version,
    }, this.serveContext());
    const token = response.streaming;
    return {
      status_code: response.status_code,
      headers: response.headers,
      body: response.body,
      upgrade: [],
      streaming_strategy: token ? [{ Callback: { callback: [canisterSelf(), 'http_request_streaming_callback'], token } }] : [],
    };
  }

  @query([T.StreamingCallbackToken], T.StreamingCallbackHttpResponse)
  http_request_streaming_callback(token: AssetStreamingToken): AssetStreamingResponse {
    const r = streamChunk({ ...token, sha256: token.sha256.length ? [asBytes(token.sha256[0]!)] : [] }, this.serveContext());
    if ('error' in r) return trap(r.error);
    return { body: r.body, token: r.token ? [r.token] : [] };
  }

  private serveContext() {
    const store = this.state;
    return {
      lookup: (k: string) => store.assets.get(k),
      readChunk: (blob: number, index: number) => store.readBlob(blob, index),
      tree: store.tree,
      historyHead: store.last!.hash,
      certificate: dataCertificate(),
      canisterId: canisterSelf().toText(),
    };
  }

  // ---- state hash ---------------------------------------------------------------------------

  /** The state hash in progress (heap only: after an upgrade it starts again), for `lastStateUpdate`. */
  private stateHash: { stamp: bigint; operations: Operation[]; progress?: EvidenceProgress; hash?: Uint8Array } | undefined;

  /**
   * DFINITY's state hash: the evidence of the batch that would create every asset as it is now,
   * keys in order (so `dfx`/`icp` can compare a canister with a build directory). Computed a
   * bounded number of steps per call; call until it returns the hash.
   */
  @update([], IDL.Opt(IDL.Text))
  compute_state_hash(): Opt<string> {
    const stamp = this.state.extras.lastStateUpdate;
    if (!this.stateHash || this.stateHash.stamp !== stamp) {
      this.stateHash = { stamp, operations: stateOperations([...this.state.assets.values()]) };
    }
    const h = this.stateHash;
    if (h.hash) return [toHex(h.hash)];
    // Serving chunks are read by their place in stable memory (see stateOperations).
    const read = (id: bigint) => this.state.readBlob(Number(id >> 32n), Number(id & 0xffffffffn));
    const status = advanceEvidence(h.operations, h.progress ?? startEvidence(), read, STATE_HASH_STEPS, EVIDENCE_BYTES_PER_CALL);
    if ('evidence' in status) {
      h.hash = status.evidence;
      delete h.progress;
      return [toHex(status.evidence)];
    }
    h.progress = status.progress;
    return [];
  }

  @query([], T.StateInfo)
  get_state_info(): StateInfo {
    const stamp = this.state.extras.lastStateUpdate;
    const h = this.stateHash;
    return { last_state_update_timestamp: stamp, state_hash: h && h.stamp === stamp && h.hash ? [toHex(h.hash)] : [] };
  }

  @query([IDL.Record({})], T.CertifiedTree)
  certified_tree(_arg: Record<string, never>): { certificate: Uint8Array; tree: Uint8Array } {
    const certificate = dataCertificate() ?? trap('no data certificate: call certified_tree as a query');
    return { certificate, tree: encodeHashTree(this.state.tree.fullTree(this.state.last!.hash)) };
  }

  // ---- root history -------------------------------------------------------------------------

  @query([IDL.Opt(IDL.Nat)], IDL.Vec(T.RootHistoryEntry))
  get_recent_hashes(n: Opt<bigint>): RootHistoryEntry[] {
    const limit = this.state.settings.historyLength;
    const want = opt(n);
    const count = want === undefined || want > BigInt(limit) ? limit : Number(want);
    return this.state.recentEntries(count).map((e) => ({
      index: e.index, root: e.root, time: e.time, batch_id: some(e.batchId), evidence: some(e.evidence), asset_count: e.assetCount,
      previous: some(e.previous), hash: e.hash,
    }));
  }

  @query([], T.CertifiedRoot)
  get_certified_root(): CertifiedRoot {
    const last = this.state.last!;
    const tree = this.state.tree;
    return {
      certified_data: tree.certifiedData(last.hash),
      asset_root: tree.assetRoot(),
      history_head: last.hash,
      history_index: last.index,
      certificate: some(dataCertificate()),
      tree: encodeHashTree(tree.rootWitness(last.hash)),
    };
  }

  /** State loaded and invariants hold (issue 15): the manager asks this after installing a new asset canister. */
  @query([], IDL.Variant({ Ok: IDL.Null, Err: IDL.Text }))
  lineage_health(): { Ok: null } | { Err: string } {
    const last = this.state.last;
    const problems = assetProblems({
      last: last ? { root: last.root, assetCount: last.assetCount } : undefined,
      treeRoot: this.state.tree.assetRoot(), assetCount: BigInt(this.state.assets.size),
    });
    return problems.length === 0 ? { Ok: null } : { Err: problems.join('; ') };
  }

  @query([], T.Info)
  lineage_info(): AssetCanisterInfo {
    return {
      history_length: this.state.settings.historyLength,
      history_total: this.state.settings.historyTotal,
      asset_count: BigInt(this.state.assets.size),
      serve_chunk_bytes: BigInt(SERVE_CHUNK_BYTES),
      max_upload_chunk_bytes: BigInt(MAX_UPLOAD_CHUNK_BYTES),
    };
  }
}

function permissionsFrom(set: { prepare: Principal[]; commit: Principal[]; manage_permissions: Principal[] }): PermissionLists {
  const texts = (ps: Principal[]) => [...new Set(ps.map((p) => p.toText()).filter((p) => p !== ANONYMOUS))].sort();
  return { Commit: texts(set.commit), Prepare: texts(set.prepare), ManagePermissions: texts(set.manage_permissions) };
}
