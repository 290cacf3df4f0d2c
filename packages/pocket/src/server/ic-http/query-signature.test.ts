import { describe, expect, it } from 'vitest';
import { Cbor as DfinityCbor, HttpAgent as DfinityHttpAgent, hashOfMap as dfinityHashOfMap } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { HttpAgent as IcpHttpAgent } from '@icp-sdk/core/agent';
import { Ed25519KeyIdentity } from '@icp-sdk/core/identity';
import { ed25519 } from '@noble/curves/ed25519';

import { encodeTaggedCbor } from '../../certification/cbor.js';
import { makeCertificate } from '../../certification/certificate.js';
import { SubnetKey } from '../../certification/keys.js';
import { validateEnvelope } from './authentication.js';
import { decodeEnvelope } from './envelope.js';
import {
  IC_RESPONSE_DOMAIN_SEPARATOR,
  NodeKey,
  encodeQueryResponse,
  queryResponseHash,
  queryResponseMap,
  selfAuthenticatingPrincipal,
  signQueryResponse,
  subnetNodeKeys,
  verifyQueryResponseSignature,
  type QueryResponse,
} from './query-signature.js';
import { requestId } from './request-id.js';
import { buildStateTree, readStateExclusions, readStateWitness } from './state-tree.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('query response hashes', () => {
  // The replica's own test vectors (rs/types/types/src/messages/http/tests.rs, mod hashing): the
  // query is {canister_id: CanisterId::from_u64(1), method_name: "dummy_method", arg: "dummy_arg",
  // sender: anonymous, ingress_expiry: 2, nonce: "dummy_nonce"}, the timestamp 2614 ns.
  const queryId = requestId({
    request_type: 'query',
    canister_id: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1, 1, 1),
    method_name: 'dummy_method',
    arg: utf8('dummy_arg'),
    sender: Uint8Array.of(0x04),
    ingress_expiry: 2,
    nonce: utf8('dummy_nonce'),
  });

  it('matches the replica for a reply', () => {
    const hash = queryResponseHash({ status: 'replied', reply: { arg: utf8('some_bytes') } }, queryId, 2614n);
    expect(hex(hash)).toBe('7e94e73d1647506682a6300385bc99a63d1ef655222e5a3235f784ca3e80dca4');
  });

  it('matches the replica for a reject', () => {
    const hash = queryResponseHash({ status: 'rejected', reject_code: 1, reject_message: 'system error', error_code: 'IC500' }, queryId, 2614n);
    expect(hex(hash)).toBe('bd80f930dfd3eafdf2d5c03031da9b5ec62963701abcb217d31c84005bd8db87');
  });

  it('matches the hash @dfinity/agent computes when verifying', () => {
    const timestamp = 1_700_000_000_123_456_789n;
    const reject: QueryResponse = { status: 'rejected', reject_code: 4, reject_message: 'nope', error_code: 'IC0406' };
    expect(hex(queryResponseHash(reject, queryId, timestamp))).toBe(hex(dfinityHashOfMap({
      status: 'rejected', reject_code: 4, reject_message: 'nope', error_code: 'IC0406', timestamp, request_id: queryId,
    })));
  });
});

describe('node keys', () => {
  it('are deterministic Ed25519 keys in DER with self-authenticating node ids', () => {
    const [a, b] = subnetNodeKeys(utf8('subnet seed'), 2);
    const [a2] = subnetNodeKeys(utf8('subnet seed'), 1);
    expect(hex(a!.der)).toBe(hex(a2!.der));
    expect(hex(a!.der)).not.toBe(hex(b!.der));
    expect(a!.der).toHaveLength(44);
    expect(hex(a!.der.subarray(0, 12))).toBe('302a300506032b6570032100');
    expect(a!.nodeId.toText()).toBe(selfAuthenticatingPrincipal(a!.der).toText());
    expect(a!.nodeId.toUint8Array()).toHaveLength(29);
    expect(a!.nodeId.toUint8Array()[28]).toBe(0x02);
  });

  it('sign "\\x0Bic-response" · hash so that the signature verifies', () => {
    const node = new NodeKey(utf8('n'));
    const response: QueryResponse = { status: 'replied', reply: { arg: utf8('DIDL\x00\x00') } };
    const id = new Uint8Array(32).fill(1);
    const sig = signQueryResponse(response, id, 42n, node);
    expect(hex(sig.identity)).toBe(hex(node.nodeId.toUint8Array()));
    expect(ed25519.verify(sig.signature, new Uint8Array([...IC_RESPONSE_DOMAIN_SEPARATOR, ...queryResponseHash(response, id, 42n)]), node.publicKey)).toBe(true);
    expect(verifyQueryResponseSignature(response, id, sig, node.der)).toBe(true);
    expect(verifyQueryResponseSignature({ status: 'replied', reply: { arg: utf8('other') } }, id, sig, node.der)).toBe(false);
    expect(verifyQueryResponseSignature(response, id, { ...sig, timestamp: 43n }, node.der)).toBe(false);
  });

  it('encode the response body as the replica does', () => {
    const node = new NodeKey(utf8('n'));
    const body = encodeQueryResponse({ status: 'rejected', reject_code: 3, reject_message: 'gone', error_code: 'IC0301' }, new Uint8Array(32), 7n, node);
    expect(hex(body.subarray(0, 3))).toBe('d9d9f7');
    const decoded = DfinityCbor.decode<Record<string, unknown>>(body);
    expect(decoded).toMatchObject({ status: 'rejected', reject_code: 3, reject_message: 'gone', error_code: 'IC0301' });
    const [sig] = decoded.signatures as { timestamp: unknown; signature: Uint8Array; identity: Uint8Array }[];
    expect(BigInt(sig!.timestamp as number)).toBe(7n);
    expect(hex(sig!.identity)).toBe(hex(node.nodeId.toUint8Array()));
  });
});

/** A replica stand-in for agents: answers /status, /query and /read_state with the modules here. */
function mockReplica(options: { reply: (method: string, arg: Uint8Array) => QueryResponse; tamper?: boolean }) {
  const rootKey = new SubnetKey(utf8('mock root'));
  const subnetId = selfAuthenticatingPrincipal(rootKey.der);
  const nodes = subnetNodeKeys(utf8('mock subnet'), 4);
  const ranges: [Principal, Principal][] = [[Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai'), Principal.fromText('renrk-eyaaa-aaaaa-aaada-cai')]];
  const seen: string[] = [];
  const now = () => BigInt(Date.now()) * 1_000_000n;
  const respond = (body: Uint8Array, status = 200) =>
    new Response(new Uint8Array(body), { status, headers: { 'Content-Type': 'application/cbor' } });

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
    seen.push(url.pathname);
    if (url.pathname === '/api/v2/status') return respond(encodeTaggedCbor({ root_key: rootKey.der, replica_health_status: 'healthy' }));
    const match = /^\/api\/(v2|v3)\/canister\/([^/]+)\/(query|read_state)$/.exec(url.pathname);
    if (!match) return new Response('not found', { status: 404 });
    const body = new Uint8Array(init!.body as ArrayBuffer | Uint8Array);
    if (match[3] === 'query') {
      const env = decodeEnvelope(body, 'query');
      const valid = validateEnvelope(env, { currentTimeNs: now() });
      if (!valid.ok) return new Response(valid.error.message, { status: valid.error.httpStatus });
      const response = options.reply(env.content.methodName, env.content.arg);
      if (options.tamper) {
        // A signature over another reply, sent with this one.
        const sig = signQueryResponse({ status: 'replied', reply: { arg: utf8('forged') } }, env.requestId, now(), nodes[1]!);
        return respond(encodeTaggedCbor(queryResponseMap(response, [sig])));
      }
      return respond(encodeQueryResponse(response, env.requestId, now(), nodes[1]!));
    }
    const env = decodeEnvelope(body, 'read_state');
    const valid = validateEnvelope(env, { currentTimeNs: now() });
    if (!valid.ok) return new Response(valid.error.message, { status: valid.error.httpStatus });
    const subnets = [{ id: subnetId, publicKey: rootKey.der, canisterRanges: ranges, nodes: nodes.map((n) => ({ id: n.nodeId, publicKey: n.der })) }];
    const tree = buildStateTree({ time: now(), subnets });
    const exclude = readStateExclusions({ subnets, rootSubnetId: subnetId, effectiveCanisterId: Principal.fromText(match[2]!), apiVersion: match[1] === 'v3' ? 3 : 2 });
    const certificate = makeCertificate(readStateWitness(tree, env.content.paths, { exclude }), rootKey);
    return respond(encodeTaggedCbor({ certificate }));
  };
  return { fetch, rootKey, seen };
}

const CANISTER = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const echo = (method: string, arg: Uint8Array): QueryResponse =>
  method === 'fail'
    ? { status: 'rejected', reject_code: 5, reject_message: 'Canister trapped', error_code: 'IC0503' }
    : { status: 'replied', reply: { arg } };

describe('signed query responses with real agents', () => {
  it('@dfinity/agent 3.4.3 verifies replies and rejects (v2 query, /subnet read_state)', async () => {
    const replica = mockReplica({ reply: echo });
    const agent = await DfinityHttpAgent.create({ host: 'http://127.0.0.1:4943', fetch: replica.fetch as typeof fetch, rootKey: replica.rootKey.der, retryTimes: 0 });
    const replied = await agent.query(CANISTER, { methodName: 'hello', arg: utf8('DIDL\x00\x00') });
    expect(replied.status).toBe('replied');
    expect(hex((replied as { reply: { arg: Uint8Array } }).reply.arg)).toBe(hex(utf8('DIDL\x00\x00')));
    const rejected = await agent.query(CANISTER, { methodName: 'fail', arg: new Uint8Array() });
    expect(rejected).toMatchObject({ status: 'rejected', reject_code: 5, reject_message: 'Canister trapped', error_code: 'IC0503' });
    expect(replica.seen).toContain(`/api/v2/canister/${CANISTER}/query`);
    expect(replica.seen).toContain(`/api/v2/canister/${CANISTER}/read_state`);
  });

  it('@dfinity/agent refuses a response whose signature was tampered with', async () => {
    const replica = mockReplica({ reply: echo, tamper: true });
    const agent = await DfinityHttpAgent.create({ host: 'http://127.0.0.1:4943', fetch: replica.fetch as typeof fetch, rootKey: replica.rootKey.der, retryTimes: 0 });
    await expect(agent.query(CANISTER, { methodName: 'hello', arg: new Uint8Array() })).rejects.toThrow(/signature/i);
  });

  it('@icp-sdk/core verifies replies from a signed Ed25519 sender (v3 query and read_state)', async () => {
    const replica = mockReplica({ reply: echo });
    const identity = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(3));
    const agent = await IcpHttpAgent.create({ host: 'http://127.0.0.1:4943', fetch: replica.fetch as typeof fetch, rootKey: replica.rootKey.der, identity, retryTimes: 0 });
    const replied = await agent.query(CANISTER, { methodName: 'hello', arg: utf8('x') });
    expect(replied.status).toBe('replied');
    const rejected = await agent.query(CANISTER, { methodName: 'fail', arg: new Uint8Array() });
    expect(rejected).toMatchObject({ status: 'rejected', reject_code: 5, error_code: 'IC0503' });
    expect(replica.seen).toContain(`/api/v3/canister/${CANISTER}/query`);
    expect(replica.seen).toContain(`/api/v3/canister/${CANISTER}/read_state`);
  });
});
