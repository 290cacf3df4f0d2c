import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@lineage/source'] },
  // Suites run in Node (vite's SSR side): workspace packages resolve to their sources there too.
  ssr: { resolve: { conditions: ['@lineage/source'], externalConditions: ['@lineage/source'] } },
  test: {
    include: ['**/*.spec.ts'],
    exclude: ['**/node_modules/**', 'fixtures/**'],
    // One PocketIC server for the whole run: this emulator, or the binary POCKET_IC_BIN names.
    globalSetup: [fileURLToPath(new URL('../packages/pocket/src/testing/global-setup.ts', import.meta.url))],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
