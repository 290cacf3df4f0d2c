import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import CliFirstSequencer from './sequencer.js';

export default defineConfig({
  resolve: { conditions: ['@lineage/source'] },
  // Suites run in Node (vite's SSR side): workspace packages resolve to their sources there too.
  ssr: { resolve: { conditions: ['@lineage/source'], externalConditions: ['@lineage/source'] } },
  test: {
    include: ['**/*.spec.ts'],
    exclude: ['**/node_modules/**', 'fixtures/**'],
    // One PocketIC server for the whole run (this emulator, or the binary POCKET_IC_BIN names),
    // and the dapp world the dapp suites share (support/world-template.ts).
    globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
    // Two workers on CI's two cores: the CLI specs run their own networks beside the shared server.
    maxWorkers: 2,
    minWorkers: 1,
    sequence: { sequencer: CliFirstSequencer },
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
