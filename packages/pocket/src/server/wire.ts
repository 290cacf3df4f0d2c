/** PocketIC's JSON encodings: base64 blobs and principals, effective principals, call results. */
import { Principal } from '@dfinity/principal';

import { RejectCode } from '../errors.js';
import type { EffectivePrincipal } from '../instance.js';
import type { RawResult } from '../messages.js';
import type { Json } from './json.js';

export class BadRequest extends Error {
  override name = 'BadRequest';
}

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function fromB64(value: Json | undefined, field: string): Uint8Array {
  if (typeof value !== 'string') throw new BadRequest(`field ${field} must be a base64 string`);
  // A copy with its own buffer: @dfinity/candid decodes from `.buffer`, ignoring view offsets.
  return new Uint8Array(Buffer.from(value, 'base64'));
}

export function principalFromB64(value: Json | undefined, field: string): Principal {
  return Principal.fromUint8Array(fromB64(value, field));
}

export function obj(value: Json | undefined, field: string): { [key: string]: Json } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest(`${field} must be an object`);
  return value;
}

export function effectivePrincipal(value: Json | undefined): EffectivePrincipal {
  if (value === undefined || value === null || value === 'None') return { kind: 'none' };
  const o = obj(value, 'effective_principal');
  if ('SubnetId' in o) return { kind: 'subnet', id: principalFromB64(o.SubnetId, 'effective_principal.SubnetId') };
  if ('CanisterId' in o) return { kind: 'canister', id: principalFromB64(o.CanisterId, 'effective_principal.CanisterId') };
  throw new BadRequest('effective_principal must be "None", {"SubnetId": …} or {"CanisterId": …}');
}

const REJECT_NAMES: Record<RejectCode, string> = {
  [RejectCode.SysFatal]: 'SysFatal',
  [RejectCode.SysTransient]: 'SysTransient',
  [RejectCode.DestinationInvalid]: 'DestinationInvalid',
  [RejectCode.CanisterReject]: 'CanisterReject',
  [RejectCode.CanisterError]: 'CanisterError',
  [RejectCode.SysUnknown]: 'SysUnknown',
};

/** A call result as PocketIC's `RawCanisterResult`, codes as Rust enum variant names. */
export function rawResultJson(result: RawResult): Json {
  if ('Ok' in result) return { Ok: b64(result.Ok) };
  return {
    Err: {
      reject_code: REJECT_NAMES[result.Err.reject_code],
      reject_message: result.Err.reject_message,
      error_code: result.Err.error_code,
      certified: result.Err.certified,
    },
  };
}
