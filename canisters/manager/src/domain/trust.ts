/**
 * The owner's trust policy (issue 16): "every version installed must have attestations from at
 * least `threshold` of these `verifiers`, and no divergence from any of them". Without a policy
 * nothing is required. Only the named verifiers count, so filings by anyone else — which the
 * registry accepts from any principal — can neither make a version trusted nor block it.
 *
 * The policy and every change to it are entries of the history (`lineage_trust_policy` blocks).
 */
import { Principal } from '@dfinity/principal';

import type { Value } from '@lineage/kit';

import type { Step, Version } from './model.js';

export interface TrustPolicy {
  /** Attestations needed from distinct verifiers of the list (1 ≤ threshold ≤ verifiers). */
  threshold: number;
  /** Principals (text) whose filings count, without repeats. */
  verifiers: string[];
}

/** A verifier's current filing on a version, as the registry answers it. */
export interface Filing {
  verifier: string;
  outcome: 'attested' | 'diverged';
}

/** A version of a path that the policy does not trust, and why. */
export interface Untrusted {
  hash: string;
  version: Version;
  /** Named verifiers that attested it. */
  attestedBy: string[];
  /** Named verifiers that filed a divergence on it. */
  divergedBy: string[];
  /** Attestations the policy requires. */
  needed: number;
}

/** A policy names at most this many verifiers (the manager asks the registry about each, for each step). */
export const MAX_TRUSTED_VERIFIERS = 20;
const ANONYMOUS = '2vxsx-fae';

/**
 * What is wrong with a policy, or undefined.
 *
 * @example
 * policyProblem({ threshold: 2, verifiers: [a] }) // → 'threshold 2 exceeds the 1 verifiers named'
 */
export function policyProblem(policy: TrustPolicy): string | undefined {
  if (policy.verifiers.length === 0) return 'a trust policy names at least one verifier (set no policy to require nothing)';
  if (policy.verifiers.length > MAX_TRUSTED_VERIFIERS) return `a trust policy names at most ${MAX_TRUSTED_VERIFIERS} verifiers`;
  if (new Set(policy.verifiers).size !== policy.verifiers.length) return 'a verifier is named twice';
  if (policy.verifiers.includes(ANONYMOUS)) return 'the anonymous principal cannot file attestations, so it cannot be a verifier';
  if (!Number.isInteger(policy.threshold) || policy.threshold < 1) return 'threshold must be at least 1';
  if (policy.threshold > policy.verifiers.length) return `threshold ${policy.threshold} exceeds the ${policy.verifiers.length} verifiers named`;
  return undefined;
}

/**
 * Why the policy does not trust the version `step.to`, or undefined when it does. Filings of
 * principals the policy does not name are ignored.
 *
 * @example
 * untrustedStep({ threshold: 1, verifiers: [a] }, step, [{ verifier: b, outcome: 'attested' }]) // → { attestedBy: [], needed: 1, … }
 */
export function untrustedStep(policy: TrustPolicy | undefined, step: Step, filings: Filing[]): Untrusted | undefined {
  if (!policy) return undefined;
  const named = new Set(policy.verifiers);
  const attestedBy = [...new Set(filings.filter((f) => named.has(f.verifier) && f.outcome === 'attested').map((f) => f.verifier))];
  const divergedBy = [...new Set(filings.filter((f) => named.has(f.verifier) && f.outcome === 'diverged').map((f) => f.verifier))];
  if (divergedBy.length === 0 && attestedBy.length >= policy.threshold) return undefined;
  return { hash: step.to, version: step.version, attestedBy, divergedBy, needed: policy.threshold };
}

/** Every step of a path the policy does not trust (all of them are named, not only the first). */
export function untrustedSteps(policy: TrustPolicy | undefined, steps: Step[], filingsOf: (hash: string) => Filing[]): Untrusted[] {
  if (!policy) return [];
  return steps.map((s) => untrustedStep(policy, s, filingsOf(s.to))).filter((u): u is Untrusted => u !== undefined);
}

/** A sentence naming what is missing, for logs and the CLI. */
export function explainUntrusted(u: Untrusted): string {
  const parts = [`version ${u.version.join('.')} (${u.hash.slice(0, 12)}…) has ${u.attestedBy.length} of ${u.needed} attestations needed`];
  if (u.divergedBy.length > 0) parts.push(`and divergences from ${u.divergedBy.join(', ')}`);
  return parts.join(' ');
}

// ---- history blocks ------------------------------------------------------------------------

const principalValue = (text: string): Value => ({ Blob: Principal.fromText(text).toUint8Array() });

/** The `tx` fields of a `lineage_trust_policy` block (besides `canister`): no `threshold` means no policy. */
export function policyTx(policy: TrustPolicy | undefined, requestedBy: string): [string, Value][] {
  const tx: [string, Value][] = [['requested_by', principalValue(requestedBy)]];
  if (policy) tx.push(['threshold', { Nat: BigInt(policy.threshold) }], ['verifiers', { Array: policy.verifiers.map(principalValue) }]);
  return tx;
}

/** The policy a `lineage_trust_policy` block's fields record. */
export function policyFromFields(threshold: bigint | undefined, verifiers: Value[] | undefined): TrustPolicy | undefined {
  if (threshold === undefined) return undefined;
  return {
    threshold: Number(threshold),
    verifiers: (verifiers ?? []).map((v) => {
      if (!('Blob' in v)) throw new Error('a verifier is not a Blob');
      return Principal.fromUint8Array(v.Blob).toText();
    }),
  };
}
