/**
 * The project directory's `.lineage/` folder: the default identity, the canister ids file and the
 * local network's address. It lives in the current directory (like dfx's `.dfx/`), or where
 * `LINEAGE_DIR` points.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The `.lineage` folder of this project. */
export function projectDir(): string {
  return resolve(process.env.LINEAGE_DIR ?? join(process.cwd(), '.lineage'));
}

export const projectPath = (...parts: string[]) => join(projectDir(), ...parts);

/** Reads a JSON file, or undefined when it does not exist. Throws on malformed JSON. */
export function readJsonFile(path: string): unknown {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Writes a file atomically (a rename), so an interrupted command never leaves half a file. */
export function writeFileAtomic(path: string, content: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, mode === undefined ? undefined : { mode });
  renameSync(tmp, path);
}
