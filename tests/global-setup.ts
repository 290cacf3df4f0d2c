/**
 * The suites' global setup: the PocketIC server for the whole run (`@lineage/pocket`'s setup), and
 * the shared dapp world (`support/world-template.ts`), built in the background while the first
 * suites (the CLI's, which run networks of their own) start; dapp suites wait for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pocketSetup from '../packages/pocket/src/testing/global-setup.js';
import { buildWorldTemplate } from './support/world-template.js';

interface SetupContext {
  provide(key: string, value: unknown): void;
}

export default async function setup(context: SetupContext): Promise<() => Promise<void>> {
  const provided = new Map<string, unknown>();
  const stopServer = await pocketSetup({ provide: (key, value) => { provided.set(key, value); context.provide(key, value); } });
  // The template is a state directory of this emulator; another PocketIC server writes its own.
  const useTemplate = process.env.LINEAGE_WORLD_TEMPLATE !== '0' && provided.get('PIC_IS_EMULATOR') === true;
  const dir = useTemplate ? mkdtempSync(join(tmpdir(), 'lineage-world-')) : undefined;
  const building = dir ? buildWorldTemplate(provided.get('PIC_URL') as string, dir) : Promise.resolve();
  context.provide('WORLD_TEMPLATE', dir ?? '');
  return async () => {
    await building;
    await stopServer();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
