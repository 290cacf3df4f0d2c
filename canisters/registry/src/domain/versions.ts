/** Semantic versions as triples, and the draft's partial version bounds for filters. */
import type { Version } from './model.js';

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

export function formatVersion(v: Version): string {
  return `${v[0]}.${v[1]}.${v[2]}`;
}

/** A bound `{major, opt minor, opt patch}`: missing parts are wildcards. */
export type VersionBound = [bigint, bigint | undefined, bigint | undefined];

/**
 * Whether `v` is at least `bound` (`version_min`): `{1, none, none}` admits every 1.x.y and later.
 */
export function atLeast(v: Version, bound: VersionBound): boolean {
  return compareVersions(v, [bound[0], bound[1] ?? 0n, bound[2] ?? 0n]) >= 0;
}

/**
 * Whether `v` is at most `bound` (`version_max`): `{1, none, none}` admits every 1.x.y and earlier,
 * `{1, 2, none}` every 1.2.y and earlier.
 */
export function atMost(v: Version, bound: VersionBound): boolean {
  if (v[0] !== bound[0]) return v[0] < bound[0];
  if (bound[1] === undefined) return true;
  if (v[1] !== bound[1]) return v[1] < bound[1];
  if (bound[2] === undefined) return true;
  return v[2] <= bound[2];
}
