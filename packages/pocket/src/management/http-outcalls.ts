/**
 * HTTPS outcalls as PocketIC gives them (IC interface spec § IC method http_request; PocketIC's
 * `get_canister_http`/`mock_canister_http`): a canister's `http_request` to the management canister
 * leaves a pending request, which a test lists and answers with a mocked response per node. Each
 * response goes through the canister's transform function; the responses must agree (the IC's
 * consensus: at least 2f+1 of n nodes) and the agreed one is the reply. Nothing leaves the machine.
 *
 * The fee (charged from the cycles attached to the call, the rest refunded with the reply) is the
 * IC's formula for a subnet of n nodes: (3,000,000 + 60,000·n)·n + 400·n·request_bytes +
 * 800·n·max_response_bytes, where request_bytes counts the URL, the header names and values, the
 * body, and the transform's method name and context (replica: `variable_parts_size`), and
 * max_response_bytes defaults to 2,000,000.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { IcError } from '../errors.js';
import type { CallResult } from '../messages.js';
import type { Reply } from './host.js';
import type { MethodContext } from './methods.js';

export const HttpHeader = IDL.Record({ name: IDL.Text, value: IDL.Text });
export const HttpRequestResult = IDL.Record({ status: IDL.Nat, headers: IDL.Vec(HttpHeader), body: IDL.Vec(IDL.Nat8) });
export const TransformArgs = IDL.Record({ response: HttpRequestResult, context: IDL.Vec(IDL.Nat8) });
export const HttpRequestArgs = IDL.Record({
  url: IDL.Text,
  max_response_bytes: IDL.Opt(IDL.Nat64),
  method: IDL.Variant({ get: IDL.Null, head: IDL.Null, post: IDL.Null }),
  headers: IDL.Vec(HttpHeader),
  body: IDL.Opt(IDL.Vec(IDL.Nat8)),
  transform: IDL.Opt(IDL.Record({
    function: IDL.Func([TransformArgs], [HttpRequestResult], ['query']),
    context: IDL.Vec(IDL.Nat8),
  })),
  is_replicated: IDL.Opt(IDL.Bool),
});

/** The replica's limits (`MAX_CANISTER_HTTP_*`). */
export const HTTP_LIMITS = {
  maxResponseBytes: 2_000_000n,
  maxUrlLength: 8192,
  maxHeaders: 64,
  maxHeaderBytes: 8192,
  maxRequestBytes: 2_000_000,
} as const;

export interface HttpHeaderValue { name: string; value: string }

export interface HttpRequestArgsValue {
  url: string;
  max_response_bytes: [] | [bigint];
  method: { get: null } | { head: null } | { post: null };
  headers: HttpHeaderValue[];
  body: [] | [Uint8Array | number[]];
  transform: [] | [{ function: [Principal, string]; context: Uint8Array | number[] }];
  is_replicated: [] | [boolean];
}

/** One outcall waiting for its mocked response. */
export interface PendingOutcall {
  subnetId: Principal;
  requestId: bigint;
  httpMethod: 'GET' | 'POST' | 'HEAD';
  url: string;
  headers: HttpHeaderValue[];
  body: Uint8Array;
  maxResponseBytes: bigint | undefined;
  transform: { canister: Principal; method: string; context: Uint8Array } | undefined;
  /** Whether all nodes make the request (the default) or one does (`is_replicated = opt false`). */
  replicated: boolean;
  reply: Reply;
  refund: bigint;
}

/** A mocked response, as `mock_canister_http` gives it. */
export type MockedResponse =
  | { kind: 'reply'; status: number; headers: HttpHeaderValue[]; body: Uint8Array }
  | { kind: 'reject'; code: number; message: string };

const invalid = (message: string) => new IcError('CanisterRejectedMessage', message);
const bytes = (b: Uint8Array | number[]) => (b instanceof Uint8Array ? b : Uint8Array.from(b));
const utf8 = (s: string) => new TextEncoder().encode(s).length;

/** The outcalls of an instance that are waiting for a response. */
export class HttpOutcalls {
  private readonly pending = new Map<string, PendingOutcall>();
  private nextRequestId = 0n;

  /** Pending outcalls in the order they were made (`get_canister_http`). */
  list(): PendingOutcall[] {
    return [...this.pending.values()];
  }

  /** Removes and returns the pending outcall, if there is one. */
  take(subnetId: Principal, requestId: bigint): PendingOutcall | undefined {
    const key = `${subnetId.toText()}/${requestId}`;
    const outcall = this.pending.get(key);
    this.pending.delete(key);
    return outcall;
  }

  /**
   * Validates an `http_request` call and leaves it pending, or throws the `IcError` its caller gets.
   * Returns the fee, taken from the attached cycles (the rest is refunded with the reply).
   * @example outcalls.request(args, { subnetId, cycles, subnetSize: 13, fee, reply })
   */
  request(args: HttpRequestArgsValue, call: { subnetId: Principal; cycles: bigint; fee: (requestBytes: bigint, maxResponse: bigint) => bigint; reply: Reply }): bigint {
    const maxResponse = args.max_response_bytes[0];
    if (maxResponse !== undefined && maxResponse > HTTP_LIMITS.maxResponseBytes) {
      throw invalid(`max_response_bytes expected to be in the range [0..${HTTP_LIMITS.maxResponseBytes}], got ${maxResponse}`);
    }
    if (args.url.length > HTTP_LIMITS.maxUrlLength) {
      throw invalid(`url size ${args.url.length} exceeds the limit of ${HTTP_LIMITS.maxUrlLength} characters`);
    }
    if (args.headers.length > HTTP_LIMITS.maxHeaders) {
      throw invalid(`number of http headers ${args.headers.length} exceeds the limit of ${HTTP_LIMITS.maxHeaders}`);
    }
    for (const h of args.headers) {
      if (utf8(h.name) > HTTP_LIMITS.maxHeaderBytes || utf8(h.value) > HTTP_LIMITS.maxHeaderBytes) {
        throw invalid(`http header ${h.name.slice(0, 64)} exceeds the limit of ${HTTP_LIMITS.maxHeaderBytes} bytes for a name or value`);
      }
    }
    const body = args.body[0] ? bytes(args.body[0]) : new Uint8Array();
    const transform = args.transform[0];
    const context = transform ? bytes(transform.context) : new Uint8Array();
    const requestBytes = BigInt(utf8(args.url) + args.headers.reduce((n, h) => n + utf8(h.name) + utf8(h.value), 0) + body.length
      + (transform ? utf8(transform.function[1]) + context.length : 0));
    if (requestBytes > BigInt(HTTP_LIMITS.maxRequestBytes)) {
      throw invalid(`http_request request size ${requestBytes} exceeds the limit of ${HTTP_LIMITS.maxRequestBytes} bytes`);
    }
    const fee = call.fee(requestBytes, maxResponse ?? HTTP_LIMITS.maxResponseBytes);
    if (call.cycles < fee) {
      throw invalid(`http_request request sent with ${call.cycles} cycles, but ${fee} cycles are required.`);
    }
    const requestId = this.nextRequestId++;
    const method = Object.keys(args.method)[0]!.toUpperCase() as PendingOutcall['httpMethod'];
    this.pending.set(`${call.subnetId.toText()}/${requestId}`, {
      subnetId: call.subnetId, requestId, httpMethod: method, url: args.url, headers: args.headers, body,
      maxResponseBytes: maxResponse, replicated: args.is_replicated[0] ?? true,
      transform: transform && { canister: transform.function[0], method: transform.function[1], context },
      reply: call.reply, refund: call.cycles - fee,
    });
    return fee;
  }
}

/**
 * The management canister's `http_request`: callable by canisters only (the ingress filter refuses
 * users), charged on the caller's subnet, answered when a test mocks the response.
 */
export function httpRequestMethod(ctx: MethodContext, args: HttpRequestArgsValue): void {
  const subnet = ctx.call.subnet;
  const transform = args.transform[0];
  if (transform && transform.function[0].toText() !== ctx.call.sender.toText()) {
    throw invalid(`transform function must be exported by the calling canister ${ctx.call.sender.toText()}, not ${transform.function[0].toText()}`);
  }
  const fee = ctx.host.httpOutcalls.request(args, {
    subnetId: subnet.id, cycles: ctx.call.cycles, reply: ctx.reply,
    fee: (requestBytes, maxResponse) => subnet.cost.httpRequest(requestBytes, maxResponse),
  });
  ctx.host.recordFee(ctx.call.sender.toText(), 'httpOutcall', fee);
}

/** The reject codes a mocked reject may carry (the IC's reject codes). */
export function validRejectCode(code: number): boolean {
  return Number.isInteger(code) && code >= 1 && code <= 6;
}

/**
 * The outcall's result from the nodes' mocked responses: each checked against `max_response_bytes`
 * and passed through the transform, then the one at least 2f+1 of the n nodes agree on, or a
 * `SYS_TRANSIENT` reject when none has that many (the IC's consensus on outcall responses).
 */
export function settleOutcall(outcall: PendingOutcall, responses: MockedResponse[], runTransform: (args: Uint8Array) => CallResult): CallResult {
  const outcomes = responses.map((r) => outcome(outcall, r, runTransform));
  const n = outcomes.length;
  const needed = n - Math.floor((n - 1) / 3);
  const counts = new Map<string, { result: CallResult; count: number }>();
  for (const result of outcomes) {
    const key = result.kind === 'reply' ? `reply:${Buffer.from(result.data).toString('hex')}` : `reject:${result.code}:${result.message}`;
    const entry = counts.get(key) ?? { result, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  for (const { result, count } of counts.values()) if (count >= needed) return result;
  return { kind: 'reject', code: 2, message: 'No consensus could be reached. Replicas had different responses.', errorCode: 'CanisterRejectedMessage' };
}

function outcome(outcall: PendingOutcall, response: MockedResponse, runTransform: (args: Uint8Array) => CallResult): CallResult {
  if (response.kind === 'reject') return { kind: 'reject', code: response.code, message: response.message, errorCode: 'CanisterRejectedMessage' };
  const limit = outcall.maxResponseBytes ?? HTTP_LIMITS.maxResponseBytes;
  const size = BigInt(response.body.length + response.headers.reduce((k, h) => k + utf8(h.name) + utf8(h.value), 0));
  if (size > limit) {
    return { kind: 'reject', code: 1, message: `Http body exceeds size limit of ${limit} bytes.`, errorCode: 'CanisterRejectedMessage' };
  }
  const result = { status: BigInt(response.status), headers: response.headers, body: response.body };
  if (!outcall.transform) return { kind: 'reply', data: new Uint8Array(IDL.encode([HttpRequestResult], [result])) };
  const transformed = runTransform(new Uint8Array(IDL.encode([TransformArgs], [{ response: result, context: outcall.transform.context }])));
  if (transformed.kind === 'reject') {
    return { kind: 'reject', code: 5, message: `Transform function ${outcall.transform.method} failed: ${transformed.message}`, errorCode: 'CanisterRejectedMessage' };
  }
  return transformed;
}

/** The JSON `get_canister_http` lists an outcall as (PocketIC's `CanisterHttpRequest`). */
export function outcallJson(o: PendingOutcall, b64: (bytes: Uint8Array) => string): unknown {
  return {
    subnet_id: { subnet_id: b64(o.subnetId.toUint8Array()) },
    request_id: o.requestId,
    http_method: o.httpMethod,
    url: o.url,
    headers: o.headers.map((h) => ({ name: h.name, value: h.value })),
    body: b64(o.body),
    max_response_bytes: o.maxResponseBytes ?? null,
  };
}

