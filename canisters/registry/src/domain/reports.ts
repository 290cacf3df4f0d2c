/**
 * Installation reports, bounded (issue 11). A report costs the registry a `canister_info` call
 * and, when confirmed, a block in its log. So a report that repeats what the log already says
 * (the canister's latest recorded installation is this very module) is answered from the record,
 * without a call and without a block; and every other report draws a token from a bucket before
 * the call, so nobody can make the registry call out without bound by reporting what is not true.
 * Reporters who have had an installation confirmed (deployers) each have their own bucket, so
 * strangers cannot hold them back.
 */
import type { BucketRule } from '@lineage/kit';

import type { InstallationRecord } from './model.js';

/** Checks for reporters without a confirmed installation, all together: 20 at once, then one every 6 seconds. */
export const UNKNOWN_REPORTERS: BucketRule = { burst: 20, refillNanos: 6_000_000_000n };
/** Checks for each reporter with a confirmed installation: 100 at once (a deployer spawning many dapps), then one a second. */
export const KNOWN_REPORTERS: BucketRule = { burst: 100, refillNanos: 1_000_000_000n };

/** The latest recorded installation on `canister`, if any. */
export function latestInstallation(installations: InstallationRecord[], canister: string): InstallationRecord | undefined {
  let latest: InstallationRecord | undefined;
  for (const i of installations) if (i.canister === canister && (!latest || i.seq > latest.seq)) latest = i;
  return latest;
}

/** The record a report repeats: the canister's latest installation, when it is this module. */
export function repeatedReport(installations: InstallationRecord[], canister: string, hash: string): InstallationRecord | undefined {
  const latest = latestInstallation(installations, canister);
  return latest?.hash === hash ? latest : undefined;
}

/** Whether `reporter` has had an installation confirmed before (its reports skip the failure bucket). */
export function isKnownReporter(installations: InstallationRecord[], reporter: string): boolean {
  return installations.some((i) => i.reporter === reporter);
}
