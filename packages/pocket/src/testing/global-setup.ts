/**
 * Vitest global setup shared by every suite that talks to a PocketIC server: starts one server
 * for the whole run (the one `POCKET_IC_BIN` names, else this emulator) and hands its URL to the
 * suites as `inject('PIC_URL')`, in the manner of pic-js's and Juno's test setups.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['@lineage/pocket/testing/global-setup'] } });
 * // a spec
 * const pic = await PocketIc.create(inject('PIC_URL'));
 */
import { fileURLToPath } from 'node:url';
import { PocketIcServer } from '@dfinity/pic';

interface SetupContext {
  provide(key: string, value: unknown): void;
}

export default async function setup({ provide }: SetupContext): Promise<() => Promise<void>> {
  const ours = fileURLToPath(new URL('../../bin/pocket-ic', import.meta.url));
  process.env.POCKET_IC_BIN ??= ours;
  // The server lives as long as the run: some suites (the CLI's) start networks of their own and
  // leave this one idle for minutes, longer than the default time-to-live of 60 s.
  const server = await PocketIcServer.start({
    showCanisterLogs: process.env.SHOW_CANISTER_LOGS === '1', showRuntimeLogs: false, ttl: 3600,
  });
  provide('PIC_URL', server.getUrl());
  provide('PIC_IS_EMULATOR', process.env.POCKET_IC_BIN === ours);
  return async () => {
    await server.stop();
  };
}
