import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { buildProvenance, decodeProvenance, encodeProvenance, isDirty, localToolchain, toolchainDifferences, type BuildProvenance } from './provenance.js';

const sample: BuildProvenance = {
  repo: 'https://example.org/x.git', commit: 'ab'.repeat(20), build: 'pnpm build', node: 'v20.1.0', pnpm: '10.0.0', azle: '0.33.0', typescript: '5.9.3',
  lockfile_sha256: 'cd'.repeat(32),
};

describe('provenance', () => {
  it('round-trips through the metadata bytes', () => {
    expect(decodeProvenance(encodeProvenance(sample))).toEqual(sample);
  });

  it('refuses malformed metadata, naming the field', () => {
    expect(() => decodeProvenance(new TextEncoder().encode('{'))).toThrow(/not JSON/);
    expect(() => decodeProvenance(new TextEncoder().encode(JSON.stringify({ ...sample, node: 20 })))).toThrow(/node/);
  });

  it('names each toolchain difference', () => {
    expect(toolchainDifferences(sample, { ...sample })).toEqual([]);
    expect(toolchainDifferences(sample, { ...sample, node: 'v22.0.0', lockfile_sha256: '00' })).toEqual([
      { field: 'node', recorded: 'v20.1.0', local: 'v22.0.0' },
      { field: 'lockfile_sha256', recorded: sample.lockfile_sha256, local: '00' },
    ]);
  });

  it('reads a checkout: commit, origin, toolchain; and whether it is dirty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lineage-provenance-'));
    const g = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { stdio: 'ignore' });
    expect(() => buildProvenance(dir)).toThrow(/not a git checkout/);
    g('init', '-q');
    writeFileSync(join(dir, 'pnpm-lock.yaml'), 'lockfileVersion: 9\n');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ packageManager: 'pnpm@10.1.2' }));
    g('add', '.');
    g('commit', '-qm', 'one');
    g('remote', 'add', 'origin', 'https://example.org/repo.git');
    const p = buildProvenance(dir);
    expect(p.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(p.repo).toBe('https://example.org/repo.git');
    expect(buildProvenance(dir, { repo: 'https://other' }).repo).toBe('https://other');
    expect(p.node).toBe(process.version);
    expect(p.lockfile_sha256).toBe(localToolchain(dir).lockfile_sha256);
    expect(p.azle).toBe('missing');
    expect(isDirty(dir)).toBe(false);
    writeFileSync(join(dir, 'pnpm-lock.yaml'), 'changed\n');
    expect(isDirty(dir)).toBe(true);
  });
});
