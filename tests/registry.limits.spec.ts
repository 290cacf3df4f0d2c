// Reply sizes: a query stays under the IC's reply limit for a query (3 MiB) however large the records
// are; a page stops early and the caller continues with prev.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createTypes, moduleBytes, setupRegistry, typeRequest, who, type RegistryFixture } from './support/registry.js';

const QUERY_REPLY_LIMIT = 3 * 1024 * 1024;
// Each type's creation stays under the IC's instruction limit for one update (the emulator enforces it).
const METADATA_BYTES = 420 * 1024;
const NAMESPACES = ['org.big.a', 'org.big.b', 'org.big.c', 'org.big.d', 'org.big.e', 'org.big.f', 'org.big.g', 'org.big.h'];

let pic: PocketIc;
let registry: RegistryFixture;

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
  // Eight types with 420 KiB of ICRC-16 metadata each: 3.3 MiB together, over the limit.
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
