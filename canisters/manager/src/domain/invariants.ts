/**
 * The manager's invariants, as its `lineage_health` checks them: the history's tip block is
 * there and certified, no canister counts more entries than the log holds, and every lock names
 * an operation the manager knows.
 */
export interface ManagerStateSummary {
  logLength: bigint;
  tipPresent: boolean;
  certified: boolean;
  watched: { canister: string; entries: bigint }[];
  locks: { canister: string; operationKnown: boolean; since: bigint }[];
  now: bigint;
}

/**
 * Every broken invariant, in words; empty when the state is sound.
 *
 * @example
 * problemsOfManagerState({ logLength: 2n, tipPresent: false, … }) // → ['the history has 2 entries but its last block is missing']
 */
export function problemsOfManagerState(s: ManagerStateSummary): string[] {
  const problems: string[] = [];
  if (!s.tipPresent) problems.push(`the history has ${s.logLength} entries but its last block is missing`);
  if (!s.certified) problems.push('the history has entries but no certified tip');
  for (const w of s.watched) {
    if (w.entries > s.logLength) problems.push(`${w.canister} counts ${w.entries} entries, more than the ${s.logLength} in the history`);
  }
  for (const l of s.locks) {
    if (!l.operationKnown) problems.push(`the lock on ${l.canister} names an operation the manager does not know`);
    if (l.since > s.now) problems.push(`the lock on ${l.canister} was taken in the future`);
  }
  return problems;
}
