/**
 * Small helpers shared by the System API conformance suites (`test/conformance/system-api.*.test.ts`):
 * byte encodings, WAT data segments, and the IC's wording of errors the suites match on.
 */
import { expect } from 'vitest';

/** The replica's name of each execution context, as it appears in "cannot be executed in … mode". */
export const MODE = {
  s: 'start',
  I: 'init',
  G: 'pre upgrade',
  U: 'update',
  RQ: 'replicated query',
  NRQ: 'non replicated query',
  CQ: 'composite query',
  Ry: 'reply callback',
  Rt: 'reject callback',
  CRy: 'composite reply callback',
  CRt: 'composite reject callback',
  C: 'cleanup',
  CC: 'composite cleanup',
  F: 'inspect message',
  T: 'global timer',
} as const;

export type Context = keyof typeof MODE;

/** `"ic0_<name>" cannot be executed in <mode> mode`, the replica's wrong-context error. */
export function wrongMode(name: string, context: Context): string {
  return `"ic0_${name}" cannot be executed in ${MODE[context]} mode`;
}

/** The message of the error `promise` rejects with (fails the test if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  expect.fail('expected the call to be rejected, but it succeeded');
}

/** Asserts that `promise` rejects with a message containing every one of `parts`. */
export async function expectFailure(promise: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<string> {
  const message = await failure(promise);
  for (const part of parts) {
    if (typeof part === 'string') expect(message).toContain(part);
    else expect(message).toMatch(part);
  }
  return message;
}

/** pic's rendering of PocketIC's reject code (an enum name on PocketIC, possibly its number). */
export const REJECT_CODE = {
  CanisterReject: /Reject code: (CanisterReject|4)\b/,
  CanisterError: /Reject code: (CanisterError|5)\b/,
} as const;

export function i64(n: bigint | number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(n)), true);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Little-endian unsigned integers of any width from `bytes[at..at+width]`. */
export function readUint(bytes: Uint8Array, at: number, width: number): bigint {
  let v = 0n;
  for (let k = width - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[at + k]!);
  return v;
}

/** The i64 values of `bytes`, 8 bytes each. */
export function i64s(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 8 <= bytes.length; at += 8) out.push(view.getBigInt64(at, true));
  return out;
}

/** A WAT data segment placing `bytes` (or a string) at `address`. */
export function data(address: number, bytes: Uint8Array | string): string {
  const raw = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const escaped = [...raw].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  return `(data (i32.const ${address}) "${escaped}")`;
}
