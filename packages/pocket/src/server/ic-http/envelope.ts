/**
 * Decoding of the CBOR authentication envelopes the IC HTTP interface receives (IC interface spec
 * § "Authentication", § "Request: Call", § "Request: Read state", § "Request: Query call"):
 *
 * ```
 * 55799({ content: {request_type, sender, ingress_expiry, nonce?, …}, sender_pubkey?, sender_sig?,
 *         sender_delegation?: [{delegation: {pubkey, expiration, targets?}, signature}] })
 * ```
 *
 * The decoded values are typed; the request id is computed from the content map exactly as it
 * arrived (so optional fields an agent adds, such as `sender_info`, count as the agent hashed
 * them). Malformed input raises an `EnvelopeError` with a code, the offending field and a message
 * worded like the replica's (the replica answers these with HTTP 400).
 */
import { Principal } from '@dfinity/principal';

import { CborDecodeError, CborTag, decodeCbor, type CborValue } from '../../certification/cbor.js';
import { requestId } from './request-id.js';

export type RequestType = 'call' | 'query' | 'read_state';

export type EnvelopeErrorCode =
  /** The body is not valid CBOR. */
  | 'invalid_cbor'
  /** The envelope or a nested value has the wrong CBOR type. */
  | 'invalid_type'
  /** A required field is missing. */
  | 'missing_field'
  /** A field has a value outside its domain (principal too long, nat too big, …). */
  | 'invalid_field'
  /** `request_type` is not the one this endpoint accepts. */
  | 'unexpected_request_type'
  /** Only some of `sender_pubkey`, `sender_sig`, `sender_delegation` are present. */
  | 'missing_pubkey_or_signature';

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
  constructor(readonly code: EnvelopeErrorCode, message: string, readonly field?: string) {
    super(message);
  }
}

export interface Delegation {
  /** DER public key the delegation hands authority to. */
  pubkey: Uint8Array;
  /** Expiration in nanoseconds since the epoch. */
  expiration: bigint;
  /** Canister ids the delegation is restricted to; absent means all. */
  targets?: Principal[];
  /** The delegation map as received; its `hash_of_map` is what the signature covers. */
  raw: Map<CborValue, CborValue>;
}

export interface SignedDelegation {
  delegation: Delegation;
  signature: Uint8Array;
}

export interface SenderInfo {
  info: Uint8Array;
  signer: Uint8Array;
  sig: Uint8Array;
}

interface ContentCommon {
  sender: Principal;
  /** Nanoseconds since the epoch. */
  ingressExpiry: bigint;
  nonce?: Uint8Array;
  /** The content map as received (the request id is its `hash_of_map`). */
  raw: Map<CborValue, CborValue>;
}

export interface CallContent extends ContentCommon {
  requestType: 'call';
  canisterId: Principal;
  methodName: string;
  arg: Uint8Array;
  senderInfo?: SenderInfo;
}

export interface QueryContent extends ContentCommon {
  requestType: 'query';
  canisterId: Principal;
  methodName: string;
  arg: Uint8Array;
  senderInfo?: SenderInfo;
}

export interface ReadStateContent extends ContentCommon {
  requestType: 'read_state';
  /** Each path is a sequence of labels (blobs). */
  paths: Uint8Array[][];
}

export type RequestContent = CallContent | QueryContent | ReadStateContent;

export type ContentOf<T extends RequestType> = Extract<RequestContent, { requestType: T }>;

/** Authentication part: all three absent (anonymous), or at least `senderPubkey` and `senderSig`. */
export interface Envelope<C extends RequestContent = RequestContent> {
  content: C;
  /** `hash_of_map(content)`, 32 bytes. */
  requestId: Uint8Array;
  senderPubkey?: Uint8Array;
  senderSig?: Uint8Array;
  senderDelegation?: SignedDelegation[];
}

const REQUEST_TYPES: readonly RequestType[] = ['call', 'query', 'read_state'];
const MAX_PRINCIPAL_BYTES = 29;
const U64_MAX = (1n << 64n) - 1n;

/** Reads a CBOR map (decoded `Map` or plain object) as a `Map` with text keys. */
function asMap(value: CborValue, what: string, field?: string): Map<CborValue, CborValue> {
  if (value instanceof Map) {
    for (const key of value.keys()) {
      if (typeof key !== 'string') throw new EnvelopeError('invalid_type', `${what}: map keys must be text`, field);
    }
    return value;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof CborTag)) {
    return new Map(Object.entries(value).filter(([, v]) => v !== undefined));
  }
  throw new EnvelopeError('invalid_type', `${what}: expected a map, got ${describe(value)}`, field);
}

function describe(value: CborValue): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Uint8Array) return 'a byte string';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map) return 'a map';
  if (value instanceof CborTag) return `a value with tag ${value.tag}`;
  if (typeof value === 'string') return 'a text string';
  if (typeof value === 'number' || typeof value === 'bigint') return 'an integer';
  if (typeof value === 'boolean') return 'a boolean';
  return 'a map';
}

/** An optional field; CBOR `null` counts as absent (serde's encoding of `None`). */
function optional(map: Map<CborValue, CborValue>, key: string): CborValue | undefined {
  const v = map.get(key);
  return v === null ? undefined : v;
}

function required(map: Map<CborValue, CborValue>, key: string, where: string): CborValue {
  const v = optional(map, key);
  if (v === undefined) throw new EnvelopeError('missing_field', `${where}: missing field \`${key}\``, key);
  return v;
}

function blob(value: CborValue, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new EnvelopeError('invalid_type', `invalid type for \`${field}\`: expected a byte string, got ${describe(value)}`, field);
  }
  return value;
}

function text(value: CborValue, field: string): string {
  if (typeof value !== 'string') {
    throw new EnvelopeError('invalid_type', `invalid type for \`${field}\`: expected a text string, got ${describe(value)}`, field);
  }
  return value;
}

function nat64(value: CborValue, field: string): bigint {
  let v: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) v = BigInt(value);
  else if (typeof value === 'bigint') v = value;
  else throw new EnvelopeError('invalid_type', `invalid type for \`${field}\`: expected an unsigned integer, got ${describe(value)}`, field);
  if (v < 0n || v > U64_MAX) throw new EnvelopeError('invalid_field', `invalid value for \`${field}\`: ${v} is not a 64-bit natural number`, field);
  return v;
}

function principal(value: CborValue, field: string): Principal {
  const bytes = blob(value, field);
  if (bytes.length > MAX_PRINCIPAL_BYTES) {
    throw new EnvelopeError('invalid_field', `invalid principal in \`${field}\`: ${bytes.length} bytes is longer than ${MAX_PRINCIPAL_BYTES} bytes`, field);
  }
  return Principal.fromUint8Array(bytes);
}

function parseDelegation(value: CborValue, index: number): SignedDelegation {
  const where = `sender_delegation[${index}]`;
  const signed = asMap(value, where, 'sender_delegation');
  const d = asMap(required(signed, 'delegation', where), `${where}.delegation`, 'sender_delegation');
  const signature = blob(required(signed, 'signature', where), `${where}.signature`);
  const pubkey = blob(required(d, 'pubkey', `${where}.delegation`), `${where}.delegation.pubkey`);
  const expiration = nat64(required(d, 'expiration', `${where}.delegation`), `${where}.delegation.expiration`);
  const rawTargets = optional(d, 'targets');
  let targets: Principal[] | undefined;
  if (rawTargets !== undefined) {
    if (!Array.isArray(rawTargets)) {
      throw new EnvelopeError('invalid_type', `invalid type for \`${where}.delegation.targets\`: expected an array, got ${describe(rawTargets)}`, 'sender_delegation');
    }
    targets = rawTargets.map((t, i) => principal(t, `${where}.delegation.targets[${i}]`));
  }
  const delegation: Delegation = { pubkey, expiration, raw: d };
  if (targets) delegation.targets = targets;
  return { delegation, signature };
}

function parseSenderInfo(value: CborValue): SenderInfo {
  const m = asMap(value, 'sender_info', 'sender_info');
  return {
    info: blob(required(m, 'info', 'sender_info'), 'sender_info.info'),
    signer: blob(required(m, 'signer', 'sender_info'), 'sender_info.signer'),
    sig: blob(required(m, 'sig', 'sender_info'), 'sender_info.sig'),
  };
}

function parseContent(raw: Map<CborValue, CborValue>, expected: readonly RequestType[]): RequestContent {
  const type = text(required(raw, 'request_type', 'content'), 'request_type');
  if (!REQUEST_TYPES.includes(type as RequestType)) {
    throw new EnvelopeError('unexpected_request_type', `unknown variant \`${type}\`, expected ${expected.map((t) => `\`${t}\``).join(' or ')}`, 'request_type');
  }
  if (!expected.includes(type as RequestType)) {
    throw new EnvelopeError('unexpected_request_type', `unknown variant \`${type}\`, expected ${expected.map((t) => `\`${t}\``).join(' or ')}`, 'request_type');
  }
  const common: ContentCommon = {
    sender: principal(required(raw, 'sender', 'content'), 'sender'),
    ingressExpiry: nat64(required(raw, 'ingress_expiry', 'content'), 'ingress_expiry'),
    raw,
  };
  const nonce = optional(raw, 'nonce');
  if (nonce !== undefined) common.nonce = blob(nonce, 'nonce');

  if (type === 'read_state') {
    const rawPaths = required(raw, 'paths', 'content');
    if (!Array.isArray(rawPaths)) throw new EnvelopeError('invalid_type', `invalid type for \`paths\`: expected an array, got ${describe(rawPaths)}`, 'paths');
    const paths = rawPaths.map((p, i) => {
      if (!Array.isArray(p)) throw new EnvelopeError('invalid_type', `invalid type for \`paths[${i}]\`: expected an array, got ${describe(p)}`, 'paths');
      return p.map((label, j) => blob(label, `paths[${i}][${j}]`));
    });
    return { ...common, requestType: 'read_state', paths };
  }

  const canisterId = principal(required(raw, 'canister_id', 'content'), 'canister_id');
  const methodName = text(required(raw, 'method_name', 'content'), 'method_name');
  const arg = blob(required(raw, 'arg', 'content'), 'arg');
  const info = optional(raw, 'sender_info');
  const content: CallContent | QueryContent = { ...common, requestType: type as 'call' | 'query', canisterId, methodName, arg };
  if (info !== undefined) content.senderInfo = parseSenderInfo(info);
  return content;
}

/**
 * Parses a decoded envelope. `expected` lists the request types the endpoint accepts (all three
 * when omitted).
 */
export function parseEnvelope<T extends RequestType = RequestType>(value: CborValue, expected?: T | readonly T[]): Envelope<ContentOf<T>> {
  const accepted = (expected === undefined ? REQUEST_TYPES : Array.isArray(expected) ? expected : [expected]) as readonly RequestType[];
  const env = asMap(value, 'envelope');
  const rawContent = asMap(required(env, 'content', 'envelope'), 'content', 'content');
  const content = parseContent(rawContent, accepted);

  const pubkey = optional(env, 'sender_pubkey');
  const sig = optional(env, 'sender_sig');
  const delegations = optional(env, 'sender_delegation');
  const envelope: Envelope = { content, requestId: requestId(rawContent) };
  if (pubkey !== undefined) envelope.senderPubkey = blob(pubkey, 'sender_pubkey');
  if (sig !== undefined) envelope.senderSig = blob(sig, 'sender_sig');
  if (delegations !== undefined) {
    if (!Array.isArray(delegations)) {
      throw new EnvelopeError('invalid_type', `invalid type for \`sender_delegation\`: expected an array, got ${describe(delegations)}`, 'sender_delegation');
    }
    envelope.senderDelegation = delegations.map((d, i) => parseDelegation(d, i));
  }
  // As the replica does when it builds an HttpRequest: either anonymous (nothing) or signed
  // (pubkey and signature, optionally delegations).
  const signed = envelope.senderPubkey !== undefined && envelope.senderSig !== undefined;
  const anonymous = envelope.senderPubkey === undefined && envelope.senderSig === undefined && envelope.senderDelegation === undefined;
  if (!signed && !anonymous) {
    const has = (b: boolean) => (b ? 'Some' : 'None');
    throw new EnvelopeError(
      'missing_pubkey_or_signature',
      `Got ${has(envelope.senderPubkey !== undefined)} sender_pubkey, ${has(envelope.senderSig !== undefined)} sender_sig and ` +
        `${has(envelope.senderDelegation !== undefined)} sender_delegation: sender_pubkey and sender_sig must be both present or all three absent`,
      envelope.senderPubkey === undefined ? 'sender_pubkey' : 'sender_sig',
    );
  }
  return envelope as Envelope<ContentOf<T>>;
}

/** Decodes a CBOR request body (tagged or not) and parses the envelope. */
export function decodeEnvelope<T extends RequestType = RequestType>(body: Uint8Array, expected?: T | readonly T[]): Envelope<ContentOf<T>> {
  let value: CborValue;
  try {
    value = decodeCbor(body);
  } catch (e) {
    const message = e instanceof CborDecodeError ? e.message : String(e);
    throw new EnvelopeError('invalid_cbor', `invalid CBOR: ${message}`);
  }
  return parseEnvelope(value, expected);
}

/** The replica's wording for an undecodable body at each endpoint, for 400 responses. */
export function envelopeErrorMessage(requestType: RequestType, error: EnvelopeError): string {
  // The replica says "read request" for both query and read_state bodies.
  const what = requestType === 'call' ? 'call message' : 'read request';
  return `Could not parse body as ${what}: ${error.message}`;
}
