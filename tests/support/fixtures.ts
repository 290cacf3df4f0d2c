/** Built canister modules the suites install, read from the build outputs. */
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

export function counterWasm(): Uint8Array {
  return readFileSync(new URL('tests/fixtures/counter/dist/counter.wasm', root));
}
