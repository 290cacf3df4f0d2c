import { describe, expect, it } from 'vitest';
import { AnonymousIdentity as DfinityAnonymous, Cbor as DfinityCbor, Expiry as DfinityExpiry, requestIdOf as dfinityRequestIdOf } from '@dfinity/agent';
import { Principal as DfinityPrincipal } from '@dfinity/principal';
import { Cbor, Expiry, requestIdOf } from '@icp-sdk/core/agent';
import { DelegationChain, DelegationIdentity, Ed25519KeyIdentity } from '@icp-sdk/core/identity';
import { Principal } from '@icp-sdk/core/principal';

import { CborTag, encodeTaggedCbor } from '../../certification/cbor.js';
import { EnvelopeError, decodeEnvelope, envelopeErrorMessage, parseEnvelope } from './envelope.js';

/** An agent `Expiry` holding exactly `ns` (its constructor is private). */
const expiryOf = (ns: bigint) => Expiry.fromJSON(JSON.stringify({ __expiry__: ns.toString() }));
const dfinityExpiryOf = (ns: bigint) => DfinityExpiry.fromJSON(JSON.stringify({ __expiry__: ns.toString() }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);
const CANISTER = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
const EXPIRY = 1_700_000_000_000_000_000n;

function callContent(sender: Principal, requestType: 'call' | 'query' = 'call') {
  return {
    request_type: requestType,
    canister_id: Principal.fromText(CANISTER),
    method_name: 'greet',
    arg: Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00]),
    sender,
    ingress_expiry: expiryOf(EXPIRY),
    ...(requestType === 'call' ? { nonce: Uint8Array.from([1, 2, 3, 4]) } : {}),
  };
}

function expectEnvelopeError(f: () => unknown, code: EnvelopeError['code'], message?: RegExp): EnvelopeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EnvelopeError);
    const err = e as EnvelopeError;
    expect(err.code).toBe(code);
    if (message) expect(err.message).toMatch(message);
    return err;
  }
  throw new Error('expected an EnvelopeError');
}

describe('decodeEnvelope', () => {
  it('decodes an anonymous call as @dfinity/agent sends it', async () => {
    const content = {
      request_type: 'call',
      canister_id: DfinityPrincipal.fromText(CANISTER),
      method_name: 'greet',
      arg: Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00]),
      sender: DfinityPrincipal.anonymous(),
      ingress_expiry: dfinityExpiryOf(EXPIRY),
      nonce: Uint8Array.from([9, 9, 9]),
    };
    const { body } = await new DfinityAnonymous().transformRequest({ request: {}, endpoint: 'call', body: content } as never) as { body: unknown };
    const env = decodeEnvelope(DfinityCbor.encode(body), 'call');
    expect(env.content.requestType).toBe('call');
    if (env.content.requestType !== 'call') throw new Error('unreachable');
    expect(env.content.canisterId.toText()).toBe(CANISTER);
    expect(env.content.methodName).toBe('greet');
    expect(hex(env.content.arg)).toBe('4449444c0000');
    expect(env.content.sender.toText()).toBe('2vxsx-fae');
    expect(env.content.ingressExpiry).toBe(EXPIRY);
    expect(hex(env.content.nonce!)).toBe('090909');
    expect(env.senderPubkey).toBeUndefined();
    expect(env.senderSig).toBeUndefined();
    expect(hex(env.requestId)).toBe(hex(dfinityRequestIdOf(content)));
  });

  it('decodes a signed query from an Ed25519 identity', async () => {
    const identity = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(7));
    const content = callContent(identity.getPrincipal(), 'query');
    const { body } = await identity.transformRequest({ request: {}, endpoint: 'read', body: content } as never) as { body: unknown };
    const env = decodeEnvelope(Cbor.encode(body), ['query']);
    expect(env.content.requestType).toBe('query');
    expect(env.content.sender.toText()).toBe(identity.getPrincipal().toText());
    expect(env.content.nonce).toBeUndefined();
    expect(hex(env.senderPubkey!)).toBe(hex(identity.getPublicKey().toDer()));
    expect(env.senderSig).toHaveLength(64);
    expect(hex(env.requestId)).toBe(hex(requestIdOf(content)));
  });

  it('decodes read_state paths', async () => {
    const requestIdBytes = new Uint8Array(32).fill(0xab);
    const content = {
      request_type: 'read_state',
      paths: [[utf8('request_status'), requestIdBytes], [utf8('time')], []],
      sender: Principal.anonymous(),
      ingress_expiry: expiryOf(EXPIRY),
    };
    const env = decodeEnvelope(Cbor.encode({ content }), 'read_state');
    if (env.content.requestType !== 'read_state') throw new Error('unreachable');
    expect(env.content.paths.map((p) => p.map(hex))).toEqual([[hex(utf8('request_status')), hex(requestIdBytes)], [hex(utf8('time'))], []]);
    expect(hex(env.requestId)).toBe(hex(requestIdOf(content)));
  });

  it('decodes delegation chains with targets', async () => {
    const root = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(1));
    const session = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(2));
    const expiration = new Date(Date.UTC(2030, 0, 1));
    const chain = await DelegationChain.create(root, session.getPublicKey(), expiration, { targets: [Principal.fromText(CANISTER)] });
    const identity = DelegationIdentity.fromDelegation(session, chain);
    const { body } = await identity.transformRequest({ request: {}, endpoint: 'call', body: callContent(identity.getPrincipal()) } as never) as { body: unknown };
    const env = decodeEnvelope(Cbor.encode(body), 'call');
    expect(hex(env.senderPubkey!)).toBe(hex(root.getPublicKey().toDer()));
    expect(env.senderDelegation).toHaveLength(1);
    const d = env.senderDelegation![0]!;
    expect(hex(d.delegation.pubkey)).toBe(hex(session.getPublicKey().toDer()));
    expect(d.delegation.expiration).toBe(BigInt(expiration.getTime()) * 1_000_000n);
    expect(d.delegation.targets!.map((t) => t.toText())).toEqual([CANISTER]);
    expect(d.signature).toHaveLength(64);
  });

  it('reads `targets: null` as absent, as the replica serialises it', () => {
    const body = encodeTaggedCbor({
      content: { request_type: 'query', sender: Uint8Array.of(0x04), ingress_expiry: 1, canister_id: new Uint8Array(), method_name: 'm', arg: new Uint8Array() },
      sender_pubkey: Uint8Array.of(1),
      sender_sig: Uint8Array.of(2),
      sender_delegation: [{ delegation: { pubkey: Uint8Array.of(3), expiration: 0, targets: null }, signature: Uint8Array.of(4) }],
    });
    const env = decodeEnvelope(body, 'query');
    expect(env.senderDelegation![0]!.delegation.targets).toBeUndefined();
  });
});

describe('malformed envelopes', () => {
  const content = { request_type: 'call', sender: Uint8Array.of(0x04), ingress_expiry: 10, canister_id: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1, 1, 1), method_name: 'm', arg: new Uint8Array() };

  it('refuses bodies that are not CBOR', () => {
    expectEnvelopeError(() => decodeEnvelope(Uint8Array.of(0xff, 0x00)), 'invalid_cbor');
    expectEnvelopeError(() => decodeEnvelope(new Uint8Array()), 'invalid_cbor');
  });

  it('refuses envelopes that are not maps or lack content', () => {
    expectEnvelopeError(() => decodeEnvelope(encodeTaggedCbor([1, 2])), 'invalid_type', /expected a map/);
    expectEnvelopeError(() => decodeEnvelope(encodeTaggedCbor({ sender_sig: Uint8Array.of(1) })), 'missing_field', /`content`/);
  });

  it('names the missing or mistyped field', () => {
    const { sender: _sender, ...noSender } = content;
    expect(expectEnvelopeError(() => parseEnvelope({ content: noSender }), 'missing_field').field).toBe('sender');
    expect(expectEnvelopeError(() => parseEnvelope({ content: { ...content, arg: 'text' } }), 'invalid_type').field).toBe('arg');
    expect(expectEnvelopeError(() => parseEnvelope({ content: { ...content, ingress_expiry: 'soon' } }), 'invalid_type').field).toBe('ingress_expiry');
    expect(expectEnvelopeError(() => parseEnvelope({ content: { ...content, ingress_expiry: new CborTag(2, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0)) } }), 'invalid_type').field).toBe('ingress_expiry');
    expect(expectEnvelopeError(() => parseEnvelope({ content: { ...content, ingress_expiry: -1 } }), 'invalid_field').field).toBe('ingress_expiry');
    expect(expectEnvelopeError(() => parseEnvelope({ content: { ...content, method_name: Uint8Array.of(1) } }), 'invalid_type').field).toBe('method_name');
    expect(expectEnvelopeError(() => parseEnvelope({ content: { request_type: 'read_state', sender: Uint8Array.of(4), ingress_expiry: 1, paths: [['time']] } }), 'invalid_type').field).toBe('paths[0][0]');
  });

  it('refuses principals longer than 29 bytes', () => {
    const err = expectEnvelopeError(() => parseEnvelope({ content: { ...content, canister_id: new Uint8Array(30) } }), 'invalid_field', /longer than 29 bytes/);
    expect(err.field).toBe('canister_id');
  });

  it('refuses request types the endpoint does not accept', () => {
    expectEnvelopeError(() => parseEnvelope({ content }, 'query'), 'unexpected_request_type', /unknown variant `call`, expected `query`/);
    expectEnvelopeError(() => parseEnvelope({ content: { ...content, request_type: 'submit' } }), 'unexpected_request_type');
    const err = expectEnvelopeError(() => parseEnvelope({ content }, 'read_state'), 'unexpected_request_type');
    expect(envelopeErrorMessage('read_state', err)).toBe('Could not parse body as read request: unknown variant `call`, expected `read_state`');
  });

  it('refuses partial authentication data', () => {
    expectEnvelopeError(() => parseEnvelope({ content, sender_sig: Uint8Array.of(1) }), 'missing_pubkey_or_signature', /^Got None sender_pubkey, Some sender_sig/);
    expectEnvelopeError(() => parseEnvelope({ content, sender_pubkey: Uint8Array.of(1) }), 'missing_pubkey_or_signature');
    expectEnvelopeError(() => parseEnvelope({ content, sender_delegation: [] }), 'missing_pubkey_or_signature');
  });

  it('refuses malformed delegations', () => {
    const auth = { sender_pubkey: Uint8Array.of(1), sender_sig: Uint8Array.of(2) };
    expectEnvelopeError(() => parseEnvelope({ content, ...auth, sender_delegation: {} }), 'invalid_type');
    expectEnvelopeError(() => parseEnvelope({ content, ...auth, sender_delegation: [{ signature: Uint8Array.of(1) }] }), 'missing_field', /delegation/);
    expectEnvelopeError(() => parseEnvelope({ content, ...auth, sender_delegation: [{ delegation: { pubkey: Uint8Array.of(1), expiration: 1, targets: [new Uint8Array(30)] }, signature: Uint8Array.of(1) }] }), 'invalid_field');
  });
});
