import { Principal } from '@dfinity/principal';
import type { CanisterChange, CanisterInfo, HistoryEntry } from '@lineage/types';
import { describe, expect, it } from 'vitest';

import { describeRow, formatHistoryTable, formatTimestamp, renderTable, shortPrincipal } from './format.js';
import { mergeHistories } from './merge.js';

const canister = Principal.fromText('lxzze-o7777-77777-aaaaa-cai');
const other = Principal.fromText('lz3um-vp777-77777-aaaba-cai');
const manager = Principal.fromText('l62sy-yx777-77777-aaabq-cai');
const deployer = Principal.selfAuthenticating(new Uint8Array(32).fill(1));
const alice = Principal.selfAuthenticating(new Uint8Array(32).fill(2));
const outsider = Principal.selfAuthenticating(new Uint8Array(32).fill(3));
const h = (n: number) => new Uint8Array(32).fill(n);
const hex = (n: number) => Buffer.from(h(n)).toString('hex');
const T0 = 1_700_000_000_000_000_000n;
const sec = (n: number) => T0 + BigInt(n) * 1_000_000_000n;

function change(version: number, at: number, details: CanisterChange['details'], by: Principal, fromCanister = false): CanisterChange {
  return {
    timestamp_nanos: sec(at), canister_version: BigInt(version), details,
    origin: fromCanister ? { from_canister: { canister_id: by, canister_version: [] } } : { from_user: { user_id: by } },
  };
}

/** A canister created by the deployer, installed, handed to the ring, then upgraded by the manager. */
function info(changes: CanisterChange[], total = changes.length): CanisterInfo {
  return { total_num_changes: BigInt(total), recent_changes: changes, module_hash: [], controllers: [] };
}

const created = change(0, 0, { creation: { controllers: [deployer] } }, deployer);
const installed = change(1, 1, { code_deployment: { mode: { install: null }, module_hash: h(1) } }, deployer);
const ring = change(2, 2, { controllers_change: { controllers: [canister, manager] } }, deployer);
const upgraded = change(3, 10, { code_deployment: { mode: { upgrade: null }, module_hash: h(2) } }, manager, true);

const entry = (index: number, time: number, event: HistoryEntry['event'], target = canister): HistoryEntry => ({ index: BigInt(index), time: sec(time), canister: target, event });
const deployed = (index: number, time: number, to: number, version: [] | [bigint], op = 1n): HistoryEntry => entry(index, time, {
  Deployed: { operation: op, step: 0, steps: 1, from: [h(to - 1)], to: h(to), version: [BigInt(to), 0n, 0n], requested_by: alice, canister_version: version },
});

describe('mergeHistories', () => {
  it('lists the IC changes oldest first with their origins and controller differences', () => {
    const rows = mergeHistories({ ic: info([created, installed, ring]), canister: canister.toText() });
    expect(rows.map((r) => r.change)).toEqual(['create', 'install', 'controllers']);
    expect(rows[0]).toMatchObject({ added: [deployer.toText()], origin: { kind: 'user', principal: deployer.toText() }, sources: ['ic'] });
    expect(rows[1]!.moduleHash).toBe(hex(1));
    expect(rows[2]).toMatchObject({ added: [canister.toText(), manager.toText()], removed: [deployer.toText()] });
  });

  it('shows a change both records know once, with the IC origin and the manager requester', () => {
    const rows = mergeHistories({
      ic: info([created, installed, ring, upgraded]), manager: [deployed(0, 11, 2, [3n])], canister: canister.toText(),
    });
    expect(rows).toHaveLength(4);
    expect(rows[3]).toMatchObject({
      change: 'upgrade', moduleHash: hex(2), origin: { kind: 'canister', principal: manager.toText() }, requestedBy: alice.toText(),
      operation: { id: 1n, step: 0, steps: 1 }, sources: ['ic', 'manager'], timestampNanos: sec(10),
    });
  });

  it('matches a deployment without a canister version by module hash', () => {
    const rows = mergeHistories({ ic: info([created, installed, ring, upgraded]), manager: [deployed(0, 11, 2, [])], canister: canister.toText() });
    expect(rows).toHaveLength(4);
    expect(rows[3]!.sources).toEqual(['ic', 'manager']);
  });

  it('keeps what only the manager remembers: changes the IC dropped, failed upgrades and gaps', () => {
    // The IC lists only the last change; the manager saw the earlier ones and a failure between.
    const entries: HistoryEntry[] = [
      entry(0, 0, { Observed: { change: { Creation: { controllers: [deployer] } }, origin: { User: deployer }, canister_version: 0n, at: sec(0) } }),
      entry(1, 5, { Gap: { missed: 2n, last_seen: 1n, now_total: 3n } }),
      entry(2, 8, { DeployFailed: { operation: 2n, step: 0, steps: 1, from: [h(1)], to: h(9), version: [9n, 0n, 0n], requested_by: alice, error: 'post_upgrade trapped' } }),
      deployed(3, 11, 2, [3n]),
      entry(4, 12, { Observed: { change: { ControllersChange: { controllers: [outsider] } }, origin: { User: outsider }, canister_version: 9n, at: sec(12) } }, other),
    ];
    const rows = mergeHistories({ ic: info([upgraded], 4), manager: entries, canister: canister.toText() });
    expect(rows.map((r) => [r.change, r.sources.join('+')])).toEqual([
      ['create', 'manager'], ['gap', 'manager'], ['upgrade-failed', 'manager'], ['upgrade', 'ic+manager'],
    ]);
    expect(rows[1]!.missed).toBe(2n);
    expect(rows[2]).toMatchObject({ moduleHash: hex(9), error: 'post_upgrade trapped', requestedBy: alice.toText() });
  });

  it('works with the manager record alone when the network refuses canister_info', () => {
    const rows = mergeHistories({ manager: [deployed(0, 11, 2, [3n])], canister: canister.toText() });
    expect(rows).toEqual([expect.objectContaining({ change: 'upgrade', sources: ['manager'], canisterVersion: 3n })]);
  });
});

describe('formatting', () => {
  it('prints seed 001 columns with version names and multi-line cells', () => {
    const rows = mergeHistories({ ic: info([created, installed, ring, upgraded]), manager: [deployed(0, 11, 2, [3n])], canister: canister.toText() });
    const names = new Map([[hex(1), 'org.lineage.backend 1.0.0'], [hex(2), 'org.lineage.backend 2.0.0']]);
    const table = formatHistoryTable(rows, {
      versionName: (x) => names.get(x),
      principalName: (p) => ({ [deployer.toText()]: 'deployer', [manager.toText()]: 'manager', [alice.toText()]: 'alice', [canister.toText()]: 'backend' })[p],
    });
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^\| Timestamp +\| Change +\| Details +\| Origin +\| Record/);
    expect(table).toContain(`| ${formatTimestamp(sec(10))} | Upgrade `);
    expect(table).toContain(`Code: ${hex(2).slice(0, 12)}… (org.lineage.backend 2.0.0)`);
    expect(table).toContain('Added: backend, manager');
    expect(table).toContain('Removed: deployer');
    expect(table).toMatch(/\| manager +\| IC \+ manager/);
    expect(table).toMatch(/\| for alice +\|/);
    // Every line of the table has the same width.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('renders tables with aligned columns', () => {
    expect(renderTable(['A', 'Bee'], [['x', 'y\nzz'], ['long', '']])).toBe([
      '| A    | Bee |', '|------|-----|', '| x    | y   |', '|      | zz  |', '| long |     |',
    ].join('\n'));
  });

  it('shortens principals and formats timestamps in UTC', () => {
    expect(shortPrincipal('lxzze-o7777-77777-aaaaa-cai')).toBe('lxzze-…-cai');
    expect(shortPrincipal('2vxsx-fae')).toBe('2vxsx-fae');
    expect(formatTimestamp(1_700_000_000_000_000_000n)).toBe('2023-11-14 22:13:20');
  });
});

describe('safe upgrades in the history (issue 15)', () => {
  it('renders the snapshot, the failed health check, the rollback and a restore, with the IC load_snapshot beside them', () => {
    const loaded = change(5, 21, { load_snapshot: { canister_version: 3n, taken_at_timestamp: sec(19) } }, manager, true);
    const rows = mergeHistories({
      ic: info([created, installed, ring, upgraded, change(4, 20, { code_deployment: { mode: { upgrade: null }, module_hash: h(9) } }, manager, true), loaded]),
      manager: [
        entry(0, 19, { SnapshotTaken: { operation: 2n, step: 0, snapshot: Uint8Array.from([0xab]), taken_at: sec(19), replaced: [] } }),
        entry(1, 21, { HealthChecked: { operation: 2n, step: 0, healthy: false, detail: 'lineage_health: Err index missing' } }),
        entry(2, 21, { RolledBack: { operation: 2n, step: 0, from: h(2), to: h(9), reason: 'lineage_health: Err index missing', snapshot: Uint8Array.from([0xab]), loaded: true, detail: 'lineage_health: Ok' } }),
        entry(3, 30, { Restored: { operation: 3n, snapshot: Uint8Array.from([0xab]), taken_at: sec(19), requested_by: alice, loaded: false, detail: 'load_canister_snapshot: refused' } }),
      ],
      canister: canister.toText(),
    });
    expect(rows.map((r) => r.change)).toEqual(['create', 'install', 'controllers', 'upgrade', 'snapshot', 'upgrade', 'load-snapshot', 'health', 'rollback', 'restore']);
    const table = formatHistoryTable(rows);
    expect(table).toContain('Rolled back');
    expect(table).toContain('Because: lineage_health: Err index missing');
    expect(table).toContain('Unhealthy: lineage_health: Err index missing');
    expect(table).toContain('Loading snapshot ab FAILED: load_canister_snapshot: refused');
  });
});

describe('trust policy entries', () => {
  it('appear in the history of every canister of the dapp, with the policy', () => {
    const manager = Principal.fromUint8Array(Uint8Array.from([9]));
    const verifier = Principal.fromUint8Array(Uint8Array.from([3]));
    const holder = Principal.fromUint8Array(Uint8Array.from([4]));
    const entries = [
      { index: 0n, time: 10n, canister: manager, event: { TrustPolicy: { policy: [{ threshold: 1, verifiers: [verifier] }], requested_by: holder } } },
      { index: 1n, time: 11n, canister: manager, event: { TrustPolicy: { policy: [], requested_by: holder } } },
    ] as never;
    const rows = mergeHistories({ manager: entries, canister: Principal.fromUint8Array(Uint8Array.from([5])).toText() });
    expect(rows.map((r) => [r.change, r.policy, r.requestedBy])).toEqual([
      ['trust-policy', { threshold: 1, verifiers: [verifier.toText()] }, holder.toText()],
      ['trust-policy', null, holder.toText()],
    ]);
    expect(describeRow(rows[0]!, { principalName: (p) => (p === verifier.toText() ? 'vera' : undefined) })).toEqual(['Needs 1 of: vera']);
    expect(describeRow(rows[1]!)).toEqual(['Cleared: no attestations required']);
  });

  it('show what verifiers said under a code line', () => {
    const row = { timestampNanos: 1n, change: 'upgrade' as const, moduleHash: 'ab'.repeat(32), sources: ['ic' as const] };
    expect(describeRow(row, { attestations: () => 'attested by vera' })).toEqual([`Code: ${'ab'.repeat(6)}…`, 'attested by vera']);
  });
});
