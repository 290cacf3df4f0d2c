// The emulator's server binary (`bin/pocket-ic`, what pic and `POCKET_IC_BIN` start) under fuzzed
// requests: a process of its own, seeded random and mutated requests to every route of the REST
// API, the IC HTTP interface (v2/v3/v4) and the HTTP gateway, clients hanging up among them. The
// process must still be running at the end and serve a normal session: pic, an agent through the
// gateway, and the canister's page. FUZZ_SEED=<n> replays a run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Actor, HttpAgent } from '@dfinity/agent';
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { idlFactory, init, type CounterService } from '@lineage/fixture-counter/idl';
import { fuzzServers, type FuzzTarget } from '@lineage/pocket/testing/server-fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { counterWasm } from './support/fixtures.js';

const BIN = fileURLToPath(new URL('../packages/pocket/bin/pocket-ic', import.meta.url));
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);

/** Starts the binary on a port of its choosing; resolves with its URL once the port file is written. */
async function startBinary(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const portFile = join(dir, 'port');
  const child = spawn(process.execPath, [BIN, '--port-file', portFile, '--ttl', '120'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume(); // canister logs; not needed, but the pipe must not fill up
  for (let waited = 0; waited < 20_000; waited += 50) {
    if (child.exitCode !== null) throw new Error(`pocket-ic exited with ${child.exitCode} on start`);
    const text = existsSync(portFile) ? readFileSync(portFile, 'utf8') : '';
    if (text.endsWith('\n')) return { child, url: `http://127.0.0.1:${text.trim()}` };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error('pocket-ic did not write its port file');
}

describe('the pocket-ic binary under fuzzed requests', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let pic: PocketIc;
  let target: FuzzTarget;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pocket-fuzz-'));
    ({ child, url } = await startBinary(dir));
    // Instances 0 (live behind gateway 0, with the counter) and 1 (for the fuzzer to wreck).
    pic = await PocketIc.create(url);
    await PocketIc.create(url);
    const fixture = await pic.setupCanister<CounterService>({ idlFactory, wasm: counterWasm(), arg: new Uint8Array(IDL.encode(init({ IDL }), [['fuzzed']])) });
    const [subnet] = await pic.getApplicationSubnets();
    const gatewayPort = await pic.makeLive();
    target = { restPort: Number(new URL(url).port), gatewayPort, gatewayId: 0, instance: 0, victim: 1, canisterId: fixture.canisterId.toText(), subnetId: subnet!.id.toText() };
  });

  afterAll(async () => {
    await pic?.stopLive().catch(() => undefined);
    child?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`answers seeded requests (seed ${SEED}) without an internal error, keeps running, and then serves a normal session`, async () => {
    const report = await fuzzServers({ seed: SEED, count: 700, deadlineMs: 25_000, target });
    expect(report.failures, JSON.stringify(report.byStatus)).toEqual([]);
    expect(report.sent).toBeGreaterThan(200);
    expect(Object.keys(report.byStatus).length).toBeGreaterThan(4);
    expect(child.exitCode).toBeNull();

    // pic, then an agent through the gateway, then the canister's page.
    const byPic = pic.createActor<CounterService>(idlFactory, Principal.fromText(target.canisterId));
    const count = await byPic.increment();
    const agent = await HttpAgent.create({ host: `http://127.0.0.1:${target.gatewayPort}`, shouldFetchRootKey: true, retryTimes: 0 });
    const counter = Actor.createActor(idlFactory, { agent, canisterId: target.canisterId }) as unknown as CounterService;
    expect(await counter.increment()).toBe(count + 1n);
    expect(await counter.get()).toBe(count + 1n);
    const page = await fetch(`http://127.0.0.1:${target.gatewayPort}/?canisterId=${target.canisterId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(`fuzzed: count=${count + 1n}`);
  });
});
