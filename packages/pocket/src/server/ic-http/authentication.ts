/**
 * Request authentication as the replica performs it (IC interface spec § "Authentication",
 * § "Signatures", § "Canister signatures"; the order of checks and the error wording follow the
 * replica's ingress validator):
 *
 * 1. read_state only: at most 1000 paths of at most 127 labels.
 * 2. `ingress_expiry` within `[now, now + 5 min + 30 s]` — for calls always, for queries and
 *    read_state only when the sender is not anonymous.
 * 3. `nonce` at most 32 bytes.
 * 4. Anonymous sender: no signature allowed. Other senders: a signature is required, the sender
 *    must be the self-authenticating principal of `sender_pubkey`, and
 *    - at most 20 delegations, none expired, no public key repeated, at most 1000 targets each;
 *    - delegation i is signed (`"\x1Aic-request-auth-delegation" · hash_of_map(delegation)`) by
 *      `sender_pubkey` (i = 0) or by the previous delegation's key;
 *    - `sender_sig` signs `"\x0Aic-request" · request_id` with the last delegation's key (or
 *      `sender_pubkey` without delegations).
 * 5. Calls and queries: the target canister must be in every delegation's `targets`.
 *
 * Supported keys: Ed25519 (RFC 8410), ECDSA on secp256k1 and P-256 (RFC 5480, uncompressed
 * points, signatures `r · s` over SHA-256 of the payload; secp256k1 requires low `s`), WebAuthn
 * (DER-wrapped COSE keys, ECDSA P-256 or RSA), canister signatures (needs the root key), and RSA
 * PKCS#1 v1.5 keys for delegations only.
 */
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/nist';
import { secp256k1 } from '@noble/curves/secp256k1';
import { Principal } from '@dfinity/principal';

import { decodeCbor, type CborValue } from '../../certification/cbor.js';
import { STATE_ROOT_SEPARATOR, reconstruct, treeFromCbor, type HashTree } from '../../certification/hash-tree.js';
import { BLS_DER_PREFIX, verifySignature as blsVerify } from '../../certification/keys.js';
import { MAX_INGRESS_TTL_NS } from '../../constants.js';
import { compareBytes } from '../../ids.js';
import type { Envelope, RequestContent, SignedDelegation } from './envelope.js';
import { hashOfMap } from './request-id.js';
import { listLeaves, lookupPath, lookupSubtree } from './state-tree.js';

// ---- constants ----------------------------------------------------------------------------------

export { MAX_INGRESS_TTL_NS };
/** Extra leeway the replica's HTTP handler gives clients with a skewed clock. */
export const PERMITTED_DRIFT_AT_VALIDATOR_NS = 30n * 1_000_000_000n;
export const MAX_DELEGATIONS = 20;
export const MAX_TARGETS_PER_DELEGATION = 1000;
export const MAX_NONCE_BYTES = 32;
export const MAX_READ_STATE_PATHS = 1000;
export const MAX_LABELS_PER_PATH = 127;

const enc = new TextEncoder();
/** `\x0Aic-request` (11 bytes). */
export const IC_REQUEST_DOMAIN_SEPARATOR = enc.encode('\x0Aic-request');
/** `\x1Aic-request-auth-delegation` (27 bytes). */
export const IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR = enc.encode('\x1Aic-request-auth-delegation');
/** `\x0Eic-sender-info` (15 bytes). */
export const IC_SENDER_INFO_DOMAIN_SEPARATOR = enc.encode('\x0Eic-sender-info');

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

// ---- errors ---------------------------------------------------------------------------------------

/** Why a signature, key or delegation was refused (the replica's `AuthenticationError`). */
export type AuthenticationFailure =
  | { kind: 'InvalidBasicSignature'; scheme: KeyScheme; reason: string }
  | { kind: 'InvalidCanisterSignature'; reason: string }
  | { kind: 'InvalidPublicKey'; reason: string }
  | { kind: 'WebAuthnError'; reason: string }
  | { kind: 'DelegationTargetError'; reason: string }
  | { kind: 'DelegationTooLong'; length: number; maximum: number }
  | { kind: 'DelegationContainsCycles'; publicKey: Uint8Array };

export type RequestValidationErrorCode =
  | 'InvalidRequestExpiry'
  | 'InvalidDelegationExpiry'
  | 'UserIdDoesNotMatchPublicKey'
  | 'InvalidSignature'
  | 'InvalidDelegation'
  | 'MissingSignature'
  | 'AnonymousSignatureNotAllowed'
  | 'CanisterNotInDelegationTargets'
  | 'TooManyPaths'
  | 'PathTooLong'
  | 'NonceTooBig'
  | 'InvalidSenderInfo';

/**
 * A refused request. `message` is worded as the replica words it (the replica answers all of
 * these with HTTP 400 and the message as plain text; agents recognise expiry problems by the
 * `Invalid request expiry: ` prefix and then resynchronise their clock).
 */
export class RequestValidationError extends Error {
  override name = 'RequestValidationError';
  readonly httpStatus = 400;
  constructor(
    readonly code: RequestValidationErrorCode,
    message: string,
    /** For InvalidSignature / InvalidDelegation: what exactly failed. */
    readonly failure?: AuthenticationFailure,
    /** For delegation errors: the index of the offending delegation. */
    readonly delegationIndex?: number,
  ) {
    super(message);
  }
}

function failureMessage(f: AuthenticationFailure): string {
  switch (f.kind) {
    case 'InvalidBasicSignature': return `Invalid basic signature: ${f.reason}`;
    case 'InvalidCanisterSignature': return `Invalid canister signature: ${f.reason}`;
    case 'InvalidPublicKey': return `Invalid public key: ${f.reason}`;
    case 'WebAuthnError': return `WebAuthn error: ${f.reason}`;
    case 'DelegationTargetError': return `Delegation target error: ${f.reason}`;
    case 'DelegationTooLong': return `Chain of delegations is too long: got ${f.length} delegations, but at most ${f.maximum} are allowed.`;
    case 'DelegationContainsCycles': return `Chain of delegations contains at least one cycle: first repeating public key encountered ${hex(f.publicKey)}`;
  }
}

const invalidSignature = (f: AuthenticationFailure) => new RequestValidationError('InvalidSignature', `Invalid signature: ${failureMessage(f)}`, f);
const invalidDelegation = (f: AuthenticationFailure, index?: number) =>
  new RequestValidationError('InvalidDelegation', `Invalid delegation: ${failureMessage(f)}`, f, index);

/** The replica's rendering of a time: `2025-05-01 23:55:18.005285297 UTC` (fraction only if non-zero). */
export function formatIcTime(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString(); // 2025-05-01T23:55:18.000Z
  let out = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  if (frac !== 0n) {
    const nine = frac.toString().padStart(9, '0');
    out += '.' + (frac % 1_000_000n === 0n ? nine.slice(0, 3) : frac % 1000n === 0n ? nine.slice(0, 6) : nine);
  }
  return `${out} UTC`;
}

// ---- DER public keys ------------------------------------------------------------------------------

export type KeyScheme =
  | 'ed25519'
  | 'ecdsa_secp256k1'
  | 'ecdsa_p256'
  | 'rsa_sha256'
  | 'webauthn_ecdsa_p256'
  | 'webauthn_rsa'
  | 'canister_signature';

export type PublicKeyInfo =
  | { scheme: 'ed25519'; key: Uint8Array }
  | { scheme: 'ecdsa_secp256k1' | 'ecdsa_p256'; key: Uint8Array }
  | { scheme: 'rsa_sha256'; der: Uint8Array }
  | { scheme: 'webauthn_ecdsa_p256'; key: Uint8Array }
  | { scheme: 'webauthn_rsa'; n: Uint8Array; e: Uint8Array }
  | { scheme: 'canister_signature'; canisterId: Principal; seed: Uint8Array };

export class PublicKeyError extends Error {
  override name = 'PublicKeyError';
}

const OID = {
  ed25519: '1.3.101.112',
  ecPublicKey: '1.2.840.10045.2.1',
  secp256k1: '1.3.132.0.10',
  p256: '1.2.840.10045.3.1.7',
  rsa: '1.2.840.113549.1.1.1',
  cose: '1.3.6.1.4.1.56387.1.1',
  canisterSig: '1.3.6.1.4.1.56387.1.2',
};

interface Tlv { tag: number; content: Uint8Array; next: number }

function readTlv(buf: Uint8Array, pos: number): Tlv {
  if (pos + 2 > buf.length) throw new PublicKeyError('truncated DER');
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new PublicKeyError('invalid DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new PublicKeyError('truncated DER');
  return { tag, content: buf.subarray(p, p + len), next: p + len };
}

function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new PublicKeyError('empty OID');
  const parts: number[] = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (let i = 1; i < bytes.length; i++) {
    v = v * 128 + (bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

/** Parses a DER `SubjectPublicKeyInfo` into one of the schemes the IC accepts. */
export function parsePublicKey(der: Uint8Array): PublicKeyInfo {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.next !== der.length) throw new PublicKeyError('not a DER SubjectPublicKeyInfo');
  const algSeq = readTlv(outer.content, 0);
  if (algSeq.tag !== 0x30) throw new PublicKeyError('missing AlgorithmIdentifier');
  const bits = readTlv(outer.content, algSeq.next);
  if (bits.tag !== 0x03 || bits.next !== outer.content.length) throw new PublicKeyError('missing subjectPublicKey BIT STRING');
  if (bits.content[0] !== 0) throw new PublicKeyError('subjectPublicKey has unused bits');
  const key = bits.content.subarray(1);
  const alg = readTlv(algSeq.content, 0);
  if (alg.tag !== 0x06) throw new PublicKeyError('missing algorithm OID');
  const algOid = decodeOid(alg.content);
  const params = alg.next < algSeq.content.length ? readTlv(algSeq.content, alg.next) : undefined;

  switch (algOid) {
    case OID.ed25519:
      if (params) throw new PublicKeyError('Ed25519 keys have no algorithm parameters');
      if (key.length !== 32) throw new PublicKeyError(`an Ed25519 public key has 32 bytes, not ${key.length}`);
      return { scheme: 'ed25519', key };
    case OID.ecPublicKey: {
      if (!params || params.tag !== 0x06) throw new PublicKeyError('ECDSA key without a named curve');
      const curveOid = decodeOid(params.content);
      const scheme = curveOid === OID.secp256k1 ? 'ecdsa_secp256k1' : curveOid === OID.p256 ? 'ecdsa_p256' : undefined;
      if (!scheme) throw new PublicKeyError(`unsupported ECDSA curve ${curveOid}`);
      if (key.length !== 65 || key[0] !== 0x04) throw new PublicKeyError('ECDSA public keys must be uncompressed points (0x04 · x · y)');
      try {
        (scheme === 'ecdsa_secp256k1' ? secp256k1 : p256).Point.fromBytes(key);
      } catch {
        throw new PublicKeyError('the ECDSA public key is not a point on the curve');
      }
      return { scheme, key };
    }
    case OID.rsa:
      return { scheme: 'rsa_sha256', der };
    case OID.cose:
      return parseCoseKey(key);
    case OID.canisterSig: {
      if (key.length < 1 || key.length < 1 + key[0]!) throw new PublicKeyError('truncated canister signature public key');
      const idLen = key[0]!;
      return { scheme: 'canister_signature', canisterId: Principal.fromUint8Array(key.slice(1, 1 + idLen)), seed: key.slice(1 + idLen) };
    }
    default:
      throw new PublicKeyError(`unsupported public key algorithm ${algOid}`);
  }
}

function parseCoseKey(bytes: Uint8Array): PublicKeyInfo {
  let cose: CborValue;
  try { cose = decodeCbor(bytes); } catch { throw new PublicKeyError('the COSE key is not valid CBOR'); }
  if (!(cose instanceof Map)) throw new PublicKeyError('the COSE key is not a map');
  const kty = cose.get(1);
  const alg = cose.get(3);
  if (kty === 2) {
    const x = cose.get(-2);
    const y = cose.get(-3);
    if (cose.get(-1) !== 1 || (alg !== undefined && alg !== -7)) throw new PublicKeyError('only ES256 (ECDSA P-256) COSE keys are supported');
    if (!(x instanceof Uint8Array) || !(y instanceof Uint8Array) || x.length !== 32 || y.length !== 32) throw new PublicKeyError('malformed COSE EC2 key');
    const key = concat(Uint8Array.of(0x04), x, y);
    try { p256.Point.fromBytes(key); } catch { throw new PublicKeyError('the COSE key is not a point on P-256'); }
    return { scheme: 'webauthn_ecdsa_p256', key };
  }
  if (kty === 3) {
    const n = cose.get(-1);
    const e = cose.get(-2);
    if (alg !== undefined && alg !== -257) throw new PublicKeyError('only RS256 RSA COSE keys are supported');
    if (!(n instanceof Uint8Array) || !(e instanceof Uint8Array)) throw new PublicKeyError('malformed COSE RSA key');
    return { scheme: 'webauthn_rsa', n, e };
  }
  throw new PublicKeyError(`unsupported COSE key type ${String(kty)}`);
}

// ---- signature verification ------------------------------------------------------------------------

export interface VerifyOptions {
  /** DER BLS root key, to verify canister signatures. */
  rootKey?: Uint8Array;
}

function ecdsaVerify(curve: typeof p256 | typeof secp256k1, key: Uint8Array, digest: Uint8Array, sig: Uint8Array, lowS: boolean, format: 'compact' | 'der'): boolean {
  try {
    return curve.verify(sig, digest, key, { prehash: false, lowS, format });
  } catch {
    return false;
  }
}

function rsaVerify(key: Parameters<typeof createPublicKey>[0], data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return nodeVerify('sha256', data, createPublicKey(key), sig);
  } catch {
    return false;
  }
}

const b64url = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function verifyWebAuthn(info: Extract<PublicKeyInfo, { scheme: 'webauthn_ecdsa_p256' | 'webauthn_rsa' }>, payload: Uint8Array, signature: Uint8Array): AuthenticationFailure | undefined {
  let sig: CborValue;
  try { sig = decodeCbor(signature); } catch { return { kind: 'WebAuthnError', reason: 'the signature is not valid CBOR' }; }
  const m = sig instanceof Map ? sig : undefined;
  const authData = m?.get('authenticator_data');
  const clientData = m?.get('client_data_json');
  const inner = m?.get('signature');
  if (!(authData instanceof Uint8Array) || typeof clientData !== 'string' || !(inner instanceof Uint8Array)) {
    return { kind: 'WebAuthnError', reason: 'the signature must be a map with authenticator_data, client_data_json and signature' };
  }
  let challenge: unknown;
  try { challenge = (JSON.parse(clientData) as { challenge?: unknown }).challenge; } catch { return { kind: 'WebAuthnError', reason: 'client_data_json is not JSON' }; }
  const expected = b64url(Buffer.from(payload).toString('base64'));
  if (typeof challenge !== 'string' || b64url(challenge) !== expected) {
    return { kind: 'WebAuthnError', reason: `the challenge in client_data_json does not match the signed payload ${hex(payload)}` };
  }
  const signed = concat(authData, sha256(enc.encode(clientData)));
  const ok = info.scheme === 'webauthn_ecdsa_p256'
    ? ecdsaVerify(p256, info.key, sha256(signed), inner, false, 'der')
    : rsaVerify({ key: { kty: 'RSA', n: b64url(Buffer.from(info.n).toString('base64')), e: b64url(Buffer.from(info.e).toString('base64')) }, format: 'jwk' }, signed, inner);
  return ok ? undefined : { kind: 'WebAuthnError', reason: 'the WebAuthn signature does not verify' };
}

/** Verifies a certificate (with an optional subnet delegation) against the root key; returns its tree. */
function verifyCertificate(certBytes: Uint8Array, rootKey: Uint8Array, canisterId: Principal): { tree: HashTree } | { error: string } {
  let cert: CborValue;
  try { cert = decodeCbor(certBytes); } catch { return { error: 'the certificate is not valid CBOR' }; }
  if (!(cert instanceof Map)) return { error: 'the certificate is not a map' };
  let tree: HashTree;
  try { tree = treeFromCbor(cert.get('tree') as CborValue); } catch (e) { return { error: `malformed certificate tree: ${(e as Error).message}` }; }
  const signature = cert.get('signature');
  if (!(signature instanceof Uint8Array)) return { error: 'the certificate has no signature' };
  let key = rootKey;
  const delegation = cert.get('delegation');
  if (delegation !== undefined && delegation !== null) {
    if (!(delegation instanceof Map)) return { error: 'malformed certificate delegation' };
    const subnetId = delegation.get('subnet_id');
    const inner = delegation.get('certificate');
    if (!(subnetId instanceof Uint8Array) || !(inner instanceof Uint8Array)) return { error: 'malformed certificate delegation' };
    let innerCert: CborValue;
    try { innerCert = decodeCbor(inner); } catch { return { error: 'the delegation certificate is not valid CBOR' }; }
    if (innerCert instanceof Map && innerCert.get('delegation') !== undefined && innerCert.get('delegation') !== null) {
      return { error: 'the delegation certificate has a delegation itself' };
    }
    const verified = verifyCertificate(inner, rootKey, canisterId);
    if ('error' in verified) return { error: `delegation: ${verified.error}` };
    if (!canisterInSubnetRanges(verified.tree, subnetId, canisterId)) {
      return { error: `canister ${canisterId.toText()} is not in the canister ranges of subnet ${Principal.fromUint8Array(subnetId).toText()}` };
    }
    const pk = lookupPath(verified.tree, ['subnet', subnetId, 'public_key']);
    if (pk.status !== 'found') return { error: 'the delegation certificate does not contain the subnet public key' };
    key = pk.value;
  }
  if (key.length !== BLS_DER_PREFIX.length + 96 || compareBytes(key.subarray(0, BLS_DER_PREFIX.length), BLS_DER_PREFIX) !== 0) {
    return { error: 'the BLS public key is not DER-encoded as the IC encodes it' };
  }
  const message = concat(STATE_ROOT_SEPARATOR, reconstruct(tree));
  let ok = false;
  try { ok = blsVerify(key.subarray(BLS_DER_PREFIX.length), signature, message); } catch { ok = false; }
  return ok ? { tree } : { error: 'the certificate signature does not verify' };
}

function canisterInSubnetRanges(tree: HashTree, subnetId: Uint8Array, canisterId: Principal): boolean {
  const values: Uint8Array[] = [];
  const direct = lookupPath(tree, ['subnet', subnetId, 'canister_ranges']);
  if (direct.status === 'found') values.push(direct.value);
  const shards = lookupSubtree(tree, ['canister_ranges', subnetId]);
  if (shards.status === 'found') values.push(...listLeaves(shards.tree).map((l) => l.value));
  const id = canisterId.toUint8Array();
  for (const v of values) {
    let ranges: CborValue;
    try { ranges = decodeCbor(v); } catch { continue; }
    if (!Array.isArray(ranges)) continue;
    for (const r of ranges) {
      if (!Array.isArray(r) || !(r[0] instanceof Uint8Array) || !(r[1] instanceof Uint8Array)) continue;
      if (compareBytes(r[0], id) <= 0 && compareBytes(id, r[1]) <= 0) return true;
    }
  }
  return false;
}

function verifyCanisterSignature(info: Extract<PublicKeyInfo, { scheme: 'canister_signature' }>, payload: Uint8Array, signature: Uint8Array, rootKey?: Uint8Array): AuthenticationFailure | undefined {
  const fail = (reason: string): AuthenticationFailure => ({ kind: 'InvalidCanisterSignature', reason });
  if (!rootKey) return fail('no root key to verify canister signatures against');
  let sig: CborValue;
  try { sig = decodeCbor(signature); } catch { return fail('the signature is not valid CBOR'); }
  if (!(sig instanceof Map)) return fail('the signature is not a map');
  const certificate = sig.get('certificate');
  if (!(certificate instanceof Uint8Array)) return fail('the signature has no certificate');
  let sigTree: HashTree;
  try { sigTree = treeFromCbor(sig.get('tree') as CborValue); } catch { return fail('the signature has no valid tree'); }
  const verified = verifyCertificate(certificate, rootKey, info.canisterId);
  if ('error' in verified) return fail(verified.error);
  const certified = lookupPath(verified.tree, ['canister', info.canisterId.toUint8Array(), 'certified_data']);
  if (certified.status !== 'found' || compareBytes(certified.value, reconstruct(sigTree)) !== 0) {
    return fail(`the certified data of canister ${info.canisterId.toText()} is not the root of the signature tree`);
  }
  const leaf = lookupPath(sigTree, ['sig', sha256(info.seed), sha256(payload)]);
  if (leaf.status !== 'found' || leaf.value.length !== 0) return fail('the signature tree does not contain the signed payload');
  return undefined;
}

/**
 * Verifies `signature` over `payload` (domain separator and message) with the DER key `pubkey`.
 * Returns undefined when it verifies, otherwise what failed.
 */
export function verifySignature(pubkey: Uint8Array, payload: Uint8Array, signature: Uint8Array, options: VerifyOptions & { allowRsa?: boolean } = {}): AuthenticationFailure | undefined {
  let info: PublicKeyInfo;
  try { info = parsePublicKey(pubkey); } catch (e) { return { kind: 'InvalidPublicKey', reason: (e as Error).message }; }
  const basic = (scheme: KeyScheme, ok: boolean): AuthenticationFailure | undefined => ok ? undefined : {
    kind: 'InvalidBasicSignature',
    scheme,
    reason: `${scheme} signature could not be verified: public key ${hex(pubkey)}, signature ${hex(signature)}`,
  };
  switch (info.scheme) {
    case 'ed25519': {
      let ok = false;
      try { ok = signature.length === 64 && ed25519.verify(signature, payload, info.key); } catch { ok = false; }
      return basic('ed25519', ok);
    }
    case 'ecdsa_secp256k1':
      return basic(info.scheme, signature.length === 64 && ecdsaVerify(secp256k1, info.key, sha256(payload), signature, true, 'compact'));
    case 'ecdsa_p256':
      return basic(info.scheme, signature.length === 64 && ecdsaVerify(p256, info.key, sha256(payload), signature, false, 'compact'));
    case 'rsa_sha256':
      if (!options.allowRsa) {
        return { kind: 'InvalidBasicSignature', scheme: 'rsa_sha256', reason: 'Algorithm not supported: RSA signatures are not allowed except in webauthn context' };
      }
      return basic('rsa_sha256', rsaVerify({ key: Buffer.from(info.der), format: 'der', type: 'spki' }, payload, signature));
    case 'webauthn_ecdsa_p256':
    case 'webauthn_rsa':
      return verifyWebAuthn(info, payload, signature);
    case 'canister_signature':
      return verifyCanisterSignature(info, payload, signature, options.rootKey);
  }
}

// ---- request validation ----------------------------------------------------------------------------

/** Canister ids a request may act on: all, or those common to every delegation's targets. */
export type CanisterIdSet = { kind: 'all' } | { kind: 'some'; ids: Principal[] };

export function canisterIdSetContains(set: CanisterIdSet, id: Principal): boolean {
  return set.kind === 'all' || set.ids.some((t) => t.toText() === id.toText());
}

function intersect(a: CanisterIdSet, b: CanisterIdSet): CanisterIdSet {
  if (a.kind === 'all') return b;
  if (b.kind === 'all') return a;
  const keep = new Set(b.ids.map((p) => p.toText()));
  return { kind: 'some', ids: a.ids.filter((p) => keep.has(p.toText())) };
}

export interface ValidationOptions extends VerifyOptions {
  /** The replica's current time, in nanoseconds since the epoch. */
  currentTimeNs: bigint;
  /**
   * Whether to check `ingress_expiry`. Default as the replica: always for calls, for queries and
   * read_state only when the sender is not anonymous.
   */
  checkIngressExpiry?: boolean;
  /** Leeway above `MAX_INGRESS_TTL` (default 30 s, as at the replica's HTTP handler). */
  permittedDriftNs?: bigint;
}

export interface ValidatedRequest {
  sender: Principal;
  /** The canisters the request may act on (from delegation targets). */
  targets: CanisterIdSet;
  /** The key that signed the request itself (the last delegation's key, or `sender_pubkey`). */
  signingKey?: Uint8Array;
}

export type ValidationResult = { ok: true; value: ValidatedRequest } | { ok: false; error: RequestValidationError };

function checkIngressExpiry(content: RequestContent, now: bigint, drift: bigint): RequestValidationError | undefined {
  const min = now;
  const max = now + MAX_INGRESS_TTL_NS + drift;
  const provided = content.ingressExpiry;
  if (min <= provided && provided <= max) return undefined;
  return new RequestValidationError(
    'InvalidRequestExpiry',
    `Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: ${formatIcTime(min)}, ` +
      `Maximum allowed expiry: ${formatIcTime(max)}, Provided expiry:        ${formatIcTime(provided)}`,
  );
}

function delegationPayload(d: SignedDelegation): Uint8Array {
  return concat(IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR, hashOfMap(d.delegation.raw));
}

function validateSignature(envelope: Envelope, options: ValidationOptions): { targets: CanisterIdSet; key: Uint8Array } | RequestValidationError {
  const delegations = envelope.senderDelegation ?? [];
  if (delegations.length > MAX_DELEGATIONS) {
    return invalidDelegation({ kind: 'DelegationTooLong', length: delegations.length, maximum: MAX_DELEGATIONS });
  }
  for (const d of delegations) {
    if (d.delegation.expiration < options.currentTimeNs) {
      return new RequestValidationError(
        'InvalidDelegationExpiry',
        `Invalid delegation expiry: Specified sender delegation has expired:\nProvided expiry:    ${formatIcTime(d.delegation.expiration)}\n` +
          `Local replica time: ${formatIcTime(options.currentTimeNs)}`,
        undefined,
        delegations.indexOf(d),
      );
    }
  }
  let key = envelope.senderPubkey!;
  const seen = new Set([hex(key)]);
  for (const d of delegations) {
    if (seen.has(hex(d.delegation.pubkey))) {
      return invalidDelegation({ kind: 'DelegationContainsCycles', publicKey: d.delegation.pubkey }, delegations.indexOf(d));
    }
    seen.add(hex(d.delegation.pubkey));
  }
  for (const [i, d] of delegations.entries()) {
    const n = d.delegation.targets?.length;
    if (n !== undefined && n > MAX_TARGETS_PER_DELEGATION) {
      return invalidDelegation({ kind: 'DelegationTargetError', reason: `expected at most ${MAX_TARGETS_PER_DELEGATION} targets per delegation, but got ${n}` }, i);
    }
  }
  let targets: CanisterIdSet = { kind: 'all' };
  for (const [i, d] of delegations.entries()) {
    const failure = verifySignature(key, delegationPayload(d), d.signature, { ...options, allowRsa: true });
    if (failure) return invalidDelegation(failure, i);
    if (d.delegation.targets) targets = intersect(targets, { kind: 'some', ids: d.delegation.targets });
    key = d.delegation.pubkey;
  }
  const failure = verifySignature(key, concat(IC_REQUEST_DOMAIN_SEPARATOR, envelope.requestId), envelope.senderSig!, options);
  if (failure) return invalidSignature(failure);
  return { targets, key };
}

function validateSenderInfo(envelope: Envelope, options: ValidationOptions): RequestValidationError | undefined {
  const content = envelope.content;
  if (content.requestType === 'read_state' || !content.senderInfo) return undefined;
  const info = content.senderInfo;
  const bad = (reason: string) => new RequestValidationError('InvalidSenderInfo', `Invalid sender info: ${reason}`);
  if (!envelope.senderPubkey) return bad('sender_info requires a canister signature public key as sender_pubkey');
  let key: PublicKeyInfo;
  try { key = parsePublicKey(envelope.senderPubkey); } catch (e) { return bad((e as Error).message); }
  if (key.scheme !== 'canister_signature') return bad('sender_info requires a canister signature public key as sender_pubkey');
  if (compareBytes(key.canisterId.toUint8Array(), info.signer) !== 0) return bad('signer is not the canister of sender_pubkey');
  const failure = verifySignature(envelope.senderPubkey, concat(IC_SENDER_INFO_DOMAIN_SEPARATOR, info.info), info.sig, options);
  return failure ? bad(failureMessage(failure)) : undefined;
}

/**
 * Validates a decoded envelope as the replica's ingress validator does, at `options.currentTimeNs`.
 * On success returns the sender and the canisters the request may act on; for calls and queries
 * the target canister has already been checked against them. For `read_state` the caller checks
 * the effective canister id against `targets` if it needs to.
 */
export function validateEnvelope(envelope: Envelope, options: ValidationOptions): ValidationResult {
  const err = (error: RequestValidationError): ValidationResult => ({ ok: false, error });
  const { content } = envelope;
  const anonymous = content.sender.toText() === Principal.anonymous().toText();

  if (content.requestType === 'read_state') {
    if (content.paths.length > MAX_READ_STATE_PATHS) {
      return err(new RequestValidationError('TooManyPaths',
        `Too many paths in read state request: got ${content.paths.length} paths, but at most ${MAX_READ_STATE_PATHS} are allowed.`));
    }
    for (const path of content.paths) {
      if (path.length > MAX_LABELS_PER_PATH) {
        return err(new RequestValidationError('PathTooLong',
          `At least one path in read state request is too deep: got ${path.length} labels, but at most ${MAX_LABELS_PER_PATH} are allowed.`));
      }
    }
  }
  const checkExpiry = options.checkIngressExpiry ?? (content.requestType === 'call' || !anonymous);
  if (checkExpiry) {
    const e = checkIngressExpiry(content, options.currentTimeNs, options.permittedDriftNs ?? PERMITTED_DRIFT_AT_VALIDATOR_NS);
    if (e) return err(e);
  }
  if (content.nonce && content.nonce.length > MAX_NONCE_BYTES) {
    return err(new RequestValidationError('NonceTooBig',
      `Nonce in request is too big: got ${content.nonce.length} bytes, but at most ${MAX_NONCE_BYTES} are allowed.`));
  }

  const signed = envelope.senderPubkey !== undefined && envelope.senderSig !== undefined;
  let targets: CanisterIdSet = { kind: 'all' };
  let signingKey: Uint8Array | undefined;
  if (!signed) {
    if (!anonymous) return err(new RequestValidationError('MissingSignature', `Missing signature from user: ${content.sender.toText()}`));
  } else {
    if (anonymous) return err(new RequestValidationError('AnonymousSignatureNotAllowed', 'Signature is not allowed for the anonymous user.'));
    const expected = selfAuthenticating(envelope.senderPubkey!);
    if (compareBytes(expected, content.sender.toUint8Array()) !== 0) {
      return err(new RequestValidationError('UserIdDoesNotMatchPublicKey',
        `The user id '${content.sender.toText()}' does not match the public key '${hex(envelope.senderPubkey!)}'`));
    }
    const result = validateSignature(envelope, options);
    if (result instanceof RequestValidationError) return err(result);
    targets = result.targets;
    signingKey = result.key;
  }
  const senderInfoError = validateSenderInfo(envelope, options);
  if (senderInfoError) return err(senderInfoError);

  if (content.requestType !== 'read_state' && !canisterIdSetContains(targets, content.canisterId)) {
    return err(new RequestValidationError('CanisterNotInDelegationTargets',
      `Canister '${content.canisterId.toText()}' is not one of the delegation targets.`));
  }
  const value: ValidatedRequest = { sender: content.sender, targets };
  if (signingKey) value.signingKey = signingKey;
  return { ok: true, value };
}

/** `sha224(der) · 0x02`, the self-authenticating principal's bytes. */
export function selfAuthenticating(der: Uint8Array): Uint8Array {
  const out = new Uint8Array(29);
  out.set(createHash('sha224').update(der).digest());
  out[28] = 0x02;
  return out;
}
