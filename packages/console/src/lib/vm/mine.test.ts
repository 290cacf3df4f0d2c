import { describe, expect, it } from 'vitest';

import { holderNotice, progressText, versionLabel, type Progress, type UpgradePhase } from './mine.js';

const running = (phase?: UpgradePhase, step = 0, steps = 1): Progress => ({ state: 'running', operation: 4n, step, steps, ...(phase ? { phase } : {}) });

describe('upgrade progress in words', () => {
  it('never shows operation or history entry numbers', () => {
    const all: Progress[] = [
      { state: 'requested' }, { state: 'scheduled', operation: 4n, steps: 1 }, running(), running('installing'),
      { state: 'completed', operation: 4n, steps: 1, entries: [7n, 8n] }, { state: 'failed', operation: 4n, reason: 'step 1: trapped (InstallRejected)' },
    ];
    for (const p of all) expect(progressText(p)).not.toMatch(/operation|entr(y|ies)|\b4\b|\b7\b|step\(s\)/i);
    expect(progressText({ state: 'completed', operation: 4n, steps: 1, entries: [7n] })).toBe('Done: the new version is running, and the change is recorded in the dapp\'s history');
  });
  it.each<[UpgradePhase, string]>([
    ['snapshot', 'Saving a snapshot of the current version…'], ['fetching', 'Fetching the new version from the registry…'],
    ['installing', 'Installing…'], ['starting', 'Starting…'], ['health', 'Checking that it works…'], ['rollback', 'Putting the previous version back…'],
  ])('names the %s phase', (phase, words) => {
    expect(progressText(running(phase))).toBe(words);
  });
  it('says which version of a longer path it is on, and works without a phase', () => {
    expect(progressText(running('installing', 1, 2))).toBe('Version 2 of 2: installing…');
    expect(progressText(running())).toBe('Upgrading…');
    expect(progressText({ state: 'scheduled', operation: 1n, steps: 2 })).toContain('2 versions, one after the other');
  });
  it('puts the failure kind in words before the manager\'s message, and keeps refusals', () => {
    expect(progressText({ state: 'failed', operation: 2n, reason: 'step 1: lineage_health returned Err (Unhealthy { rolled_back = true })' }))
      .toBe('The upgrade failed: the new version did not pass its health check; the previous version was put back (lineage_health returned Err)');
    expect(progressText({ state: 'failed', reason: 'refused: abc does not hold this dapp\'s NFT (its holder is def)' }))
      .toBe('Not done: you do not hold this dapp\'s NFT (any more); its owner now is def');
    expect(progressText({ state: 'failed', reason: 'refused by the backend: NftUnavailable' })).toBe('Not done: the NFT collection did not answer; try again later');
  });
  it('labels a running version', () => {
    expect(versionLabel({ role: 'backend', id: 'x', moduleHash: 'ab'.repeat(32) })).toBe('a version the registry does not know (code abababab…abab)');
    expect(versionLabel({ role: 'backend', id: 'x' })).toBe('nothing installed');
  });
});

describe('a dapp opened by someone who does not hold it', () => {
  it('names the holder, and says nothing to the holder', () => {
    expect(holderNotice('abc', 'abc')).toBeUndefined();
    expect(holderNotice('abc', 'me')).toBe("You do not hold this dapp's NFT: abc does. Only the holder can upgrade it, hand it over or take the upload rights; the dapp refuses anyone else.");
    expect(holderNotice(undefined, 'me')).toContain('nobody does');
  });
});
