import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

import { devNetwork } from './scripts/dev-network.mjs';

// Workspace packages are bundled from their sources (the `@lineage/source` condition), so the
// console needs no prior build of the sdk and only browser-safe modules end up in the bundle.
export default defineConfig(({ command }) => ({
  plugins: [svelte(), ...(command === 'serve' ? [devNetwork()] : [])],
  resolve: { conditions: ['@lineage/source', 'browser', 'module', 'import', 'default'] },
  // Unit tests run in Node (vite's SSR side): workspace packages resolve to their sources there too.
  ssr: { resolve: { conditions: ['@lineage/source'], externalConditions: ['@lineage/source'] } },
  base: './',
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
}));
