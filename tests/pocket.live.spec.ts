// Live mode: `makeLive()` makes the instance progress on its own and opens an HTTP gateway that
// serves the IC HTTP interface to @dfinity/agent and canister pages to browsers.
// Runs on the Lineage emulator, or on a real PocketIC when POCKET_IC_BIN names one.
import { request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { Actor, Certificate, CanisterStatus, HttpAgent, lookupResultToBuffer, type Identity } from '@dfinity/agent';
import { IDL as AgentIDL } from '@dfinity/candid';
import { DelegationChain, DelegationIdentity, Ed25519KeyIdentity } from '@dfinity/identity';
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1';
import { Principal as AgentPrincipal } from '@dfinity/principal';
import { PocketIc, SubnetStateType } from '@dfinity/pic';
import { Actor as SdkActor, CanisterStatus as SdkCanisterStatus, HttpAgent as SdkHttpAgent } from '@icp-sdk/core/agent';
import { Ed25519KeyIdentity as SdkEd25519KeyIdentity } from '@icp-sdk/core/identity';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { setCustomSection } from '@lineage/canister-build';
import { idlFactory, init, type CounterService } from '@lineage/fixture-counter/idl';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { wat } from './support/api.js';
import { counterWasm } from './support/fixtures.js';

type Counter = CounterService & Record<string, (...args: unknown[]) => Promise<unknown>>;

/** A canister with a public and a private metadata section and no methods of interest. */
async function metadataWasm(): Promise<Uint8Array> {
  let wasm = await wat('(module (func (export "canister_query hello")))');
  wasm = setCustomSection(wasm, 'icp:public note', new TextEncoder().encode('for everyone'));
  return setCustomSection(wasm, 'icp:private secret', new TextEncoder().encode('for controllers'));
}

describe('live mode: the IC HTTP interface and the HTTP gateway', () => {
  let pic: PocketIc;
  let port: number;
  let host: string;
  let counterId: Principal;
  let metadataId: Principal;
  const owner = Ed25519KeyIdentity.generate();

  // Refusals are final: no retries, so the tests that expect them stay fast.
  const agentFor = (identity?: Identity) => HttpAgent.create({ host, identity, shouldFetchRootKey: true, verifyQuerySignatures: true, retryTimes: 0 });
  const counterFor = async (identity?: Identity) =>
    Actor.createActor(idlFactory, { agent: await agentFor(identity), canisterId: counterId.toText() }) as unknown as Counter;

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    const fixture = await pic.setupCanister<CounterService>({ idlFactory, wasm: counterWasm(), arg: new Uint8Array(IDL.encode(init({ IDL }), [['live']])) });
    counterId = fixture.canisterId;
    const ownerPrincipal = Principal.fromText(owner.getPrincipal().toText());
    metadataId = await pic.createCanister({ controllers: [ownerPrincipal, Principal.anonymous()] });
    await pic.installCode({ canisterId: metadataId, wasm: await metadataWasm(), arg: new Uint8Array() });
    port = await pic.makeLive();
    host = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await pic.stopLive();
    await pic.tearDown();
  });

  it('answers the status endpoint with the root key', async () => {
    const agent = await agentFor();
    const subnet = await pic.getCanisterSubnetId(counterId);
    expect(Buffer.from(agent.rootKey!).toString('hex')).toBe(Buffer.from(await pic.getPubKey(subnet!)).toString('hex'));
  });

  it('runs update and query calls of an anonymous agent', async () => {
    const counter = await counterFor();
    const before = await counter.get();
    expect(await counter.increment()).toBe(before + 1n);
    expect(await counter.get()).toBe(before + 1n);
    expect(await counter.getLabel()).toBe('live');
  });

  it('follows the wall clock', async () => {
    const counter = await counterFor();
    const { time } = await counter.info();
    const skew = Math.abs(Number(time / 1_000_000n) - Date.now());
    expect(skew).toBeLessThan(60_000);
  });

  it('authenticates calls signed with Ed25519, secp256k1 and a delegation', async () => {
    const ed = Ed25519KeyIdentity.generate();
    const secp = Secp256k1KeyIdentity.generate();
    const root = Ed25519KeyIdentity.generate();
    const session = Ed25519KeyIdentity.generate();
    const chain = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 60_000), { targets: [AgentPrincipal.fromText(counterId.toText())] });
    const delegated = DelegationIdentity.fromDelegation(session, chain);
    for (const identity of [ed, secp, delegated]) {
      const counter = await counterFor(identity);
      expect(await counter.increment()).toBeTypeOf('bigint');
      expect((await counter.whoami()).toText()).toBe(identity.getPrincipal().toText());
    }
    // The delegation's sender is the root key's principal, not the session key's.
    expect(delegated.getPrincipal().toText()).toBe(root.getPrincipal().toText());
  });

  it('refuses a call whose signature was tampered with', async () => {
    const honest = Ed25519KeyIdentity.generate();
    const tampered: Identity = {
      getPrincipal: () => honest.getPrincipal(),
      transformRequest: async (request) => {
        const signed = (await honest.transformRequest(request)) as { body: { sender_sig: Uint8Array } };
        const sig = Uint8Array.from(signed.body.sender_sig);
        sig[0] = sig[0]! ^ 0xff;
        signed.body.sender_sig = sig;
        return signed as never;
      },
    };
    const counter = await counterFor(tampered);
    await expect(counter.increment()).rejects.toThrow(/signature|[Ii]nvalid/);
  });

  it('refuses a delegation used on a canister outside its targets', async () => {
    const root = Ed25519KeyIdentity.generate();
    const session = Ed25519KeyIdentity.generate();
    const chain = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 60_000), { targets: [AgentPrincipal.fromText(metadataId.toText())] });
    const counter = await counterFor(DelegationIdentity.fromDelegation(session, chain));
    await expect(counter.increment()).rejects.toThrow(/target|[Ii]nvalid|delegation/i);
  });

  it('reads module hash, controllers and metadata through read_state', async () => {
    const agent = await agentFor(owner);
    const status = await CanisterStatus.request({
      agent, canisterId: AgentPrincipal.fromText(counterId.toText()),
      paths: ['module_hash', 'controllers', 'candid'],
    });
    expect(status.get('module_hash')).toBe(createHash('sha256').update(counterWasm()).digest('hex'));
    expect((status.get('controllers') as AgentPrincipal[]).map((p) => p.toText())).toEqual([Principal.anonymous().toText()]);
    expect(String(status.get('candid'))).toContain('http_request');
  });

  it('shows public metadata to anyone and private metadata to controllers only', async () => {
    const path = (name: string) => ({ kind: 'metadata' as const, key: name, path: name, decodeStrategy: 'utf-8' as const });
    const canisterId = AgentPrincipal.fromText(metadataId.toText());
    const stranger = await agentFor(Ed25519KeyIdentity.generate());
    const publicNote = await CanisterStatus.request({ agent: stranger, canisterId, paths: [path('note')] });
    expect(publicNote.get('note')).toBe('for everyone');
    const asOwner = await CanisterStatus.request({ agent: await agentFor(owner), canisterId, paths: [path('secret')] });
    expect(asOwner.get('secret')).toBe('for controllers');
    const asStranger = await CanisterStatus.request({ agent: stranger, canisterId, paths: [path('secret')] }).catch((e: Error) => e);
    // The agent reports the refusal (HTTP 403) as an error, or as a missing value.
    if (asStranger instanceof Error) expect(asStranger.message).toMatch(/403|private|controllers|Forbidden/i);
    else expect(asStranger.get('secret')).toBeFalsy();
  });

  it('returns a certificate with a synchronous call that @dfinity/agent verifies', async () => {
    const agent = await agentFor();
    const arg = AgentIDL.encode([], []);
    const { requestId, response } = await agent.call(counterId.toText(), { methodName: 'increment', arg, effectiveCanisterId: counterId.toText(), callSync: true });
    const body = response.body as { certificate?: Uint8Array } | null;
    expect(body?.certificate).toBeInstanceOf(Uint8Array);
    const cert = await Certificate.create({ certificate: body!.certificate!, rootKey: agent.rootKey!, canisterId: AgentPrincipal.fromText(counterId.toText()) });
    const status = lookupResultToBuffer(cert.lookup_path(['request_status', requestId, 'status']));
    expect(new TextDecoder().decode(status)).toBe('replied');
    const reply = lookupResultToBuffer(cert.lookup_path(['request_status', requestId, 'reply']));
    expect(AgentIDL.decode([AgentIDL.Nat64], reply!)[0]).toBeTypeOf('bigint');
  });

  it('serves canister pages to browsers by query parameter and by host name', async () => {
    const byQuery = await fetch(`${host}/?canisterId=${counterId.toText()}`);
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers.get('content-type')).toContain('text/plain');
    expect(await byQuery.text()).toMatch(/^live: count=\d+$/);

    const byHost = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host: `${counterId.toText()}.localhost:${port}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(byHost.status).toBe(200);
    expect(byHost.body).toMatch(/^live: count=\d+$/);

    const missing = await fetch(`${host}/nowhere?canisterId=${counterId.toText()}`);
    expect(missing.status).toBe(404);
  });

  it('serves the absolute sub-resources of a page opened with ?canisterId=, by its Referer', async () => {
    // The browser asks for /stream with no canister id of its own; the Referer names the page's.
    const res = await fetch(`${host}/stream`, { headers: { referer: `${host}/index.html?canisterId=${counterId.toText()}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('chunk 0 of 4;chunk 1 of 4;chunk 2 of 4;chunk 3 of 4;');
    const withoutReferer = await fetch(`${host}/stream`);
    expect(withoutReferer.status).toBe(400);
  });

  it('streams large bodies through the streaming callback', async () => {
    const res = await fetch(`${host}/stream?canisterId=${counterId.toText()}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('chunk 0 of 4;chunk 1 of 4;chunk 2 of 4;chunk 3 of 4;');
  });

  it('upgrades a request to an update call when the canister asks', async () => {
    const counter = await counterFor();
    const before = await counter.get();
    const res = await fetch(`${host}/upgrade?canisterId=${counterId.toText()}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`updated by POST: count=${before + 1n}`);
  });
});

describe('live mode on an application subnet certified by delegation from the NNS subnet', () => {
  it('serves @icp-sdk/core agents (v4 calls, v3 queries and read_state)', async () => {
    const pic = await PocketIc.create(inject('PIC_URL'), { nns: { state: { type: SubnetStateType.New } } });
    try {
      const app = (await pic.getApplicationSubnets())[0]!;
      const { canisterId } = await pic.setupCanister<CounterService>({
        idlFactory, wasm: counterWasm(), arg: new Uint8Array(IDL.encode(init({ IDL }), [['delegated']])), targetSubnetId: app.id,
      });
      const port = await pic.makeLive();
      const agent = await SdkHttpAgent.create({ host: `http://127.0.0.1:${port}`, shouldFetchRootKey: true, identity: SdkEd25519KeyIdentity.generate(), retryTimes: 0 });
      // The root key is the NNS subnet's; the app subnet signs with a key the NNS certifies.
      const nns = await pic.getNnsSubnet();
      expect(Buffer.from(agent.rootKey!).toString('hex')).toBe(Buffer.from(await pic.getPubKey(nns!.id)).toString('hex'));
      const counter = SdkActor.createActor(idlFactory, { agent, canisterId }) as unknown as Counter;
      expect(await counter.increment()).toBe(1n);
      expect(await counter.get()).toBe(1n);
      expect(await counter.getLabel()).toBe('delegated');
      const status = await SdkCanisterStatus.request({ agent, canisterId, paths: ['module_hash'] });
      expect(status.get('module_hash')).toBe(createHash('sha256').update(counterWasm()).digest('hex'));
    } finally {
      await pic.stopLive();
      await pic.tearDown();
    }
  });
});
