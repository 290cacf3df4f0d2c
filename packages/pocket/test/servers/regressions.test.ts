// Requests that once ended the emulator's process, and their kin: each must get the answer the
// real servers give (PocketIC, the replica, ic-gateway) and leave the server serving.
import { request as httpRequest } from 'node:http';
import { HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeTaggedCbor } from '../../src/certification/cbor.js';
import { sendRequest } from '../../src/testing/server-fuzz.js';
import { normalSession, PAGE, startServers, type Servers } from './harness.js';

/** The ICP ledger's mainnet id: no subnet of a fresh instance hosts it. */
const UNHOSTED = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
const ANONYMOUS = Uint8Array.of(4);

/** An anonymous request's CBOR envelope, as a fetch body. */
function anonymousEnvelope(requestType: 'call' | 'query', canisterId: Uint8Array, arg: Uint8Array = new Uint8Array()): BodyInit {
  const ingress_expiry = BigInt(Date.now()) * 1_000_000n + 60_000_000_000n;
  return Buffer.from(encodeTaggedCbor({ content: { request_type: requestType, sender: ANONYMOUS, ingress_expiry, canister_id: canisterId, method_name: 'inc', arg } }));
}

describe('requests that once ended the process', () => {
  let servers: Servers;
  let gateway: string;
  let api: string[];

  beforeAll(async () => {
    servers = await startServers();
    gateway = `http://127.0.0.1:${servers.target.gatewayPort}`;
    // The IC HTTP interface of the instance, on the REST server and on the gateway.
    api = [`${servers.base}/instances/${servers.target.instance}/api`, `${gateway}/api`];
  });

  afterAll(async () => {
    await servers?.close();
  });

  it('answers a query or call to a canister id no subnet hosts with 400, as PocketIC routes it (icp canister create)', async () => {
    const unhosted = Principal.fromText(UNHOSTED).toUint8Array();
    for (const base of api) {
      for (const [endpoint, type] of [['v2/canister/%/query', 'query'], ['v3/canister/%/query', 'query'], ['v2/canister/%/call', 'call'], ['v3/canister/%/call', 'call'], ['v4/canister/%/call', 'call']] as const) {
        const res = await fetch(`${base}/${endpoint.replace('%', UNHOSTED)}`, {
          method: 'POST', headers: { 'content-type': 'application/cbor' }, body: anonymousEnvelope(type, unhosted),
        });
        expect(res.status, `${base} ${endpoint}`).toBe(400);
        expect(res.headers.get('content-type')).toContain('text/plain');
        expect(await res.text()).toBe(`Canister ${UNHOSTED} does not belong to any subnet.`);
      }
    }
    // As an agent sees it.
    const agent = await HttpAgent.create({ host: gateway, shouldFetchRootKey: true, retryTimes: 0 });
    await expect(agent.query(UNHOSTED, { methodName: 'icrc1_name', arg: new Uint8Array() })).rejects.toThrow(/does not belong to any subnet/);
    await expect(agent.call(UNHOSTED, { methodName: 'icrc1_transfer', arg: new Uint8Array(), effectiveCanisterId: UNHOSTED })).rejects.toThrow(/does not belong to any subnet/);
    expect((await normalSession(servers)).page).toBe(PAGE);
  });

  it('answers an ingress message over 2 MiB with 413 before checking it further, as the replica does', async () => {
    const canister = Principal.fromText(servers.target.canisterId).toUint8Array();
    const body = anonymousEnvelope('call', canister, new Uint8Array(2 * 1024 * 1024));
    for (const base of api) {
      const res = await fetch(`${base}/v3/canister/${servers.target.canisterId}/call`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body });
      expect(res.status).toBe(413);
      expect(await res.text()).toMatch(/^Request [0-9a-f]{64} is too large\. Message byte size \d+ is larger than the max allowed 2097152\.$/);
    }
    // Through an agent, the call fails; nothing else does.
    const agent = await HttpAgent.create({ host: gateway, shouldFetchRootKey: true, retryTimes: 0 });
    await expect(agent.call(servers.target.canisterId, { methodName: 'inc', arg: new Uint8Array(2 * 1024 * 1024), effectiveCanisterId: servers.target.canisterId }))
      .rejects.toThrow(/too large|413/);
    expect((await normalSession(servers)).page).toBe(PAGE);
  });

  it('refuses bodies over the 4 MiB of the IC HTTP interface with 413, without reading them', async () => {
    for (const base of api) {
      const url = new URL(`${base}/v2/canister/${servers.target.canisterId}/call`);
      const outcome = await sendRequest({ port: Number(url.port), method: 'POST', path: url.pathname, headers: { 'content-type': 'application/cbor' }, body: new Uint8Array(4 * 1024 * 1024 + 1) });
      expect(outcome.status).toBe(413);
    }
    expect((await normalSession(servers)).page).toBe(PAGE);
  });

  it('refuses other content types and methods as the replica does', async () => {
    const canister = Principal.fromText(servers.target.canisterId).toUint8Array();
    for (const base of api) {
      const path = `${base}/v2/canister/${servers.target.canisterId}/query`;
      const wrongType = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: anonymousEnvelope('query', canister) });
      expect(wrongType.status).toBe(400);
      expect(await wrongType.text()).toBe('Unexpected content-type, expected application/cbor.');
      const untyped = await fetch(path, { method: 'POST', body: anonymousEnvelope('query', canister) });
      expect(untyped.status).toBe(400);
      expect((await fetch(path)).status).toBe(405);
      const garbage = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: Buffer.from([0xd9, 0xd9, 0xf7, 0xa1, 0x61]) });
      expect(garbage.status).toBe(400);
    }
  });

  it('forgets a client that hangs up in the middle of its body', async () => {
    for (const port of [servers.target.restPort, servers.target.gatewayPort]) {
      await new Promise<void>((resolve) => {
        const path = port === servers.target.restPort ? `/instances/${servers.target.instance}/update/tick` : `/?canisterId=${servers.target.canisterId}`;
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-length': '100000', 'content-type': 'application/json' } });
        req.on('error', () => resolve());
        req.write('{"partial":', () => setTimeout(() => { req.destroy(); resolve(); }, 20));
      });
    }
    expect((await normalSession(servers)).page).toBe(PAGE);
  });

  it('answers broken JSON, unknown and deleted instances, and out-of-order calls on the REST API', async () => {
    const post = (path: string, body: string) => fetch(`${servers.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const id = servers.target.instance;
    const badEscape = await post(`/instances/${id}/update/set_time`, '{"nanos_since_epoch":"\\x"}');
    expect(badEscape.status).toBe(400);
    expect(((await badEscape.json()) as { message: string }).message).toMatch(/invalid JSON body/);
    const notANumber = await post(`/instances/${servers.target.victim}/update/set_time`, '{"nanos_since_epoch":"soon"}');
    expect(notANumber.status).toBe(400);
    // Times are u64 (a larger one once broke every later signed request's error message).
    const beyondU64 = await post(`/instances/${servers.target.victim}/update/set_time`, `{"nanos_since_epoch":${2n ** 64n}}`);
    expect(beyondU64.status).toBe(400);
    expect(((await beyondU64.json()) as { message: string }).message).toMatch(/unsigned 64-bit/);
    // A state directory that is not a path is refused (it once became a directory named "7").
    expect((await post('/instances', '{"state_dir":7}')).status).toBe(400);
    expect((await post('/instances/4242/update/tick', '{}')).status).toBe(404);
    expect((await post('/instances/abc/update/tick', '{}')).status).toBe(404);
    const unknownMessage = await post(`/instances/${id}/update/await_ingress_message`, JSON.stringify({ effective_principal: 'None', message_id: Buffer.alloc(32).toString('base64') }));
    expect(unknownMessage.status).toBe(400);
    expect(((await unknownMessage.json()) as { message: string }).message).toMatch(/BadIngressMessage/);
    expect((await fetch(`${servers.base}/http_gateway/NaN/stop`, { method: 'POST' })).status).toBe(200);

    const doomed = (await (await post('/instances', '{}')).json()) as { Created: { instance_id: number } };
    const doomedGateway = (await (await post('/http_gateway', JSON.stringify({ forward_to: { PocketIcInstance: doomed.Created.instance_id } }))).json()) as { Created: { port: number } };
    expect((await fetch(`http://127.0.0.1:${doomedGateway.Created.port}/api/v2/status`)).status).toBe(200);
    await fetch(`${servers.base}/instances/${doomed.Created.instance_id}`, { method: 'DELETE' });
    // Its gateway stopped with it, as PocketIC stops it.
    await expect(fetch(`http://127.0.0.1:${doomedGateway.Created.port}/api/v2/status`)).rejects.toThrow();
    const afterDelete = await post(`/instances/${doomed.Created.instance_id}/update/tick`, '{}');
    expect(afterDelete.status).toBe(400);
    expect(((await afterDelete.json()) as { message: string }).message).toMatch(/Instance was deleted/);
    const deletedApi = await fetch(`${servers.base}/instances/${doomed.Created.instance_id}/api/v2/status`);
    expect(deletedApi.status).toBe(400);
    expect((await normalSession(servers)).page).toBe(PAGE);
  });
});

describe('the gateway answers as ic-gateway does', () => {
  let servers: Servers;
  let gateway: string;

  beforeAll(async () => {
    servers = await startServers();
    gateway = `http://127.0.0.1:${servers.target.gatewayPort}`;
  });

  afterAll(async () => {
    await servers?.close();
  });

  const cause = async (res: Response) => ({ status: res.status, cause: res.headers.get('x-ic-error-cause'), body: (await res.json()) as { error_type: string } });

  it('refuses a request without a canister id, or with a malformed one, with 400', async () => {
    expect(await cause(await fetch(`${gateway}/index.html`))).toMatchObject({ status: 400, cause: 'canister_id_not_resolved', body: { error_type: 'canister_id_not_resolved' } });
    expect(await cause(await fetch(`${gateway}/?canisterId=not-a-principal`))).toMatchObject({ status: 400, cause: 'canister_id_incorrect' });
  });

  it('answers 404 for a canister no subnet hosts and for a canister that does not exist', async () => {
    expect(await cause(await fetch(`${gateway}/?canisterId=${UNHOSTED}`))).toMatchObject({ status: 404, cause: 'canister_not_found' });
    const [subnet] = await servers.pic.getApplicationSubnets();
    const unused = subnet!.canisterRanges[0]!.end.toText();
    expect(await cause(await fetch(`${gateway}/?canisterId=${unused}`))).toMatchObject({ status: 404, cause: 'canister_not_found' });
    expect((await normalSession(servers)).page).toBe(PAGE);
  });

  it('serves absolute sub-resources of a page opened with ?canisterId=, by the Referer', async () => {
    const page = `${gateway}/index.html?canisterId=${servers.target.canisterId}`;
    const script = await fetch(`${gateway}/app.js`, { headers: { referer: page } });
    expect(script.status).toBe(200);
    expect(await script.text()).toBe(PAGE);
    // A Referer whose host names the canister works too; an unusable Referer is no canister id.
    const byHost = await fetch(`${gateway}/style.css`, { headers: { referer: `http://${servers.target.canisterId}.localhost:${servers.target.gatewayPort}/` } });
    expect(byHost.status).toBe(200);
    expect((await cause(await fetch(`${gateway}/app.js`, { headers: { referer: 'http://[' } }))).cause).toBe('canister_id_not_resolved');
    expect((await cause(await fetch(`${gateway}/app.js`, { headers: { referer: `${gateway}/?canisterId=nonsense` } }))).cause).toBe('canister_id_not_resolved');
  });
});
