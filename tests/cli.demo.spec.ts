// The README's main command, as CI runs it: the end-to-end demo on its embedded emulator must
// finish with every verification passed and exit code 0.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const DEMO = fileURLToPath(new URL('../scripts/dist/demo.js', import.meta.url));

describe('the demo', () => {
  it('tells the whole story and passes every verification', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [DEMO], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out }));
    });
    expect(code, stdout).toBe(0);
    const summary = /Summary: (\d+) of (\d+) verifications passed/.exec(stdout);
    expect(summary, stdout).not.toBeNull();
    expect(summary![1]).toBe(summary![2]);
    expect(Number(summary![2])).toBeGreaterThanOrEqual(20);
    expect(stdout).not.toContain('✘');
    for (const chapter of ['publishes backend 2.0.0', 'its NFT is minted to Alice', 'upgrades it from 1.0.0 to 2.0.0', 'sells the dapp to Bob',
      'Alice tries to upgrade, Bob upgrades', 'the asset canister receives a site', 'history']) {
      expect(stdout).toContain(chapter);
    }
  }, 600_000);
});
