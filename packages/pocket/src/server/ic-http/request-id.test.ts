import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Cbor, Expiry, requestIdOf, hashOfMap as agentHashOfMap } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';

import { CborTag, decodeCbor } from '../../certification/cbor.js';
import { RequestIdError, hashOfMap, hashValue, requestId, requestIdToText, sleb128, uleb128 } from './request-id.js';

/** An agent `Expiry` holding exactly `ns` (its constructor is private). */
const expiryOf = (ns: bigint) => Expiry.fromJSON(JSON.stringify({ __expiry__: ns.toString() }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('LEB128', () => {
  it('encodes nats in shortest unsigned form (spec examples)', () => {
    expect(hex(uleb128(0n))).toBe('00');
    expect(hex(uleb128(624485n))).toBe('e58e26');
    expect(hex(uleb128(127))).toBe('7f');
    expect(hex(uleb128(128))).toBe('8001');
  });

  it('encodes integers in shortest signed form (spec example)', () => {
    expect(hex(sleb128(0n))).toBe('00');
    expect(hex(sleb128(-123456n))).toBe('c0bb78');
    expect(hex(sleb128(-1))).toBe('7f');
    expect(hex(sleb128(63))).toBe('3f');
    expect(hex(sleb128(64))).toBe('c000');
  });
});

describe('request ids', () => {
  it('matches the spec example without sender and expiry', () => {
    // IC interface spec (older text) § Request ids, example calculation.
    const id = requestId({
      request_type: 'call',
      canister_id: bytes('00000000000004d2'),
      method_name: 'hello',
      arg: latin1('DIDL\x00\xFD*'),
    });
    expect(hex(id)).toBe('8781291c347db32a9d8c10eb62b710fce5a93be676474c42babc74c51858f94b');
  });

  it('matches the current spec example with sender and ingress_expiry', () => {
    const id = requestId({
      request_type: 'call',
      sender: Uint8Array.of(0x04),
      ingress_expiry: 1685570400000000000n,
      canister_id: bytes('00000000000004d2'),
      method_name: 'hello',
      arg: latin1('DIDL\x00\xFD*'),
    });
    expect(hex(id)).toBe('1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101');
    expect(requestIdToText(id)).toBe('0x1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101');
  });

  it('hashes a nested map as the spec example describes', () => {
    // hash_of_map({ "reply": { "arg": "DIDL\x00\x00" } }) = H(H("reply") · hash_of_map({arg}))
    const inner = hashOfMap({ arg: latin1('DIDL\x00\x00') });
    const expected = createHash('sha256').update(hashValue('reply')).update(inner).digest('hex');
    expect(hex(hashOfMap({ reply: { arg: latin1('DIDL\x00\x00') } }))).toBe(expected);
    expect(hex(inner)).toBe(createHash('sha256').update(hashValue('arg')).update(hashValue(latin1('DIDL\x00\x00'))).digest('hex'));
  });

  it('agrees with @dfinity/agent requestIdOf for call, query and read_state contents', () => {
    const sender = Principal.fromText('2vxsx-fae');
    const canister = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
    const expiry = expiryOf(1_700_000_000_000_000_000n);
    const call = {
      request_type: 'call', canister_id: canister, method_name: 'transfer', arg: bytes('4449444c0000'),
      sender, ingress_expiry: expiry, nonce: bytes('00112233445566778899aabbccddeeff'),
    };
    const readState = {
      request_type: 'read_state', sender, ingress_expiry: expiry,
      paths: [[new TextEncoder().encode('request_status'), bytes('ab'.repeat(32))], [new TextEncoder().encode('time')]],
    };
    for (const content of [call, { ...call, request_type: 'query', nonce: undefined }, readState]) {
      // Hash the content as the emulator receives it: CBOR-encoded by the agent, then decoded.
      const decoded = decodeCbor(Cbor.encode(content));
      expect(hex(requestId(decoded as Map<string, never>))).toBe(hex(requestIdOf(content)));
    }
  });

  it('hashes nested maps such as sender_info like the agent does', () => {
    const content = {
      request_type: 'call', sender: Principal.anonymous(), ingress_expiry: 5n,
      canister_id: Principal.fromText('aaaaa-aa'), method_name: 'm', arg: new Uint8Array(),
      sender_info: { info: bytes('01'), signer: bytes('0203'), sig: bytes('04') },
    };
    const decoded = decodeCbor(Cbor.encode(content));
    expect(hex(requestId(decoded as Map<string, never>))).toBe(hex(requestIdOf(content)));
    expect(hex(hashOfMap(content.sender_info))).toBe(hex(agentHashOfMap(content.sender_info)));
  });

  it('treats undefined and null fields as absent, and sorts independently of field order', () => {
    const a = requestId({ request_type: 'query', arg: bytes('00'), nonce: undefined });
    const b = requestId(new Map<string, null | string | Uint8Array>([['arg', bytes('00')], ['nonce', null], ['request_type', 'query']]));
    expect(hex(a)).toBe(hex(b));
  });

  it('hashes big nats as LEB128, including CBOR bignums', () => {
    const big = (1n << 70n) + 5n;
    const expected = createHash('sha256').update(uleb128(big)).digest('hex');
    expect(hex(hashValue(big))).toBe(expected);
    expect(hex(hashValue(new CborTag(2, bytes(big.toString(16).padStart(18, '0')))))).toBe(expected);
    expect(hex(hashValue(300))).toBe(hex(hashValue(300n)));
  });

  it('refuses values the spec does not define a hash for', () => {
    expect(() => hashValue(true)).toThrow(RequestIdError);
    expect(() => hashValue(1.5)).toThrow(RequestIdError);
    expect(() => hashOfMap(new Map([[1, 'x']]))).toThrow(RequestIdError);
  });
});
