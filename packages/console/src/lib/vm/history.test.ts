import { describe, expect, it } from 'vitest';

import { historyLines } from './history.js';

const hash = 'ab'.repeat(32);

describe('history lines', () => {
  it('lists newest first, with version names, who asked, and gaps marked', () => {
    const lines = historyLines({
      rows: [
        { timestampNanos: 1_700_000_000_000_000_000n, change: 'install', moduleHash: hash, version: 'org.lineage.backend 1.0.0', sources: ['ic', 'manager'] },
        { timestampNanos: 1_700_000_050_000_000_000n, change: 'gap', missed: 2n, sources: ['manager'] },
        { timestampNanos: 1_700_000_100_000_000_000n, change: 'upgrade', moduleHash: hash, version: 'org.lineage.backend 2.0.0', requestedBy: 'alice-principal', origin: { kind: 'canister', principal: 'manager-id' }, sources: ['ic', 'manager'] },
      ],
      ic: { totalChanges: 3n, listed: 2 }, notes: [],
    }, new Map([['alice-principal', 'you']]));
    expect(lines.map((l) => l.change)).toEqual(['upgrade', 'gap', 'install']);
    expect(lines.map((l) => l.what)).toEqual(['Upgraded', 'Changed outside Lineage (not recorded by the manager)', 'First version installed']);
    expect(lines[0]).toMatchObject({ timestamp: '2023-11-14 22:15:00', requestedBy: 'you', sources: 'ic + manager', gap: false });
    expect(lines[0]!.details).toContain('org.lineage.backend 2.0.0');
    expect(lines[0]!.origin).toContain('for you');
    expect(lines[1]!.gap).toBe(true);
  });
});

describe('history details in plain words', () => {
  it('drops operation numbers and shortens hashes', async () => {
    const { plainDetails } = await import('./history.js');
    expect(plainDetails('Healthy: lineage_health: Ok; Operation 1')).toBe('Healthy: lineage_health: Ok');
    expect(plainDetails(`Code: ${hash} (org.lineage.backend 2.0.0); Operation 0`)).toBe('Code: abababab…abab (org.lineage.backend 2.0.0)');
    expect(plainDetails('Operation 3; Snapshot x')).toBe('Snapshot x');
    expect(plainDetails('a; Operation 3; b')).toBe('a; b');
  });
});
