/**
 * Manager benchmark: the end-to-end upgrade of the backend this repository builds (an Azle module
 * of about 4 MB), requested by the NFT holder through the backend and carried out by the manager
 * from the registry, on the emulator. Prints wall time, the inter-canister messages it took, and
 * the bytes that crossed canister boundaries per module byte (the design's target: two, registry →
 * manager and manager → management canister), against a baseline measured in the same run: the
 * same upgrade done directly by a controller with `install_code`.
 *
 * The modules are releases as `lineage publish --stamp` makes them: stamped with their version and
 * gzipped (about 1.3 MB). `BENCH_RELEASE=raw` publishes them uncompressed (about 4.3 MB) instead.
 *
 * Run: `pnpm bench` here (or from the root).
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { RELEASE_SECTION, releaseModule, setCustomSection } from '@lineage/canister-build';
import { PocketServer } from '@lineage/pocket';
import { publishWasm, spawnDapp, type CanisterDeployer } from '@lineage/sdk';
import {
  backendIdl, managerIdl, nftIdl, nftInit, registryIdl, registryInit,
  type BackendService, type ManagerService, type NftService, type RegistryService,
} from '@lineage/types';

const built = (name: string) => new Uint8Array(readFileSync(new URL(`../../${name}/dist/${name}.wasm`, import.meta.url)));
const RAW = process.env.BENCH_RELEASE === 'raw';
const release = (wasm: Uint8Array, label: string) => (RAW ? setCustomSection(wasm, RELEASE_SECTION, new TextEncoder().encode(label)) : releaseModule(wasm, label));
const user = (name: string) => Principal.selfAuthenticating(new Uint8Array(createHash('sha256').update(name).digest()));
const factory = (idl: unknown) => idl as IDL.InterfaceFactory;
const RUNS = 3;
/** The calls the manager's safe upgrade adds (issue 15): the snapshot before the install, the health check after. */
const SAFETY_METHODS = ['list_canister_snapshots', 'take_canister_snapshot', 'lineage_health', '__get_candid_interface_tmp_hack'];

const server = new PocketServer({});
const pic = await PocketIc.create(`http://127.0.0.1:${await server.listen()}`);
const ic = server.api.instance(0)!;
const dao = user('dao');
const deployer = user('deployer');
const alice = user('alice');

// ---- a registry, a collection, and backend versions 1.0.0 → 2.0.0 → … --------------------------
const registryId = await pic.createCanister({ sender: dao });
await pic.installCode({
  canisterId: registryId, wasm: built('registry'), sender: dao,
  arg: new Uint8Array(IDL.encode(registryInit({ IDL } as never) as unknown as IDL.Type[], [[{ admins: [dao], open_type_creation: false }]])),
});
const nftId = await pic.createCanister({ sender: dao });
await pic.installCode({
  canisterId: nftId, wasm: built('nft'), sender: dao,
  arg: new Uint8Array(IDL.encode(nftInit({ IDL } as never) as unknown as IDL.Type[], [[{
    minting_authority: deployer, symbol: 'B', name: 'bench', description: [], logo: [], supply_cap: [], tx_window: [], permitted_drift: [],
  }]])),
});
const registry = pic.createActor<RegistryService>(factory(registryIdl), registryId);
registry.setPrincipal(dao);
for (const ns of ['org.bench.backend', 'org.bench.manager']) {
  await registry.icrc118_create_canister_type([{ canister_type_namespace: ns, canister_type_name: ns, controllers: [], description: '', repo: '', metadata: [], forked_from: [] }]);
}
const backendWasm = built('backend');
const versions: { hash: Uint8Array; wasm: Uint8Array }[] = [];
for (let v = 1; v <= RUNS + 1; v++) {
  const wasm = release(backendWasm, `${v}.0.0`);
  const r = await publishWasm(registry as never, { canisterType: 'org.bench.backend', version: [v, 0, 0], wasm, previousHash: versions.at(-1)?.hash, declareChunkHashes: true });
  versions.push({ hash: Uint8Array.from(r.hash), wasm });
}
await publishWasm(registry as never, { canisterType: 'org.bench.manager', version: [1, 0, 0], wasm: built('manager'), declareChunkHashes: false });

const picDeployer: CanisterDeployer = {
  principal: deployer as never,
  createCanister: async () => (await pic.createCanister({ sender: deployer })) as never,
  installCode: async (canister, wasm, arg) => { await pic.installCode({ canisterId: canister as never, wasm, arg, sender: deployer }); },
  setControllers: async (canister, controllers) => { await pic.updateCanisterSettings({ canisterId: canister as never, controllers: controllers as never, sender: deployer }); },
};
const registryAsDeployer = pic.createActor<RegistryService>(factory(registryIdl), registryId);
registryAsDeployer.setPrincipal(deployer);
const nft = pic.createActor<NftService>(factory(nftIdl), nftId);
nft.setPrincipal(deployer);
const dapp = await spawnDapp({
  deployer: picDeployer, registry: registryAsDeployer as never, registryId: registryId as never, nft: nft as never, nftId: nftId as never,
  tokenId: 1n, owner: alice as never, types: { backend: 'org.bench.backend', manager: 'org.bench.manager' },
  versions: { backend: Buffer.from(versions[0]!.hash).toString('hex') }, watchIntervalSeconds: 3600n,
});
const backend = pic.createActor<BackendService>(factory(backendIdl), dapp.backend as never);
backend.setPrincipal(alice);
const manager = pic.createActor<ManagerService>(factory(managerIdl), dapp.manager as never);

// ---- baseline: a controller upgrades a canister of its own with the same modules ---------------
const own = await pic.createCanister({ sender: alice });
const NO_ARG = new Uint8Array(IDL.encode([IDL.Opt(IDL.Null)], [[]]));
const backendInit = new Uint8Array(IDL.encode([IDL.Opt(IDL.Record({ nft: IDL.Principal, token_id: IDL.Nat, manager: IDL.Principal, registry: IDL.Principal, asset: IDL.Opt(IDL.Principal) }))], [[{
  nft: nftId, token_id: 1n, manager: registryId, registry: registryId, asset: [],
}]]));
await pic.installCode({ canisterId: own, wasm: versions[0]!.wasm, arg: backendInit, sender: alice });

const seconds = async (f: () => Promise<unknown>) => {
  const start = performance.now();
  await f();
  return (performance.now() - start) / 1000;
};

console.log(`manager benchmark: upgrade of the Azle backend, ${RAW ? 'raw' : 'gzipped'} release of ${(versions[1]!.wasm.length / 1e6).toFixed(2)} MB (1 MiB chunks), on the emulator\n`);
console.log('run   baseline install_code   owner → backend → manager → registry → installed        messages   bytes/module byte   safety (snapshot, health) calls');
for (let run = 1; run <= RUNS; run++) {
  const target = versions[run]!;
  const baseline = await seconds(() => pic.upgradeCanister({ canisterId: own, wasm: target.wasm, arg: NO_ARG, sender: alice }));
  ic.stats.reset();
  const wall = await seconds(async () => {
    const ticket = await backend.request_upgrade({ canister: { Backend: null }, to: target.hash, arg: [] });
    if ('Err' in ticket) throw new Error(JSON.stringify(ticket.Err, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    for (;;) {
      const [op] = await manager.operation(ticket.Ok.operation);
      if (op && 'Completed' in op.state) return;
      if (op && 'Failed' in op.state) throw new Error(op.state.Failed.error);
      await pic.tick();
    }
  });
  let moved = 0;
  for (const [route, bytes] of ic.stats.bytes) {
    if (route.startsWith(`${registryId.toText()} → ${dapp.manager.toText()}`) || route.startsWith(`${dapp.manager.toText()} → management`)) moved += bytes;
  }
  console.log(
    `${String(run).padStart(3)}   ${baseline.toFixed(2).padStart(6)} s`.padEnd(28) +
    `${wall.toFixed(2).padStart(6)} s  (${(wall / baseline).toFixed(1)}× baseline)`.padEnd(50) +
    `${String(ic.stats.calls).padStart(5)}      ${(moved / target.wasm.length).toFixed(2)}`.padEnd(30) +
    `${SAFETY_METHODS.reduce((n, m) => n + (ic.stats.methods.get(m) ?? 0), 0)} (${SAFETY_METHODS.filter((m) => ic.stats.methods.has(m)).join(', ')})`,
  );
}
console.log('\nmessages: calls between canisters, the management canister included (ingress and queries excluded).');
console.log('bytes/module byte: registry → manager (chunk replies) plus manager → management canister (upload_chunk and the rest), per byte of the module.');
console.log('safety: calls of the snapshot and the health check, included in messages; the snapshot\'s bytes are copied inside the IC and cross no canister boundary.');
await pic.tearDown();
await server.close();
