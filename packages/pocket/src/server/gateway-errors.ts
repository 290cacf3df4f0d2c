/**
 * The HTTP gateway's error replies, as ic-gateway gives them to non-browser clients
 * (`routing/error_cause.rs`): a status, an `x-ic-error-cause` header naming the cause, and a JSON
 * body `{error_type, description, details}`.
 */
import { RejectCode } from '../errors.js';
import type { RawResult } from '../messages.js';

export interface GatewayError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * An error reply with ic-gateway's cause name, status and description.
 *
 * @example
 * gatewayError('canister_id_not_resolved', 400, 'The gateway could not determine the destination canister.');
 */
export function gatewayError(cause: string, status: number, description: string, details?: string): GatewayError {
  const body = JSON.stringify({ error_type: cause, description, details: details ?? null }, null, 2);
  return { status, headers: { 'content-type': 'application/json', 'x-ic-error-cause': cause }, body };
}

export const canisterIdNotResolved = () => gatewayError('canister_id_not_resolved', 400,
  "The gateway couldn't determine the destination canister for this request. Ensure the request includes a valid canister ID or uses a recognized domain: http://<canister-id>.localhost:<port>/, ?canisterId=<canister-id>, or a Referer carrying either.");

export const canisterIdIncorrect = (detail: string) => gatewayError('canister_id_incorrect', 400,
  'The canister ID you provided is invalid. Please verify the canister ID and try again.', detail);

export const canisterNotFound = (canisterId: string, details?: string) => gatewayError('canister_not_found', 404,
  `The requested canister (${canisterId}) does not exist or is no longer available on the Internet Computer.`, details);

export const bodyTooLarge = () => gatewayError('client_body_too_large', 413,
  'The data you sent is too large for the Internet Computer to handle. Please reduce your payload and try again.');

export const malformedRequest = (details: string) => gatewayError('client_malformed_request', 400,
  'Your request was not correctly formed.', details);

export const instanceGone = () => gatewayError('backend_other', 503,
  'The HTTP gateway is temporarily unable to process the request.', 'The PocketIC instance this gateway forwards to was deleted.');

export const internalGatewayError = (details: string) => gatewayError('internal_server_error', 500,
  'Something went wrong. Please try again later.', details);

/** A canister reply the gateway cannot use (undecodable, bad status code or headers). */
export const backendError = (details: string) => gatewayError('backend_http_gateway', 503,
  'The HTTP gateway is temporarily unable to process the request. Please try again later.', details);

/** A reject of `http_request` (or its streaming callback), mapped as ic-gateway maps agent rejects. */
export function rejectError(canisterId: string, err: Extract<RawResult, { Err: unknown }>['Err']): GatewayError {
  const message = err.reject_message;
  switch (err.reject_code) {
    case RejectCode.DestinationInvalid:
      return canisterNotFound(canisterId, message);
    case RejectCode.CanisterError:
      return gatewayError('canister_error', 503, 'The canister failed to process your request.', message);
    case RejectCode.CanisterReject:
      return gatewayError('canister_reject', 503, 'The canister explicitly rejected the request.', message);
    case RejectCode.SysTransient:
      if (message.includes('frozen')) return gatewayError('canister_frozen', 503, 'The canister has run out of cycles.', message);
      return backendError(message);
    default:
      return backendError(message);
  }
}
