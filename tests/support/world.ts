/**
 * `createWorld`: what a dapp suite calls in `beforeAll` for its registry, published versions and
 * collection, on an instance of its own (see `./world-template.ts`).
 */
import { PocketIc } from '@dfinity/pic';
import { inject } from 'vitest';

import { setupWorld, type World } from './dapp.js';
import { worldFromTemplate } from './world-template.js';

/**
 * A new instance holding the shared world (the global setup's template), or, when the run has no
 * template (`LINEAGE_WORLD_TEMPLATE=0`, or another PocketIC server), a world published afresh.
 *
 * @example
 * world = await createWorld({ withAsset: true }); pic = world.pic;
 */
export async function createWorld(options: { withAsset?: boolean } = {}): Promise<World> {
  const template = inject('WORLD_TEMPLATE');
  if (template) return worldFromTemplate(inject('PIC_URL'), template, options);
  return setupWorld(await PocketIc.create(inject('PIC_URL')), options);
}
