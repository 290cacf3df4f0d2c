import { Principal } from '@dfinity/principal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BlockLog, hashValue, makeBlock, toHex, type MapLike, type Value } from '@lineage/kit';

import { BACKEND, h, MANAGER, OUTSIDER, principalOf, v } from '../../test/fixtures.js';
import { BLOCK_TYPES, blockToEntry, entryMatches, eventToTx } from './history.js';
import type { HistoryEntry, HistoryEvent, ObservedChange } from './model.js';

const RUNS = { numRuns: 300 };
const CANISTER = principalOf(7);

/** The block the shell appends for `event` (BlockLog.append builds it with makeBlock). */
function blockOf(event: HistoryEvent, canister = CANISTER, ts = 1_700_000_000_000_000_000n, phash: Uint8Array | undefined = undefined): Value {
  const { btype, tx } = eventToTx(canister, event);
  return makeBlock(btype, ts, phash, tx);
}

const roundTrip = (event: HistoryEvent, canister = CANISTER) => blockToEntry(3n, blockOf(event, canister, 42n, new Uint8Array(32).fill(9)));

// ---- examples of every kind ------------------------------------------------------------------

const deployed: HistoryEvent = {
  kind: 'deployed', operation: 7n, step: 1, steps: 3, from: h('v1'), to: h('v2'), version: v(2, 0, 1), requestedBy: OUTSIDER, canisterVersion: 12n,
};
const failed: HistoryEvent = {
  kind: 'deploy_failed', operation: 8n, step: 0, steps: 1, from: h('v2'), to: h('v3'), version: v(3, 0, 0), requestedBy: OUTSIDER,
  error: 'install_chunked_code: Canister called `ic0.trap` in post_upgrade — ünïcødé ✓',
};
const observed = (details: ObservedChange['details'], kind: 'user' | 'canister' = 'user'): HistoryEvent => ({
  kind: 'observed', change: { canisterVersion: 5n, at: 1_700_000_000_123_456_789n, origin: { kind, principal: OUTSIDER }, details },
});
const gap: HistoryEvent = { kind: 'gap', missed: 6n, lastSeen: 4n, nowTotal: 30n };

const examples: [string, HistoryEvent][] = [
  ['deployed', deployed],
  ['deployed without from (empty canister) or canister version', { ...deployed, from: undefined, canisterVersion: undefined }],
  ['deploy_failed', failed],
  ['deploy_failed without from', { ...failed, from: undefined }],
  ['observed creation', observed({ kind: 'creation', controllers: [BACKEND, MANAGER] })],
  ['observed creation without controllers', observed({ kind: 'creation', controllers: [] })],
  ['observed code_uninstall', observed({ kind: 'code_uninstall' }, 'canister')],
  ['observed code_deployment (install)', observed({ kind: 'code_deployment', mode: 'install', moduleHash: h('m') })],
  ['observed code_deployment (reinstall)', observed({ kind: 'code_deployment', mode: 'reinstall', moduleHash: h('m') })],
  ['observed code_deployment (upgrade)', observed({ kind: 'code_deployment', mode: 'upgrade', moduleHash: h('m') }, 'canister')],
  ['observed controllers_change', observed({ kind: 'controllers_change', controllers: [BACKEND] })],
  ['observed load_snapshot', observed({ kind: 'load_snapshot', snapshotVersion: 3n, takenAt: 99n })],
  ['gap', gap],
  ['snapshot_taken', { kind: 'snapshot_taken', operation: 7n, step: 0, snapshot: '0000000000000001010101', takenAt: 55n, replaced: '0000000000000000010101' }],
  ['snapshot_taken replacing nothing', { kind: 'snapshot_taken', operation: 7n, step: 0, snapshot: '00', takenAt: 55n, replaced: undefined }],
  ['health_checked', { kind: 'health_checked', operation: 7n, step: 0, healthy: true, detail: 'lineage_health: Ok' }],
  ['rolled_back', {
    kind: 'rolled_back', operation: 7n, step: 0, from: h('v1'), to: h('v2'), reason: 'lineage_health: Err notes broken', snapshot: 'ab', loaded: true, detail: 'lineage_health: Ok',
  }],
  ['rolled_back whose load failed', {
    kind: 'rolled_back', operation: 7n, step: 1, from: h('v1'), to: h('v2'), reason: 'x', snapshot: 'ab', loaded: false, detail: 'load_canister_snapshot: refused',
  }],
  ['restored', { kind: 'restored', operation: 9n, snapshot: 'cd', takenAt: 77n, requestedBy: OUTSIDER, loaded: true, detail: 'lineage_health: Ok' }],
  ['trust_policy set', { kind: 'trust_policy', policy: { threshold: 1, verifiers: [BACKEND, OUTSIDER] }, requestedBy: OUTSIDER }],
  ['trust_policy cleared', { kind: 'trust_policy', policy: undefined, requestedBy: OUTSIDER }],
];

describe('eventToTx and blockToEntry', () => {
  it.each(examples)('round-trip %s', (_, event) => {
    expect(roundTrip(event)).toEqual({ index: 3n, time: 42n, canister: CANISTER, event });
  });

  it('write one block type per kind, all of them declared in BLOCK_TYPES', () => {
    const btypes = examples.map(([, e]) => eventToTx(CANISTER, e).btype);
    expect(new Set(btypes)).toEqual(new Set(BLOCK_TYPES));
  });

  it('write the fields the block types document', () => {
    const tx = new Map(eventToTx(CANISTER, deployed).tx);
    expect(tx.get('canister')).toEqual({ Blob: Principal.fromText(CANISTER).toUint8Array() });
    expect(tx.get('from')).toEqual({ Blob: Uint8Array.from(Buffer.from(h('v1'), 'hex')) });
    expect(tx.get('version')).toEqual({ Array: [{ Nat: 2n }, { Nat: 0n }, { Nat: 1n }] });
    expect(tx.get('requested_by')).toEqual({ Blob: Principal.fromText(OUTSIDER).toUint8Array() });
    expect(tx.get('canister_version')).toEqual({ Nat: 12n });
    const withoutFrom = new Map(eventToTx(CANISTER, { ...deployed, from: undefined, canisterVersion: undefined }).tx);
    expect(withoutFrom.has('from')).toBe(false);
    expect(withoutFrom.has('canister_version')).toBe(false);
    expect(new Map(eventToTx(CANISTER, failed).tx).get('error')).toEqual({ Text: (failed as { error: string }).error });
  });

  it('round-trip through a BlockLog, each block chained to its parent', () => {
    const blocks = new Map<string, Value>();
    const meta = new Map<string, unknown>();
    const asMap = <V>(m: Map<string, V>): MapLike<V> => ({ get: (k) => m.get(k), insert: (k, x) => m.set(k, x), len: () => m.size });
    const log = new BlockLog(asMap(blocks), asMap(meta));
    const canisters = [CANISTER, BACKEND, MANAGER];
    examples.forEach(([, event], i) => {
      const { btype, tx } = eventToTx(canisters[i % 3]!, event);
      log.append(btype, BigInt(1000 + i), tx);
    });
    expect(log.length).toBe(BigInt(examples.length));
    let parent: Uint8Array | undefined;
    examples.forEach(([, event], i) => {
      const block = log.block(BigInt(i))!;
      const fields = new Map((block as { Map: [string, Value][] }).Map);
      expect(fields.get('phash')).toEqual(parent === undefined ? undefined : { Blob: parent });
      parent = hashValue(block);
      const entry: HistoryEntry = { index: BigInt(i), time: BigInt(1000 + i), canister: canisters[i % 3]!, event };
      expect(blockToEntry(BigInt(i), block)).toEqual(entry);
    });
  });
});

// ---- random events ---------------------------------------------------------------------------

const principal = fc.uint8Array({ maxLength: 29 }).map((b) => Principal.fromUint8Array(b).toText());
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const nat = fc.oneof(fc.bigInt({ min: 0n, max: 10n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 100n }));
const small = fc.nat({ max: 1000 });
const version = fc.tuple(nat, nat, nat);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const details: fc.Arbitrary<ObservedChange['details']> = fc.oneof(
  fc.array(principal, { maxLength: 10 }).map((controllers) => ({ kind: 'creation' as const, controllers })),
  fc.constant({ kind: 'code_uninstall' as const }),
  fc.record({ kind: fc.constant('code_deployment' as const), mode: fc.constantFrom('install' as const, 'reinstall' as const, 'upgrade' as const), moduleHash: hash }),
  fc.array(principal, { maxLength: 10 }).map((controllers) => ({ kind: 'controllers_change' as const, controllers })),
  fc.record({ kind: fc.constant('load_snapshot' as const), snapshotVersion: nat, takenAt: nat }),
);

const change: fc.Arbitrary<ObservedChange> = fc.record({
  canisterVersion: nat, at: nat, origin: fc.record({ kind: fc.constantFrom('user' as const, 'canister' as const), principal }), details,
});

const event: fc.Arbitrary<HistoryEvent> = fc.oneof(
  fc.record({
    kind: fc.constant('deployed' as const), operation: nat, step: small, steps: small, from: opt(hash), to: hash, version,
    requestedBy: principal, canisterVersion: opt(nat),
  }),
  fc.record({
    kind: fc.constant('deploy_failed' as const), operation: nat, step: small, steps: small, from: opt(hash), to: hash, version,
    requestedBy: principal, error: fc.string({ unit: 'grapheme', maxLength: 200 }),
  }),
  change.map((c) => ({ kind: 'observed' as const, change: c })),
  fc.record({ kind: fc.constant('gap' as const), missed: nat, lastSeen: nat, nowTotal: nat }),
  fc.record({
    kind: fc.constant('trust_policy' as const), requestedBy: principal,
    policy: opt(fc.record({ threshold: fc.integer({ min: 1, max: 20 }), verifiers: fc.array(principal, { maxLength: 20 }) })),
  }),
);

describe('eventToTx and blockToEntry over random events', () => {
  it('blockToEntry(makeBlock(eventToTx(e))) gives back the entry', () => {
    fc.assert(
      fc.property(principal, event, nat, nat, opt(hash), (canister, e, index, ts, phash) => {
        const block = blockOf(e, canister, ts, phash === undefined ? undefined : Uint8Array.from(Buffer.from(phash, 'hex')));
        expect(blockToEntry(index, block)).toEqual({ index, time: ts, canister, event: e });
      }),
      RUNS,
    );
  });

});

// ---- malformed blocks ------------------------------------------------------------------------

/** `block` with the tx field `name` replaced (or removed when `value` is undefined). */
function withTx(event: HistoryEvent, name: string, value: Value | undefined): Value {
  const { btype, tx } = eventToTx(CANISTER, event);
  const changed = tx.filter(([k]) => k !== name);
  if (value !== undefined) changed.push([name, value]);
  return makeBlock(btype, 1n, undefined, changed);
}

function withField(block: Value, name: string, value: Value | undefined): Value {
  const fields = (block as { Map: [string, Value][] }).Map.filter(([k]) => k !== name);
  if (value !== undefined) fields.push([name, value]);
  return { Map: fields };
}

const good = blockOf(deployed);

describe('blockToEntry refuses blocks this log never writes', () => {
  const cases: [string, Value][] = [
    ['a block that is not a map', { Array: [] }],
    ['a block without btype', withField(good, 'btype', undefined)],
    ['a btype that is not Text', withField(good, 'btype', { Nat: 1n })],
    ['an unknown btype', withField(good, 'btype', { Text: '1xfer' })],
    ['a block without ts', withField(good, 'ts', undefined)],
    ['a ts that is an Int', withField(good, 'ts', { Int: 5n })],
    ['a block without tx', withField(good, 'tx', undefined)],
    ['a tx that is not a map', withField(good, 'tx', { Text: 'tx' })],
    ['a deploy without canister', withTx(deployed, 'canister', undefined)],
    ['a canister that is Text', withTx(deployed, 'canister', { Text: CANISTER })],
    ['a deploy without to', withTx(deployed, 'to', undefined)],
    ['a to that is Text', withTx(deployed, 'to', { Text: h('v2') })],
    ['a deploy without operation', withTx(deployed, 'operation', undefined)],
    ['an operation that is Text', withTx(deployed, 'operation', { Text: '7' })],
    ['a deploy without step', withTx(deployed, 'step', undefined)],
    ['a deploy without requested_by', withTx(deployed, 'requested_by', undefined)],
    ['a from that is a Nat', withTx(deployed, 'from', { Nat: 1n })],
    ['a canister_version that is Text', withTx(deployed, 'canister_version', { Text: '12' })],
    ['a deploy without version', withTx(deployed, 'version', undefined)],
    ['a version that is a Nat', withTx(deployed, 'version', { Nat: 2n })],
    ['a failed deploy without error', withTx(failed, 'error', undefined)],
    ['an error that is a Blob', withTx(failed, 'error', { Blob: new Uint8Array(1) })],
    ['a change without change kind', withTx(observed({ kind: 'code_uninstall' }), 'change', undefined)],
    ['an unknown change kind', withTx(observed({ kind: 'code_uninstall' }), 'change', { Text: 'code_burn' })],
    ['an unknown origin kind', withTx(observed({ kind: 'code_uninstall' }), 'origin_kind', { Text: 'subnet' })],
    ['a change without origin', withTx(observed({ kind: 'code_uninstall' }), 'origin', undefined)],
    ['a change without at', withTx(observed({ kind: 'code_uninstall' }), 'at', undefined)],
    ['a code deployment without module_hash', withTx(observed({ kind: 'code_deployment', mode: 'upgrade', moduleHash: h('m') }), 'module_hash', undefined)],
    ['a code deployment without mode', withTx(observed({ kind: 'code_deployment', mode: 'upgrade', moduleHash: h('m') }), 'mode', undefined)],
    ['controllers that are not an Array', withTx(observed({ kind: 'creation', controllers: [] }), 'controllers', { Blob: new Uint8Array(1) })],
    ['a controller that is Text', withTx(observed({ kind: 'controllers_change', controllers: [] }), 'controllers', { Array: [{ Text: BACKEND }] })],
    ['a load_snapshot without taken_at', withTx(observed({ kind: 'load_snapshot', snapshotVersion: 1n, takenAt: 2n }), 'taken_at', undefined)],
    ['a gap without missed', withTx(gap, 'missed', undefined)],
    ['a gap whose now_total is Text', withTx(gap, 'now_total', { Text: '30' })],
  ];

  it.each(cases)('refuses %s', (_, block) => {
    expect(() => blockToEntry(0n, block)).toThrow(Error);
  });

  it('says which block and field is wrong', () => {
    expect(() => blockToEntry(4n, withTx(deployed, 'to', undefined))).toThrow('block 4.tx has no field to');
    expect(() => blockToEntry(4n, withField(good, 'btype', { Text: '1xfer' }))).toThrow('block 4 has unknown btype 1xfer');
  });

  it('refuses a version component that is not a Nat', () => {
    expect(() => blockToEntry(0n, withTx(deployed, 'version', { Array: [{ Nat: 2n }, { Text: 'x' }, { Nat: 1n }] }))).toThrow(Error);
  });

  it('refuses a version that is not three numbers', () => {
    expect(() => blockToEntry(0n, withTx(deployed, 'version', { Array: [{ Nat: 2n }, { Nat: 0n }] }))).toThrow(Error);
    expect(() => blockToEntry(0n, withTx(deployed, 'version', { Array: [{ Nat: 2n }, { Nat: 0n }, { Nat: 1n }, { Nat: 9n }] }))).toThrow(Error);
  });

  it('refuses an unknown code deployment mode', () => {
    const block = withTx(observed({ kind: 'code_deployment', mode: 'upgrade', moduleHash: h('m') }), 'mode', { Text: 'overwrite' });
    expect(() => blockToEntry(0n, block)).toThrow(Error);
  });
});

describe('entryMatches', () => {
  const entry: HistoryEntry = { index: 0n, time: 0n, canister: CANISTER, event: gap };

  it('matches every entry without a filter, and only the canister’s with one', () => {
    expect(entryMatches(entry, undefined)).toBe(true);
    expect(entryMatches(entry, CANISTER)).toBe(true);
    expect(entryMatches(entry, BACKEND)).toBe(false);
  });
});
