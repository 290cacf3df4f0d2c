import { describe, expect, it } from 'vitest';

import type { InstallationRecord } from './model.js';
import { isKnownReporter, latestInstallation, repeatedReport } from './reports.js';

const record = (seq: number, canister: string, hash: string, reporter = 'deployer'): InstallationRecord => ({
  canister, hash, reporter, canisterVersion: BigInt(seq), recordedAt: 0n, seq, block: BigInt(seq + 100),
});

describe('installation reports', () => {
  const log = [record(0, 'c1', 'v1'), record(1, 'c2', 'v1'), record(2, 'c1', 'v2')];

  it('finds the latest installation of a canister', () => {
    expect(latestInstallation(log, 'c1')?.hash).toBe('v2');
    expect(latestInstallation(log, 'c3')).toBeUndefined();
  });

  it('calls a report a repeat only when the canister’s latest recorded module is the one reported', () => {
    expect(repeatedReport(log, 'c1', 'v2')?.block).toBe(102n);
    expect(repeatedReport(log, 'c1', 'v1')).toBeUndefined(); // back to v1 after v2: a new fact
    expect(repeatedReport(log, 'c2', 'v1')?.seq).toBe(1);
    expect(repeatedReport(log, 'c3', 'v1')).toBeUndefined();
  });

  it('knows reporters who had an installation confirmed', () => {
    expect(isKnownReporter(log, 'deployer')).toBe(true);
    expect(isKnownReporter(log, 'stranger')).toBe(false);
  });
});
