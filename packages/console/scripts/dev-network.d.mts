import type { Plugin } from 'vite';

/** The dev server's local network plugin (see dev-network.mjs). */
export function devNetwork(): Plugin;
