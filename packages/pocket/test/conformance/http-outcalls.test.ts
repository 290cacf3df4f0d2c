/**
 * HTTPS outcalls with PocketIC's mocking: a Motoko canister of ours (compiled at test time, wasm64)
 * calls the management canister's `http_request`; the outcall waits until the test answers it.
 * Oracle: IC interface spec § IC method http_request (callable by canisters only; the transform
 * function is a query of the calling canister and sees `{response; context}`; cycles: the fee
 * formula of the IC's cycle cost table for an n-node subnet, (3,000,000 + 60,000·n)·n + 400·n per
 * request byte + 800·n per `max_response_bytes`; the request bytes count url, header names and
 * values, body, transform method name and context); PocketIC's REST protocol (pending requests,
 * `mock_canister_http`, `additional_responses` as one per other node, 400 for bad mocks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDL } from '@icp-sdk/core/candid';
import type { DeferredActor, PocketIc } from '@dfinity/pic';

import { Principal } from '@icp-sdk/core/principal';

import { newPic } from '../support/canister.js';
import { compileMotoko } from '../support/motoko.js';
import { failure } from '../support/system-api.js';

const SOURCE = `
import Prim "mo:⛔";
persistent actor Self {
  type Header = { name : Text; value : Text };
  type Result = { status : Nat; headers : [Header]; body : Blob };
  type TransformArgs = { response : Result; context : Blob };
  type Args = {
    url : Text;
    max_response_bytes : ?Nat64;
    method : { #get; #head; #post };
    headers : [Header];
    body : ?Blob;
    transform : ?{ function : shared query TransformArgs -> async Result; context : Blob };
    is_replicated : ?Bool;
  };
  transient let ic = actor "aaaaa-aa" : actor { http_request : Args -> async Result };

  // Keeps status and body, drops the headers, and appends the context to the body.
  public query func transform(args : TransformArgs) : async Result {
    { status = args.response.status; headers = []; body = Prim.arrayToBlob(Prim.Array_tabulate<Nat8>(args.response.body.size() + args.context.size(), func i {
      if (i < args.response.body.size()) Prim.blobToArray(args.response.body)[i] else Prim.blobToArray(args.context)[i - args.response.body.size()]
    })) }
  };

  // The outcall's reply, or its reject as "<reject code>: <message>".
  public func fetch(url : Text, cycles : Nat, withTransform : Bool) : async { #ok : Result; #err : Text } {
    try {
      #ok(await (with cycles = cycles) ic.http_request({
        url; max_response_bytes = ?1000; method = #post;
        headers = [{ name = "Accept"; value = "text/plain" }];
        body = ?"ping";
        transform = if withTransform ?{ function = transform; context = "+ctx" } else null;
        is_replicated = null;
      }))
    } catch (e) {
      #err(debug_show (Prim.errorCode e) # ": " # Prim.errorMessage e)
    }
  };
};
`;

const Header = IDL.Record({ name: IDL.Text, value: IDL.Text });
const Result = IDL.Record({ status: IDL.Nat, headers: IDL.Vec(Header), body: IDL.Vec(IDL.Nat8) });
interface HttpResult { status: bigint; headers: { name: string; value: string }[]; body: Uint8Array | number[] }
type Outcome = { ok: HttpResult } | { err: string };
interface Service {
  fetch: (url: string, cycles: bigint, withTransform: boolean) => Promise<Outcome>;
}
const idlFactory: IDL.InterfaceFactory = ({ IDL: I }) => I.Service({
  fetch: I.Func([I.Text, I.Nat, I.Bool], [I.Variant({ ok: Result, err: I.Text })], []),
});

const URL_ = 'https://example.com/api?q=1';
const NODES = 13n;
/** The fee for `fetch`'s request, from the IC's formula (not the emulator's code). */
function expectedFee(withTransform: boolean): bigint {
  const requestBytes = BigInt(URL_.length + 'Accept'.length + 'text/plain'.length + 'ping'.length + (withTransform ? 'transform'.length + '+ctx'.length : 0));
  return (3_000_000n + 60_000n * NODES) * NODES + 400n * NODES * requestBytes + 800n * NODES * 1000n;
}
const text = (b: Uint8Array | number[]) => new TextDecoder().decode(Uint8Array.from(b));
/** The reply of an outcall that succeeded (fails the test otherwise). */
async function replied(result: () => Promise<unknown>): Promise<HttpResult> {
  const outcome = (await result()) as Outcome;
  if ('err' in outcome) expect.fail(`the outcall failed: ${outcome.err}`);
  return outcome.ok;
}
/** The reject of an outcall that failed, as "#<code>: <message>" (fails the test otherwise). */
async function rejected(result: () => Promise<unknown>): Promise<string> {
  const outcome = (await result()) as Outcome;
  if ('ok' in outcome) expect.fail('the outcall succeeded');
  return outcome.err;
}

describe('HTTPS outcalls', () => {
  let pic: PocketIc;
  let canisterId: Principal;
  let actor: DeferredActor<Service>;

  beforeAll(async () => {
    pic = await newPic();
    canisterId = await pic.createCanister({ cycles: 10n ** 14n });
    await pic.installCode({ canisterId, wasm: compileMotoko(SOURCE, 'wasm64') });
    actor = pic.createDeferredActor<Service>(idlFactory, canisterId);
  });
  afterAll(async () => { await pic?.tearDown(); });

  async function pendingOne() {
    await pic.tick(2);
    const pending = await pic.getPendingHttpsOutcalls();
    expect(pending).toHaveLength(1);
    return pending[0]!;
  }

  it('lists the pending request, applies the transform to the mocked reply, and charges the fee', async () => {
    const before = BigInt(await pic.getCyclesBalance(canisterId));
    const result = await actor.fetch(URL_, 10n ** 12n, true);
    const outcall = await pendingOne();
    expect(outcall.url).toBe(URL_);
    expect(outcall.httpMethod).toBe('POST');
    expect(outcall.headers).toEqual([['Accept', 'text/plain']]);
    expect(text(outcall.body)).toBe('ping');
    expect(outcall.maxResponseBytes).toBe(1000);
    await pic.mockPendingHttpsOutcall({
      subnetId: outcall.subnetId, requestId: outcall.requestId,
      response: { type: 'success', statusCode: 200, headers: [['X-Noise', 'differs per node']], body: new TextEncoder().encode('pong') },
    });
    const reply = await replied(result);
    expect(reply.status).toBe(200n);
    expect(reply.headers).toEqual([]);
    expect(text(reply.body)).toBe('pong+ctx');
    expect(await pic.getPendingHttpsOutcalls()).toEqual([]);
    // The fee is burnt; the rest of the 10^12 attached comes back. Execution fees are far smaller.
    const spent = before - BigInt(await pic.getCyclesBalance(canisterId));
    expect(spent).toBeGreaterThanOrEqual(expectedFee(true));
    expect(spent).toBeLessThan(expectedFee(true) + 100_000_000n);
  });

  it('delivers the reply untouched without a transform', async () => {
    const result = await actor.fetch(URL_, 10n ** 12n, false);
    const outcall = await pendingOne();
    await pic.mockPendingHttpsOutcall({
      subnetId: outcall.subnetId, requestId: outcall.requestId,
      response: { type: 'success', statusCode: 404, headers: [['Content-Type', 'text/plain']], body: new TextEncoder().encode('nope') },
    });
    const reply = await replied(result);
    expect(reply.status).toBe(404n);
    expect(reply.headers).toEqual([{ name: 'Content-Type', value: 'text/plain' }]);
    expect(text(reply.body)).toBe('nope');
  });

  it('refuses a request with fewer cycles attached than the fee', async () => {
    const short = expectedFee(false) - 1n;
    const result = await actor.fetch(URL_, short, false);
    await pic.tick(2);
    expect(await pic.getPendingHttpsOutcalls()).toEqual([]);
    expect(await rejected(result)).toBe(`#canister_reject: http_request request sent with ${short} cycles, but ${expectedFee(false)} cycles are required.`);
  });

  it('passes a mocked reject on to the canister', async () => {
    const result = await actor.fetch(URL_, 10n ** 12n, true);
    const outcall = await pendingOne();
    await pic.mockPendingHttpsOutcall({
      subnetId: outcall.subnetId, requestId: outcall.requestId,
      response: { type: 'reject', statusCode: 2, message: 'connection refused' },
    });
    expect(await rejected(result)).toBe('#system_transient: connection refused');
  });

  it('rejects a response larger than max_response_bytes', async () => {
    const result = await actor.fetch(URL_, 10n ** 12n, true);
    const outcall = await pendingOne();
    await pic.mockPendingHttpsOutcall({
      subnetId: outcall.subnetId, requestId: outcall.requestId,
      response: { type: 'success', statusCode: 200, headers: [], body: new Uint8Array(1001) },
    });
    expect(await rejected(result)).toBe('#system_fatal: Http body exceeds size limit of 1000 bytes.');
  });

  it('takes the response most nodes agree on after the transform, and fails without agreement', async () => {
    const body = (s: string) => new TextEncoder().encode(s);
    const agreeing = await actor.fetch(URL_, 10n ** 12n, true);
    let outcall = await pendingOne();
    // 13 nodes tolerate f = 4 faulty ones: 9 agreeing responses are enough. Headers differ, but the
    // transform drops them.
    const responses = Array.from({ length: 13 }, (_, k) => ({
      type: 'success' as const, statusCode: 200, headers: [['Date', String(k)] as [string, string]], body: body(k < 9 ? 'same' : `odd ${k}`),
    }));
    await pic.mockPendingHttpsOutcall({ subnetId: outcall.subnetId, requestId: outcall.requestId, response: responses[0]!, additionalResponses: responses.slice(1) });
    expect(text((await replied(agreeing)).body)).toBe('same+ctx');

    const disagreeing = await actor.fetch(URL_, 10n ** 12n, true);
    outcall = await pendingOne();
    const split = responses.map((r, k) => ({ ...r, body: body(k < 8 ? 'same' : `odd ${k}`) }));
    await pic.mockPendingHttpsOutcall({ subnetId: outcall.subnetId, requestId: outcall.requestId, response: split[0]!, additionalResponses: split.slice(1) });
    expect(await rejected(disagreeing)).toMatch(/^#system_transient: No consensus could be reached/);
  });

  it('answers bad mocks with 400 and keeps the request pending', async () => {
    const result = await actor.fetch(URL_, 10n ** 12n, false);
    const outcall = await pendingOne();
    const ok = { type: 'success' as const, statusCode: 200, headers: [], body: new Uint8Array() };
    expect(await failure(pic.mockPendingHttpsOutcall({ subnetId: outcall.subnetId, requestId: outcall.requestId + 1000, response: ok }))).toMatch(/Could not find pending canister HTTP request/);
    expect(await failure(pic.mockPendingHttpsOutcall({ subnetId: outcall.subnetId, requestId: outcall.requestId, response: ok, additionalResponses: [ok, ok] }))).toMatch(/additional responses/);
    expect(await failure(pic.mockPendingHttpsOutcall({ subnetId: outcall.subnetId, requestId: outcall.requestId, response: { type: 'reject', statusCode: 9, message: 'x' } }))).toMatch(/Invalid reject code/);
    expect(await pic.getPendingHttpsOutcalls()).toHaveLength(1);
    await pic.mockPendingHttpsOutcall({ subnetId: outcall.subnetId, requestId: outcall.requestId, response: ok });
    expect((await replied(result)).status).toBe(200n);
  });

  it('refuses http_request in an ingress message', async () => {
    const arg = new Uint8Array(IDL.encode([IDL.Record({ url: IDL.Text })], [{ url: URL_ }]));
    const [subnet] = await pic.getApplicationSubnets();
    expect(await failure(pic.updateCall({ canisterId: Principal.managementCanister(), method: 'http_request', arg, targetSubnetId: subnet!.id }))).toMatch(/can not be called via ingress messages/);
  });
});
