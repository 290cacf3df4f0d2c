/** Builders for the domain unit tests: plain records with sensible defaults. */
import { emptyProgress } from '../src/domain/uploads.js';
import type { CanisterTypeRecord, InstallationRecord, RegistryView, Version, WasmRecord } from '../src/domain/model.js';

export function typeRecord(namespace: string, controllers: string[] = ['controller-a'], extra: Partial<CanisterTypeRecord> = {}): CanisterTypeRecord {
  return {
    namespace, name: namespace, description: '', repo: '', metadata: [], controllers,
    forkedFrom: undefined, created: 0n, ...extra,
  };
}

let nextSeq = 0;

export function wasmRecord(hash: string, namespace: string, version: Version, extra: Partial<WasmRecord> = {}): WasmRecord {
  return {
    hash, namespace, version, description: '', repo: '', metadata: [], previousHash: undefined,
    expectedChunks: 1, chunkHashes: undefined, deprecated: false, created: 0n, seq: nextSeq++,
    calculatedHash: hash, upload: emptyProgress(), ...extra,
  };
}

export function viewOf(types: CanisterTypeRecord[], wasms: WasmRecord[], installations: InstallationRecord[] = []): RegistryView {
  return {
    types: new Map(types.map((t) => [t.namespace, t])),
    wasms: new Map(wasms.map((w) => [w.hash, w])),
    installations,
  };
}

export function installation(canister: string, hash: string, seq = 0): InstallationRecord {
  return { canister, hash, reporter: 'reporter', canisterVersion: 1n, recordedAt: 0n, seq };
}

export const v = (a: number, b: number, c: number): Version => [BigInt(a), BigInt(b), BigInt(c)];
