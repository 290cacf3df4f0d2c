// `pnpm --filter @lineage/console dev`: Vite's dev server with the local network plugin (vite.config.ts).
import { createServer } from 'vite';

const server = await createServer({ configFile: new URL('../vite.config.ts', import.meta.url).pathname });
await server.listen();
server.printUrls();
console.log('  network: the one `lineage start` runs (or LINEAGE_NETWORK); config.json is generated from .lineage/');
