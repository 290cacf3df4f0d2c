/**
 * Build verification in the spirit of ICRC-126: a type controller says where a version's source is
 * (a verification request), and anyone who rebuilt it files an attestation (the rebuild matched) or a
 * divergence (it did not). One filing per verifier and version; a new one replaces it.
 *
 * Anyone may file, so everything a filing can add is bounded: its sizes, how many versions one
 * verifier may file on, how many verifiers one version may hold, and how fast filings come (token
 * buckets: principals that never filed share one, a verifier that has filed has its own, so fresh
 * principals cannot crowd out known verifiers). State then grows with what publishers publish,
 * and at most one newcomer every few seconds.
 */
import type { BucketRule } from '@lineage/kit';
import type { Icrc16Map } from '@lineage/types';

import { DEFAULT_TAKE, MAX_REPLY_BYTES, MAX_TAKE } from './model.js';
import { estimateMetadataBytes } from './queries.js';

/** A verifier's current filing on a version (hashes as lowercase hex, principals as text). */
export interface VerificationRecord {
  hash: string;
  verifier: string;
  outcome: 'attested' | 'diverged';
  /** The divergence report (empty for an attestation). */
  report: string;
  rebuiltHash: string | undefined;
  metadata: Icrc16Map;
  filedAt: bigint;
  block: bigint;
  seq: number;
}

/** The latest verification request of a version. */
export interface VerificationRequestRecord {
  hash: string;
  repo: string;
  commit: string;
  metadata: Icrc16Map;
  requestedBy: string;
  requestedAt: bigint;
  block: bigint;
}

/** Longest repository URL of a request (bytes of UTF-8). */
export const MAX_REPO_BYTES = 1024;
/** Longest commit id: a SHA-256 git object id. */
export const MAX_COMMIT_BYTES = 32;
/** Largest metadata of a request or a filing (estimated Candid bytes). */
export const MAX_VERIFICATION_METADATA_BYTES = 16 * 1024;
/** Longest divergence report (bytes of UTF-8). */
export const MAX_REPORT_BYTES = 4 * 1024;
/** Versions one verifier may have filings on. */
export const MAX_FILINGS_PER_VERIFIER = 1000;
/** Verifiers one version may hold filings from. */
export const MAX_VERIFIERS_PER_WASM = 1000;
/** Filings by principals that never filed, all together: 20 at once, then one every 6 seconds. */
export const NEW_VERIFIERS: BucketRule = { burst: 20, refillNanos: 6_000_000_000n };
/** Filings by each verifier that has filed before: 100 at once, then one a second. */
export const KNOWN_VERIFIERS: BucketRule = { burst: 100, refillNanos: 1_000_000_000n };

export type VerificationRefusal =
  | { kind: 'InvalidWasmId'; message: string }
  | { kind: 'TooLarge'; field: string; maxBytes: number }
  | { kind: 'TooManyFilings'; max: number }
  | { kind: 'TooManyVerifiers'; max: number };

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** The hash a `wasm_id` names: 64 hex digits (either case), or why not. */
export function parseWasmId(id: string): { hash: string } | VerificationRefusal {
  if (!/^[0-9a-fA-F]{64}$/.test(id)) return { kind: 'InvalidWasmId', message: 'wasm_id is the sha256 of the module as 64 hexadecimal digits' };
  return { hash: id.toLowerCase() };
}

/** What is too large in a verification request, if anything. */
export function requestProblem(r: { repo: string; commit: Uint8Array; metadata: unknown }): VerificationRefusal | undefined {
  if (utf8Length(r.repo) > MAX_REPO_BYTES) return { kind: 'TooLarge', field: 'repo', maxBytes: MAX_REPO_BYTES };
  if (r.commit.length === 0 || r.commit.length > MAX_COMMIT_BYTES) return { kind: 'TooLarge', field: 'commit_hash', maxBytes: MAX_COMMIT_BYTES };
  if (estimateMetadataBytes(r.metadata) > MAX_VERIFICATION_METADATA_BYTES) return { kind: 'TooLarge', field: 'metadata', maxBytes: MAX_VERIFICATION_METADATA_BYTES };
  return undefined;
}

/** What is too large in a filing, if anything. */
export function filingProblem(f: { report: string; metadata: unknown; rebuiltHash: Uint8Array | undefined }): VerificationRefusal | undefined {
  if (utf8Length(f.report) > MAX_REPORT_BYTES) return { kind: 'TooLarge', field: 'divergence_report', maxBytes: MAX_REPORT_BYTES };
  if (estimateMetadataBytes(f.metadata) > MAX_VERIFICATION_METADATA_BYTES) return { kind: 'TooLarge', field: 'metadata', maxBytes: MAX_VERIFICATION_METADATA_BYTES };
  if (f.rebuiltHash !== undefined && f.rebuiltHash.length !== 32) return { kind: 'TooLarge', field: 'rebuilt_hash', maxBytes: 32 };
  return undefined;
}

/**
 * Whether `verifier` may file on `hash` given the filings there are: replacing its own filing is
 * always allowed; a new one must stay within both counts.
 */
export function admitFiling(filings: VerificationRecord[], verifier: string, hash: string): VerificationRefusal | undefined {
  let byVerifier = 0;
  let onWasm = 0;
  for (const f of filings) {
    if (f.verifier === verifier && f.hash === hash) return undefined;
    if (f.verifier === verifier) byVerifier++;
    if (f.hash === hash) onWasm++;
  }
  if (byVerifier >= MAX_FILINGS_PER_VERIFIER) return { kind: 'TooManyFilings', max: MAX_FILINGS_PER_VERIFIER };
  if (onWasm >= MAX_VERIFIERS_PER_WASM) return { kind: 'TooManyVerifiers', max: MAX_VERIFIERS_PER_WASM };
  return undefined;
}

/** Whether `verifier` has filed before (it then draws from its own bucket). */
export function isKnownVerifier(filings: VerificationRecord[], verifier: string): boolean {
  return filings.some((f) => f.verifier === verifier);
}

/** The filing `verifier` has on `hash`, if any (a new filing amends it). */
export function filingOf(filings: VerificationRecord[], verifier: string, hash: string): VerificationRecord | undefined {
  return filings.find((f) => f.verifier === verifier && f.hash === hash);
}

export interface VerificationFilter {
  hash?: string | undefined;
  verifier?: string | undefined;
}

/** Rough Candid size of a filing in a reply. */
export function estimateFilingBytes(f: VerificationRecord): number {
  return 200 + utf8Length(f.report) + estimateMetadataBytes(f.metadata);
}

/**
 * Filings matching the filter, in filing order, after `prev` (a `seq`), at most `take` (default
 * 100, at most 1000); a page stops early to stay under the reply limit.
 */
export function queryVerifications(filings: VerificationRecord[], filter: VerificationFilter, prev: bigint | undefined, take: bigint | undefined): VerificationRecord[] {
  const limit = Number(take === undefined ? BigInt(DEFAULT_TAKE) : take > BigInt(MAX_TAKE) ? BigInt(MAX_TAKE) : take);
  const out: VerificationRecord[] = [];
  let bytes = 0;
  const ordered = filings
    .filter((f) => (filter.hash === undefined || f.hash === filter.hash) && (filter.verifier === undefined || f.verifier === filter.verifier))
    .filter((f) => prev === undefined || BigInt(f.seq) > prev)
    .sort((a, b) => a.seq - b.seq);
  for (const f of ordered) {
    if (out.length >= limit) break;
    bytes += estimateFilingBytes(f);
    if (out.length > 0 && bytes > MAX_REPLY_BYTES) break;
    out.push(f);
  }
  return out;
}
