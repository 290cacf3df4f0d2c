/**
 * Registry benchmark: publish and fetch 1, 5 and 20 MiB modules on the emulator, through
 * `@dfinity/pic` and the sdk, as a publisher and a deployer would. Prints MB/s, the ingress
 * messages per MiB, and ratios against a baseline measured in the same run: the same bytes pushed
 * through the management canister's `upload_chunk` (the IC hashes them natively), which is what
 * moving a module into a canister costs when no canister code runs.
 *
 * Run: `pnpm bench` here (or from the root).
 */
import { randomBytes } from 'node:crypto';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { fetchWasm, publishWasm } from '@lineage/sdk';

import { startRegistryBench } from './registry-bench.js';

const MiB = 1024 * 1024;
const SIZES = [1, 5, 20];
// Every module is the first version of its own type: a type has one live root version.
const TYPES = Array.from({ length: SIZES.length * 2 }, (_, k) => `org.bench.module${k}`);
const { server, pic, ic, publisher, registryId, registry } = await startRegistryBench(TYPES);
// The baseline's chunk store: a canister the publisher controls.
const store = await pic.createCanister({ sender: publisher });

const UploadChunkArgs = IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) });
const CanisterId = IDL.Record({ canister_id: IDL.Principal });
async function management(method: string, type: IDL.Type, arg: unknown): Promise<void> {
  await pic.updateCall({ canisterId: Principal.managementCanister(), method, arg: new Uint8Array(IDL.encode([type], [arg])), sender: publisher, targetSubnetId: undefined });
}

const seconds = async (f: () => Promise<unknown>) => {
  const start = performance.now();
  await f();
  return (performance.now() - start) / 1000;
};
const mbps = (bytes: number, s: number) => (bytes / 1e6 / s).toFixed(2);

console.log('registry benchmark (emulator, through @dfinity/pic and @lineage/sdk; 1 MiB chunks)\n');
console.log('size     baseline upload_chunk   publish (chunk hashes declared)     publish (not declared)     fetch');
let published = 0;
for (const size of SIZES) {
  const data = new Uint8Array(randomBytes(size * MiB));
  const baseline = await seconds(async () => {
    for (let at = 0; at < data.length; at += MiB) await management('upload_chunk', UploadChunkArgs, { canister_id: store, chunk: data.subarray(at, at + MiB) });
  });
  await management('clear_chunk_store', CanisterId, { canister_id: store });

  const runs: { s: number; messages: number }[] = [];
  let hash: Uint8Array | undefined;
  for (const declare of [true, false]) {
    const bytes = declare ? data : new Uint8Array(randomBytes(size * MiB));
    ic.stats.reset();
    const s = await seconds(async () => {
      const r = await publishWasm(registry as never, {
        canisterType: TYPES[published++]!, version: [1, 0, 0], wasm: bytes, declareChunkHashes: declare,
      });
      if (declare) hash = r.hash;
    });
    runs.push({ s, messages: ic.stats.ingress + ic.stats.calls });
  }
  let fetched = 0;
  const fetchSeconds = await seconds(async () => {
    fetched = (await fetchWasm(registry as never, hash!, { onProgress: () => undefined })).length;
  });
  if (fetched !== data.length) throw new Error('fetched module differs in size');
  const cell = (r: { s: number; messages: number }) =>
    `${r.s.toFixed(1)} s ${mbps(data.length, r.s)} MB/s ${(r.s / baseline).toFixed(1)}× ${(r.messages / size).toFixed(1)} msg/MiB`;
  console.log(
    `${String(size).padStart(2)} MiB   ${baseline.toFixed(2)} s ${mbps(data.length, baseline)} MB/s     ${cell(runs[0]!).padEnd(36)}${cell(runs[1]!).padEnd(27)}` +
    `${fetchSeconds.toFixed(2)} s ${mbps(data.length, fetchSeconds)} MB/s ${(fetchSeconds / baseline).toFixed(1)}× (${size + 1} queries)`,
  );
}
console.log('\nmsg/MiB counts ingress messages and timer continuations the registry makes; queries are not messages.');
await pic.tearDown();
await server.close();
