/** Version numbers as the registry wants them: a `[major, minor, patch]` triple of nats. */
import type { Version } from '@lineage/types';

/** A version as callers may write it: `'1.2.3'`, `[1, 2, 3]` or `[1n, 2n, 3n]`. */
export type VersionInput = string | readonly [number | bigint, number | bigint, number | bigint];

/**
 * The registry's `Version` triple for `version`.
 *
 * @example
 * toVersion('1.2.3'); // [1n, 2n, 3n]
 * toVersion([1, 2, 3]); // [1n, 2n, 3n]
 */
export function toVersion(version: VersionInput): Version {
  const parts = typeof version === 'string' ? parseText(version) : version.map((p) => BigInt(p));
  if (parts.length !== 3 || parts.some((p) => p < 0n)) throw new RangeError(`a version is three natural numbers, got ${String(version)}`);
  return [parts[0]!, parts[1]!, parts[2]!];
}

/**
 * `major.minor.patch` text of a version triple.
 *
 * @example
 * formatVersion([1n, 2n, 3n]); // '1.2.3'
 */
export function formatVersion(version: readonly (number | bigint)[]): string {
  return version.join('.');
}

function parseText(text: string): bigint[] {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) throw new RangeError(`not a major.minor.patch version: ${JSON.stringify(text)}`);
  return match.slice(1).map((p) => BigInt(p));
}
