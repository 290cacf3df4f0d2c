/**
 * Replica-signed query responses (IC interface spec § "Request: Query call"): every query reply or
 * reject carries `signatures: [{timestamp, signature, identity}]`, an Ed25519 signature by one
 * node over
 *
 * ```
 * "\x0Bic-response" · hash_of_map({status: "replied", reply: {arg}, timestamp, request_id})
 * "\x0Bic-response" · hash_of_map({status: "rejected", reject_code, reject_message, error_code?, timestamp, request_id})
 * ```
 *
 * Agents check it against the node's key, which they read (certified) at
 * `/subnet/<subnet_id>/node/<node_id>/public_key` with a `read_state` of `/subnet`. Node keys are
 * DER-wrapped Ed25519 keys (44 bytes, RFC 8410) and a node id is the self-authenticating principal
 * of its DER key, as on the IC.
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import { Principal } from '@dfinity/principal';

import { encodeTaggedCbor, type CborValue } from '../../certification/cbor.js';
import { hashOfMap } from './request-id.js';

/** DER prefix of an Ed25519 public key: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING }. */
export const ED25519_DER_PREFIX = Uint8Array.from(Buffer.from('302a300506032b6570032100', 'hex'));

/** The 12-byte domain separator `\x0Bic-response`. */
export const IC_RESPONSE_DOMAIN_SEPARATOR = new TextEncoder().encode('\x0Bic-response');

export function ed25519Der(rawPublicKey: Uint8Array): Uint8Array {
  if (rawPublicKey.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes, not ${rawPublicKey.length}`);
  const der = new Uint8Array(ED25519_DER_PREFIX.length + 32);
  der.set(ED25519_DER_PREFIX);
  der.set(rawPublicKey, ED25519_DER_PREFIX.length);
  return der;
}

/** The self-authenticating principal of a DER public key: `sha224(der) · 0x02`. */
export function selfAuthenticatingPrincipal(der: Uint8Array): Principal {
  const hash = createHash('sha224').update(der).digest();
  const bytes = new Uint8Array(29);
  bytes.set(hash);
  bytes[28] = 0x02;
  return Principal.fromUint8Array(bytes);
}

/** A node's signing key, derived deterministically from a seed. */
export class NodeKey {
  private readonly secret: Uint8Array;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** DER form (44 bytes), as `/subnet/<sid>/node/<nid>/public_key` holds it. */
  readonly der: Uint8Array;
  /** The node id: the self-authenticating principal of `der`. */
  readonly nodeId: Principal;

  constructor(seed: Uint8Array) {
    this.secret = new Uint8Array(createHash('sha256').update('lineage-pocket node key').update(seed).digest());
    this.publicKey = ed25519.getPublicKey(this.secret);
    this.der = ed25519Der(this.publicKey);
    this.nodeId = selfAuthenticatingPrincipal(this.der);
  }

  sign(message: Uint8Array): Uint8Array {
    return ed25519.sign(message, this.secret);
  }
}

/** `count` node keys of a subnet, derived from the subnet's seed and the node index. */
export function subnetNodeKeys(subnetSeed: Uint8Array, count: number): NodeKey[] {
  const keys: NodeKey[] = [];
  for (let i = 0; i < count; i++) {
    const index = new Uint8Array(4);
    new DataView(index.buffer).setUint32(0, i);
    const seed = new Uint8Array(subnetSeed.length + 4);
    seed.set(subnetSeed);
    seed.set(index, subnetSeed.length);
    keys.push(new NodeKey(seed));
  }
  return keys;
}

export type QueryResponse =
  | { status: 'replied'; reply: { arg: Uint8Array } }
  | { status: 'rejected'; reject_code: number; reject_message: string; error_code?: string };

export interface NodeSignature {
  /** Nanoseconds since the epoch. */
  timestamp: bigint;
  signature: Uint8Array;
  /** The node id's bytes. */
  identity: Uint8Array;
}

/** `hash_of_map` of a query response with its timestamp and the query's request id. */
export function queryResponseHash(response: QueryResponse, requestId: Uint8Array, timestampNs: bigint): Uint8Array {
  if (response.status === 'replied') {
    return hashOfMap({ status: 'replied', reply: { arg: response.reply.arg }, timestamp: timestampNs, request_id: requestId });
  }
  const map: Record<string, CborValue> = {
    status: 'rejected',
    reject_code: response.reject_code,
    reject_message: response.reject_message,
    timestamp: timestampNs,
    request_id: requestId,
  };
  if (response.error_code !== undefined) map.error_code = response.error_code;
  return hashOfMap(map);
}

/** The bytes a node signs: `\x0Bic-response · queryResponseHash(…)`. */
export function queryResponseSignedBytes(response: QueryResponse, requestId: Uint8Array, timestampNs: bigint): Uint8Array {
  const hash = queryResponseHash(response, requestId, timestampNs);
  const out = new Uint8Array(IC_RESPONSE_DOMAIN_SEPARATOR.length + hash.length);
  out.set(IC_RESPONSE_DOMAIN_SEPARATOR);
  out.set(hash, IC_RESPONSE_DOMAIN_SEPARATOR.length);
  return out;
}

export function signQueryResponse(response: QueryResponse, requestId: Uint8Array, timestampNs: bigint, node: NodeKey): NodeSignature {
  return {
    timestamp: timestampNs,
    signature: node.sign(queryResponseSignedBytes(response, requestId, timestampNs)),
    identity: node.nodeId.toUint8Array(),
  };
}

export function verifyQueryResponseSignature(response: QueryResponse, requestId: Uint8Array, sig: NodeSignature, nodeDer: Uint8Array): boolean {
  if (nodeDer.length !== 44 || Buffer.compare(nodeDer.subarray(0, 12), ED25519_DER_PREFIX) !== 0) return false;
  try {
    return ed25519.verify(sig.signature, queryResponseSignedBytes(response, requestId, sig.timestamp), nodeDer.subarray(12));
  } catch {
    return false;
  }
}

/** The response map as the replica serialises it (without the CBOR tag). */
export function queryResponseMap(response: QueryResponse, signatures: readonly NodeSignature[]): Record<string, CborValue> {
  const sigs = signatures.map((s) => ({ timestamp: s.timestamp, signature: s.signature, identity: s.identity }));
  if (response.status === 'replied') return { status: 'replied', reply: { arg: response.reply.arg }, signatures: sigs };
  const map: Record<string, CborValue> = {
    status: 'rejected',
    reject_code: response.reject_code,
    reject_message: response.reject_message,
  };
  if (response.error_code !== undefined) map.error_code = response.error_code;
  map.signatures = sigs;
  return map;
}

/**
 * The CBOR body of a `/query` response (HTTP 200): the reply or reject with one signature by
 * `node` made at `timestampNs` (the replica uses the time of the state the query ran on).
 */
export function encodeQueryResponse(response: QueryResponse, requestId: Uint8Array, timestampNs: bigint, node: NodeKey): Uint8Array {
  return encodeTaggedCbor(queryResponseMap(response, [signQueryResponse(response, requestId, timestampNs, node)]));
}
