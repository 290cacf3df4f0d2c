import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

import { devNetwork } from './scripts/dev-network.mjs';

// Workspace packages are bundled from their sources (the `@lineage/source` condition), so the
// console needs no prior build of the sdk and only browser-safe modules end up in the bundle.
export default defineConfig(({ command }) => ({
  plugins: [svelte(), ...(command === 'serve' ? [devNetwork()] : [])],
  resolve: { conditions: ['@lineage/source', 'browser', 'module', 'import', 'default'] },
  base: './',
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
}));
