/** Messages between canisters, users and the management canister, as the scheduler queues them. */
import type { Principal } from '@dfinity/principal';

import type { ErrorCodeName, RejectCode } from './errors.js';

export type CallResult =
  | { kind: 'reply'; data: Uint8Array }
  | { kind: 'reject'; code: RejectCode; message: string; errorCode: ErrorCodeName };

export type RequestOrigin =
  /** `expiry`: the envelope's `ingress_expiry`; a message still queued after it fails (IC: `IngressMessageTimeout`). */
  | { kind: 'ingress'; messageId: string; expiry: bigint }
  | { kind: 'canister'; callbackId: number; deadline: bigint };

export interface Request {
  kind: 'request';
  sender: Principal;
  receiver: Principal;
  method: string;
  payload: Uint8Array;
  cycles: bigint;
  origin: RequestOrigin;
}

export interface Response {
  kind: 'response';
  /** The canister that made the call. */
  receiver: Principal;
  /** The callee, for routing back across subnets. */
  sender: Principal;
  callbackId: number;
  result: CallResult;
  refund: bigint;
  /** A SYS_UNKNOWN the system produced because a bounded-wait call's deadline passed. */
  expiry?: boolean;
}

export type Message = Request | Response;

/** What a user gets back for an ingress message or a query: PocketIC's `RawCanisterResult`. */
export type RawResult =
  | { Ok: Uint8Array }
  | { Err: { reject_code: RejectCode; reject_message: string; error_code: ErrorCodeName; certified: boolean } };

export function rawFromResult(result: CallResult, certified: boolean): RawResult {
  return result.kind === 'reply'
    ? { Ok: result.data }
    : { Err: { reject_code: result.code, reject_message: result.message, error_code: result.errorCode, certified } };
}

export const EMPTY_CANDID = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00]);
