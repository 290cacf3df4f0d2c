import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Cbor, Expiry, type SignIdentity } from '@icp-sdk/core/agent';
import { DelegationChain, DelegationIdentity, ECDSAKeyIdentity, Ed25519KeyIdentity } from '@icp-sdk/core/identity';
import { Secp256k1KeyIdentity } from '@icp-sdk/core/identity/secp256k1';
import { Principal } from '@icp-sdk/core/principal';
import { Principal as DfinityPrincipal } from '@dfinity/principal';
import { p256 } from '@noble/curves/nist';
import { secp256k1 } from '@noble/curves/secp256k1';

import { encodeTaggedCbor, type CborValue } from '../../certification/cbor.js';
import { makeCertificate } from '../../certification/certificate.js';
import { labeledTree, leb128, node, reconstruct, treeToCbor } from '../../certification/hash-tree.js';
import { SubnetKey } from '../../certification/keys.js';
import {
  IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR,
  IC_REQUEST_DOMAIN_SEPARATOR,
  IC_SENDER_INFO_DOMAIN_SEPARATOR,
  RequestValidationError,
  formatIcTime,
  parsePublicKey,
  selfAuthenticating,
  validateEnvelope,
  type ValidationOptions,
  type ValidationResult,
} from './authentication.js';
import { decodeEnvelope, type Envelope } from './envelope.js';
import { hashOfMap, requestId } from './request-id.js';
import { encodeCanisterRanges, witness } from './state-tree.js';

/** An agent `Expiry` holding exactly `ns` (its constructor is private). */
const expiryOf = (ns: bigint) => Expiry.fromJSON(JSON.stringify({ __expiry__: ns.toString() }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);
const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const SECOND = 1_000_000_000n;
const MINUTE = 60n * SECOND;
/** The replica's clock in these tests (2027-01-15). */
const NOW = 1_800_000_000n * SECOND;
const nowMs = Number(NOW / 1_000_000n);
const CANISTER = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
const OTHER_CANISTER = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
const options: ValidationOptions = { currentTimeNs: NOW };

type Kind = 'call' | 'query' | 'read_state';

function content(sender: Principal, kind: Kind = 'call', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const common = { sender, ingress_expiry: expiryOf(NOW + 4n * MINUTE) };
  const base = kind === 'read_state'
    ? { request_type: 'read_state', paths: [[utf8('time')]], ...common }
    : { request_type: kind, canister_id: CANISTER, method_name: 'greet', arg: utf8('DIDL\x00\x00'), ...common, ...(kind === 'call' ? { nonce: Uint8Array.of(1, 2, 3) } : {}) };
  return { ...base, ...overrides };
}

/** What an identity puts on the wire, decoded as the emulator decodes it. */
async function envelopeFrom(identity: SignIdentity | DelegationIdentity, body: Record<string, unknown>, edit?: (wire: Record<string, unknown>) => void): Promise<Envelope> {
  const transformed = await identity.transformRequest({ request: {}, endpoint: 'call', body } as never) as { body: Record<string, unknown> };
  edit?.(transformed.body);
  return decodeEnvelope(Cbor.encode(transformed.body));
}

function expectError(result: ValidationResult, code: RequestValidationError['code'], message?: RegExp): RequestValidationError {
  if (result.ok) throw new Error(`expected ${code}, but the request was accepted`);
  expect(result.error).toBeInstanceOf(RequestValidationError);
  expect(result.error.code, result.error.message).toBe(code);
  expect(result.error.httpStatus).toBe(400);
  if (message) expect(result.error.message).toMatch(message);
  return result.error;
}

function expectOk(result: ValidationResult) {
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.value;
}

const ed = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(11));
const k1 = Secp256k1KeyIdentity.generate(new Uint8Array(32).fill(12));

describe('plain signatures', () => {
  it('accepts anonymous requests without a signature', async () => {
    const env = decodeEnvelope(Cbor.encode({ content: content(Principal.anonymous()) }));
    const value = expectOk(validateEnvelope(env, options));
    expect(value.sender.toText()).toBe('2vxsx-fae');
    expect(value.targets).toEqual({ kind: 'all' });
    expect(value.signingKey).toBeUndefined();
  });

  it('accepts Ed25519, secp256k1 and P-256 signatures on calls, queries and read_state', async () => {
    const p = await ECDSAKeyIdentity.generate();
    for (const identity of [ed, k1, p]) {
      for (const kind of ['call', 'query', 'read_state'] as const) {
        const env = await envelopeFrom(identity, content(identity.getPrincipal(), kind));
        const value = expectOk(validateEnvelope(env, options));
        expect(value.sender.toText()).toBe(identity.getPrincipal().toText());
        expect(hex(value.signingKey!)).toBe(hex(identity.getPublicKey().toDer()));
      }
    }
    expect(parsePublicKey(ed.getPublicKey().toDer()).scheme).toBe('ed25519');
    expect(parsePublicKey(k1.getPublicKey().toDer()).scheme).toBe('ecdsa_secp256k1');
    expect(parsePublicKey(p.getPublicKey().toDer()).scheme).toBe('ecdsa_p256');
  });

  it('refuses a tampered signature', async () => {
    for (const identity of [ed, k1, await ECDSAKeyIdentity.generate()]) {
      const env = await envelopeFrom(identity, content(identity.getPrincipal()), (wire) => {
        const sig = Uint8Array.from(wire.sender_sig as Uint8Array);
        sig[5]! ^= 0x01;
        wire.sender_sig = sig;
      });
      const error = expectError(validateEnvelope(env, options), 'InvalidSignature', /^Invalid signature: Invalid basic signature: /);
      expect(error.failure?.kind).toBe('InvalidBasicSignature');
    }
  });

  it('requires low-s ECDSA signatures on secp256k1 only, as the replica does', async () => {
    const highS = (sig: Uint8Array, order: bigint) => {
      const s = BigInt('0x' + hex(sig.subarray(32)));
      return concat(sig.subarray(0, 32), Uint8Array.from(Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex')));
    };
    const k1Env = await envelopeFrom(k1, content(k1.getPrincipal()), (wire) => {
      wire.sender_sig = highS(wire.sender_sig as Uint8Array, secp256k1.Point.Fn.ORDER);
    });
    expectError(validateEnvelope(k1Env, options), 'InvalidSignature');
    const p = await ECDSAKeyIdentity.generate();
    const pEnv = await envelopeFrom(p, content(p.getPrincipal()), (wire) => {
      wire.sender_sig = highS(wire.sender_sig as Uint8Array, p256.Point.Fn.ORDER);
    });
    expectOk(validateEnvelope(pEnv, options));
  });

  it('refuses content changed after signing', async () => {
    const env = await envelopeFrom(ed, content(ed.getPrincipal()), (wire) => {
      wire.content = { ...(wire.content as object), arg: utf8('DIDL\x00\x01\x7c\x01') };
    });
    expectError(validateEnvelope(env, options), 'InvalidSignature');
  });

  it('refuses a sender that is not the public key\'s principal', async () => {
    const env = await envelopeFrom(ed, content(k1.getPrincipal()));
    expectError(validateEnvelope(env, options), 'UserIdDoesNotMatchPublicKey',
      new RegExp(`^The user id '${k1.getPrincipal().toText()}' does not match the public key '${hex(ed.getPublicKey().toDer())}'$`));
  });

  it('refuses unsigned requests from a non-anonymous sender', async () => {
    for (const kind of ['call', 'query', 'read_state'] as const) {
      const env = decodeEnvelope(Cbor.encode({ content: content(ed.getPrincipal(), kind) }));
      expectError(validateEnvelope(env, options), 'MissingSignature', new RegExp(`^Missing signature from user: ${ed.getPrincipal().toText()}$`));
    }
  });

  it('refuses signatures on anonymous requests', async () => {
    const env = await envelopeFrom(ed, content(Principal.anonymous()));
    expectError(validateEnvelope(env, options), 'AnonymousSignatureNotAllowed', /^Signature is not allowed for the anonymous user\.$/);
  });

  it('refuses nonces longer than 32 bytes', async () => {
    const env = await envelopeFrom(ed, content(ed.getPrincipal(), 'call', { nonce: new Uint8Array(33) }));
    expectError(validateEnvelope(env, options), 'NonceTooBig', /got 33 bytes, but at most 32/);
    expectOk(validateEnvelope(await envelopeFrom(ed, content(ed.getPrincipal(), 'call', { nonce: new Uint8Array(32) })), options));
  });

  it('limits read_state paths', async () => {
    const many = Array.from({ length: 1001 }, () => [utf8('time')]);
    expectError(validateEnvelope(await envelopeFrom(ed, content(ed.getPrincipal(), 'read_state', { paths: many })), options), 'TooManyPaths');
    const deep = [Array.from({ length: 128 }, () => utf8('x'))];
    expectError(validateEnvelope(await envelopeFrom(ed, content(ed.getPrincipal(), 'read_state', { paths: deep })), options), 'PathTooLong');
  });
});

describe('ingress expiry', () => {
  const withExpiry = (expiry: bigint, kind: Kind = 'call', identity: SignIdentity = ed) =>
    envelopeFrom(identity, content(identity.getPrincipal(), kind, { ingress_expiry: expiryOf(expiry) }));

  it('accepts expiries from now up to 5 minutes and 30 seconds ahead', async () => {
    expectOk(validateEnvelope(await withExpiry(NOW), options));
    expectOk(validateEnvelope(await withExpiry(NOW + 5n * MINUTE + 30n * SECOND), options));
  });

  it('refuses expired requests with the replica\'s message', async () => {
    const error = expectError(validateEnvelope(await withExpiry(NOW - 1n), options), 'InvalidRequestExpiry');
    // @dfinity/agent and @icp-sdk/core recognise this prefix and resynchronise their clock.
    expect(error.message.startsWith('Invalid request expiry: Specified ingress_expiry not within expected range: ')).toBe(true);
    expect(error.message).toBe(
      'Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: 2027-01-15 08:00:00 UTC, ' +
        'Maximum allowed expiry: 2027-01-15 08:05:30 UTC, Provided expiry:        2027-01-15 07:59:59.999999999 UTC');
  });

  it('refuses expiries too far in the future', async () => {
    expectError(validateEnvelope(await withExpiry(NOW + 5n * MINUTE + 30n * SECOND + 1n), options), 'InvalidRequestExpiry');
    expectError(validateEnvelope(await withExpiry(NOW + 10n * MINUTE, 'query'), options), 'InvalidRequestExpiry');
    expectError(validateEnvelope(await withExpiry(NOW + 10n * MINUTE, 'read_state'), options), 'InvalidRequestExpiry');
  });

  it('does not check anonymous queries and read_state, as the replica, unless asked to', async () => {
    for (const kind of ['query', 'read_state'] as const) {
      const env = decodeEnvelope(Cbor.encode({ content: content(Principal.anonymous(), kind, { ingress_expiry: expiryOf(NOW - MINUTE) }) }));
      expectOk(validateEnvelope(env, options));
      expectError(validateEnvelope(env, { ...options, checkIngressExpiry: true }), 'InvalidRequestExpiry');
    }
    const call = decodeEnvelope(Cbor.encode({ content: content(Principal.anonymous(), 'call', { ingress_expiry: expiryOf(NOW - MINUTE) }) }));
    expectError(validateEnvelope(call, options), 'InvalidRequestExpiry');
  });

  it('formats times as the replica does', () => {
    expect(formatIcTime(1_746_143_718_005_285_297n)).toBe('2025-05-01 23:55:18.005285297 UTC');
    expect(formatIcTime(1_746_102_680_000_000_000n)).toBe('2025-05-01 12:31:20 UTC');
    expect(formatIcTime(1_746_102_680_500_000_000n)).toBe('2025-05-01 12:31:20.500 UTC');
    expect(formatIcTime(1_746_102_680_000_001_000n)).toBe('2025-05-01 12:31:20.000001 UTC');
  });
});

describe('delegations', () => {
  const session = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(21));
  const later = new Date(nowMs + 60 * 60 * 1000);

  it('accepts a valid chain from an Ed25519 key to a secp256k1 session key', async () => {
    const sessionK1 = Secp256k1KeyIdentity.generate(new Uint8Array(32).fill(22));
    const chain = await DelegationChain.create(ed, sessionK1.getPublicKey(), later);
    const identity = DelegationIdentity.fromDelegation(sessionK1, chain);
    expect(identity.getPrincipal().toText()).toBe(ed.getPrincipal().toText());
    for (const kind of ['call', 'query', 'read_state'] as const) {
      const value = expectOk(validateEnvelope(await envelopeFrom(identity, content(identity.getPrincipal(), kind)), options));
      expect(hex(value.signingKey!)).toBe(hex(sessionK1.getPublicKey().toDer()));
    }
  });

  it('refuses an expired delegation', async () => {
    const chain = await DelegationChain.create(ed, session.getPublicKey(), new Date(nowMs - 1000));
    const identity = DelegationIdentity.fromDelegation(session, chain);
    const error = expectError(validateEnvelope(await envelopeFrom(identity, content(identity.getPrincipal())), options), 'InvalidDelegationExpiry',
      /^Invalid delegation expiry: Specified sender delegation has expired:\nProvided expiry: {4}2027-01-15 07:59:59 UTC\nLocal replica time: 2027-01-15 08:00:00 UTC$/);
    expect(error.delegationIndex).toBe(0);
  });

  it('restricts calls and queries to the delegation targets', async () => {
    const elsewhere = DelegationIdentity.fromDelegation(session, await DelegationChain.create(ed, session.getPublicKey(), later, { targets: [OTHER_CANISTER] }));
    for (const kind of ['call', 'query'] as const) {
      expectError(validateEnvelope(await envelopeFrom(elsewhere, content(elsewhere.getPrincipal(), kind)), options), 'CanisterNotInDelegationTargets',
        new RegExp(`^Canister '${CANISTER.toText()}' is not one of the delegation targets\\.$`));
    }
    // read_state has no target canister: the targets come back for the caller to check.
    const rs = expectOk(validateEnvelope(await envelopeFrom(elsewhere, content(elsewhere.getPrincipal(), 'read_state')), options));
    expect(rs.targets.kind === 'some' && rs.targets.ids.map((p) => p.toText())).toEqual([OTHER_CANISTER.toText()]);

    const here = DelegationIdentity.fromDelegation(session, await DelegationChain.create(ed, session.getPublicKey(), later, { targets: [OTHER_CANISTER, CANISTER] }));
    expectOk(validateEnvelope(await envelopeFrom(here, content(here.getPrincipal())), options));
  });

  it('intersects the targets of every delegation in a chain', async () => {
    const mid = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(23));
    const first = await DelegationChain.create(ed, mid.getPublicKey(), later, { targets: [CANISTER, OTHER_CANISTER] });
    const second = await DelegationChain.create(mid, session.getPublicKey(), later, { previous: first, targets: [OTHER_CANISTER] });
    const identity = DelegationIdentity.fromDelegation(session, second);
    expectError(validateEnvelope(await envelopeFrom(identity, content(identity.getPrincipal())), options), 'CanisterNotInDelegationTargets');
    const third = await DelegationChain.create(mid, session.getPublicKey(), later, { previous: first });
    const ok = DelegationIdentity.fromDelegation(session, third);
    const value = expectOk(validateEnvelope(await envelopeFrom(ok, content(ok.getPrincipal())), options));
    expect(value.targets.kind === 'some' && value.targets.ids.length).toBe(2);
  });

  it('refuses a delegation signed by the wrong key, naming its index', async () => {
    const mid = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(24));
    const first = await DelegationChain.create(ed, mid.getPublicKey(), later);
    // The second delegation is signed by `session` instead of `mid`.
    const bad = await DelegationChain.create(session, session.getPublicKey(), later);
    const chain = DelegationChain.fromDelegations([...first.delegations, ...bad.delegations], first.publicKey);
    const identity = DelegationIdentity.fromDelegation(session, chain);
    const error = expectError(validateEnvelope(await envelopeFrom(identity, content(identity.getPrincipal())), options), 'InvalidDelegation', /^Invalid delegation: Invalid basic signature: /);
    expect(error.delegationIndex).toBe(1);
  });

  it('refuses a delegation whose content was changed after signing', async () => {
    const chain = await DelegationChain.create(ed, session.getPublicKey(), later);
    const identity = DelegationIdentity.fromDelegation(session, chain);
    const env = await envelopeFrom(identity, content(identity.getPrincipal()), (wire) => {
      const [d] = wire.sender_delegation as { delegation: { toCborValue(): Record<string, unknown> }; signature: Uint8Array }[];
      wire.sender_delegation = [{ delegation: { ...d!.delegation.toCborValue(), expiration: BigInt(later.getTime() + 1) * 1_000_000n }, signature: d!.signature }];
    });
    expectError(validateEnvelope(env, options), 'InvalidDelegation');
  });

  it('refuses a request signed by a key other than the last delegation\'s', async () => {
    const chain = await DelegationChain.create(ed, session.getPublicKey(), later);
    const identity = DelegationIdentity.fromDelegation(k1, chain); // k1 signs, session was delegated to
    expectError(validateEnvelope(await envelopeFrom(identity, content(identity.getPrincipal())), options), 'InvalidSignature');
  });

  it('refuses chains longer than 20 delegations and chains with cycles', async () => {
    const keys = Array.from({ length: 22 }, (_, i) => Ed25519KeyIdentity.generate(new Uint8Array(32).fill(100 + i)));
    let chain = await DelegationChain.create(keys[0]!, keys[1]!.getPublicKey(), later);
    for (let i = 1; i < 20; i++) chain = await DelegationChain.create(keys[i]!, keys[i + 1]!.getPublicKey(), later, { previous: chain });
    const twenty = DelegationIdentity.fromDelegation(keys[20]!, chain);
    expectOk(validateEnvelope(await envelopeFrom(twenty, content(twenty.getPrincipal())), options));
    chain = await DelegationChain.create(keys[20]!, keys[21]!.getPublicKey(), later, { previous: chain });
    const twentyOne = DelegationIdentity.fromDelegation(keys[21]!, chain);
    const error = expectError(validateEnvelope(await envelopeFrom(twentyOne, content(twentyOne.getPrincipal())), options), 'InvalidDelegation',
      /Chain of delegations is too long: got 21 delegations, but at most 20 are allowed\./);
    expect(error.failure?.kind).toBe('DelegationTooLong');

    const toMid = await DelegationChain.create(ed, session.getPublicKey(), later);
    const back = await DelegationChain.create(session, ed.getPublicKey(), later, { previous: toMid });
    const cyclic = DelegationIdentity.fromDelegation(ed, back);
    expectError(validateEnvelope(await envelopeFrom(cyclic, content(cyclic.getPrincipal())), options), 'InvalidDelegation', /contains at least one cycle/);
  });
});

describe('WebAuthn signatures', () => {
  const secret = p256.utils.randomSecretKey();
  const point = p256.getPublicKey(secret, false);
  const cose = encodeTaggedCbor(new Map<CborValue, CborValue>([[1, 2], [3, -7], [-1, 1], [-2, point.slice(1, 33)], [-3, point.slice(33)]]));
  const coseBytes = cose.subarray(3); // COSE keys are untagged CBOR
  const derCose = wrapDer('060a2b0601040183b8430101', coseBytes);

  function webauthnSignature(payload: Uint8Array, challenge = payload): Uint8Array {
    const authenticatorData = Uint8Array.from({ length: 37 }, (_, i) => i);
    const clientDataJson = JSON.stringify({ type: 'webauthn.get', challenge: Buffer.from(challenge).toString('base64url'), origin: 'https://identity.ic0.app' });
    const signed = concat(authenticatorData, sha256(utf8(clientDataJson)));
    const sig = p256.sign(sha256(signed), secret, { prehash: false }).toBytes('der');
    return encodeTaggedCbor({ authenticator_data: authenticatorData, client_data_json: clientDataJson, signature: sig });
  }

  function envelope(sign: (payload: Uint8Array) => Uint8Array): Envelope {
    const sender = Principal.fromUint8Array(selfAuthenticating(derCose));
    const c = { request_type: 'call', canister_id: CANISTER.toUint8Array(), method_name: 'm', arg: new Uint8Array(), sender: sender.toUint8Array(), ingress_expiry: NOW + MINUTE };
    const id = requestId(c);
    return decodeEnvelope(encodeTaggedCbor({ content: c, sender_pubkey: derCose, sender_sig: sign(concat(IC_REQUEST_DOMAIN_SEPARATOR, id)) }));
  }

  it('accepts ECDSA P-256 WebAuthn assertions over the request', () => {
    expect(parsePublicKey(derCose).scheme).toBe('webauthn_ecdsa_p256');
    expectOk(validateEnvelope(envelope((payload) => webauthnSignature(payload)), options));
  });

  it('refuses assertions whose challenge is another payload', () => {
    const error = expectError(validateEnvelope(envelope((payload) => webauthnSignature(payload, sha256(payload))), options), 'InvalidSignature', /WebAuthn error: the challenge/);
    expect(error.failure?.kind).toBe('WebAuthnError');
  });
});

describe('canister signatures', () => {
  const rootKey = new SubnetKey(utf8('auth test root'));
  const signer = Principal.fromText('rdmx6-jaaaa-aaaaa-aaadq-cai');
  const seed = utf8('user 10000');
  const canisterSigDer = wrapDer('060a2b0601040183b8430102', concat(Uint8Array.of(signer.toUint8Array().length), signer.toUint8Array(), seed));
  const sender = Principal.fromUint8Array(selfAuthenticating(canisterSigDer));
  const session = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(31));
  const delegation = { pubkey: session.getPublicKey().toDer(), expiration: NOW + 30n * MINUTE };
  const delegationPayload = concat(IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR, hashOfMap(delegation));

  /** A canister signature over each payload: the signer's certified data is the root of a `sig` tree. */
  function canisterSignatures(payloads: Uint8Array[], certify: (certifiedData: Uint8Array) => Uint8Array): Uint8Array[] {
    const sigTree = labeledTree(node([['sig', node([[sha256(seed), node(payloads.map((p): [Uint8Array, Uint8Array] => [sha256(p), new Uint8Array()]))]])]]));
    const certificate = certify(reconstruct(sigTree));
    return payloads.map((p) => encodeTaggedCbor({ certificate, tree: treeToCbor(witness(sigTree, [['sig', sha256(seed), sha256(p)]])) }));
  }

  const rootCertify = (key: SubnetKey) => (certifiedData: Uint8Array) => makeCertificate(labeledTree(node([
    ['canister', node([[signer.toUint8Array(), node([['certified_data', certifiedData]])]])],
    ['time', leb128(NOW)],
  ])), key);

  async function iiEnvelope(signature: Uint8Array, extra: Record<string, unknown> = {}): Promise<Envelope> {
    const c = { ...content(Principal.fromUint8Array(sender.toUint8Array())), ...extra };
    const id = requestId(Cbor.decode(Cbor.encode(c)));
    const senderSig = await session.sign(concat(IC_REQUEST_DOMAIN_SEPARATOR, id));
    return decodeEnvelope(Cbor.encode({ content: c, sender_pubkey: canisterSigDer, sender_sig: senderSig, sender_delegation: [{ delegation, signature }] }));
  }

  it('accepts an Internet-Identity-style chain: canister signature, then a session key', async () => {
    expect(parsePublicKey(canisterSigDer)).toMatchObject({ scheme: 'canister_signature', seed });
    const [signature] = canisterSignatures([delegationPayload], rootCertify(rootKey));
    const value = expectOk(validateEnvelope(await iiEnvelope(signature!), { ...options, rootKey: rootKey.der }));
    expect(value.sender.toText()).toBe(sender.toText());
  });

  it('refuses it without the root key, or under another root key', async () => {
    const [signature] = canisterSignatures([delegationPayload], rootCertify(rootKey));
    const env = await iiEnvelope(signature!);
    const error = expectError(validateEnvelope(env, options), 'InvalidDelegation', /Invalid canister signature: no root key/);
    expect(error.failure?.kind).toBe('InvalidCanisterSignature');
    expectError(validateEnvelope(env, { ...options, rootKey: new SubnetKey(utf8('another root')).der }), 'InvalidDelegation', /certificate signature does not verify/);
  });

  it('refuses a signature tree that does not contain the payload', async () => {
    const [signature] = canisterSignatures([utf8('something else')], rootCertify(rootKey));
    expectError(validateEnvelope(await iiEnvelope(signature!), { ...options, rootKey: rootKey.der }), 'InvalidDelegation', /does not contain the signed payload/);
  });

  it('follows a subnet delegation and checks the signer is in its canister ranges', async () => {
    const subnetKey = new SubnetKey(utf8('auth test app subnet'));
    const subnetId = Principal.fromUint8Array(selfAuthenticating(subnetKey.der));
    const delegated = (ranges: [Principal, Principal][]) => (certifiedData: Uint8Array) => {
      const asDfinity = ranges.map(([a, b]): [DfinityPrincipal, DfinityPrincipal] => [DfinityPrincipal.fromText(a.toText()), DfinityPrincipal.fromText(b.toText())]);
      const rootCertificate = makeCertificate(labeledTree(node([
        ['subnet', node([[subnetId.toUint8Array(), node([['public_key', subnetKey.der], ['canister_ranges', encodeCanisterRanges(asDfinity)]])]])],
        ['time', leb128(NOW)],
      ])), rootKey);
      return makeCertificate(labeledTree(node([
        ['canister', node([[signer.toUint8Array(), node([['certified_data', certifiedData]])]])],
        ['time', leb128(NOW)],
      ])), subnetKey, { subnetId: subnetId.toUint8Array(), certificate: rootCertificate });
    };
    const [good] = canisterSignatures([delegationPayload], delegated([[signer, signer]]));
    expectOk(validateEnvelope(await iiEnvelope(good!), { ...options, rootKey: rootKey.der }));
    const [outside] = canisterSignatures([delegationPayload], delegated([[CANISTER, CANISTER]]));
    expectError(validateEnvelope(await iiEnvelope(outside!), { ...options, rootKey: rootKey.der }), 'InvalidDelegation', /not in the canister ranges/);
  });

  it('verifies sender_info signed by the signing canister', async () => {
    const info = utf8('attributes');
    const [delegationSig, infoSig] = canisterSignatures([delegationPayload, concat(IC_SENDER_INFO_DOMAIN_SEPARATOR, info)], rootCertify(rootKey));
    const withInfo = { sender_info: { info, signer: signer.toUint8Array(), sig: infoSig! } };
    expectOk(validateEnvelope(await iiEnvelope(delegationSig!, withInfo), { ...options, rootKey: rootKey.der }));
    const forged = { sender_info: { info: utf8('other attributes'), signer: signer.toUint8Array(), sig: infoSig! } };
    expectError(validateEnvelope(await iiEnvelope(delegationSig!, forged), { ...options, rootKey: rootKey.der }), 'InvalidSenderInfo');
    // sender_info needs a canister-signature sender.
    const env = await envelopeFrom(ed, content(ed.getPrincipal(), 'call', withInfo));
    expectError(validateEnvelope(env, { ...options, rootKey: rootKey.der }), 'InvalidSenderInfo');
  });
});

describe('public keys', () => {
  it('refuses keys the IC does not accept', () => {
    expect(() => parsePublicKey(new Uint8Array([1, 2, 3]))).toThrow(/DER/);
    const compressed = wrapDer('06072a8648ce3d020106052b8104000a', Uint8Array.from([0x02, ...new Uint8Array(32).fill(1)]));
    expect(() => parsePublicKey(compressed)).toThrow(/uncompressed/);
    const p384 = wrapDer('06072a8648ce3d020106052b81040022', new Uint8Array(97).fill(4));
    expect(() => parsePublicKey(p384)).toThrow(/unsupported ECDSA curve 1\.3\.132\.0\.34/);
  });

  it('reports an unparseable sender key as an invalid public key', async () => {
    const bogus = wrapDer('06032b6570', new Uint8Array(31));
    const sender = Principal.fromUint8Array(selfAuthenticating(bogus));
    const env = decodeEnvelope(encodeTaggedCbor({ content: { ...content(sender), sender: sender.toUint8Array(), canister_id: CANISTER.toUint8Array(), ingress_expiry: NOW + MINUTE }, sender_pubkey: bogus, sender_sig: new Uint8Array(64) }));
    const error = expectError(validateEnvelope(env, options), 'InvalidSignature', /Invalid public key: an Ed25519 public key has 32 bytes/);
    expect(error.failure?.kind).toBe('InvalidPublicKey');
  });
});

/** SEQUENCE { SEQUENCE { <algorithm hex> }, BIT STRING { 0x00, key } }. */
function wrapDer(algorithmHex: string, key: Uint8Array): Uint8Array {
  const tlv = (tag: number, body: Uint8Array) => {
    const len = body.length < 0x80 ? [body.length] : body.length < 0x100 ? [0x81, body.length] : [0x82, body.length >> 8, body.length & 0xff];
    return Uint8Array.from([tag, ...len, ...body]);
  };
  const alg = tlv(0x30, Uint8Array.from(Buffer.from(algorithmHex, 'hex')));
  return tlv(0x30, concat(alg, tlv(0x03, concat(Uint8Array.of(0), key))));
}
