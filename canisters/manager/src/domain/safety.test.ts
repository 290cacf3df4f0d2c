import { describe, expect, it } from 'vitest';

import { FakeIc } from '../../test/fake-ic.js';
import { FakeSafety } from '../../test/fake-safety.js';
import { principalOf, sha } from '../../test/fixtures.js';
import type { Step } from './model.js';
import { DEFAULT_POLICY } from './policy.js';
import { checkHealth, runSafeStep, type SnapshotPlan } from './safety.js';
import type { OwnSnapshot } from './snapshots.js';

const TARGET = principalOf(30);
const ARG = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0, 0]);
const OLD = new Uint8Array(200).fill(0x11);

function setup(newModule = new Uint8Array(150).fill(0x22)) {
  const ic = new FakeIc().addCanister(TARGET, OLD);
  const safety = new FakeSafety(ic).know(OLD).know(newModule);
  safety.data.set(TARGET, 'notes: a, b');
  const version = ic.publish([newModule], 'reply', { previousHash: sha(OLD) });
  const step: Step = { from: sha(OLD), to: version.hash, version: version.version };
  const plan = (ours: OwnSnapshot[] = [], keep = 1): SnapshotPlan => ({ take: true, keep, ours, operation: 7n, module: sha(OLD) });
  const run = (p = plan()) => runSafeStep(ic, safety, step, version, TARGET, ARG, { policy: version.policy, oldPolicy: DEFAULT_POLICY, snapshot: p });
  return { ic, safety, version, step, plan, run };
}

describe('runSafeStep', () => {
  it('stops, snapshots while stopped, installs, starts, then checks; a healthy version stays', async () => {
    const { ic, safety, version, run } = setup();
    safety.health.set(version.hash, { kind: 'ok' });
    const result = await run();
    expect('ok' in result).toBe(true);
    expect(result.health).toEqual({ healthy: true, detail: 'lineage_health: Ok' });
    expect(result.snapshot?.taken.module).toBe(sha(OLD));
    expect(ic.moduleOf(TARGET)).toBe(version.hash);
    const order = ic.effects.filter((e) => /^(stop|install|start)/.test(e));
    expect(order).toEqual([`stop ${TARGET}`, `install ${TARGET} from ${TARGET} (stopped)`, `start ${TARGET}`]);
    expect(safety.effects).toEqual([`list ${TARGET}`, `snapshot ${TARGET} (stopped)`, `call ${TARGET} lineage_health`]);
  });

  it('loads the snapshot back when the health check fails: old module, old data, running', async () => {
    const { ic, safety, version, run } = setup();
    safety.health.set(version.hash, { kind: 'err', message: 'index broken' });
    safety.health.set(sha(OLD), { kind: 'ok' });
    const result = await run();
    expect('failure' in result && result.failure.kind).toBe('Unhealthy');
    expect(result.rollback).toEqual({ loaded: true, health: { healthy: true, detail: 'lineage_health: Ok' } });
    expect(ic.moduleOf(TARGET)).toBe(sha(OLD));
    expect(ic.statusOf(TARGET)).toBe('running');
    expect(safety.data.get(TARGET)).toBe('notes: a, b');
    expect(safety.effects.at(-2)).toMatch(new RegExp(`^load ${TARGET} .* \\(stopped\\)$`));
  });

  it('tells the phases as the step enters them: fetching, snapshot, installing, starting, health, and rollback when it fails', async () => {
    const healthy = setup();
    healthy.safety.health.set(healthy.version.hash, { kind: 'ok' });
    const seen: string[] = [];
    healthy.safety.phase = (p) => seen.push(p);
    await healthy.run();
    expect(seen).toEqual(['fetching', 'snapshot', 'installing', 'starting', 'health']);

    const failing = setup();
    failing.safety.health.set(failing.version.hash, { kind: 'err', message: 'broken' });
    failing.safety.health.set(sha(OLD), { kind: 'ok' });
    const phases: string[] = [];
    failing.safety.phase = (p) => phases.push(p);
    await failing.run();
    expect(phases).toEqual(['fetching', 'snapshot', 'installing', 'starting', 'health', 'rollback']);
  });

  it('leaves the target stopped and the snapshot kept when loading it fails', async () => {
    const { ic, safety, version, run } = setup();
    safety.health.set(version.hash, { kind: 'err', message: 'broken' });
    safety.failLoad = true;
    const result = await run();
    if (!('failure' in result)) throw new Error('expected a failure');
    expect(result.failure).toMatchObject({ kind: 'Unhealthy', rolledBack: false });
    expect(result.failure.message).toContain('the canister is left stopped and the snapshot kept');
    expect(ic.statusOf(TARGET)).toBe('stopped');
    expect(safety.snapshotsOf(TARGET)).toEqual([result.snapshot!.taken.id]);
  });

  it('installs nothing when the snapshot cannot be taken, and starts the target again', async () => {
    const { ic, safety, run } = setup();
    safety.failTake = true;
    const result = await run();
    expect('failure' in result && result.failure.kind).toBe('SnapshotFailed');
    expect(ic.installs).toEqual([]);
    expect(ic.moduleOf(TARGET)).toBe(sha(OLD));
    expect(ic.statusOf(TARGET)).toBe('running');
  });

  it('replaces its own previous snapshot and never one it did not take', async () => {
    const { safety, version, run, plan } = setup();
    safety.health.set(version.hash, { kind: 'ok' });
    // Someone else's snapshot of the target, and one of the manager's.
    await safety.takeSnapshot(TARGET, undefined);
    const mine = await safety.takeSnapshot(TARGET, undefined);
    const ours: OwnSnapshot[] = [{ id: mine.id, takenAt: mine.takenAt, module: sha(OLD), operation: 1n }];
    const result = await run(plan(ours));
    expect(result.snapshot?.replaced).toBe(mine.id);
    expect(result.snapshot?.ours.map((s) => s.id)).toEqual([result.snapshot!.taken.id]);
    expect(safety.snapshotsOf(TARGET)).toHaveLength(2);
  });

  it('judges a version without lineage_health by an ordinary query', async () => {
    const { safety } = setup();
    expect(await checkHealth(safety, TARGET, DEFAULT_POLICY)).toEqual({ healthy: true, detail: '__get_candid_interface_tmp_hack: Ok' });
  });

  it('counts an answer after the deadline as a failure', async () => {
    const { safety } = setup();
    safety.health.set(sha(OLD), { kind: 'ok' });
    const slow = { ...safety, now: (() => { let t = 0n; return () => (t += 61_000_000_000n); })() } as unknown as FakeSafety;
    slow.call = safety.call.bind(safety);
    expect(await checkHealth(slow, TARGET, DEFAULT_POLICY)).toEqual({ healthy: false, detail: 'lineage_health: no answer within the deadline of 60 s' });
  });
});
