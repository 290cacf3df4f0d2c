import { Principal } from '@dfinity/principal';
import type { Icrc3Value } from '@lineage/types';
import { describe, expect, it } from 'vitest';

import { CANISTER_ID, OTHER_KEY, ROOT_KEY, fakeLog, makeChain, tipCertificate } from '../../test/fake-log.js';
import { hashValue } from './hash.js';
import { verifyIcrc3Log, type Icrc3Failure } from './verify.js';

const options = { canisterId: CANISTER_ID, rootKey: ROOT_KEY.der };
const checks = (failures: Icrc3Failure[]) => failures.map((f) => `${f.check}${f.blockId === undefined ? '' : `@${f.blockId}`}`);

/** A copy of `blocks` with field `key` of block `id` replaced by `value` (links left as they were). */
function tamper(blocks: Icrc3Value[], id: number, key: string, value: Icrc3Value): Icrc3Value[] {
  const copy = structuredClone(blocks);
  const block = copy[id] as { Map: [string, Icrc3Value][] };
  const at = block.Map.findIndex(([k]) => k === key);
  if (at >= 0) block.Map[at] = [key, value];
  else block.Map.push([key, value]);
  return copy;
}

describe('verifyIcrc3Log', () => {
  it('accepts an intact log, paging through it', async () => {
    const blocks = makeChain(23);
    const log = fakeLog(blocks, { maxPerCall: 4 });
    const verdict = await verifyIcrc3Log(log, { ...options, pageSize: 10 });
    expect(verdict).toEqual({ ok: true, blocks: 23, tipIndex: 22n, tipHash: hashValue(blocks[22]!), failures: [] });
    expect(log.calls[0]).toEqual({ start: 0n, length: 10n });
    expect(log.calls[1]).toEqual({ start: 4n, length: 10n }); // continues where the short page ended
  });

  it('accepts blobs as number[] and a canister id as text', async () => {
    const blocks = makeChain(3);
    const tip = tipCertificate(blocks);
    const log = fakeLog(blocks, { tip: { certificate: Array.from(tip.certificate), hash_tree: Array.from(tip.hash_tree) } });
    const verdict = await verifyIcrc3Log(log, { canisterId: CANISTER_ID.toText(), rootKey: Array.from(ROOT_KEY.der) });
    expect(verdict.ok).toBe(true);
  });

  it('accepts an empty log without a certificate', async () => {
    expect(await verifyIcrc3Log(fakeLog([]), options)).toEqual({ ok: true, blocks: 0, tipIndex: undefined, tipHash: undefined, failures: [] });
  });

  it('names a changed block by the broken link after it', async () => {
    const blocks = makeChain(6);
    const tip = tipCertificate(blocks);
    const tampered = tamper(blocks, 2, 'ts', { Nat: 1n });
    const verdict = await verifyIcrc3Log(fakeLog(tampered, { tip }), options);
    expect(verdict.ok).toBe(false);
    expect(checks(verdict.failures)).toEqual(['phash@2']);
    expect(verdict.failures[0]!.message).toMatch(/block 2 hashes to .* but block 3 records phash/);
  });

  it('detects a change in any field and in nested values', async () => {
    const blocks = makeChain(4);
    const tip = tipCertificate(blocks);
    const variants: Icrc3Value[] = [
      { Map: [['op', { Text: 'update_wasm' }], ['n', { Int: -2n }], ['hash', { Blob: new Uint8Array(32).fill(9) }], ['version', { Array: [{ Nat: 1n }, { Nat: 1n }, { Nat: 0n }] }]] },
      { Map: [['op', { Text: 'update_wasm' }], ['n', { Int: -1n }], ['hash', { Blob: new Uint8Array(32).fill(1) }], ['version', { Array: [{ Nat: 1n }, { Nat: 1n }, { Nat: 1n }] }]] },
    ];
    for (const tx of variants) {
      const verdict = await verifyIcrc3Log(fakeLog(tamper(blocks, 1, 'tx', tx), { tip }), options);
      expect(checks(verdict.failures)).toEqual(['phash@1']);
    }
    const added = await verifyIcrc3Log(fakeLog(tamper(blocks, 1, 'extra', { Text: 'x' }), { tip }), options);
    expect(checks(added.failures)).toEqual(['phash@1']);
  });

  it('names a changed last block by the certified tip hash', async () => {
    const blocks = makeChain(5);
    const tip = tipCertificate(blocks);
    const verdict = await verifyIcrc3Log(fakeLog(tamper(blocks, 4, 'btype', { Text: '118deprecate' }), { tip }), options);
    expect(checks(verdict.failures)).toEqual(['tip-hash@4']);
    expect(verdict.failures[0]!.message).toMatch(/block 4 hashes to .* last_block_hash/);
  });

  it('detects a broken phash link (the block whose phash was changed, and its parent)', async () => {
    const blocks = makeChain(6);
    const tip = tipCertificate(blocks);
    const broken = tamper(blocks, 3, 'phash', { Blob: new Uint8Array(32).fill(0xee) });
    expect(checks((await verifyIcrc3Log(fakeLog(broken, { tip }), options)).failures)).toEqual(['phash@2', 'phash@3']);

    const missing = structuredClone(blocks);
    (missing[3] as { Map: [string, Icrc3Value][] }).Map.shift(); // drop block 3's phash
    const verdict = await verifyIcrc3Log(fakeLog(missing, { tip }), options);
    expect(checks(verdict.failures)).toEqual(['phash@3', 'phash@3']); // no phash, and so no longer the parent block 4 names
    expect(verdict.failures[0]!.message).toMatch(/block 3 has no phash/);

    const textual = tamper(blocks, 3, 'phash', { Text: 'abc' });
    expect((await verifyIcrc3Log(fakeLog(textual, { tip }), options)).failures[0]!.message).toMatch(/a Text phash/);

    const genesis = tamper(blocks, 0, 'phash', { Blob: new Uint8Array(32) });
    expect(checks((await verifyIcrc3Log(fakeLog(genesis, { tip }), options)).failures)).toEqual(['phash@0', 'phash@0']);
  });

  it('detects history rewritten consistently by the tip certificate alone', async () => {
    const blocks = makeChain(5);
    const tip = tipCertificate(blocks);
    const rewritten = makeChain(5);
    (rewritten[1] as { Map: [string, Icrc3Value][] }).Map.push(['note', { Text: 'forged' }]);
    for (let i = 2; i < 5; i++) (rewritten[i] as { Map: [string, Icrc3Value][] }).Map[0] = ['phash', { Blob: hashValue(rewritten[i - 1]!) }];
    const verdict = await verifyIcrc3Log(fakeLog(rewritten, { tip }), options);
    expect(checks(verdict.failures)).toEqual(['tip-hash@4']);
  });

  it('detects a wrong tip: an uncertified last block, a wrong hash, a tip beyond the log', async () => {
    const blocks = makeChain(5);
    const stale = await verifyIcrc3Log(fakeLog(blocks, { tip: tipCertificate(blocks, { index: 3n }) }), options);
    expect(checks(stale.failures)).toEqual(['tip-index@4']);
    expect(stale.failures[0]!.message).toMatch(/blocks 4–4 are not certified/);

    const wrongHash = await verifyIcrc3Log(fakeLog(blocks, { tip: tipCertificate(blocks, { hash: hashValue(blocks[3]!) }) }), options);
    expect(checks(wrongHash.failures)).toEqual(['tip-hash@4']);

    const beyond = await verifyIcrc3Log(fakeLog(blocks, { tip: tipCertificate(blocks, { index: 7n, hash: new Uint8Array(32) }) }), options);
    expect(checks(beyond.failures)).toEqual(['log-length', 'tip-index']);
  });

  it('reads blocks appended between the walk and the certificate', async () => {
    const all = makeChain(8);
    const blocks = all.slice(0, 5);
    const log = fakeLog(blocks);
    const grow = log.icrc3_get_tip_certificate;
    log.icrc3_get_tip_certificate = async () => {
      blocks.push(...all.slice(5)); // three more blocks land before the certificate is fetched
      return grow();
    };
    const verdict = await verifyIcrc3Log(log, options);
    expect(verdict).toMatchObject({ ok: true, blocks: 8, tipIndex: 7n });
  });

  it('detects a bad certificate signature', async () => {
    const blocks = makeChain(3);
    const verdict = await verifyIcrc3Log(fakeLog(blocks, { tip: tipCertificate(blocks, { key: OTHER_KEY }) }), options);
    expect(checks(verdict.failures)).toEqual(['certificate']);
    expect(verdict.failures[0]!.message).toMatch(/does not verify/);
  });

  it('detects certified data that is not the hash tree\'s root, or a certificate for another canister', async () => {
    const blocks = makeChain(3);
    const wrongData = await verifyIcrc3Log(fakeLog(blocks, { tip: tipCertificate(blocks, { certifiedData: new Uint8Array(32) }) }), options);
    expect(checks(wrongData.failures)).toEqual(['certified-data']);

    const other = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
    const otherCanister = await verifyIcrc3Log(fakeLog(blocks, { tip: tipCertificate(blocks, { canisterId: other }) }), options);
    expect(checks(otherCanister.failures)).toEqual(['certified-data']);
  });

  it('checks the certificate\'s time unless told not to', async () => {
    const blocks = makeChain(3);
    const old = tipCertificate(blocks, { timeNs: BigInt(Date.now() - 3_600_000) * 1_000_000n });
    const fresh = await verifyIcrc3Log(fakeLog(blocks, { tip: old }), options);
    expect(checks(fresh.failures)).toEqual(['certificate']);
    const anyTime = await verifyIcrc3Log(fakeLog(blocks, { tip: old }), { ...options, disableTimeVerification: true });
    expect(anyTime.ok).toBe(true);
  });

  it('reports a missing certificate, a malformed hash tree, and blocks out of sequence', async () => {
    const blocks = makeChain(3);
    expect(checks((await verifyIcrc3Log(fakeLog(blocks, { tip: null }), options)).failures)).toEqual(['certificate-missing']);

    const tip = tipCertificate(blocks);
    const garbled = await verifyIcrc3Log(fakeLog(blocks, { tip: { ...tip, hash_tree: new Uint8Array([0x83, 0x01]) } }), options);
    expect(checks(garbled.failures)).toContain('hash-tree');

    const log = fakeLog(blocks);
    const get = log.icrc3_get_blocks;
    log.icrc3_get_blocks = async (args) => {
      const result = await get(args);
      return { ...result, blocks: result.blocks.filter((b) => b.id !== 1n) };
    };
    expect(checks((await verifyIcrc3Log(log, options)).failures)).toEqual(['block-id@2']);
  });

  it('reports archived blocks it cannot follow', async () => {
    const log = fakeLog(makeChain(3));
    log.icrc3_get_blocks = async () => ({
      log_length: 3n, blocks: [], archived_blocks: [{ args: [{ start: 0n, length: 3n }], callback: [CANISTER_ID, 'get_blocks'] }],
    });
    expect(checks((await verifyIcrc3Log(log, options)).failures)).toContain('archived');
  });

  it('throws on transport errors', async () => {
    const log = fakeLog(makeChain(3));
    log.icrc3_get_blocks = async () => {
      throw new Error('connection refused');
    };
    await expect(verifyIcrc3Log(log, options)).rejects.toThrow('connection refused');
  });
});
