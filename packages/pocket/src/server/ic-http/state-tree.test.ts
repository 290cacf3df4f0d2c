import { describe, expect, it } from 'vitest';
import {
  CanisterStatus,
  Cbor,
  Certificate,
  LookupPathStatus,
  flatten_forks,
  lookup_path,
  lookup_subtree,
  reconstruct as agentReconstruct,
  type HashTree as AgentHashTree,
} from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { SubnetStatus, check_canister_ranges, Certificate as IcpCertificate } from '@icp-sdk/core/agent';
import { Principal as IcpPrincipal } from '@icp-sdk/core/principal';

import { decodeCbor, encodeCbor } from '../../certification/cbor.js';
import { makeCertificate } from '../../certification/certificate.js';
import { reconstruct, treeFromCbor, treeToCbor, type HashTree } from '../../certification/hash-tree.js';
import { SubnetKey } from '../../certification/keys.js';
import { NodeKey, selfAuthenticatingPrincipal } from './query-signature.js';
import {
  buildStateTree,
  encodeCanisterRanges,
  lookupPath,
  readStateExclusions,
  readStateWitness,
  witness,
  type StateTreeInput,
} from './state-tree.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

/** The witness as an agent sees it: CBOR-encoded, then decoded by the agent's own decoder. */
function asAgentTree(tree: HashTree): AgentHashTree {
  return Cbor.decode(encodeCbor(treeToCbor(tree)));
}

describe('lookupPath and witness on the spec example', () => {
  // IC interface spec § Certification, Example (tree, fork layout and pruned form are given there).
  const full = treeFromCbor(decodeCbor(fromHex(
    '8301830183024161830183018302417882034568656c6c6f810083024179820345776f726c6483024162820344676f6f648301830241638100830241648203476d6f726e696e67',
  )));
  const specPruned = '83018301830241618301820458201b4feff9bef8131788b0c9dc6dbad6e81e524249c879e9f10f71ce3749f5a63883024179820345776f726c6483024162820458207b32ac0c6ba8ce35ac82c255fc7906f7fc130dab2a090f80fe12f9c2cae83ba6830182045820ec8324b8a1f1ac16bd2e806edba78006479c9877fed4eb464a25485465af601d830241648203476d6f726e696e67';

  it('reproduces the spec pruning of /a/y, /ax and /d', () => {
    const w = witness(full, [['a', 'y'], ['ax'], ['d']]);
    expect(hex(encodeCbor(treeToCbor(w)))).toBe(specPruned);
    expect(hex(reconstruct(w))).toBe(hex(reconstruct(full)));
  });

  it('looks paths up as the spec says', () => {
    const pruned = treeFromCbor(decodeCbor(fromHex(specPruned)));
    const look = (...path: string[]) => lookupPath(pruned, path);
    expect(look('a', 'a').status).toBe('unknown');
    expect(look('a', 'y')).toEqual({ status: 'found', value: utf8('world') });
    expect(look('aa').status).toBe('absent');
    expect(look('ax').status).toBe('absent');
    expect(look('b').status).toBe('unknown');
    expect(look('bb').status).toBe('unknown');
    expect(look('d')).toEqual({ status: 'found', value: utf8('morning') });
    expect(look('e').status).toBe('absent');
    expect(look('a').status).toBe('error');
    expect(lookupPath(full, ['c']).status).toBe('absent');
  });
});

describe('read_state witnesses of the system state tree', () => {
  const rootKey = new SubnetKey(utf8('root subnet'));
  const otherKey = new SubnetKey(utf8('other subnet'));
  const rootSubnet = selfAuthenticatingPrincipal(rootKey.der);
  const otherSubnet = selfAuthenticatingPrincipal(otherKey.der);
  const canister = Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai');
  const rootRanges: [Principal, Principal][] = [[Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai'), Principal.fromText('renrk-eyaaa-aaaaa-aaada-cai')]];
  const otherRanges: [Principal, Principal][] = [[Principal.fromText('lxzze-o7777-77777-aaaaa-cai'), Principal.fromText('x47dp-5x777-77777-p777q-cai')]];
  const rootNodes = [0, 1, 2].map((i) => new NodeKey(utf8(`root node ${i}`)));
  const otherNodes = [0, 1].map((i) => new NodeKey(utf8(`other node ${i}`)));
  const requestA = new Uint8Array(32).fill(0x11);
  const requestB = new Uint8Array(32).fill(0x22);
  const requestC = new Uint8Array(32).fill(0x33);
  const now = BigInt(Date.now()) * 1_000_000n;
  const controllers = [Principal.fromText('2vxsx-fae'), Principal.fromText('aaaaa-aa')];
  const input: StateTreeInput = {
    time: now,
    subnets: [
      { id: rootSubnet, publicKey: rootKey.der, canisterRanges: rootRanges, nodes: rootNodes.map((n) => ({ id: n.nodeId, publicKey: n.der })) },
      { id: otherSubnet, publicKey: otherKey.der, canisterRanges: otherRanges, nodes: otherNodes.map((n) => ({ id: n.nodeId, publicKey: n.der })) },
    ],
    canisters: [{
      id: canister,
      moduleHash: new Uint8Array(32).fill(0xaa),
      controllers,
      metadata: [['candid:service', utf8('service : {}')], ['git_commit_id', utf8('abc')]],
      certifiedData: new Uint8Array(32).fill(0xcd),
    }],
    requestStatus: [
      [requestA, { status: 'replied', reply: utf8('DIDL\x00\x00') }],
      [requestC, { status: 'rejected', rejectCode: 4, rejectMessage: 'no', errorCode: 'IC0406' }],
    ],
  };
  const full = buildStateTree(input);

  it('reveals the requested paths and /time, prunes the rest, keeps the root hash', async () => {
    const w = readStateWitness(full, [['request_status', requestA], ['canister', canister.toUint8Array(), 'module_hash']]);
    const tree = asAgentTree(w);
    expect(hex(await agentReconstruct(tree))).toBe(hex(reconstruct(full)));
    const found = (path: (string | Uint8Array)[]) => {
      const r = lookup_path(path, tree);
      expect(r.status).toBe(LookupPathStatus.Found);
      return (r as { value: Uint8Array }).value;
    };
    expect(hex(found(['time']))).toBe(hex(lookupValue(full, ['time'])));
    expect(new TextDecoder().decode(found(['request_status', requestA, 'status']))).toBe('replied');
    expect(hex(found(['request_status', requestA, 'reply']))).toBe(hex(utf8('DIDL\x00\x00')));
    expect(hex(found(['canister', canister.toUint8Array(), 'module_hash']))).toBe('aa'.repeat(32));
    // Not requested, so pruned: by the spec's lookup they are Unknown. (The agent's own lookup
    // compares labels loosely and may answer Absent instead; it never finds them.)
    for (const path of [
      ['canister', canister.toUint8Array(), 'controllers'],
      ['canister', canister.toUint8Array(), 'certified_data'],
      ['request_status', requestC, 'status'],
      ['subnet', rootSubnet.toUint8Array(), 'public_key'],
    ]) {
      expect(lookupPath(w, path).status, path.map(String).join('/')).toBe('unknown');
      expect(lookup_path(path, tree).status).not.toBe(LookupPathStatus.Found);
    }
    expect(lookup_path(['request_status', requestC, 'status'], tree).status).toBe(LookupPathStatus.Unknown);
  });

  it('proves the absence of a request id that is not in the tree', () => {
    const w = readStateWitness(full, [['request_status', requestB]]);
    expect(lookupPath(w, ['request_status', requestB, 'status']).status).toBe('absent');
    expect(lookup_path(['request_status', requestB, 'status'], asAgentTree(w)).status).toBe(LookupPathStatus.Absent);
    // The neighbours' labels are shown, their contents are not.
    expect(lookupPath(w, ['request_status', requestA, 'status']).status).toBe('unknown');
    expect(lookupPath(w, ['request_status', requestC, 'status']).status).toBe('unknown');
    expect(hex(reconstruct(w))).toBe(hex(reconstruct(full)));
  });

  it('encodes controllers, metadata, reject codes and ranges as the spec says', () => {
    const w = readStateWitness(full, [['canister', canister.toUint8Array()], ['request_status', requestC], ['subnet', otherSubnet.toUint8Array(), 'canister_ranges']]);
    const tree = asAgentTree(w);
    const value = (path: (string | Uint8Array)[]) => (lookup_path(path, tree) as { value: Uint8Array }).value;
    const decodedControllers = Cbor.decode<Uint8Array[]>(value(['canister', canister.toUint8Array(), 'controllers']));
    expect(decodedControllers.map((c) => Principal.fromUint8Array(c).toText())).toEqual(controllers.map((c) => c.toText()));
    expect(value(['canister', canister.toUint8Array(), 'controllers'])[0]).toBe(0xd9); // tag 55799
    expect(new TextDecoder().decode(value(['canister', canister.toUint8Array(), 'metadata', 'candid:service']))).toBe('service : {}');
    expect(hex(value(['request_status', requestC, 'reject_code']))).toBe('04');
    expect(new TextDecoder().decode(value(['request_status', requestC, 'error_code']))).toBe('IC0406');
    expect(hex(value(['subnet', otherSubnet.toUint8Array(), 'canister_ranges']))).toBe(hex(encodeCanisterRanges(otherRanges)));
  });

  it('gives @dfinity/agent the node keys of the canister\'s subnet from a /subnet read', async () => {
    const exclude = readStateExclusions({
      subnets: input.subnets!, rootSubnetId: rootSubnet, effectiveCanisterId: canister, apiVersion: 2,
    });
    const w = readStateWitness(full, [['subnet']], { exclude });
    const certificate = makeCertificate(w, rootKey);
    // The agent verifies the certificate against the root key, then reads the node keys.
    await Certificate.create({ certificate, rootKey: rootKey.der, canisterId: canister });
    const status = CanisterStatus.fetchNodeKeys(certificate, canister, rootKey.der);
    expect(status.subnetId).toBe(rootSubnet.toText());
    expect([...status.nodeKeys.keys()].sort()).toEqual(rootNodes.map((n) => n.nodeId.toText()).sort());
    for (const n of rootNodes) expect(hex(status.nodeKeys.get(n.nodeId.toText())!)).toBe(hex(n.der));

    const tree = asAgentTree(w);
    // The other subnet's key and ranges are revealed, its nodes are not.
    expect(lookup_path(['subnet', otherSubnet.toUint8Array(), 'public_key'], tree).status).toBe(LookupPathStatus.Found);
    expect(lookup_path(['subnet', otherSubnet.toUint8Array(), 'canister_ranges'], tree).status).toBe(LookupPathStatus.Found);
    expect(lookup_subtree(['subnet', otherSubnet.toUint8Array(), 'node'], tree).status).toBe('Found');
    const otherNodesTree = (lookup_subtree(['subnet', otherSubnet.toUint8Array(), 'node'], tree) as { value: AgentHashTree }).value;
    expect(flatten_forks(otherNodesTree)[0]![0]).toBe(4); // pruned
    expect(hex(reconstruct(treeFromCbor(tree as never)))).toBe(hex(reconstruct(full)));
  });

  it('gives @icp-sdk/core the same with API v3 rules (ranges only for the root subnet)', async () => {
    const exclude = readStateExclusions({
      subnets: input.subnets!, rootSubnetId: rootSubnet, effectiveCanisterId: canister, apiVersion: 3,
    });
    const w = readStateWitness(full, [['subnet']], { exclude });
    const certificate = makeCertificate(w, rootKey);
    const canisterId = IcpPrincipal.fromText(canister.toText());
    const cert = await IcpCertificate.create({ certificate, rootKey: rootKey.der, principal: { canisterId } });
    expect(check_canister_ranges({ canisterId, subnetId: IcpPrincipal.fromText(rootSubnet.toText()), tree: cert.cert.tree })).toBe(true);
    const info = SubnetStatus.lookupSubnetInfo(certificate, IcpPrincipal.fromText(rootSubnet.toText()));
    expect(info.nodeKeys.size).toBe(rootNodes.length);
    expect(hex(info.publicKey)).toBe(hex(rootKey.der));
    const tree = asAgentTree(w);
    expect(lookup_path(['subnet', otherSubnet.toUint8Array(), 'canister_ranges'], tree).status).toBe(LookupPathStatus.Unknown);
    expect(lookup_path(['subnet', otherSubnet.toUint8Array(), 'public_key'], tree).status).toBe(LookupPathStatus.Found);
  });

  it('writes sharded canister ranges that @icp-sdk/core reads', async () => {
    const w = readStateWitness(full, [['canister_ranges', rootSubnet.toUint8Array()]]);
    const certificate = makeCertificate(w, rootKey);
    const canisterId = IcpPrincipal.fromText(canister.toText());
    const cert = await IcpCertificate.create({ certificate, rootKey: rootKey.der, principal: { canisterId } });
    expect(check_canister_ranges({ canisterId, subnetId: IcpPrincipal.fromText(rootSubnet.toText()), tree: cert.cert.tree })).toBe(true);
    const outside = IcpPrincipal.fromText(otherRanges[0]![0].toText());
    expect(check_canister_ranges({ canisterId: outside, subnetId: IcpPrincipal.fromText(rootSubnet.toText()), tree: cert.cert.tree })).toBe(false);
  });

  it('keeps excluded subtrees pruned even when requested explicitly, and leaks nothing unrequested', () => {
    const nodePath = ['subnet', otherSubnet.toUint8Array(), 'node'];
    const w = witness(full, [nodePath, ['time']], { exclude: [nodePath] });
    expect(lookupPath(w, [...nodePath, otherNodes[0]!.nodeId.toUint8Array(), 'public_key']).status).toBe('unknown');
    // An exclusion alone reveals nothing.
    const onlyTime = witness(full, [['time']], { exclude: [nodePath] });
    expect(lookupPath(onlyTime, ['subnet', otherSubnet.toUint8Array(), 'public_key']).status).toBe('unknown');
    expect(JSON.stringify(treeToCbor(onlyTime), (_k, v) => (v instanceof Uint8Array ? hex(v) : v))).not.toContain(hex(utf8('subnet')));
  });

  it('reveals everything for the empty path and nothing for no paths', () => {
    expect(hex(encodeCbor(treeToCbor(witness(full, [[]]))))).toBe(hex(encodeCbor(treeToCbor(full))));
    expect(witness(full, []).kind).toBe('pruned');
  });
});

function lookupValue(tree: HashTree, path: (string | Uint8Array)[]): Uint8Array {
  const r = lookupPath(tree, path);
  if (r.status !== 'found') throw new Error(`${path.join('/')} not found`);
  return r.value;
}
