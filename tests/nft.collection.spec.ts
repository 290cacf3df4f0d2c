// The NFT collection's settings and ICRC-7 / ICRC-10 / ICRC-3 metadata queries, and its install
// argument. Runs on the Lineage emulator, or on a real PocketIC when POCKET_IC_BIN names one.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { initArgs, LIMITS, nftInitArg, nftWasm, plain, setupNft, who, type NftFixture } from './support/nft.js';

describe('the NFT collection: settings and metadata', () => {
  let pic: PocketIc;
  let nft: NftFixture;

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    nft = await setupNft(pic, initArgs({ supply_cap: [1000n] }));
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('answers every icrc7 collection query from the init argument and its limits', async () => {
    const a = nft.as.anonymous;
    expect(await a.icrc7_symbol()).toBe('LDAPP');
    expect(await a.icrc7_name()).toBe('Lineage dapps');
    expect(await a.icrc7_description()).toEqual(['One token per Lineage dapp instance: its holder owns the dapp']);
    expect(await a.icrc7_logo()).toEqual(['data:image/svg+xml;base64,PHN2Zy8+']);
    expect(await a.icrc7_total_supply()).toBe(0n);
    expect(await a.icrc7_supply_cap()).toEqual([1000n]);
    expect(await a.icrc7_max_query_batch_size()).toEqual([LIMITS.maxQueryBatch]);
    expect(await a.icrc7_max_update_batch_size()).toEqual([LIMITS.maxUpdateBatch]);
    expect(await a.icrc7_default_take_value()).toEqual([LIMITS.defaultTake]);
    expect(await a.icrc7_max_take_value()).toEqual([LIMITS.maxTake]);
    expect(await a.icrc7_max_memo_size()).toEqual([LIMITS.maxMemo]);
    expect(await a.icrc7_atomic_batch_transfers()).toEqual([false]);
    expect(await a.icrc7_tx_window()).toEqual([LIMITS.txWindow]);
    expect(await a.icrc7_permitted_drift()).toEqual([LIMITS.permittedDrift]);
    expect((await a.lineage_minting_authority()).toText()).toBe(who.authority.toText());
  });

  it('publishes the same settings as collection metadata', async () => {
    const metadata = Object.fromEntries((await nft.as.stranger.icrc7_collection_metadata()).map(([k, v]) => [k, plain(v)]));
    expect(metadata).toEqual({
      'icrc7:symbol': { Text: 'LDAPP' },
      'icrc7:name': { Text: 'Lineage dapps' },
      'icrc7:description': { Text: 'One token per Lineage dapp instance: its holder owns the dapp' },
      'icrc7:logo': { Text: 'data:image/svg+xml;base64,PHN2Zy8+' },
      'icrc7:total_supply': { Nat: '0n' },
      'icrc7:supply_cap': { Nat: '1000n' },
      'icrc7:max_query_batch_size': { Nat: `${LIMITS.maxQueryBatch}n` },
      'icrc7:max_update_batch_size': { Nat: `${LIMITS.maxUpdateBatch}n` },
      'icrc7:default_take_value': { Nat: `${LIMITS.defaultTake}n` },
      'icrc7:max_take_value': { Nat: `${LIMITS.maxTake}n` },
      'icrc7:max_memo_size': { Nat: `${LIMITS.maxMemo}n` },
      'icrc7:tx_window': { Nat: `${LIMITS.txWindow}n` },
      'icrc7:permitted_drift': { Nat: `${LIMITS.permittedDrift}n` },
    });
  });

  it('lists ICRC-7, ICRC-10 and ICRC-3 as supported standards', async () => {
    const standards = await nft.as.anonymous.icrc10_supported_standards();
    expect(standards.map((s) => s.name).sort()).toEqual(['ICRC-10', 'ICRC-3', 'ICRC-7']);
    expect(standards.find((s) => s.name === 'ICRC-7')?.url).toBe('https://github.com/dfinity/ICRC/ICRCs/ICRC-7');
    expect(standards.find((s) => s.name === 'ICRC-10')?.url).toBe('https://github.com/dfinity/ICRC/ICRCs/ICRC-10');
  });

  it('names its ICRC-3 block types and keeps no archives', async () => {
    const types = await nft.as.anonymous.icrc3_supported_block_types();
    expect(types.map((t) => t.block_type).sort()).toEqual(['7mint', '7xfer']);
    for (const t of types) expect(t.url).toMatch(/ICRC-7\.md#icrc-7-block-schema$/);
    expect(await nft.as.anonymous.icrc3_get_archives({ from: [] })).toEqual([]);
    expect(await nft.as.anonymous.icrc3_get_blocks([{ start: 0n, length: 10n }])).toEqual({ log_length: 0n, blocks: [], archived_blocks: [] });
    // Nothing is certified before the first block.
    expect(await nft.as.anonymous.icrc3_get_tip_certificate()).toEqual([]);
  });

  it('defaults the optional settings', async () => {
    const bare = await setupNft(pic, initArgs({ description: [], logo: [], supply_cap: [], tx_window: [60n], permitted_drift: [5n] }));
    expect(await bare.as.anonymous.icrc7_description()).toEqual([]);
    expect(await bare.as.anonymous.icrc7_logo()).toEqual([]);
    expect(await bare.as.anonymous.icrc7_supply_cap()).toEqual([]);
    expect(await bare.as.anonymous.icrc7_tx_window()).toEqual([60n]);
    expect(await bare.as.anonymous.icrc7_permitted_drift()).toEqual([5n]);
    const keys = (await bare.as.anonymous.icrc7_collection_metadata()).map(([k]) => k);
    expect(keys).not.toContain('icrc7:description');
    expect(keys).not.toContain('icrc7:logo');
    expect(keys).not.toContain('icrc7:supply_cap');
  });

  it('refuses to install without an init argument or with an anonymous minting authority', async () => {
    const canisterId = await pic.createCanister({ sender: who.controller });
    await expect(pic.installCode({ canisterId, wasm: nftWasm(), arg: nftInitArg(null), sender: who.controller })).rejects.toThrow(/needs its init argument/);
    await expect(
      pic.installCode({ canisterId, wasm: nftWasm(), arg: nftInitArg(initArgs({ minting_authority: who.anonymous })), sender: who.controller }),
    ).rejects.toThrow(/minting authority cannot be the anonymous principal/);
  });
});
