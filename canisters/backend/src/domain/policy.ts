/**
 * The holder's trust policy request (issue 16), checked before the backend forwards it to the
 * manager, which keeps the policy, records every change in the dapp's history and enforces it on
 * every step of an upgrade. The manager checks the policy again (it trusts no caller's checks);
 * this only spares a call for what can never be accepted.
 */

/** Verifiers a policy may name: the manager's bound (it asks the registry about each one, per step). */
export const MAX_POLICY_VERIFIERS = 20;

/**
 * What is wrong with a policy the holder asks for, or undefined. No policy (`undefined`) clears it.
 *
 * @example
 * policyRequestProblem({ threshold: 1, verifiers: [] }) // → 'a trust policy names at least one verifier …'
 */
export function policyRequestProblem(policy: { threshold: number; verifiers: string[] } | undefined): string | undefined {
  if (policy === undefined) return undefined;
  if (policy.verifiers.length === 0) return 'a trust policy names at least one verifier (pass no policy to require nothing)';
  if (policy.verifiers.length > MAX_POLICY_VERIFIERS) return `a trust policy names at most ${MAX_POLICY_VERIFIERS} verifiers`;
  if (policy.threshold < 1 || policy.threshold > policy.verifiers.length) {
    return `threshold must be between 1 and the ${policy.verifiers.length} verifiers named`;
  }
  return undefined;
}
