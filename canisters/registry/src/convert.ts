/** Between the Candid shapes of the contract (`@lineage/types`) and the registry's plain records. */
import { Principal } from 'azle';
import type {
  CanisterType, CanisterVersion, Installation, UploadStatus, Verification, VerificationError, VerificationRequestRecord as CandidRequest, Wasm,
  WasmFilter as CandidWasmFilter,
} from '@lineage/types';

import { asBytes, fromHex, toHex } from '@lineage/kit';

import type {
  CanisterTypeRecord, InstallationRecord, RegistryView, VerificationRecord, VerificationRefusal, VerificationRequestRecord, WasmFilter, WasmRecord,
} from './domain/index.js';
import { versionsOf } from './domain/graph.js';

const ZERO_HASH = new Uint8Array(32);

export const hex = (b: Uint8Array | number[]) => toHex(asBytes(b));
export const opt = <T>(o: [] | [T]): T | undefined => (o.length === 0 ? undefined : o[0]);
export const some = <T>(v: T | undefined): [] | [T] => (v === undefined ? [] : [v]);

export function wasmToCandid(w: WasmRecord): Wasm {
  return {
    calculated_hash: w.calculatedHash === undefined ? ZERO_HASH : fromHex(w.calculatedHash),
    hash: fromHex(w.hash),
    description: w.description,
    repo: w.repo,
    metadata: w.metadata,
    version_number: w.version,
    previous_hash: some(w.previousHash === undefined ? undefined : fromHex(w.previousHash)),
    deprecated: w.deprecated,
    canister_type_namespace: w.namespace,
    chunkCount: BigInt(w.expectedChunks),
    created: w.created,
    chunk_hashes: some(w.chunkHashes?.map(fromHex)),
    stored_chunks: BigInt(w.upload.stored.length),
  };
}

export function versionToCandid(w: WasmRecord): CanisterVersion {
  return { version: w.version, hash: fromHex(w.hash), calculated_hash: w.calculatedHash === undefined ? ZERO_HASH : fromHex(w.calculatedHash) };
}

export function typeToCandid(view: RegistryView, t: CanisterTypeRecord): CanisterType {
  return {
    namespace: t.namespace,
    versions: versionsOf(view, t).map(versionToCandid),
    description: t.description,
    repo: t.repo,
    metadata: t.metadata,
    controllers: t.controllers.map((c) => Principal.fromText(c)),
    canister_type_name: t.name,
    forked_from: some(t.forkedFrom && { canister_type_namespace: t.forkedFrom.namespace, version: t.forkedFrom.version }),
  };
}

export function installationToCandid(i: InstallationRecord): Installation {
  return {
    canister: Principal.fromText(i.canister),
    hash: fromHex(i.hash),
    reporter: Principal.fromText(i.reporter),
    canister_version: i.canisterVersion,
    recorded_at: i.recordedAt,
    seq: BigInt(i.seq),
  };
}

export function uploadStatus(w: WasmRecord): UploadStatus {
  return {
    hash: fromHex(w.hash),
    total_chunks: BigInt(w.expectedChunks),
    stored: w.upload.stored.map(BigInt),
    calculated_hash: some(w.calculatedHash === undefined ? undefined : fromHex(w.calculatedHash)),
    failure: some(w.upload.failure),
  };
}

export function filterFromCandid(f: CandidWasmFilter): WasmFilter {
  if ('hash' in f) return { kind: 'hash', hash: hex(f.hash) };
  if ('canister_type' in f) return { kind: 'canister_type', namespace: f.canister_type };
  if ('version_min' in f) return { kind: 'version_min', bound: [f.version_min[0], opt(f.version_min[1]), opt(f.version_min[2])] };
  if ('version_max' in f) return { kind: 'version_max', bound: [f.version_max[0], opt(f.version_max[1]), opt(f.version_max[2])] };
  if ('controllers' in f) return { kind: 'controllers', principals: f.controllers.map((p) => p.toText()) };
  if ('previous_hash' in f) return { kind: 'previous_hash', hash: hex(f.previous_hash) };
  return { kind: 'canister', canister: f.canister.toText() };
}

export function filingToCandid(f: VerificationRecord): Verification {
  return {
    wasm_hash: fromHex(f.hash),
    verifier: Principal.fromText(f.verifier),
    outcome: f.outcome === 'attested' ? { Attested: null } : { Diverged: { report: f.report } },
    rebuilt_hash: some(f.rebuiltHash === undefined ? undefined : fromHex(f.rebuiltHash)),
    metadata: f.metadata,
    filed_at: f.filedAt,
    block: f.block,
    seq: BigInt(f.seq),
  };
}

export function requestToCandid(r: VerificationRequestRecord): CandidRequest {
  return {
    request: { wasm_hash: fromHex(r.hash), repo: r.repo, commit_hash: fromHex(r.commit), metadata: r.metadata },
    requested_by: Principal.fromText(r.requestedBy),
    requested_at: r.requestedAt,
    block: r.block,
  };
}

export function refusalToCandid(r: VerificationRefusal): VerificationError {
  switch (r.kind) {
    case 'InvalidWasmId': return { InvalidWasmId: r.message };
    case 'TooLarge': return { TooLarge: { field: r.field, max_bytes: BigInt(r.maxBytes) } };
    case 'TooManyFilings': return { TooManyFilings: { max: BigInt(r.max) } };
    case 'TooManyVerifiers': return { TooManyVerifiers: { max: BigInt(r.max) } };
  }
}
