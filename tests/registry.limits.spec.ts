// Reply sizes: a query stays under the IC's reply limit for a query (3 MiB) however large the records
// are; a page stops early and the caller continues with prev.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createTypes, moduleBytes, registryInitArg, registryWasm, setupRegistry, typeRequest, who, type RegistryFixture } from './support/registry.js';

const QUERY_REPLY_LIMIT = 3 * 1024 * 1024;
// Metadata near the 1 MiB bound: storing it costs a copy (record-codec.ts), well under the IC's
// instruction limit for one update, which the emulator enforces (850 KiB used to exceed it).
const METADATA_BYTES = 850 * 1024;
const MAX_METADATA_BYTES = 1024 * 1024;
const NAMESPACES = ['org.big.a', 'org.big.b', 'org.big.c', 'org.big.d'];

let pic: PocketIc;
let registry: RegistryFixture;

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
  // Four types with 850 KiB of ICRC-16 metadata each: 3.3 MiB together, over the limit.
  expect(NAMESPACES.length * METADATA_BYTES).toBeGreaterThan(QUERY_REPLY_LIMIT);
  for (const namespace of NAMESPACES) {
    await createTypes(registry.as.admin, typeRequest(namespace, { metadata: [['blob', { Blob: moduleBytes(`${namespace} metadata`, METADATA_BYTES) }]] }));
  }
});

afterAll(async () => {
  await pic.tearDown();
});

describe('large canister types', () => {
  it('icrc118_get_canister_types pages them under the reply limit', async () => {
    const seen: string[] = [];
    for (let prev: [] | [string] = [], i = 0; i < NAMESPACES.length + 1; i++) {
      const page = await registry.as.anonymous.icrc118_get_canister_types({ filter: [], prev, take: [] });
      if (page.length === 0) break;
      expect(page.length).toBeLessThan(NAMESPACES.length);
      seen.push(...page.map((t) => t.namespace));
      prev = [page.at(-1)!.namespace];
    }
    expect(seen).toEqual(NAMESPACES);
  });
});

describe('metadata size', () => {
  it('refuses metadata over 1 MiB with a clear error and creates nothing', async () => {
    const before = await registry.as.anonymous.icrc118_get_canister_types({ filter: [], prev: [], take: [] });
    // By ingress the argument's size is refused before it is decoded (canister_inspect_message);
    // a canister caller gets the typed error of fieldsProblem (canisters/registry/src/domain/fields.ts).
    await expect(registry.as.admin.icrc118_create_canister_type([
      typeRequest('org.big.over', { metadata: [['blob', { Blob: moduleBytes('over', MAX_METADATA_BYTES) }]] }),
    ])).rejects.toThrow(/the argument of icrc118_create_canister_type is \d+ bytes; at most 1048576/);
    const after = await registry.as.anonymous.icrc118_get_canister_types({ filter: [], prev: [], take: [] });
    expect(after.map((t) => t.namespace)).toEqual(before.map((t) => t.namespace));
  });

  it('keeps large metadata byte for byte across an upgrade', async () => {
    await pic.upgradeCanister({ canisterId: registry.canisterId, wasm: registryWasm(), arg: registryInitArg(null), sender: who.owner });
    const page = await registry.as.anonymous.icrc118_get_canister_types({ filter: [], prev: [], take: [1n] });
    const blob = page[0]!.metadata.find(([k]) => k === 'blob')![1] as { Blob: Uint8Array | number[] };
    expect(Buffer.from(Uint8Array.from(blob.Blob)).equals(Buffer.from(moduleBytes('org.big.a metadata', METADATA_BYTES)))).toBe(true);
  });
});
