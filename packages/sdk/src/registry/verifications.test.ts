import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import type { Verification } from '@lineage/types';

import { fileVerification, summarizeVerifications, trustedBy, verificationsOf, type VerificationRecord } from './verifications.js';

const a = Principal.fromUint8Array(Uint8Array.from([1])).toText();
const b = Principal.fromUint8Array(Uint8Array.from([2])).toText();
const hash = 'ab'.repeat(32);
const rec = (verifier: string, outcome: VerificationRecord['outcome']): VerificationRecord => ({ hash, verifier, outcome, report: '', rebuiltHash: undefined, filedAt: 0n, block: 0n });

describe('verificationsOf', () => {
  it('reads every page, including pages cut short', async () => {
    const all: Verification[] = Array.from({ length: 5 }, (_, i) => ({
      wasm_hash: Uint8Array.from(Buffer.from(hash, 'hex')), verifier: Principal.fromUint8Array(Uint8Array.from([i])),
      outcome: i === 4 ? { Diverged: { report: 'no' } } : { Attested: null }, rebuilt_hash: [], metadata: [], filed_at: 1n, block: BigInt(i), seq: BigInt(i),
    }));
    const calls: ([] | [bigint])[] = [];
    const registry = {
      lineage_get_verifications: async (r: { prev: [] | [bigint] }) => {
        calls.push(r.prev);
        const after = r.prev.length === 0 ? -1n : r.prev[0];
        return all.filter((v) => v.seq > after).slice(0, 2);
      },
    };
    const got = await verificationsOf(registry as never, hash);
    expect(got.map((v) => v.block)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(got[4]).toMatchObject({ outcome: 'diverged', report: 'no' });
    expect(calls).toEqual([[], [1n], [3n], [4n]]);
  });
});

describe('summaries and policies', () => {
  it('splits attestations from divergences', () => {
    expect(summarizeVerifications([rec(a, 'attested'), rec(b, 'diverged')])).toEqual({ attestedBy: [a], divergedBy: [b] });
  });
  it('judges like the manager: k named attestations, no named divergence, strangers ignored', () => {
    expect(trustedBy({ threshold: 1, verifiers: [a] }, [rec(a, 'attested'), rec(b, 'diverged')]).trusted).toBe(true);
    expect(trustedBy({ threshold: 2, verifiers: [a, b] }, [rec(a, 'attested')]).trusted).toBe(false);
    expect(trustedBy({ threshold: 1, verifiers: [a, b] }, [rec(a, 'attested'), rec(b, 'diverged')]).trusted).toBe(false);
  });
});

describe('fileVerification', () => {
  it('files an attestation when the rebuild matches, a divergence otherwise, and throws refusals', async () => {
    const calls: string[] = [];
    const registry = {
      icrc126_file_attestation: async (r: { wasm_id: string }) => (calls.push(`attest ${r.wasm_id}`), { Ok: 7n }),
      icrc126_file_divergence: async (r: { divergence_report: string }) => (calls.push(`diverge ${r.divergence_report}`), { Error: { NotFound: null } }),
    };
    expect(await fileVerification(registry as never, { hash, rebuiltHash: hash })).toEqual({ outcome: 'attested', block: 7n });
    await expect(fileVerification(registry as never, { hash, rebuiltHash: 'cd'.repeat(32), report: 'differs' })).rejects.toThrow(/NotFound/);
    expect(calls).toEqual([`attest ${hash}`, 'diverge differs']);
  });
});
