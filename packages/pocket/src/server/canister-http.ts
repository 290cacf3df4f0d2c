/**
 * PocketIC's JSON for HTTPS outcalls (`read/get_canister_http`, `update/mock_canister_http`;
 * /work/shared/pocketic-rest.md § 5.10). Malformed bodies are `BadRequest`s (400), changing nothing.
 */
import type { Principal } from '@dfinity/principal';

import type { IcInstance } from '../instance.js';
import { outcallJson, type HttpHeaderValue, type MockedResponse } from '../management/http-outcalls.js';
import { asBigInt, type Json } from './json.js';
import { BadRequest, b64, fromB64, obj, principalFromB64 } from './wire.js';

/** The pending outcalls of every subnet, as `get_canister_http` lists them. */
export function pendingOutcallsJson(ic: IcInstance): unknown[] {
  return ic.httpOutcalls.list().map((o) => outcallJson(o, b64));
}

/**
 * Parses a `mock_canister_http` body and answers the outcall it names.
 * @example mockCanisterHttp(ic, { subnet_id: { subnet_id: 'AQ==' }, request_id: 0, response: {...}, additional_responses: [] })
 */
export function mockCanisterHttp(ic: IcInstance, args: { [key: string]: Json }): void {
  const subnetId: Principal = principalFromB64(obj(args.subnet_id, 'subnet_id').subnet_id, 'subnet_id.subnet_id');
  const requestId = asBigInt(args.request_id, 'request_id');
  const additional = args.additional_responses ?? [];
  if (!Array.isArray(additional)) throw new BadRequest('additional_responses must be an array');
  ic.mockHttpsOutcall(subnetId, requestId, response(args.response, 'response'), additional.map((r, k) => response(r, `additional_responses[${k}]`)));
}

function response(value: Json | undefined, field: string): MockedResponse {
  const o = obj(value, field);
  if ('CanisterHttpReply' in o) {
    const r = obj(o.CanisterHttpReply, `${field}.CanisterHttpReply`);
    const status = Number(asBigInt(r.status, `${field}.status`));
    if (status < 100 || status > 999) throw new BadRequest(`${field}.status must be an HTTP status code`);
    return { kind: 'reply', status, headers: headers(r.headers, `${field}.headers`), body: fromB64(r.body, `${field}.body`) };
  }
  if ('CanisterHttpReject' in o) {
    const r = obj(o.CanisterHttpReject, `${field}.CanisterHttpReject`);
    if (typeof r.message !== 'string') throw new BadRequest(`${field}.message must be a string`);
    return { kind: 'reject', code: Number(asBigInt(r.reject_code, `${field}.reject_code`)), message: r.message };
  }
  throw new BadRequest(`${field} must be CanisterHttpReply or CanisterHttpReject`);
}

function headers(value: Json | undefined, field: string): HttpHeaderValue[] {
  if (!Array.isArray(value)) throw new BadRequest(`${field} must be an array`);
  return value.map((h, k) => {
    const o = obj(h, `${field}[${k}]`);
    if (typeof o.name !== 'string' || typeof o.value !== 'string') throw new BadRequest(`${field}[${k}] must have string name and value`);
    return { name: o.name, value: o.value };
  });
}
