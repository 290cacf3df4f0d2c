/**
 * The induction fee of an ingress message submitted through PocketIC's REST API, as the replica
 * charges it: 1.2 M cycles and 2,000 per byte of the whole signed request on 13 nodes
 * (`ingress_induction_cost`: `ingress.binary().len()`), over the request PocketIC's state machine
 * builds (`submit_ingress_as`: the call's fields, an 8-byte nonce and an expiry, no key or
 * signature; CBOR with the self-describe tag). Its size is measured here by encoding such a request,
 * plus one byte: the replica's serializer writes the content (a flattened enum variant) as a map of
 * indefinite length, a start and a break byte where a definite map has one head byte.
 */
import { Principal } from '@dfinity/principal';

import { encodeTaggedCbor } from '../../src/certification/cbor.js';

/** Anything with the bytes of a principal (`@dfinity/principal`'s or `@icp-sdk/core`'s). */
type PrincipalLike = { toUint8Array(): Uint8Array };

interface RequestParts { sender?: PrincipalLike; canister?: PrincipalLike; expiry?: bigint }

/** The bytes of the request PocketIC builds (anonymous, to the management canister unless told). */
export function pocketIcRequestBytes(method: string, payload: Uint8Array, options: RequestParts = {}): number {
  const content = {
    request_type: 'call',
    canister_id: (options.canister ?? Principal.managementCanister()).toUint8Array(),
    method_name: method,
    arg: payload,
    sender: (options.sender ?? Principal.anonymous()).toUint8Array(),
    ingress_expiry: options.expiry ?? 2n ** 62n, // any time after 1970 + 4.3 s takes the same nine bytes
    nonce: new Uint8Array(8),
  };
  return encodeTaggedCbor({ content }).length + 1;
}

export function ingressFee(method: string, payload: Uint8Array, options: RequestParts = {}): bigint {
  return 1_200_000n + 2_000n * BigInt(pocketIcRequestBytes(method, payload, options));
}
