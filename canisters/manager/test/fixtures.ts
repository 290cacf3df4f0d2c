/** Builders for the manager's domain unit tests: plain records with sensible defaults. */
import { createHash } from 'node:crypto';

import { Principal } from '@dfinity/principal';

import type { ObservedChange, RegistryVersion, Version } from '../src/domain/model.js';
import { DEFAULT_POLICY } from '../src/domain/policy.js';

export const v = (a: number, b: number, c: number): Version => [BigInt(a), BigInt(b), BigInt(c)];

/** sha256 as lowercase hex, computed by Node (independent of the code under test). */
export const sha = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** A distinct, well-formed 32-byte hash for a label. */
export const h = (label: string): string => sha(`hash of ${label}`);

/** A distinct, well-formed principal text for a small number. */
export const principalOf = (n: number): string => Principal.fromUint8Array(Uint8Array.from([0x10, n & 0xff, (n >> 8) & 0xff, 1, 1])).toText();

export const MANAGER = principalOf(1);
export const BACKEND = principalOf(2);
export const OUTSIDER = principalOf(3);

export function registryVersion(hash: string, extra: Partial<RegistryVersion> = {}): RegistryVersion {
  return {
    hash, namespace: 'org.lineage.backend', version: v(1, 0, 0), previousHash: undefined, verified: true, deprecated: false,
    chunks: 1, chunkHashes: undefined, policy: DEFAULT_POLICY, ...extra,
  };
}

/** A code deployment recorded by the IC. */
export function deployment(canisterVersion: bigint, moduleHash: string, by: string, mode: 'install' | 'reinstall' | 'upgrade' = 'upgrade'): ObservedChange {
  return { canisterVersion, at: canisterVersion * 1000n, origin: { kind: 'canister', principal: by }, details: { kind: 'code_deployment', mode, moduleHash } };
}

/** A controllers change made by a user. */
export function controllersChange(canisterVersion: bigint, by: string, controllers: string[] = [BACKEND, MANAGER]): ObservedChange {
  return { canisterVersion, at: canisterVersion * 1000n, origin: { kind: 'user', principal: by }, details: { kind: 'controllers_change', controllers } };
}
