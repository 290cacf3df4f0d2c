/**
 * Build verification (ICRC-126) from the client side: read the attestations and divergences filed
 * on a version or by a verifier, summarise them for display, judge them against a trust policy the
 * way the manager does, and file one.
 */
import type { Principal } from '@dfinity/principal';
import type { Icrc16Map, Verification } from '@lineage/types';

import { asBytes, fromHex, toHex, type Bytes } from '../bytes.js';
import { RegistryError } from '../errors.js';
import type { VerificationRegistry } from './service.js';

/** A filing as plain data: hashes as hex, principals as text. */
export interface VerificationRecord {
  hash: string;
  verifier: string;
  outcome: 'attested' | 'diverged';
  /** The divergence report ('' for an attestation). */
  report: string;
  rebuiltHash: string | undefined;
  filedAt: bigint;
  block: bigint;
}

const PAGE = 100n;

function registryError(method: string, error: object): RegistryError {
  const variant = Object.keys(error)[0]!;
  return new RegistryError(method, variant, (error as Record<string, unknown>)[variant]);
}

function record(v: Verification): VerificationRecord {
  return {
    hash: toHex(v.wasm_hash), verifier: v.verifier.toText(), outcome: 'Attested' in v.outcome ? 'attested' : 'diverged',
    report: 'Diverged' in v.outcome ? v.outcome.Diverged.report : '', rebuiltHash: v.rebuilt_hash[0] ? toHex(v.rebuilt_hash[0]) : undefined,
    filedAt: v.filed_at, block: v.block,
  };
}

async function allPages(registry: Pick<VerificationRegistry, 'lineage_get_verifications'>, filter: { wasm_hash: [] | [Uint8Array]; verifier: [] | [Principal] }): Promise<VerificationRecord[]> {
  const out: VerificationRecord[] = [];
  let prev: [] | [bigint] = [];
  for (;;) {
    const page = await registry.lineage_get_verifications({ ...filter, prev, take: [PAGE] });
    out.push(...page.map(record));
    // A page may stop early to stay under the reply limit: only an empty page ends the list.
    if (page.length === 0) return out;
    prev = [page[page.length - 1]!.seq];
  }
}

/**
 * Every current filing on the version `hash`, in filing order.
 *
 * @example
 * const filings = await verificationsOf(registry, 'b1c2…');
 * filings.filter((f) => f.outcome === 'attested').map((f) => f.verifier);
 */
export function verificationsOf(registry: Pick<VerificationRegistry, 'lineage_get_verifications'>, hash: Bytes | string): Promise<VerificationRecord[]> {
  return allPages(registry, { wasm_hash: [typeof hash === 'string' ? fromHex(hash) : asBytes(hash)], verifier: [] });
}

/**
 * Every current filing of `verifier`, in filing order.
 *
 * @example
 * const mine = await verificationsBy(registry, Principal.fromText('2vxsx-…'));
 */
export function verificationsBy(registry: Pick<VerificationRegistry, 'lineage_get_verifications'>, verifier: Principal): Promise<VerificationRecord[]> {
  return allPages(registry, { wasm_hash: [], verifier: [verifier] });
}

/**
 * Who attested and who diverged, for display (`lineage registry show`, the console).
 *
 * @example
 * summarizeVerifications(filings) // → { attestedBy: ['aaaaa-…'], divergedBy: [] }
 */
export function summarizeVerifications(filings: VerificationRecord[]): { attestedBy: string[]; divergedBy: string[] } {
  return {
    attestedBy: filings.filter((f) => f.outcome === 'attested').map((f) => f.verifier),
    divergedBy: filings.filter((f) => f.outcome === 'diverged').map((f) => f.verifier),
  };
}

/**
 * Whether a trust policy (`threshold` of `verifiers`, no divergence from them) trusts a version with
 * these filings: the manager's rule, for clients that show it before asking for an upgrade.
 *
 * @example
 * trustedBy({ threshold: 1, verifiers: [alice] }, filings) // → { trusted: true, attestedBy: [alice], divergedBy: [] }
 */
export function trustedBy(policy: { threshold: number; verifiers: string[] }, filings: VerificationRecord[]): { trusted: boolean; attestedBy: string[]; divergedBy: string[] } {
  const named = new Set(policy.verifiers);
  const counted = filings.filter((f) => named.has(f.verifier));
  const { attestedBy, divergedBy } = summarizeVerifications(counted);
  return { trusted: divergedBy.length === 0 && attestedBy.length >= policy.threshold, attestedBy, divergedBy };
}

export interface FileVerificationOptions {
  /** The version's module hash. */
  hash: Bytes | string;
  /** The sha256 of what the verifier's rebuild produced. */
  rebuiltHash: Bytes | string;
  /** Required when the rebuild differs: what differed (at most 4 KiB). */
  report?: string;
  metadata?: Icrc16Map;
}

/**
 * Files the caller's attestation (the rebuild hashes to the version) or divergence (it does not),
 * replacing the caller's earlier filing on that version; answers the block index and what was filed.
 * Throws `RegistryError` when the registry refuses.
 *
 * @example
 * const { outcome, block } = await fileVerification(registry, { hash: deployed, rebuiltHash: rebuilt, report: 'lockfile differs' });
 */
export async function fileVerification(registry: Pick<VerificationRegistry, 'icrc126_file_attestation' | 'icrc126_file_divergence'>, o: FileVerificationOptions): Promise<{ outcome: 'attested' | 'diverged'; block: bigint }> {
  const hash = typeof o.hash === 'string' ? o.hash.toLowerCase() : toHex(o.hash);
  const rebuilt = typeof o.rebuiltHash === 'string' ? fromHex(o.rebuiltHash) : asBytes(o.rebuiltHash);
  const metadata = o.metadata ?? [];
  if (toHex(rebuilt) === hash) {
    const reply = await registry.icrc126_file_attestation({ wasm_id: hash, metadata, rebuilt_hash: [rebuilt] });
    if ('Error' in reply) throw registryError('icrc126_file_attestation', reply.Error);
    return { outcome: 'attested', block: reply.Ok };
  }
  const reply = await registry.icrc126_file_divergence({
    wasm_id: hash, divergence_report: o.report ?? `the rebuild hashes to ${toHex(rebuilt)}`, metadata: [metadata], rebuilt_hash: [rebuilt],
  });
  if ('Error' in reply) throw registryError('icrc126_file_divergence', reply.Error);
  return { outcome: 'diverged', block: reply.Ok };
}
