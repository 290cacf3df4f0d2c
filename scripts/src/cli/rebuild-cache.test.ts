import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildFilters } from './checkout.js';
import { FileHashes } from './file-hashes.js';
import { cachedRebuild, keepRebuild, rebuildKey, type RebuildInputs } from './rebuild-cache.js';

describe('the rebuild cache key', () => {
  let source: string;
  let inputs: RebuildInputs;
  const keyOf = (extra: Partial<RebuildInputs> = {}) => {
    const k = rebuildKey({ ...inputs, ...extra });
    if (!('key' in k)) throw new Error(`uncached: ${k.uncached}`);
    return k.key;
  };

  beforeEach(() => {
    source = mkdtempSync(join(tmpdir(), 'lineage-rebuild-key-'));
    for (const dir of ['canisters/backend/src', 'canisters/backend/dist', 'node_modules/azle', 'node_modules/.bin', '.azle/backend', '.git', '.lineage/rebuilds', 'packages/kit/.turbo']) {
      mkdirSync(join(source, dir), { recursive: true });
    }
    writeFileSync(join(source, 'dfx.json'), '{"canisters":{}}');
    writeFileSync(join(source, 'canisters/backend/src/index.ts'), 'export const x = 1;\n');
    writeFileSync(join(source, 'node_modules/azle/index.js'), 'module.exports = 1;\n');
    symlinkSync('../azle/index.js', join(source, 'node_modules/.bin/azle'));
    inputs = {
      source, canister: 'backend', tools: [join(source, 'node_modules/azle')],
      outputs: ['canisters/backend/dist/backend.wasm', 'canisters/backend/dist/backend.wasm.gz', 'canisters/backend/dist/backend.did', '.azle/backend'],
    };
  });
  afterEach(() => rmSync(source, { recursive: true, force: true }));

  it('is the same for the same files, and ignores .git, .lineage, .turbo and the build\'s own outputs', () => {
    const before = keyOf();
    expect(keyOf()).toBe(before);
    writeFileSync(join(source, '.git/HEAD'), 'ref: refs/heads/other\n');
    writeFileSync(join(source, '.lineage/rebuilds/x.wasm'), 'cached');
    writeFileSync(join(source, 'packages/kit/.turbo/turbo-build.log'), 'log');
    writeFileSync(join(source, 'canisters/backend/dist/backend.wasm'), 'output');
    writeFileSync(join(source, '.azle/backend/main.js'), 'output');
    expect(keyOf()).toBe(before);
  });

  it('changes with any byte of the source or its dependencies, a new file, a link, the canister or the Azle environment', () => {
    const keys = new Set([keyOf()]);
    writeFileSync(join(source, 'canisters/backend/src/index.ts'), 'export const x = 2;\n');
    keys.add(keyOf());
    writeFileSync(join(source, 'node_modules/azle/index.js'), 'module.exports = 2;\n');
    keys.add(keyOf());
    writeFileSync(join(source, 'canisters/backend/src/extra.ts'), '');
    keys.add(keyOf());
    writeFileSync(join(source, 'canisters/backend/dist/backend.d.ts'), ''); // dist files other than the outputs are inputs
    keys.add(keyOf());
    rmSync(join(source, 'node_modules/.bin/azle'));
    symlinkSync('../azle', join(source, 'node_modules/.bin/azle'));
    keys.add(keyOf());
    keys.add(keyOf({ canister: 'manager' }));
    process.env.AZLE_EXPERIMENTAL = 'true';
    try {
      keys.add(keyOf());
    } finally {
      delete process.env.AZLE_EXPERIMENTAL;
    }
    expect(keys.size).toBe(8);
  });

  it('is refused, with the reason, for a link leading out of the source or build tools outside it', () => {
    const outside = mkdtempSync(join(tmpdir(), 'lineage-outside-'));
    try {
      expect(rebuildKey({ ...inputs, tools: [outside] })).toEqual({ uncached: expect.stringContaining(`the build runs ${outside}`) });
      symlinkSync(outside, join(source, 'node_modules/elsewhere'));
      expect(rebuildKey(inputs)).toEqual({ uncached: expect.stringMatching(/^node_modules\/elsewhere links to .*, outside /) });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('keeps and returns a module by key in the project directory', () => {
    const project = mkdtempSync(join(tmpdir(), 'lineage-project-'));
    process.env.LINEAGE_DIR = project;
    try {
      const key = keyOf();
      expect(cachedRebuild(key)).toBeUndefined();
      expect(keepRebuild(key, Uint8Array.of(0, 97, 115, 109))).toBe(join(project, 'rebuilds', `${key}.wasm`));
      expect(cachedRebuild(key)).toEqual(Uint8Array.of(0, 97, 115, 109));
    } finally {
      delete process.env.LINEAGE_DIR;
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('what a checkout builds for a canister', () => {
  it('selects the canister with its production closure, and each workspace devDependency with its own', () => {
    expect(buildFilters({ name: '@x/backend', devDependencies: { '@x/build': 'workspace:*', vitest: '^3.2.7' } })).toEqual([
      '--filter-prod', '@x/backend...', '--filter-prod', '@x/build...',
    ]);
    expect(buildFilters({ name: '@x/solo' })).toEqual(['--filter-prod', '@x/solo...']);
  });
});

describe('remembered file hashes', () => {
  it('re-reads a file whose content changed, even at the same size with its mtime set back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lineage-file-hashes-'));
    try {
      const file = join(dir, 'a.txt');
      writeFileSync(file, 'aaaa');
      const hashes = FileHashes.load(join(dir, 'files.json'));
      const first = hashes.sha256(file);
      expect(first).toBe(createHash('sha256').update('aaaa').digest('hex'));
      const { atime, mtime } = statSync(file);
      writeFileSync(file, 'bbbb');
      utimesSync(file, atime, mtime);
      expect(hashes.sha256(file)).toBe(createHash('sha256').update('bbbb').digest('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trusts a remembered hash only while the stat is unchanged and was not racy when hashed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lineage-file-hashes-'));
    try {
      const file = join(dir, 'a.txt');
      const index = join(dir, 'files.json');
      writeFileSync(file, 'aaaa');
      const real = createHash('sha256').update('aaaa').digest('hex');
      const hashes = FileHashes.load(index);
      expect(hashes.sha256(file)).toBe(real);
      hashes.save();
      // Hashed just after the file was written: racy, so read again rather than trusted.
      const saved = JSON.parse(readFileSync(index, 'utf8')) as Record<string, { stat: string; sha256: string; at: string }>;
      writeFileSync(index, JSON.stringify({ [file]: { ...saved[file]!, sha256: 'remembered' } }));
      expect(FileHashes.load(index).sha256(file)).toBe(real);
      // Hashed long after its last change: trusted (the marker proves the file was not read).
      const later = (BigInt(saved[file]!.at) + 10_000_000_000n).toString();
      writeFileSync(index, JSON.stringify({ [file]: { ...saved[file]!, sha256: 'remembered', at: later } }));
      expect(FileHashes.load(index).sha256(file)).toBe('remembered');
      // Any write changes the ctime, and the remembered hash is dropped.
      writeFileSync(file, 'aaaa');
      expect(FileHashes.load(index).sha256(file)).toBe(real);
      expect(FileHashes.load(join(dir, 'missing.json')).sha256(file)).toBe(real);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
