// Every public method of @dfinity/pic 0.23's PocketIc and PocketIcServer, driven against the
// PocketIC server the global setup started: the Lineage emulator, or a real PocketIC when
// POCKET_IC_BIN names one. Expectations follow the real server (../../shared/pocketic-rest.md);
// only the features the emulator leaves out (icp_features, live mode) are asserted
// differently there, and there they must fail fast with a message naming the feature.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  CanisterCyclesCostSchedule,
  createIdentity,
  IcpConfigFlag,
  IcpFeaturesConfig,
  PocketIc,
  PocketIcServer,
  SubnetStateType,
  SubnetType,
  type Actor,
  type SubnetTopology,
} from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  allocationBlock,
  allocationBlockStart,
  beatWasm,
  callResult,
  canisterIdFromU64,
  hex,
  HttpRequestArgs,
  HttpRequestResult,
  inRanges,
  managementCall,
  padWasm,
  probeIdl,
  type ProbeService,
  probeWasm,
  rangeText,
  readU32,
  readU64,
  rejectionOf,
  sha256,
  text,
  texts,
  u32,
  untext,
} from './support/api.js';

const IS_EMULATOR = inject('PIC_IS_EMULATOR');
const NEW = { state: { type: SubnetStateType.New } } as const;
/** PocketIC's initial time, 2021-05-06T19:17:10Z (pocketic-rest.md §3.3). */
const GENESIS_MS = 1_620_328_630_000;
/** DER prefix of an IC BLS12-381 public key (pocketic-rest.md §5.8). */
const BLS_DER_PREFIX = '308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100';
const ANONYMOUS = Principal.anonymous();
const alice = createIdentity('alice of pocket.api.spec').getPrincipal();
const bob = createIdentity('bob of pocket.api.spec').getPrincipal();
/** The first canister id of the k = 0 block: `lxzze-o7777-77777-aaaaa-cai`. */
const BLOCK0_START_N = allocationBlockStart(0);

const createPic = (options?: Parameters<typeof PocketIc.create>[1]) => PocketIc.create(inject('PIC_URL'), options);
const rangesText = (subnet: SubnetTopology | undefined) => (subnet?.canisterRanges ?? []).map(rangeText);
const decodeNat64 = (bytes: Uint8Array) => IDL.decode([IDL.Nat64], bytes)[0] as bigint;
const decodePrincipal = (bytes: Uint8Array) => (IDL.decode([IDL.Principal], bytes)[0] as unknown as Principal).toText();
const emptyArg = () => new Uint8Array(IDL.encode([], []));

function expectSize(subnet: SubnetTopology | undefined, size: number): void {
  // v14 topologies carry no node count; a server that reports one must report the IC's.
  if (subnet?.size !== undefined) expect(subnet.size).toBe(size);
}

describe('PocketIcServer', () => {
  const binPath = process.env.POCKET_IC_BIN ?? fileURLToPath(new URL('../packages/pocket/bin/pocket-ic', import.meta.url));

  it('starts a server with a ttl, serves instances at getUrl(), and stops', async () => {
    const server = await PocketIcServer.start({ binPath, ttl: 120 });
    const url = server.getUrl();
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url).not.toBe(inject('PIC_URL'));
      const pic = await PocketIc.create(url);
      expect((await pic.createCanister()).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
      await pic.tearDown();
    } finally {
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        server.stop().then(() => 'stopped'),
        new Promise((resolve) => { timer = setTimeout(() => resolve('still running after 15 s'), 15_000); }),
      ]);
      clearTimeout(timer);
      expect(stopped).toBe('stopped');
    }
    await expect(fetch(`${url}/status`)).rejects.toThrow();
  });

  it('checks its options before starting anything', async () => {
    await expect(PocketIcServer.start({ binPath, ttl: -1 })).rejects.toMatchObject({ name: 'InvalidTtlError' });
    await expect(PocketIcServer.start({ binPath: '/nonexistent/pocket-ic' })).rejects.toMatchObject({ name: 'BinNotFoundError' });
  });
});

describe('PocketIc.create and the subnet topology', () => {
  it('creates one application subnet by default', async () => {
    const pic = await createPic();
    try {
      const topology = await pic.getTopology();
      expect(topology).toHaveLength(1);
      const [app] = topology;
      expect(app!.type).toBe(SubnetType.Application);
      expectSize(app, 13);
      expect(rangesText(app)).toEqual([rangeText(allocationBlock(0))]);
      expect(rangeText(allocationBlock(0))).toBe('lxzze-o7777-77777-aaaaa-cai..x47dp-5x777-77777-p777q-cai');
      expect((await pic.getApplicationSubnets()).map((s) => s.id.toText())).toEqual([app!.id.toText()]);
      expect(await pic.getSystemSubnets()).toEqual([]);
      expect(await pic.getNnsSubnet()).toBeUndefined();
      expect(await pic.getSnsSubnet()).toBeUndefined();
      expect(await pic.getInternetIdentitySubnet()).toBeUndefined();
      expect(await pic.getFiduciarySubnet()).toBeUndefined();
      expect(await pic.getBitcoinSubnet()).toBeUndefined();
      expect((await pic.getDefaultEffectiveCanisterId()).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');

      const first = await pic.createCanister();
      const second = await pic.createCanister();
      expect(first.toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
      expect(second.toText()).toBe('lqy7q-dh777-77777-aaaaq-cai');
      expect((await pic.getCanisterSubnetId(first))?.toText()).toBe(app!.id.toText());
    } finally {
      await pic.tearDown();
    }
  });

  it('places an NNS subnet first and the application subnet in the next block', async () => {
    const pic = await createPic({ nns: NEW, application: [NEW] });
    try {
      expect(await pic.getTopology()).toHaveLength(2);
      const nns = await pic.getNnsSubnet();
      const [app, ...more] = await pic.getApplicationSubnets();
      expect(more).toEqual([]);
      expect(nns?.type).toBe(SubnetType.NNS);
      expectSize(nns, 40);
      expectSize(app, 13);
      // The NNS subnet has the mainnet NNS ranges (registry = canister 0) plus the k = 0 block.
      expect(inRanges(Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai'), nns!.canisterRanges)).toBe(true);
      expect(rangesText(nns)).toContain(rangeText(allocationBlock(0)));
      expect(rangesText(app)).toEqual([rangeText(allocationBlock(1))]);
      expect((await pic.getDefaultEffectiveCanisterId()).toText()).toBe('7tjcv-pp777-77776-qaaaa-cai');

      const onApp = await pic.createCanister();
      expect(onApp.toText()).toBe('7tjcv-pp777-77776-qaaaa-cai');
      expect((await pic.getCanisterSubnetId(onApp))?.toText()).toBe(app!.id.toText());
      const onNns = await pic.createCanister({ targetSubnetId: nns!.id });
      expect(inRanges(onNns, nns!.canisterRanges)).toBe(true);
      expect((await pic.getCanisterSubnetId(onNns))?.toText()).toBe(nns!.id.toText());
    } finally {
      await pic.tearDown();
    }
  });

  it('creates system subnets and several application subnets, each with its own block', async () => {
    const pic = await createPic({ system: [NEW], application: [NEW, NEW, NEW] });
    try {
      const topology = await pic.getTopology();
      expect(topology).toHaveLength(4);
      expect(new Set(topology.map((s) => s.id.toText())).size).toBe(4);
      const systems = await pic.getSystemSubnets();
      const apps = await pic.getApplicationSubnets();
      expect(systems).toHaveLength(1);
      expect(apps).toHaveLength(3);
      expect(systems[0]!.type).toBe(SubnetType.System);
      expectSize(systems[0], 13);
      // Blocks are handed out named subnets first, then system, then application.
      expect(rangesText(systems[0])).toEqual([rangeText(allocationBlock(0))]);
      expect(apps.flatMap(rangesText).sort()).toEqual([1, 2, 3].map((k) => rangeText(allocationBlock(k))).sort());
      expect(apps.every((s) => s.canisterRanges.length === 1 && s.type === SubnetType.Application)).toBe(true);
      expect(await pic.getNnsSubnet()).toBeUndefined();
      // The default effective canister id is the start of the first application subnet.
      expect((await pic.getDefaultEffectiveCanisterId()).toText()).toBe(allocationBlock(1).start.toText());
      expect((await pic.createCanister()).toText()).toBe(allocationBlock(1).start.toText());

      for (const subnet of [...apps, ...systems]) {
        const id = await pic.createCanister({ targetSubnetId: subnet.id });
        expect(inRanges(id, subnet.canisterRanges)).toBe(true);
        expect((await pic.getCanisterSubnetId(id))?.toText()).toBe(subnet.id.toText());
      }
      const onSystem = await pic.createCanister({ targetSubnetId: systems[0]!.id });
      expect(onSystem.toText()).toBe(canisterIdFromU64(BLOCK0_START_N + 1n).toText());
    } finally {
      await pic.tearDown();
    }
  });

  it('creates the named SNS, II, fiduciary and bitcoin subnets with their mainnet ids and ranges', async () => {
    const pic = await createPic({ nns: NEW, sns: NEW, ii: NEW, fiduciary: NEW, bitcoin: NEW });
    try {
      const topology = await pic.getTopology();
      // pic adds one application subnet when `application` is not given.
      expect(topology.map((s) => s.type).sort()).toEqual(['Application', 'Bitcoin', 'Fiduciary', 'II', 'NNS', 'SNS']);
      const sns = await pic.getSnsSubnet();
      const ii = await pic.getInternetIdentitySubnet();
      const fiduciary = await pic.getFiduciarySubnet();
      const bitcoin = await pic.getBitcoinSubnet();
      const nns = await pic.getNnsSubnet();
      expect(sns?.type).toBe(SubnetType.SNS);
      expect(ii?.type).toBe(SubnetType.InternetIdentity);
      expect(fiduciary?.type).toBe(SubnetType.Fiduciary);
      expect(bitcoin?.type).toBe(SubnetType.Bitcoin);
      expect(sns!.id.toText()).toMatch(/^x33ed-.*-gae$/);
      expect(ii!.id.toText()).toMatch(/^uzr34-.*-oqe$/);
      expect(bitcoin!.id.toText()).toMatch(/^w4rem-.*-hqe$/);
      expect(fiduciary!.id.toText()).toMatch(/^pzp6e-.*-yae$/);
      expectSize(sns, 34);
      expectSize(ii, 34);
      expectSize(fiduciary, 34);
      expectSize(bitcoin, 13);
      expectSize(nns, 40);
      expect(inRanges(Principal.fromText('ybpmr-kqaaa-aaaaq-aaaaa-cai'), sns!.canisterRanges)).toBe(true);
      expect(inRanges(Principal.fromText('rdmx6-jaaaa-aaaaa-aaadq-cai'), ii!.canisterRanges)).toBe(true);
      expect(inRanges(Principal.fromText('mf7xa-laaaa-aaaar-qaaaa-cai'), fiduciary!.canisterRanges)).toBe(true);
      expect(inRanges(Principal.fromText('g3wsl-eqaaa-aaaan-aaaaa-cai'), bitcoin!.canisterRanges)).toBe(true);
      expect(inRanges(Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai'), nns!.canisterRanges)).toBe(true);
      // Allocation blocks: nns 0, sns 1, ii 2, fiduciary 3, bitcoin 4, then the application subnet 5.
      expect(rangesText(nns)).toContain(rangeText(allocationBlock(0)));
      expect(rangesText(sns)).toContain(rangeText(allocationBlock(1)));
      expect(rangesText(ii)).toContain(rangeText(allocationBlock(2)));
      expect(rangesText(fiduciary)).toContain(rangeText(allocationBlock(3)));
      expect(rangesText(bitcoin)).toContain(rangeText(allocationBlock(4)));
      const [app] = await pic.getApplicationSubnets();
      expect(rangesText(app)).toEqual([rangeText(allocationBlock(5))]);
      expect((await pic.getDefaultEffectiveCanisterId()).toText()).toBe(allocationBlock(5).start.toText());

      const onSns = await pic.createCanister({ targetSubnetId: sns!.id });
      expect(inRanges(onSns, sns!.canisterRanges)).toBe(true);
      expect((await pic.getCanisterSubnetId(onSns))?.toText()).toBe(sns!.id.toText());
      for (const subnet of [nns, sns, ii, fiduciary, bitcoin, app]) {
        const key = Uint8Array.from(await pic.getPubKey(subnet!.id));
        expect(key.length).toBe(133);
        expect(hex(key.slice(0, 37))).toBe(BLS_DER_PREFIX);
      }
    } finally {
      await pic.tearDown();
    }
  });

  it('creates no application subnet with application: [] and defaults to the first system subnet', async () => {
    const pic = await createPic({ system: [NEW], application: [] });
    try {
      expect(await pic.getApplicationSubnets()).toEqual([]);
      const [system] = await pic.getSystemSubnets();
      expect(rangesText(system)).toEqual([rangeText(allocationBlock(0))]);
      expect((await pic.getDefaultEffectiveCanisterId()).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
      const id = await pic.createCanister();
      expect(id.toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
      expect((await pic.getCanisterSubnetId(id))?.toText()).toBe(system!.id.toText());
    } finally {
      await pic.tearDown();
    }
  });

  it('refuses a configuration without any subnet before contacting the server', async () => {
    await expect(createPic({ application: [] })).rejects.toMatchObject({ name: 'TopologyValidationError' });
  });

  it('reports a verified application subnet by its true kind, which pic 0.23 cannot decode', async () => {
    const pic = await createPic({ verifiedApplication: [NEW] });
    try {
      // Blocks: the application subnet pic adds gets k = 0, the verified application subnet k = 1.
      expect((await pic.getDefaultEffectiveCanisterId()).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
      await expect(pic.getTopology()).rejects.toThrow('Unknown subnet kind: VerifiedApplication');
      expect((await pic.createCanister()).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
    } finally {
      await pic.tearDown();
    }
  });

  it('FromPath subnet state: a clear message on the emulator for a directory without a saved state', async () => {
    // A real server needs a real NNS state directory here, which this suite does not have. (Loading
    // a state the emulator saved is in pocket.state.spec.ts.)
    if (!IS_EMULATOR) return;
    const dir = mkdtempSync(join(tmpdir(), 'pocket-api-state-'));
    const { error, ms } = await rejectionOf(() => createPic({ nns: { state: { type: SubnetStateType.FromPath, path: dir } } }));
    expect(error.message).toContain(`FromPath: ${dir} holds no state this emulator saved`);
    expect(error.message).toMatch(/state_dir/);
    expect(ms).toBeLessThan(5_000);
  });

  it('accepts icpConfig, processingTimeoutMs and a Free application subnet, which charges no cycles', async () => {
    const pic = await createPic({
      application: [{ ...NEW, costSchedule: CanisterCyclesCostSchedule.Free }],
      icpConfig: { betaFeatures: IcpConfigFlag.Enabled },
      processingTimeoutMs: 20_000,
    });
    try {
      const cycles = 1_000_000_000_000n;
      const { actor, canisterId } = await pic.setupCanister<ProbeService>({ idlFactory: probeIdl, wasm: await probeWasm(), cycles });
      expect(await actor.inc()).toBe(1n);
      expect(await actor.inc()).toBe(2n);
      await pic.tick(3);
      expect(BigInt(await pic.getCyclesBalance(canisterId))).toBe(cycles);
    } finally {
      await pic.tearDown();
    }
  });

  it('deploys system canisters from icpFeatures, or names icp_features when it cannot', async () => {
    if (IS_EMULATOR) {
      const { error, ms } = await rejectionOf(() => createPic({ icpFeatures: { registry: IcpFeaturesConfig.DefaultConfig } }));
      expect(error.message).toMatch(/icp_features/);
      expect(error.message).toMatch(/unsupported|not supported/i);
      expect(ms).toBeLessThan(5_000);
      return;
    }
    const pic = await createPic({ icpFeatures: { registry: IcpFeaturesConfig.DefaultConfig } });
    try {
      const nns = await pic.getNnsSubnet();
      expect(nns).toBeDefined();
      const registry = Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai');
      expect((await pic.getCanisterSubnetId(registry))?.toText()).toBe(nns!.id.toText());
    } finally {
      await pic.tearDown();
    }
  });
});

describe('canisters on one instance', () => {
  let pic: PocketIc;
  let probe: Uint8Array;
  let app: SubnetTopology;
  /** An id inside the application subnet's range that no canister has. */
  const ghost = canisterIdFromU64(BLOCK0_START_N + 900_000n);

  const installProbe = async (arg = new Uint8Array(), options: { controllers?: Principal[]; sender?: Principal } = {}) => {
    const canisterId = await pic.createCanister(options);
    await pic.installCode({ canisterId, wasm: probe, arg, sender: options.sender });
    return canisterId;
  };
  const query = (canisterId: Principal, method: string, arg: Uint8Array = new Uint8Array()) => pic.queryCall({ canisterId, method, arg });
  const counter = async (canisterId: Principal) => decodeNat64(await query(canisterId, 'get', emptyArg()));
  const initArg = async (canisterId: Principal) => {
    const bytes = await query(canisterId, 'init_arg');
    return { ranLast: readU32(bytes) === 1 ? 'init' : readU32(bytes) === 2 ? 'post_upgrade' : `? ${readU32(bytes)}`, arg: untext(bytes.slice(4)) };
  };

  beforeAll(async () => {
    pic = await createPic();
    probe = await probeWasm();
    [app] = (await pic.getApplicationSubnets()) as [SubnetTopology];
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('createCanister with defaults: anonymous controller, 10^18 cycles, the IC default settings', async () => {
    const canisterId = await pic.createCanister();
    expect(texts(await pic.getControllers(canisterId))).toEqual([ANONYMOUS.toText()]);
    const cycles = BigInt(await pic.getCyclesBalance(canisterId));
    expect(cycles).toBeLessThanOrEqual(10n ** 18n);
    expect(cycles).toBeGreaterThan(10n ** 18n - 10n ** 10n);
    const status = await pic.canisterStatus({ canisterId });
    expect(status.status).toEqual({ running: null });
    expect(status.moduleHash).toBeNull();
    expect(texts(status.settings.controllers)).toEqual([ANONYMOUS.toText()]);
    expect(status.settings.computeAllocation).toBe(0n);
    expect(status.settings.memoryAllocation).toBe(0n);
    expect(status.settings.freezingThreshold).toBe(2_592_000n);
    expect(status.settings.reservedCyclesLimit).toBe(5_000_000_000_000n);
    expect(status.settings.logVisibility).toEqual({ controllers: null });
    expect(status.settings.wasmMemoryLimit).toBe(3n * 1024n ** 3n);
    expect(status.settings.wasmMemoryThreshold).toBe(0n);
    expect(status.settings.environmentVariables).toEqual([]);
    expect(status.reservedCycles).toBe(0n);
    expect(status.queryStats.numCallsTotal).toBeGreaterThanOrEqual(0n);
  });

  it('createCanister with controllers, cycles and settings; canisterStatus reports them to controllers only', async () => {
    const environmentVariables = [{ name: 'A_NAME', value: 'one' }, { name: 'B_NAME', value: 'two' }];
    const canisterId = await pic.createCanister({
      sender: alice,
      controllers: [alice, bob],
      cycles: 100_000_000_000_000n,
      computeAllocation: 1n,
      memoryAllocation: 10n * 1024n * 1024n,
      freezingThreshold: 259_200n,
      reservedCyclesLimit: 6_000_000_000_000n,
      logVisibility: { allowedViewers: [bob] },
      snapshotVisibility: { controllers: null },
      wasmMemoryLimit: 1024n ** 3n,
      wasmMemoryThreshold: 1024n * 1024n,
      environmentVariables,
    });
    expect(texts(await pic.getControllers(canisterId))).toEqual(texts([alice, bob]));
    const status = await pic.canisterStatus({ canisterId, sender: bob });
    expect(texts(status.settings.controllers)).toEqual(texts([alice, bob]));
    expect(status.settings.computeAllocation).toBe(1n);
    expect(status.settings.memoryAllocation).toBe(10n * 1024n * 1024n);
    expect(status.settings.freezingThreshold).toBe(259_200n);
    expect(status.settings.reservedCyclesLimit).toBe(6_000_000_000_000n);
    const visibility = status.settings.logVisibility;
    expect('allowedViewers' in visibility && texts(visibility.allowedViewers)).toEqual([bob.toText()]);
    expect(status.settings.wasmMemoryLimit).toBe(1024n ** 3n);
    expect(status.settings.wasmMemoryThreshold).toBe(1024n * 1024n);
    expect(status.settings.environmentVariables).toEqual(environmentVariables);
    expect(status.cycles).toBeLessThanOrEqual(100_000_000_000_000n);
    expect(status.cycles).toBeGreaterThan(99_000_000_000_000n);
    // A compute allocation and a memory allocation cost cycles even when idle.
    expect(status.idleCyclesBurnedPerDay).toBeGreaterThan(0n);

    await expect(pic.canisterStatus({ canisterId })).rejects.toThrow(
      `Only controllers of canister ${canisterId.toText()} can call ic00 method canister_status`,
    );
  });

  it('createCanister at a targetCanisterId: a mainnet id in a named subnet range, never one in an allocation range', async () => {
    // IC execution environment: a specified_id inside a subnet's canister allocation range (the
    // ranges canister ids are generated from) is invalid; mainnet ids of named subnets are not.
    const local = await createPic({ nns: NEW, application: [NEW] });
    try {
      const nns = (await local.getNnsSubnet())!;
      const ledger = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
      const canisterId = await local.createCanister({ targetCanisterId: ledger });
      expect(canisterId.toText()).toBe(ledger.toText());
      expect((await local.getCanisterSubnetId(ledger))?.toText()).toBe(nns.id.toText());
      await expect(local.createCanister({ targetCanisterId: ledger })).rejects.toThrow(`Canister ${ledger.toText()} is already installed`);

      const root = Principal.fromText('r7inp-6aaaa-aaaaa-aaabq-cai');
      const { actor, canisterId: viaSetup } = await local.setupCanister<ProbeService>({
        idlFactory: probeIdl, wasm: probe, targetCanisterId: root, sender: alice, controllers: [alice],
      });
      expect(viaSetup.toText()).toBe(root.toText());
      expect(await actor.inc()).toBe(1n);

      for (const k of [0, 1]) { // the NNS allocation block, the application subnet's block
        const inAllocationRange = canisterIdFromU64(allocationBlockStart(k) + 1_000n);
        await expect(local.createCanister({ targetCanisterId: inAllocationRange })).rejects.toThrow(
          `The \`specified_id\` ${inAllocationRange.toText()} is invalid because it belongs to the canister allocation ranges of the test environment`,
        );
      }
    } finally {
      await local.tearDown();
    }
  });

  it('createCanister at a mainnet id no subnet covers adds a subnet with that mainnet range', async () => {
    // pocketic-rest.md §6: provisional_create_canister_with_cycles with a mainnet (not NNS or II)
    // canister id outside every subnet creates a subnet with the id's mainnet range.
    const local = await createPic();
    try {
      const target = canisterIdFromU64((100n << 20n) + 5n);
      expect(target.toText()).toBe('ax3ra-hqaaa-aaabs-aaacq-cai');
      const canisterId = await local.createCanister({ targetCanisterId: target });
      expect(canisterId.toText()).toBe(target.toText());
      const subnetId = await local.getCanisterSubnetId(target);
      expect(subnetId).not.toBeNull();
      const topology = await local.getTopology();
      expect(topology).toHaveLength(2);
      const subnet = topology.find((s) => s.id.toText() === subnetId!.toText());
      expect(subnet?.type).toBe(SubnetType.Application);
      expect(rangesText(subnet)).toContain(rangeText({ start: canisterIdFromU64(100n << 20n), end: canisterIdFromU64((101n << 20n) - 1n) }));
      expect((await local.getDefaultEffectiveCanisterId()).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
      await local.installCode({ canisterId, wasm: probe });
      expect(await local.createActor<ProbeService>(probeIdl, canisterId).inc()).toBe(1n);
    } finally {
      await local.tearDown();
    }
  });

  it('createCanister at an NNS/II mainnet id the instance lacks, or at a non-mainnet id no subnet covers, is an error', async () => {
    const ii = Principal.fromText('rdmx6-jaaaa-aaaaa-aaadq-cai');
    await expect(pic.createCanister({ targetCanisterId: ii })).rejects.toThrow(/PocketIC server error.*rdmx6-jaaaa-aaaaa-aaadq-cai/);
    await expect(pic.createCanister({ targetCanisterId: allocationBlock(7).start })).rejects.toThrow(/PocketIC server error/);
    expect(await pic.getTopology()).toHaveLength(1);
  });

  it('installCode from a file path with an argument; module hash; no second install', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocket-api-'));
    const path = join(dir, 'probe.wasm');
    writeFileSync(path, probe);
    const canisterId = await pic.createCanister();
    await pic.installCode({ canisterId, wasm: path, arg: text('hello') });
    expect(await initArg(canisterId)).toEqual({ ranLast: 'init', arg: 'hello' });
    const status = await pic.canisterStatus({ canisterId });
    expect(status.moduleHash && hex(status.moduleHash)).toBe(sha256(probe));
    expect(status.memorySize).toBeGreaterThan(0n);
    expect(status.idleCyclesBurnedPerDay).toBeGreaterThan(0n);
    await expect(pic.installCode({ canisterId, wasm: probe })).rejects.toThrow(/not empty/);
  });

  it('installCode accepts a gzipped module and hashes it as uploaded', async () => {
    const gz = new Uint8Array(gzipSync(probe));
    const canisterId = await pic.createCanister();
    await pic.installCode({ canisterId, wasm: gz });
    const status = await pic.canisterStatus({ canisterId });
    expect(status.moduleHash && hex(status.moduleHash)).toBe(sha256(gz));
    const actor = pic.createActor<ProbeService>(probeIdl, canisterId);
    expect(await actor.inc()).toBe(1n);
  });

  it('upgradeCanister runs pre_upgrade and post_upgrade, keeps stable memory, honours skip_pre_upgrade', async () => {
    const canisterId = await installProbe(text('v1'));
    const actor = pic.createActor<ProbeService>(probeIdl, canisterId);
    await actor.inc();
    await actor.inc();
    expect(await actor.inc()).toBe(3n);
    await pic.upgradeCanister({ canisterId, wasm: probe, arg: text('v2') });
    expect(await actor.get()).toBe(3n);
    expect(await initArg(canisterId)).toEqual({ ranLast: 'post_upgrade', arg: 'v2' });
    expect(await actor.inc()).toBe(4n);
    // Without pre_upgrade the stable copy still says 3.
    await pic.upgradeCanister({ canisterId, wasm: probe, arg: text('v3'), upgradeModeOptions: { skip_pre_upgrade: [true], wasm_memory_persistence: [] } });
    expect(await actor.get()).toBe(3n);
    expect(await initArg(canisterId)).toEqual({ ranLast: 'post_upgrade', arg: 'v3' });
  });

  it('reinstallCode wipes heap and stable memory and runs canister_init', async () => {
    const canisterId = await installProbe(text('first'));
    const actor = pic.createActor<ProbeService>(probeIdl, canisterId);
    await actor.inc();
    await pic.upgradeCanister({ canisterId, wasm: probe }); // leaves 8 bytes of stable memory
    expect(readU64(await query(canisterId, 'stable_size'))).toBe(1n);
    await pic.reinstallCode({ canisterId, wasm: probe, arg: text('again') });
    expect(await actor.get()).toBe(0n);
    expect(await initArg(canisterId)).toEqual({ ranLast: 'init', arg: 'again' });
    expect(readU64(await query(canisterId, 'stable_size'))).toBe(0n);
  });

  it('installs, upgrades and reinstalls a module over 1.85 MB in chunks', async () => {
    const big = padWasm(probe, 2_000_000);
    const canisterId = await pic.createCanister({ sender: alice, controllers: [alice] });
    await pic.installCode({ canisterId, wasm: big, arg: text('big'), sender: alice });
    const status = await pic.canisterStatus({ canisterId, sender: alice });
    expect(status.moduleHash && hex(status.moduleHash)).toBe(sha256(big));
    expect(await initArg(canisterId)).toEqual({ ranLast: 'init', arg: 'big' });
    const actor = pic.createActor<ProbeService>(probeIdl, canisterId);
    expect(await actor.inc()).toBe(1n);
    await pic.upgradeCanister({
      canisterId, wasm: big, arg: text('bigger'), sender: alice,
      upgradeModeOptions: { skip_pre_upgrade: [], wasm_memory_persistence: [{ replace: null }] },
    });
    expect(await actor.get()).toBe(1n);
    expect(await initArg(canisterId)).toEqual({ ranLast: 'post_upgrade', arg: 'bigger' });
    await pic.reinstallCode({ canisterId, wasm: big, arg: text('fresh'), sender: alice });
    expect(await actor.get()).toBe(0n);
    expect(await initArg(canisterId)).toEqual({ ranLast: 'init', arg: 'fresh' });
    // Only controllers may install.
    await expect(pic.reinstallCode({ canisterId, wasm: probe })).rejects.toThrow(/Only controllers of canister/);
  });

  it('setupCanister creates, installs and returns a working actor', async () => {
    const { actor, canisterId } = await pic.setupCanister<ProbeService>({
      idlFactory: probeIdl, wasm: probe, arg: text('set up'), sender: alice, controllers: [alice],
      cycles: 2_000_000_000_000n, freezingThreshold: 86_400n, targetSubnetId: app.id,
    });
    expect((await pic.getCanisterSubnetId(canisterId))?.toText()).toBe(app.id.toText());
    expect(await actor.inc()).toBe(1n);
    expect(await initArg(canisterId)).toEqual({ ranLast: 'init', arg: 'set up' });
    expect(texts(await pic.getControllers(canisterId))).toEqual([alice.toText()]);
    const status = await pic.canisterStatus({ canisterId, sender: alice });
    expect(status.settings.freezingThreshold).toBe(86_400n);
    expect(status.cycles).toBeLessThanOrEqual(2_000_000_000_000n);
  });

  it('createActor calls queries and updates, as the principal or identity it is given', async () => {
    const canisterId = await installProbe();
    const actor = pic.createActor<ProbeService>(probeIdl, canisterId);
    expect(await actor.get()).toBe(0n);
    expect(await actor.inc()).toBe(1n);
    expect(await actor.get()).toBe(1n);
    expect((await actor.whoami()).toText()).toBe(ANONYMOUS.toText());
    actor.setPrincipal(alice);
    expect((await actor.whoami()).toText()).toBe(alice.toText());
    expect((await actor.whoami_query()).toText()).toBe(alice.toText());
    const carol = createIdentity('carol of pocket.api.spec');
    actor.setIdentity(carol);
    expect((await actor.whoami()).toText()).toBe(carol.getPrincipal().toText());
  });

  it('updateCall and queryCall pass raw bytes and the sender; errors carry the IC wording', async () => {
    const canisterId = await installProbe();
    const raw = Uint8Array.from([0, 1, 2, 0x44, 0x49, 0x44, 0x4c, 255, 254, 0]);
    expect(await pic.updateCall({ canisterId, method: 'echo', arg: raw })).toEqual(raw);
    expect(await pic.queryCall({ canisterId, method: 'echo_query', arg: raw })).toEqual(raw);
    expect(await pic.updateCall({ canisterId, method: 'echo' })).toEqual(new Uint8Array());
    expect(decodePrincipal(await pic.updateCall({ canisterId, method: 'whoami', arg: emptyArg(), sender: alice }))).toBe(alice.toText());
    expect(decodePrincipal(await pic.queryCall({ canisterId, method: 'whoami_query', arg: emptyArg(), sender: bob }))).toBe(bob.toText());
    expect(decodeNat64(await pic.updateCall({ canisterId, method: 'inc', arg: emptyArg() }))).toBe(1n);
    // sender_info (v14) is accepted on both kinds of call.
    const senderInfo = { info: Uint8Array.from([1, 2, 3, 4]), signer: canisterId };
    expect(await pic.updateCall({ canisterId, method: 'echo', arg: raw, senderInfo })).toEqual(raw);
    expect(await pic.queryCall({ canisterId, method: 'echo_query', arg: raw, senderInfo })).toEqual(raw);

    // A trap rolls the message back.
    await expect(pic.updateCall({ canisterId, method: 'inc_then_trap' })).rejects.toThrow(/Canister called `ic0\.trap` with message: '?boom/);
    expect(await counter(canisterId)).toBe(1n);
    await expect(pic.updateCall({ canisterId, method: 'nope' })).rejects.toThrow(/has no update method 'nope'[\s\S]*Error code: CanisterMethodNotFound/);
    await expect(pic.queryCall({ canisterId, method: 'nope' })).rejects.toThrow(/has no query method 'nope'[\s\S]*Error code: CanisterMethodNotFound/);
    await expect(pic.updateCall({ canisterId: ghost, method: 'echo' })).rejects.toThrow(`Canister ${ghost.toText()} not found`);
    await expect(pic.queryCall({ canisterId: ghost, method: 'echo_query' })).rejects.toThrow(`Canister ${ghost.toText()} not found`);
    const nowhere = allocationBlock(7).start;
    await expect(pic.updateCall({ canisterId: nowhere, method: 'echo' })).rejects.toThrow(/PocketIC server error[\s\S]*does not belong to any subnet/);
    await expect(pic.queryCall({ canisterId: nowhere, method: 'echo_query' })).rejects.toThrow(/PocketIC server error[\s\S]*does not belong to any subnet/);
  });

  it('serves concurrent calls on one instance one after another', async () => {
    const canisterId = await installProbe();
    const actor = pic.createActor<ProbeService>(probeIdl, canisterId);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? pic.tick().then(() => 0n) : actor.inc())));
    const counts = results.filter((r) => r !== 0n).sort((a, b) => Number(a - b));
    expect(counts).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(await actor.get()).toBe(8n);
  });

  it('createDeferredActor: a call waits for a round, and its result outlives the ticks', async () => {
    const canisterId = await installProbe();
    const actor = pic.createActor<ProbeService>(probeIdl, canisterId);
    const deferred = pic.createDeferredActor<ProbeService>(probeIdl, canisterId);
    const pending = await deferred.inc();
    expect(await actor.get()).toBe(0n); // submitted, not executed
    await pic.tick(2);
    expect(await actor.get()).toBe(1n); // executed by the ticks
    expect(await pending()).toBe(1n); // and still answerable afterwards
    // Awaiting without ticking runs the rounds itself.
    const next = await deferred.inc();
    expect(await next()).toBe(2n);
    // The message runs in the first round after submission, so it sees a time set in between (within
    // its five minutes: a message whose expiry a round has passed is left out of the block).
    const target = (await pic.getTime()) + 120_000;
    const pendingTime = await deferred.time();
    await pic.setTime(target);
    await pic.tick();
    await pic.advanceTime(60_000);
    await pic.tick();
    expect(await pendingTime()).toBe(BigInt(target) * 1_000_000n);
    // Overtaken by more than five minutes before a round, a message is never executed.
    const count = await actor.get();
    await deferred.inc(); // not awaited: PocketIC's await of it would fail after 100 rounds
    await pic.setTime((await pic.getTime()) + 301_000);
    await pic.tick(3);
    expect(await actor.get()).toBe(count);
    deferred.setPrincipal(alice);
    const who = await deferred.whoami();
    expect((await who()).toText()).toBe(alice.toText());
    deferred.setIdentity(createIdentity('dave of pocket.api.spec'));
    const who2 = await deferred.whoami();
    expect((await who2()).toText()).toBe(createIdentity('dave of pocket.api.spec').getPrincipal().toText());
  });

  it('stopCanister and startCanister', async () => {
    const canisterId = await installProbe();
    const actor = pic.createActor<ProbeService>(probeIdl, canisterId);
    expect(await actor.inc()).toBe(1n);
    await pic.stopCanister({ canisterId });
    expect((await pic.canisterStatus({ canisterId })).status).toEqual({ stopped: null });
    await expect(actor.inc()).rejects.toThrow(`Canister ${canisterId.toText()} is stopped`);
    await expect(actor.get()).rejects.toThrow(/Canister call failed/);
    await pic.startCanister({ canisterId });
    expect((await pic.canisterStatus({ canisterId })).status).toEqual({ running: null });
    expect(await actor.inc()).toBe(2n);
    await expect(pic.stopCanister({ canisterId, sender: bob })).rejects.toThrow(/Only controllers of canister/);
  });

  it('updateCanisterSettings changes what canisterStatus reports', async () => {
    const canisterId = await pic.createCanister();
    await pic.updateCanisterSettings({
      canisterId,
      controllers: [ANONYMOUS, alice],
      freezingThreshold: 1_234_567n,
      logVisibility: { public: null },
      wasmMemoryThreshold: 4_000_000n,
      reservedCyclesLimit: 7_000_000_000_000n,
      environmentVariables: [{ name: 'FOO', value: 'bar' }],
    });
    let status = await pic.canisterStatus({ canisterId });
    expect(texts(status.settings.controllers)).toEqual(texts([ANONYMOUS, alice]));
    expect(status.settings.freezingThreshold).toBe(1_234_567n);
    expect(status.settings.logVisibility).toEqual({ public: null });
    expect(status.settings.wasmMemoryThreshold).toBe(4_000_000n);
    expect(status.settings.reservedCyclesLimit).toBe(7_000_000_000_000n);
    expect(status.settings.environmentVariables).toEqual([{ name: 'FOO', value: 'bar' }]);
    expect(status.settings.computeAllocation).toBe(0n);
    expect(status.settings.wasmMemoryLimit).toBe(3n * 1024n ** 3n);

    // Fields left out stay as they are; giving away control locks the old controller out.
    await pic.updateCanisterSettings({ canisterId, controllers: [alice] });
    await expect(pic.canisterStatus({ canisterId })).rejects.toThrow(/Only controllers of canister/);
    status = await pic.canisterStatus({ canisterId, sender: alice });
    expect(texts(status.settings.controllers)).toEqual([alice.toText()]);
    expect(status.settings.freezingThreshold).toBe(1_234_567n);
    expect(texts(await pic.getControllers(canisterId))).toEqual([alice.toText()]);
    await expect(pic.updateCanisterSettings({ canisterId, freezingThreshold: 1n })).rejects.toThrow(/Only controllers of canister/);
  });

  it('getCyclesBalance and addCycles, exactly, beyond 2^64', async () => {
    const canisterId = await pic.createCanister({ cycles: 3_000_000_000_000n });
    const before = BigInt(await pic.getCyclesBalance(canisterId));
    expect(before).toBeLessThanOrEqual(3_000_000_000_000n);
    expect(before).toBeGreaterThan(2_999_000_000_000n);
    const amount = 10n ** 21n + 7n;
    const after = await pic.addCycles(canisterId, amount);
    expect(BigInt(after)).toBe(before + amount);
    expect(BigInt(await pic.getCyclesBalance(canisterId))).toBe(before + amount);
    await expect(pic.getCyclesBalance(ghost)).rejects.toThrow(/PocketIC server error/);
    await expect(pic.addCycles(ghost, 1n)).rejects.toThrow(/PocketIC server error/);
  });

  it('setStableMemory and getStableMemory round trip, in whole pages', async () => {
    const canisterId = await installProbe();
    expect(await pic.getStableMemory(canisterId)).toHaveLength(0);
    const data = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) & 0xff);
    await pic.setStableMemory(canisterId, data);
    const stable = await pic.getStableMemory(canisterId);
    expect(stable.length % 65_536).toBe(0);
    expect(stable.length).toBe(131_072);
    expect(hex(stable.slice(0, data.length))).toBe(hex(data));
    expect(stable.slice(data.length).every((b) => b === 0)).toBe(true);
    // The canister sees the same bytes.
    expect(readU64(await query(canisterId, 'stable_size'))).toBe(2n);
    expect(hex(await query(canisterId, 'stable_read', u32(data.length)))).toBe(hex(data));

    // Several MiB travel through the blob store and JSON bodies unharmed.
    const large = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 16)) & 0xff);
    await pic.setStableMemory(canisterId, large);
    const back = await pic.getStableMemory(canisterId);
    expect(back.length).toBe(large.length);
    expect(sha256(back)).toBe(sha256(large));
    expect(readU64(await query(canisterId, 'stable_size'))).toBe(48n);

    const empty = await pic.createCanister();
    await expect(pic.getStableMemory(empty)).rejects.toThrow(/PocketIC server error/);
    await expect(pic.setStableMemory(empty, data)).rejects.toThrow(/PocketIC server error/);
    await expect(pic.getStableMemory(ghost)).rejects.toThrow(/PocketIC server error/);
  });

  it('getCanisterSubnetId: the subnet of a canister, null for a missing one', async () => {
    const canisterId = await pic.createCanister();
    expect((await pic.getCanisterSubnetId(canisterId))?.toText()).toBe(app.id.toText());
    expect(await pic.getCanisterSubnetId(ghost)).toBeNull();
  });

  it('getPubKey returns the subnet key as 133 DER bytes; an unknown subnet is an error', async () => {
    const key = Uint8Array.from(await pic.getPubKey(app.id));
    expect(key.length).toBe(133);
    expect(hex(key.slice(0, 37))).toBe(BLS_DER_PREFIX);
    expect(hex(Uint8Array.from(await pic.getPubKey(app.id)))).toBe(hex(key));
    await expect(pic.getPubKey(Principal.fromUint8Array(new Uint8Array(29).fill(9)))).rejects.toThrow(/PocketIC server error/);
  });

  it('getControllers of a missing canister is an error', async () => {
    await expect(pic.getControllers(ghost)).rejects.toThrow(/PocketIC server error/);
  });

  it('tick(n) executes n rounds', async () => {
    const canisterId = await pic.createCanister();
    await pic.installCode({ canisterId, wasm: await beatWasm() });
    const beats = async () => readU64(await query(canisterId, 'beats'));
    const before = await beats();
    await pic.tick(5);
    expect(await beats()).toBe(before + 5n);
    await pic.tick();
    expect(await beats()).toBe(before + 6n);
    await pic.tick(0);
    expect(await beats()).toBe(before + 6n);
  });
});

describe('several application subnets: calls routed with targetSubnetId', () => {
  it('creates, installs, stops, starts and calls canisters on a chosen subnet', async () => {
    const pic = await createPic({ application: [NEW, NEW] });
    try {
      const probe = await probeWasm();
      const [, second] = (await pic.getApplicationSubnets()).sort((a, b) => Buffer.compare(
        Buffer.from(b.canisterRanges[0]!.start.toUint8Array()), Buffer.from(a.canisterRanges[0]!.start.toUint8Array())));
      expect(rangesText(second)).toEqual([rangeText(allocationBlock(1))]);
      const targetSubnetId = second!.id;
      const canisterId = await pic.createCanister({ targetSubnetId });
      expect(canisterId.toText()).toBe(allocationBlock(1).start.toText());
      expect((await pic.getCanisterSubnetId(canisterId))?.toText()).toBe(targetSubnetId.toText());
      await pic.installCode({ canisterId, wasm: probe, targetSubnetId });
      expect(decodeNat64(await pic.updateCall({ canisterId, method: 'inc', arg: emptyArg(), targetSubnetId }))).toBe(1n);
      expect(decodeNat64(await pic.queryCall({ canisterId, method: 'get', arg: emptyArg(), targetSubnetId }))).toBe(1n);
      await pic.stopCanister({ canisterId, targetSubnetId });
      expect((await pic.canisterStatus({ canisterId })).status).toEqual({ stopped: null });
      await pic.startCanister({ canisterId, targetSubnetId });
      expect((await pic.canisterStatus({ canisterId })).status).toEqual({ running: null });
      const { canisterId: viaSetup, actor } = await pic.setupCanister<ProbeService>({ idlFactory: probeIdl, wasm: probe, targetSubnetId });
      expect((await pic.getCanisterSubnetId(viaSetup))?.toText()).toBe(targetSubnetId.toText());
      expect(await actor.inc()).toBe(1n);
    } finally {
      await pic.tearDown();
    }
  });
});

describe('time', () => {
  let pic: PocketIc;
  let actor: Actor<ProbeService>;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    pic = await createPic();
    ({ actor } = await pic.setupCanister<ProbeService>({ idlFactory: probeIdl, wasm: await probeWasm() }));
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('starts at the genesis time, 2021-05-06T19:17:10Z', async () => {
    const now = await pic.getTime();
    expect(now).toBeGreaterThanOrEqual(GENESIS_MS);
    expect(now).toBeLessThan(GENESIS_MS + 1_000);
    expect(await actor.time()).toBeLessThanOrEqual(BigInt(now) * 1_000_000n + 999_999n);
  });

  it('resetTime and resetCertifiedTime follow the wall clock', async () => {
    const before = Date.now();
    await pic.resetTime();
    const after = Date.now();
    const t = await pic.getTime();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
    await pic.tick();
    expect(await actor.time()).toBeGreaterThanOrEqual(BigInt(before) * 1_000_000n);
    await sleep(5);
    const before2 = Date.now();
    await pic.resetCertifiedTime();
    const after2 = Date.now();
    const seen = await actor.time(); // no tick: certified time is visible at once
    expect(seen).toBeGreaterThanOrEqual(BigInt(before2) * 1_000_000n);
    expect(seen).toBeLessThanOrEqual(BigInt(after2) * 1_000_000n);
  });

  it('setTime takes effect at the next round, to the nanosecond; setting the same time again works', async () => {
    const target = Date.now() + 365 * 24 * 3_600_000;
    await pic.setTime(new Date(target));
    expect(await pic.getTime()).toBe(target);
    expect(await actor.time()).toBeLessThan(BigInt(target) * 1_000_000n);
    await pic.setTime(target); // the same time: a no-op, not an error
    expect(await pic.getTime()).toBe(target);
    await pic.tick();
    expect(await actor.time()).toBe(BigInt(target) * 1_000_000n);
    // Block time strictly increases: a round without a time change runs 1 ns later.
    await pic.tick();
    expect(await actor.time()).toBe(BigInt(target) * 1_000_000n + 1n);
  });

  it('setting the time into the past is an immediate PocketIC server error', async () => {
    const now = await pic.getTime();
    for (const set of [() => pic.setTime(now - 60_000), () => pic.setCertifiedTime(now - 60_000)]) {
      const { error, ms } = await rejectionOf(set);
      expect(error.message).toMatch(/PocketIC server error/);
      expect(error.message).toMatch(/SettingTimeIntoPast/);
      expect(ms).toBeLessThan(2_000);
    }
    expect(await pic.getTime()).toBe(now);
  });

  it('advanceTime moves the next round forward exactly; advanceTime(0) is fine', async () => {
    const start = (await pic.getTime()) + 10_000;
    await pic.setTime(start);
    await pic.advanceTime(1_500);
    expect(await pic.getTime()).toBe(start + 1_500);
    await pic.tick();
    expect(await actor.time()).toBe(BigInt(start + 1_500) * 1_000_000n);
    const observed = await actor.time();
    await pic.advanceTime(0);
    await pic.tick();
    expect(await actor.time()).toBeGreaterThanOrEqual(observed);
  });

  it('setCertifiedTime and advanceCertifiedTime are visible to queries without a tick', async () => {
    const target = (await pic.getTime()) + 60_000;
    await pic.setCertifiedTime(target);
    expect(await actor.time()).toBe(BigInt(target) * 1_000_000n);
    expect(await pic.getTime()).toBe(target);
    await pic.advanceCertifiedTime(2_500);
    expect(await actor.time()).toBe(BigInt(target + 2_500) * 1_000_000n);
    expect(await pic.getTime()).toBe(target + 2_500);
    await pic.advanceCertifiedTime(0);
    expect(await actor.time()).toBe(BigInt(target + 2_500) * 1_000_000n);
  });
});

describe('HTTPS outcalls', () => {
  it('getPendingHttpsOutcalls is empty on a fresh instance', async () => {
    const pic = await createPic();
    try {
      expect(await pic.getPendingHttpsOutcalls()).toEqual([]);
    } finally {
      await pic.tearDown();
    }
  });

  it('a canister outcall is pending until mocked, then gets the mocked reply', async () => {
    const pic = await createPic();
    try {
      const canisterId = await pic.createCanister();
      await pic.installCode({ canisterId, wasm: await probeWasm() });
      const subnetId = (await pic.getCanisterSubnetId(canisterId))!;
      const request = new Uint8Array(IDL.encode([HttpRequestArgs], [{
        url: 'https://example.com/data', max_response_bytes: [1_000n], method: { get: null },
        headers: [{ name: 'x-test', value: '1' }], body: [],
      }]));
      await pic.updateCall({ canisterId, method: 'set_call', arg: managementCall('http_request', request) });
      await pic.updateCall({ canisterId, method: 'run_call', arg: emptyArg() });
      await pic.tick(2);
      const result = async () => callResult(await pic.queryCall({ canisterId, method: 'call_result' }));
      const mock = (requestId: number) => pic.mockPendingHttpsOutcall({
        subnetId, requestId, response: { type: 'success', statusCode: 200, headers: [['content-type', 'text/plain']], body: text('hello') },
      });

      const pending = await pic.getPendingHttpsOutcalls();
      expect(pending).toHaveLength(1);
      const [outcall] = pending;
      expect(outcall!.subnetId.toText()).toBe(subnetId.toText());
      expect(outcall!.url).toBe('https://example.com/data');
      expect(outcall!.httpMethod).toBe('GET');
      expect(outcall!.headers).toContainEqual(['x-test', '1']);
      expect(Number(outcall!.maxResponseBytes)).toBe(1_000);
      expect((await result()).status).toBe('pending');
      await expect(mock(outcall!.requestId + 1_000)).rejects.toThrow(/PocketIC server error/);
      await mock(outcall!.requestId);
      await pic.tick(3);
      const outcome = await result();
      expect(outcome.status).toBe('reply');
      const [reply] = IDL.decode([HttpRequestResult], outcome.data) as unknown as [{ status: bigint; body: Uint8Array }];
      expect(reply.status).toBe(200n);
      expect(untext(Uint8Array.from(reply.body))).toBe('hello');
      expect(await pic.getPendingHttpsOutcalls()).toEqual([]);
    } finally {
      await pic.tearDown();
    }
  });
});

describe('live mode', () => {
  it('makeLive and stopLive: time follows the clock, a gateway serves the IC HTTP interface, stopLive stops both', async () => {
    const pic = await createPic();
    try {
      // stopLive on an instance that is not live is a no-op (pic-js's own suites call it in every afterEach).
      await pic.stopLive();
      const port = await pic.makeLive();
      expect(port).toBeGreaterThan(0);
      expect(await pic.makeLive()).toBe(port);
      const res = await fetch(`http://127.0.0.1:${port}/api/v2/status`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('cbor');
      expect(Math.abs((await pic.getTime()) - Date.now())).toBeLessThan(60_000);
      await pic.stopLive();
      const stopped = await fetch(`http://127.0.0.1:${port}/api/v2/status`).then(() => 'served', () => 'refused');
      expect(stopped).toBe('refused');
      const time = await pic.getTime();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await pic.getTime()).toBe(time);
      await pic.tick();
    } finally {
      await pic.tearDown();
    }
  });
});

describe('tearDown', () => {
  it('deletes the instance: every later call fails on the client side; other instances live on', async () => {
    const other = await createPic();
    const pic = await createPic();
    const canisterId = await pic.createCanister();
    await pic.tearDown();
    const calls: (() => Promise<unknown>)[] = [
      () => pic.getTime(), () => pic.tick(), () => pic.createCanister(), () => pic.getTopology(),
      () => pic.getCyclesBalance(canisterId), () => pic.setTime(Date.now()), () => pic.tearDown(),
      () => pic.queryCall({ canisterId, method: 'get' }),
    ];
    for (const call of calls) await expect(call()).rejects.toThrow('Instance was deleted');
    expect((await other.createCanister()).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
    await other.tearDown();
  });
});
