/**
 * One dapp world for every dapp suite. Publishing the backend, manager and asset releases is most
 * of a dapp suite's setup (4 MB modules uploaded to the registry and hashed in QuickJS, ~30 s),
 * and eleven suites publish the same releases. The global setup builds that world once on an
 * instance created with PocketIC's `state_dir` and deletes the instance, which saves its state
 * there; each suite then starts an instance whose subnet is loaded `FromPath` from that directory
 * (read only), so it gets the same canisters and data, fresh and its own.
 *
 * The directory holds `world.json` (the world's ids and versions) once the world is saved, or
 * `failed.txt` with the reason it could not be built.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PocketIc, SubnetStateType } from '@dfinity/pic';

import { Principal, release, setupWorld, worldOf, type PublishedVersion, type World, type WorldParts } from './dapp.js';
import { hex } from './ic.js';

const DESCRIPTOR = 'world.json';
const FAILED = 'failed.txt';

interface SavedVersion { hex: string; version: string[]; name: 'backend' | 'manager' | 'asset'; label: string }
interface Descriptor {
  registryId: string;
  nftId: string;
  backend: Record<'v1' | 'v2' | 'v3', SavedVersion>;
  manager: Record<'v1' | 'v2', SavedVersion>;
  asset: Record<'v1' | 'v2', SavedVersion>;
}

const LABELS = {
  backend: { v1: '1.0.0', v2: '2.0.0', v3: '3.0.0' },
  manager: { v1: '1.0.0', v2: '1.1.0' },
  asset: { v1: '1.0.0', v2: '1.1.0' },
} as const;

/**
 * pic-js does not send PocketIC's `state_dir`; while `f` creates an instance, the create request
 * gets one (pic-js posts it with the global `fetch`).
 */
async function withStateDir<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (init?.method === 'POST' && /\/instances\/?$/.test(new URL(url).pathname) && init.body instanceof Uint8Array) {
      // The create request holds no integers beyond 2^53 (no initial time): JSON round-trips it.
      const request = JSON.parse(new TextDecoder().decode(init.body)) as Record<string, unknown>;
      init = { ...init, body: new TextEncoder().encode(JSON.stringify({ ...request, state_dir: dir })) };
    }
    return original(input, init);
  };
  try {
    return await f();
  } finally {
    globalThis.fetch = original;
  }
}

/**
 * Builds the world (with the asset canister's versions) on the server at `url` and saves it to
 * `dir`; writes `failed.txt` instead if it cannot.
 */
export async function buildWorldTemplate(url: string, dir: string): Promise<void> {
  try {
    const pic = await withStateDir(dir, () => PocketIc.create(url));
    const world = await setupWorld(pic, { withAsset: true });
    const saved = (name: SavedVersion['name'], key: string, v: PublishedVersion): SavedVersion =>
      ({ hex: v.hex, version: v.version.map(String), name, label: (LABELS[name] as Record<string, string>)[key]! });
    const descriptor: Descriptor = {
      registryId: world.registryId.toText(), nftId: world.nftId.toText(),
      backend: { v1: saved('backend', 'v1', world.backend.v1), v2: saved('backend', 'v2', world.backend.v2), v3: saved('backend', 'v3', world.backend.v3) },
      manager: { v1: saved('manager', 'v1', world.manager.v1), v2: saved('manager', 'v2', world.manager.v2) },
      asset: { v1: saved('asset', 'v1', world.asset!.v1), v2: saved('asset', 'v2', world.asset!.v2) },
    };
    // Deleting the instance writes its state to `dir`; the descriptor marks it complete.
    await pic.tearDown();
    writeFileSync(join(dir, DESCRIPTOR), JSON.stringify(descriptor));
  } catch (error) {
    writeFileSync(join(dir, FAILED), String((error as Error).stack ?? error));
  }
}

async function descriptorIn(dir: string, timeoutMs = 300_000): Promise<Descriptor> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(join(dir, FAILED))) throw new Error(`the shared dapp world could not be built: ${readFileSync(join(dir, FAILED), 'utf8')}`);
    if (existsSync(join(dir, DESCRIPTOR))) return JSON.parse(readFileSync(join(dir, DESCRIPTOR), 'utf8')) as Descriptor;
    if (Date.now() > deadline) throw new Error(`the shared dapp world was not ready in ${dir} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A published version as the suites know it; its module rebuilt (deterministic) and checked against the saved hash. */
function version(v: SavedVersion): PublishedVersion {
  const wasm = release(v.name, v.label);
  const digest = createHash('sha256').update(wasm).digest();
  if (hex(digest) !== v.hex) throw new Error(`the shared world's ${v.name} ${v.label} is ${v.hex}, but the built release hashes to ${hex(digest)}: rebuild and rerun`);
  return { hash: new Uint8Array(digest), hex: v.hex, version: v.version.map(BigInt) as [bigint, bigint, bigint], wasm };
}

/**
 * A world of its own for a suite: a new instance loaded from the shared template in `dir`, its
 * time set to now (the template was saved earlier in the run). Without `withAsset` the world has
 * no `asset` versions to use (the registry still lists the asset type).
 */
export async function worldFromTemplate(url: string, dir: string, options: { withAsset?: boolean } = {}): Promise<World> {
  const d = await descriptorIn(dir);
  // pic-js types FromPath for the NNS subnet only; its encoder sends it for any subnet.
  const pic = await PocketIc.create(url, { application: [{ state: { type: SubnetStateType.FromPath, path: dir } } as never] });
  await pic.setTime(Date.now());
  await pic.tick();
  const parts: WorldParts = {
    registryId: Principal.fromText(d.registryId), nftId: Principal.fromText(d.nftId),
    backend: { v1: version(d.backend.v1), v2: version(d.backend.v2), v3: version(d.backend.v3) },
    manager: { v1: version(d.manager.v1), v2: version(d.manager.v2) },
    asset: options.withAsset ? { v1: version(d.asset.v1), v2: version(d.asset.v2) } : undefined,
  };
  return worldOf(pic, parts);
}
