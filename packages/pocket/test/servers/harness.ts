/**
 * A PocketIC REST server and HTTP gateway of this emulator, in process, with a small WAT canister
 * (a counter with `read`, `inc` and an `http_request` that serves "hello") for the robustness
 * tests: the fuzz suite and the regression tests of requests that once ended the process.
 */
import { HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';

import { PocketServer } from '../../src/server/http-server.js';
import type { FuzzTarget } from '../../src/testing/server-fuzz.js';
import { canister, install, readI64 } from '../support/canister.js';

const HttpResponse = IDL.Record({
  status_code: IDL.Nat16, headers: IDL.Vec(IDL.Tuple(IDL.Text, IDL.Text)), body: IDL.Vec(IDL.Nat8),
  upgrade: IDL.Opt(IDL.Bool), streaming_strategy: IDL.Opt(IDL.Reserved),
});

/** The page every path of the test canister serves. */
export const PAGE = 'hello from the fuzz canister';

async function counterWithPage(): Promise<Uint8Array> {
  const reply = new Uint8Array(IDL.encode([HttpResponse], [{
    status_code: 200, headers: [['content-type', 'text/plain']], body: new TextEncoder().encode(PAGE), upgrade: [], streaming_strategy: [],
  }]));
  const data = [...reply].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  return canister(`
  (global $count (mut i64) (i64.const 0))
  (data (i32.const 1024) "${data}")
  (func (export "canister_query read") (call $reply_i64 (global.get $count)))
  (func (export "canister_update inc")
    (global.set $count (i64.add (global.get $count) (i64.const 1)))
    (call $reply_i64 (global.get $count)))
  (func (export "canister_query http_request") (call $reply_data (i32.const 1024) (i32.const ${reply.length})))`);
}

export interface Servers {
  server: PocketServer;
  base: string;
  pic: PocketIc;
  target: FuzzTarget;
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 with two instances: the first live behind the server's first
 * gateway, with the canister installed; the second for the fuzzer to wreck.
 */
export async function startServers(): Promise<Servers> {
  const server = new PocketServer();
  const base = `http://127.0.0.1:${await server.listen()}`;
  const pic = await PocketIc.create(base);
  const victim = await PocketIc.create(base);
  const canisterId = await install(pic, await counterWithPage());
  const [subnet] = await pic.getApplicationSubnets();
  const gatewayPort = await pic.makeLive();
  return {
    server, base, pic,
    target: {
      restPort: Number(new URL(base).port), gatewayPort, gatewayId: 0, instance: 0, victim: 1,
      canisterId: canisterId.toText(), subnetId: subnet!.id.toText(),
    },
    async close() {
      await pic.stopLive().catch(() => undefined);
      await pic.tearDown().catch(() => undefined);
      await victim.tearDown().catch(() => undefined);
      await server.close();
    },
  };
}

/**
 * A normal session after whatever came before: the REST API, an agent's query and synchronous
 * update call through the gateway's IC HTTP interface, and the canister's page. Returns the count.
 */
export async function normalSession(servers: Servers): Promise<{ count: bigint; page: string }> {
  const { target, pic } = servers;
  const canisterId = Principal.fromText(target.canisterId);
  const status = await fetch(`${servers.base}/status`);
  if (status.status !== 200) throw new Error(`GET /status answered ${status.status}`);
  const byPic = readI64(await pic.updateCall({ canisterId, method: 'inc', arg: new Uint8Array() }));
  const agent = await HttpAgent.create({ host: `http://127.0.0.1:${target.gatewayPort}`, shouldFetchRootKey: true, retryTimes: 0 });
  const called = await agent.call(target.canisterId, { methodName: 'inc', arg: new Uint8Array(), effectiveCanisterId: target.canisterId, callSync: true });
  if (!called.response.ok) throw new Error(`the agent's call answered ${called.response.status}`);
  const queried = await agent.query(target.canisterId, { methodName: 'read', arg: new Uint8Array() });
  if (queried.status !== 'replied') throw new Error(`the agent's query was rejected: ${JSON.stringify(queried)}`);
  const count = readI64(queried.reply.arg);
  if (count !== byPic + 1n) throw new Error(`count ${count} after ${byPic} and one more call`);
  const page = await (await fetch(`http://127.0.0.1:${target.gatewayPort}/?canisterId=${target.canisterId}`)).text();
  return { count, page };
}
