/**
 * Subnets of an emulated instance: kind, id, canister id ranges, node count, threshold key, and
 * the allocation of new canister ids, laid out as PocketIC lays them out (../../shared/pocketic-rest.md §3.3).
 */
import { createHash } from 'node:crypto';
import { Principal } from '@dfinity/principal';

import { SubnetKey } from './certification/keys.js';
import { subnetNodeKeys, type NodeKey } from './server/ic-http/query-signature.js';
import { CostModel } from './costs.js';
import { canisterIdFromNumber, canisterNumber } from './ids.js';

export type SubnetKind =
  | 'Application' | 'Bitcoin' | 'Fiduciary' | 'II' | 'NNS' | 'SNS' | 'System' | 'VerifiedApplication'
  | 'CloudEngine' | 'TestThresholdKeys';

export interface CanisterRange {
  start: bigint;
  end: bigint;
}

export interface SubnetSpec {
  kind: SubnetKind;
  instructionConfig: 'Production' | 'Benchmarking';
  costSchedule: 'Normal' | 'Free';
}

const NODES: Record<SubnetKind, number> = {
  Application: 13, System: 13, VerifiedApplication: 13, Bitcoin: 13, TestThresholdKeys: 13, CloudEngine: 13,
  SNS: 34, Fiduciary: 34, II: 34, NNS: 40,
};

const range = (start: string, end: string): CanisterRange => ({
  start: canisterNumber(Principal.fromText(start))!,
  end: canisterNumber(Principal.fromText(end))!,
});

/** Mainnet canister ranges and subnet ids of the named subnets. */
export const NAMED_SUBNETS: Partial<Record<SubnetKind, { ranges: CanisterRange[]; id?: string }>> = {
  NNS: {
    ranges: [
      range('rwlgt-iiaaa-aaaaa-aaaaa-cai', 'renrk-eyaaa-aaaaa-aaada-cai'),
      range('qoctq-giaaa-aaaaa-aaaea-cai', 'n5n4y-3aaaa-aaaaa-p777q-cai'),
    ],
  },
  SNS: { ranges: [range('ybpmr-kqaaa-aaaaq-aaaaa-cai', 'ekjw2-zyaaa-aaaaq-p777q-cai')], id: 'x33ed-h457x-bsgyx-oqxqf-6pzwv-wkhzr-rm2j3-npodi-purzm-n66cg-gae' },
  II: {
    ranges: [
      range('rdmx6-jaaaa-aaaaa-aaadq-cai', 'rdmx6-jaaaa-aaaaa-aaadq-cai'),
      range('uc7f6-kaaaa-aaaaq-qaaaa-cai', 'ijz7v-ziaaa-aaaaq-7777q-cai'),
    ],
    id: 'uzr34-akd3s-xrdag-3ql62-ocgoh-ld2ao-tamcv-54e7j-krwgb-2gm4z-oqe',
  },
  Bitcoin: { ranges: [range('g3wsl-eqaaa-aaaan-aaaaa-cai', '2qqia-xyaaa-aaaan-p777q-cai')], id: 'w4rem-dv5e3-widiz-wbpea-kbttk-mnzfm-tzrc7-svcj3-kbxyb-zamch-hqe' },
  Fiduciary: { ranges: [range('mf7xa-laaaa-aaaar-qaaaa-cai', 'qoznl-yiaaa-aaaar-7777q-cai')], id: 'pzp6e-ekpqk-3c5x7-2h6so-njoeq-mt45d-h3h6c-q3mxf-vpeq5-fk5o7-yae' },
};

/** The k-th block of 2^20 canister ids handed out from the top of the id space. */
export function allocationBlock(k: number): CanisterRange {
  const size = 1n << 20n;
  const top = 1n << 44n;
  return { start: (top - 2n - BigInt(k)) * size, end: (top - 1n - BigInt(k)) * size - 1n };
}

export class Subnet {
  readonly id: Principal;
  readonly key: SubnetKey;
  readonly size: number;
  readonly seed: Uint8Array;
  readonly cost: CostModel;
  private nextId: bigint;
  private nodeKeys: NodeKey[] | undefined;
  /**
   * Hashes (hex) of the modules installed on the subnet since its last checkpoint: installing one
   * again costs a hundredth of its compilation (replica: `expected_compiled_wasms`, cleared at
   * every checkpoint round; see `COMPILATION` in costs.ts).
   */
  readonly compiledWasms = new Set<string>();
  private rounds = 0;

  constructor(
    readonly spec: SubnetSpec,
    readonly ranges: CanisterRange[],
    /** Range new canister ids are taken from (the last one). */
    readonly allocation: CanisterRange,
    /** What the subnet's keys and ids derive from (saved with an instance's state). */
    readonly seedMaterial: string,
  ) {
    this.seed = new Uint8Array(createHash('sha256').update(seedMaterial).digest());
    this.key = new SubnetKey(this.seed);
    const mainnetId = NAMED_SUBNETS[spec.kind]?.id;
    this.id = spec.kind !== 'NNS' && mainnetId ? Principal.fromText(mainnetId) : selfAuthenticating(this.key.der);
    this.size = NODES[spec.kind];
    this.cost = new CostModel(this.size, spec.costSchedule === 'Free');
    this.nextId = allocation.start;
  }

  /**
   * Ends one of the subnet's rounds; a checkpoint round forgets the modules compiled since the last
   * one. Checkpoints fall every 500 rounds on application subnets and every 200 on system
   * subnets, as in PocketIC (state machine tests: `checkpoint_interval_length` 499 and 199).
   */
  endRound(): void {
    this.rounds += 1;
    const interval = this.spec.kind === 'Application' || this.spec.kind === 'VerifiedApplication' ? 500 : 200;
    if (this.rounds % interval === 0) this.compiledWasms.clear();
  }

  /** The next canister id number to try (saved with an instance's state). */
  get allocationCursor(): bigint {
    return this.nextId;
  }

  set allocationCursor(n: bigint) {
    this.nextId = n;
  }

  /** The subnet's nodes (Ed25519 keys that sign query responses), derived from its seed. */
  get nodes(): NodeKey[] {
    return (this.nodeKeys ??= subnetNodeKeys(this.seed, this.size));
  }

  get kind(): SubnetKind {
    return this.spec.kind;
  }

  contains(id: Principal | Uint8Array): boolean {
    const n = canisterNumber(id);
    return n !== undefined && this.ranges.some((r) => r.start <= n && n <= r.end);
  }

  /** The next unused canister id of the allocation range. */
  allocate(isTaken: (id: Principal) => boolean): Principal | undefined {
    while (this.nextId <= this.allocation.end) {
      const id = canisterIdFromNumber(this.nextId++);
      if (!isTaken(id)) return id;
    }
    return undefined;
  }

  rangesAsPrincipals(): [Principal, Principal][] {
    return this.ranges.map((r) => [canisterIdFromNumber(r.start), canisterIdFromNumber(r.end)]);
  }
}

function selfAuthenticating(der: Uint8Array): Principal {
  const hash = createHash('sha224').update(der).digest();
  return Principal.fromUint8Array(Uint8Array.from([...hash, 0x02]));
}

export interface TopologyRequest {
  named: Partial<Record<'NNS' | 'SNS' | 'II' | 'Fiduciary' | 'Bitcoin', SubnetSpec>>;
  system: SubnetSpec[];
  application: SubnetSpec[];
  verifiedApplication: SubnetSpec[];
}

/** Lays out subnets in PocketIC's order: named ones, then system, application, verified application. */
export function buildSubnets(request: TopologyRequest, instanceSeed: string): { subnets: Subnet[]; nextBlock: number } {
  const subnets: Subnet[] = [];
  let block = 0;
  for (const kind of ['NNS', 'SNS', 'II', 'Fiduciary', 'Bitcoin'] as const) {
    const spec = request.named[kind];
    if (!spec) continue;
    const allocation = allocationBlock(block++);
    const ranges = [...(NAMED_SUBNETS[kind]?.ranges ?? []), allocation];
    subnets.push(new Subnet({ ...spec, kind }, ranges, allocation, `${instanceSeed}/${kind}/${subnets.length}`));
  }
  const flexible: [SubnetKind, SubnetSpec[]][] = [['System', request.system], ['Application', request.application], ['VerifiedApplication', request.verifiedApplication]];
  for (const [kind, specs] of flexible) {
    for (const spec of specs) {
      const allocation = allocationBlock(block++);
      subnets.push(new Subnet({ ...spec, kind }, [allocation], allocation, `${instanceSeed}/${kind}/${subnets.length}`));
    }
  }
  return { subnets, nextBlock: block };
}

/** The named subnet whose mainnet ranges hold canister number `n`, if any. */
export function mainnetSubnetKind(n: bigint): SubnetKind | undefined {
  for (const [kind, named] of Object.entries(NAMED_SUBNETS)) {
    if (named.ranges.some((r) => r.start <= n && n <= r.end)) return kind as SubnetKind;
  }
  return undefined;
}
