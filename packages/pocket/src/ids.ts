/** Principals as the emulator handles them: raw bytes, text, and canister ids as numbers. */
import { Principal } from '@dfinity/principal';

export const MANAGEMENT_CANISTER = Principal.managementCanister();
export const ANONYMOUS = Principal.anonymous();

/** The canister id for integer `n`: 8 big-endian bytes, then 0x01 0x01 (IC spec § Principals). */
export function canisterIdFromNumber(n: bigint): Principal {
  const bytes = new Uint8Array(10);
  new DataView(bytes.buffer).setBigUint64(0, n);
  bytes[8] = 1;
  bytes[9] = 1;
  return Principal.fromUint8Array(bytes);
}

/** The integer behind a canister id, or undefined for principals that are not canister ids. */
export function canisterNumber(id: Principal | Uint8Array): bigint | undefined {
  const bytes = id instanceof Uint8Array ? id : id.toUint8Array();
  if (bytes.length !== 10 || bytes[8] !== 1 || bytes[9] !== 1) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Text of recent principals by their bytes: every call looks its canister up by text, and
 * encoding (CRC-32, base32) costs several times a hex lookup.
 */
const TEXT_CACHE_LIMIT = 4096;
const textCache = new Map<string, string>();

export function principalText(bytes: Uint8Array): string {
  // One character per byte: cheaper to build than hex, and as unique.
  const key = String.fromCharCode.apply(null, bytes as unknown as number[]);
  let text = textCache.get(key);
  if (text === undefined) {
    text = Principal.fromUint8Array(bytes).toText();
    if (textCache.size >= TEXT_CACHE_LIMIT) textCache.clear();
    textCache.set(key, text);
  }
  return text;
}

export function isCanisterOrManagement(p: Principal): boolean {
  return p.toUint8Array().length === 0 || canisterNumber(p) !== undefined;
}
