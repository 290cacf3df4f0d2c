/**
 * The rebuild cache of `lineage verify wasm --source`: a module rebuilt from a source directory is
 * kept under `.lineage/rebuilds/<key>.wasm`, keyed by everything the rebuild reads, so verifying
 * again (another version, another output format) from an unchanged source costs a hash of the
 * source instead of an Azle build.
 *
 * The key is the sha256 of: the canister's name; Node's versions, platform and architecture; the
 * `AZLE_*` environment; and the content of every file under the source (its node_modules too, so
 * the installed dependencies and the Azle build itself are covered), except `.git`, `.lineage`,
 * `.turbo` and the rebuild's own outputs. Any byte that differs gives another key, and a miss is a
 * real rebuild. A file is read again only when its stat changed (`FileHashes`, as git's index does),
 * so an unchanged source costs a walk of its directories. A source the key cannot cover is not cached, with the reason: the build tools
 * (Azle, tsx) installed outside it, or a symbolic link leading out of it.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import { FileHashes } from './file-hashes.js';
import { projectPath } from './project.js';

/** What the rebuild of one canister from one source reads besides the source's files. */
export interface RebuildInputs {
  /** The source directory (its dfx.json's directory). */
  source: string;
  canister: string;
  /** Paths under `source` the rebuild writes (its wasm, wasm.gz, candid, `.azle/<name>`): not inputs. */
  outputs: string[];
  /** Directories of the build tools the rebuild runs (Azle, tsx). */
  tools: string[];
}

/** A key, or why this rebuild cannot be cached. */
export type RebuildKey = { key: string } | { uncached: string };

/** Directory names never read by a build (version control, this CLI's own files, turbo's logs). */
const SKIPPED = new Set(['.git', '.lineage', '.turbo']);

const inside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * The key of a rebuild, hashing every file under the source (with `hashes`, only those whose
 * stat changed since it last hashed them).
 *
 * @example
 * const k = rebuildKey({ source: '/src/lineage', canister: 'backend', outputs: ['canisters/backend/dist/backend.wasm'], tools: [azleDir] });
 */
export function rebuildKey(inputs: RebuildInputs, hashes: FileHashes = FileHashes.load(undefined)): RebuildKey {
  let root: string;
  try {
    root = realpathSync(inputs.source);
    const outside = inputs.tools.find((tool) => !inside(root, realpathSync(tool)));
    if (outside) return { uncached: `the build runs ${outside}, which is outside ${root}` };
  } catch (error) {
    return { uncached: `cannot read the source or the build tools: ${(error as Error).message}` };
  }
  const outputs = new Set(inputs.outputs.map((p) => relative(inputs.source, join(inputs.source, p))));
  const hash = createHash('sha256');
  const env = Object.keys(process.env).filter((k) => k.startsWith('AZLE_')).sort().map((k) => [k, process.env[k]]);
  hash.update(JSON.stringify({ format: 'lineage-rebuild-1', canister: inputs.canister, node: process.versions, platform: process.platform, arch: process.arch, env }));
  hash.update('\n');
  const walk = (dir: string, rel: string): string | undefined => {
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      if (outputs.has(relPath.split('/').join(sep))) continue;
      const stat = lstatSync(path, { bigint: true });
      if (stat.isDirectory()) {
        if (SKIPPED.has(name)) continue;
        const refused = walk(path, relPath);
        if (refused) return refused;
      } else if (stat.isSymbolicLink()) {
        // Links inside the tree are hashed as links (their targets are hashed where they are).
        let target: string | undefined;
        try {
          target = realpathSync(path);
        } catch {
          target = undefined; // dangling: nothing can be read through it
        }
        if (target !== undefined && !inside(root, target)) return `${relPath} links to ${target}, outside ${root}`;
        hash.update(`link ${JSON.stringify(relPath)} ${JSON.stringify(readlinkSync(path))}\n`);
      } else if (stat.isFile()) {
        hash.update(`file ${JSON.stringify(relPath)} ${hashes.sha256(path, stat)}\n`);
      }
    }
    return undefined;
  };
  let refused: string | undefined;
  try {
    refused = walk(inputs.source, '');
  } catch (error) {
    refused = `cannot read the source: ${(error as Error).message}`;
  }
  return refused ? { uncached: refused } : { key: hash.digest('hex') };
}

/** The file hashes this project remembers for its rebuild keys. */
export const rebuildFileHashes = () => FileHashes.load(projectPath('rebuilds', 'files.json'));

/** Where the module rebuilt for `key` is kept. */
export const rebuildPath = (key: string) => projectPath('rebuilds', `${key}.wasm`);

/** The module rebuilt for `key`, if this project has it. */
export function cachedRebuild(key: string): Uint8Array | undefined {
  const path = rebuildPath(key);
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

/** Keeps the module rebuilt for `key` (written whole or not at all). */
export function keepRebuild(key: string, module: Uint8Array): string {
  const path = rebuildPath(key);
  mkdirSync(projectPath('rebuilds'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, module);
  renameSync(tmp, path);
  return path;
}
