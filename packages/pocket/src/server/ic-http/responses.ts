/**
 * CBOR bodies of the IC HTTP interface's responses (IC interface spec § "HTTPS Interface",
 * § "Status endpoint"), all tagged with 55799 as the replica tags them. Query responses are in
 * `query-signature.ts`.
 */
import { encodeTaggedCbor, type CborValue } from '../../certification/cbor.js';

/** `GET /api/v2/status`: agents take `root_key` from here after `fetchRootKey()`. */
export function encodeStatusResponse(options: { rootKey: Uint8Array; implVersion?: string; certifiedHeight?: bigint }): Uint8Array {
  const body: Record<string, CborValue> = { root_key: options.rootKey };
  if (options.implVersion !== undefined) body.impl_version = options.implVersion;
  body.replica_health_status = 'healthy';
  if (options.certifiedHeight !== undefined) body.certified_height = options.certifiedHeight;
  return encodeTaggedCbor(body);
}

/** `read_state` (HTTP 200): `{certificate}`. */
export function encodeReadStateResponse(certificate: Uint8Array): Uint8Array {
  return encodeTaggedCbor({ certificate });
}

/**
 * Synchronous call (`/api/v3|v4/canister/<id>/call`, HTTP 200) that reached a terminal state:
 * `{status: "replied", certificate}`, the certificate revealing `/request_status/<id>` and `/time`.
 */
export function encodeSyncCallResponse(certificate: Uint8Array): Uint8Array {
  return encodeTaggedCbor({ status: 'replied', certificate });
}

export interface CallRejection {
  reject_code: number;
  reject_message: string;
  error_code?: string;
}

/**
 * A call refused before it entered the state (e.g. by `canister_inspect_message`), HTTP 200:
 * `{reject_code, reject_message, error_code}` on `/api/v2/…/call`, and the same with
 * `status: "non_replicated_rejection"` on `/api/v3|v4/…/call`.
 */
export function encodeCallRejection(rejection: CallRejection, apiVersion: 2 | 3 | 4): Uint8Array {
  const body: Record<string, CborValue> = {};
  if (apiVersion !== 2) body.status = 'non_replicated_rejection';
  body.reject_code = rejection.reject_code;
  body.reject_message = rejection.reject_message;
  if (rejection.error_code !== undefined) body.error_code = rejection.error_code;
  return encodeTaggedCbor(body);
}
