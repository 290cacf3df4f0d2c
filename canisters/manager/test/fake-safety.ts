/**
 * Snapshots and health calls over a `FakeIc`, for the unit tests of `safety.ts`: a snapshot keeps
 * the target's module (by hash) and its data (a string standing for its state), loading one puts
 * both back; the health answer depends on the module the target runs (none listed: the module
 * has no `lineage_health`, and answers the ordinary probe). The IC's limit of snapshots
 * per canister and `replace_snapshot` are checked as the IC checks them.
 */
import { EffectError, IC_SNAPSHOTS_PER_CANISTER, type HealthAnswer, type SafetyEffects } from '../src/domain/index.js';
import type { FakeIc } from './fake-ic.js';
import { sha } from './fixtures.js';

interface Kept {
  id: string;
  takenAt: bigint;
  module: string | undefined;
  data: string;
}

export class FakeSafety implements SafetyEffects {
  readonly effects: string[] = [];
  /** Set by a test that follows the phases. */
  phase?: SafetyEffects['phase'];
  /** Each canister's state, as a string a test writes and reads. */
  readonly data = new Map<string, string>();
  /** Health answers by module hash; a module not listed has no `lineage_health`. */
  readonly health = new Map<string, HealthAnswer>();
  failLoad = false;
  failTake = false;
  clock = 1_000n;
  private readonly snapshots = new Map<string, Kept[]>();
  private readonly modules = new Map<string, Uint8Array>();
  private next = 0;

  constructor(private readonly ic: FakeIc) {}

  /** Makes `bytes` loadable from a snapshot (the fake IC keeps modules by value). */
  know(bytes: Uint8Array): this {
    this.modules.set(sha(bytes), bytes);
    return this;
  }

  snapshotsOf(canister: string): string[] {
    return (this.snapshots.get(canister) ?? []).map((s) => s.id);
  }

  async listSnapshots(canister: string) {
    this.effects.push(`list ${canister}`);
    return (this.snapshots.get(canister) ?? []).map((s) => ({ id: s.id, takenAt: s.takenAt }));
  }

  async takeSnapshot(canister: string, replace: string | undefined) {
    this.effects.push(`snapshot ${canister} (${this.ic.statusOf(canister)})${replace ? ` replacing ${replace}` : ''}`);
    if (this.failTake) throw new EffectError('take_canister_snapshot', 'take_canister_snapshot rejected (injected by the test)');
    const list = this.snapshots.get(canister) ?? [];
    if (replace !== undefined && !list.some((s) => s.id === replace)) throw new EffectError('take_canister_snapshot', `no snapshot ${replace}`);
    if (replace === undefined && list.length >= IC_SNAPSHOTS_PER_CANISTER) throw new EffectError('take_canister_snapshot', 'reached the maximum number of snapshots');
    this.clock += 1n;
    const kept: Kept = { id: (this.next++).toString(16).padStart(4, '0'), takenAt: this.clock, module: this.ic.moduleOf(canister), data: this.data.get(canister) ?? '' };
    this.snapshots.set(canister, [...list.filter((s) => s.id !== replace), kept]);
    return { id: kept.id, takenAt: kept.takenAt };
  }

  async loadSnapshot(canister: string, id: string) {
    this.effects.push(`load ${canister} ${id} (${this.ic.statusOf(canister)})`);
    if (this.failLoad) throw new EffectError('load_canister_snapshot', 'load_canister_snapshot rejected (injected by the test)');
    const kept = (this.snapshots.get(canister) ?? []).find((s) => s.id === id);
    if (!kept) throw new EffectError('load_canister_snapshot', `no snapshot ${id}`);
    this.ic.installOutside(canister, kept.module === undefined ? undefined : this.modules.get(kept.module));
    this.data.set(canister, kept.data);
  }

  async call(canister: string, method: string, probe: boolean): Promise<HealthAnswer> {
    this.effects.push(`call ${canister} ${method}`);
    const module = this.ic.moduleOf(canister);
    if (probe) return { kind: 'ok' };
    if (method !== 'lineage_health') return { kind: 'no_method' };
    return (module ? this.health.get(module) : undefined) ?? { kind: 'no_method' };
  }

  now(): bigint {
    return this.clock;
  }
}
