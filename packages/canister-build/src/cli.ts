import { buildCanister, findDfxRoot } from './build.js';

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const verbose = process.argv.includes('--verbose');
if (names.length === 0) {
  console.error('usage: lineage-canister-build <canister-name>... [--verbose]\n  builds the Azle canisters named in dfx.json into their dist/ folders');
  process.exit(2);
}
try {
  const root = findDfxRoot(process.cwd());
  for (const name of names) {
    const result = await buildCanister(name, { root, verbose });
    console.log(`built ${name}: ${result.wasmPath} (${(result.wasmBytes / 1e6).toFixed(2)} MB) in ${(result.millis / 1000).toFixed(1)} s`);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
