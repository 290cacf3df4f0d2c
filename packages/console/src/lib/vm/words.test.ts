import { describe, expect, it } from 'vitest';

import { checkLabel, failureWords, pathRefusal, refusalWords, roleLine, shortenHashes, shortHash, sizeWords, stepsWords } from './words.js';

const hash = '153ec1fbcd203bdae5b90e35ecc6de420c6f067160d7b3161c296845aa0df9f0';

describe('plain words', () => {
  it('shortens long hashes, keeps short values', () => {
    expect(shortHash(hash)).toBe('153ec1fb…f9f0');
    expect(shortHash('abc')).toBe('abc');
    expect(shortenHashes(`root ${hash} is the root of 0000000000000001ffffffff000030101 and 1234`)).toBe('root 153ec1fb…f9f0 is the root of 00000000…0101 and 1234');
  });
  it('says what the manager and the asset canister are', () => {
    expect(roleLine('manager')).toBe('Manager — the part that installs upgrades');
    expect(roleLine('asset')).toContain('the website');
    expect(roleLine('something else')).toBe('something else');
  });
  it('says a missing path without Candid names', () => {
    expect(pathRefusal('NoPath')).toBe('no approved upgrade path from the running version');
    expect(pathRefusal('NoPath', '3.0.0')).toBe('no approved upgrade path from 3.0.0');
    expect(pathRefusal('TargetDeprecated')).toContain('withdrawn');
    expect(pathRefusal('DeprecatedStep abcdef012345…', undefined, new Map([[`abcdef012345${'0'.repeat(52)}`, '2.0.0']]))).toBe('the only path goes through version 2.0.0, which is withdrawn (deprecated)');
    expect(pathRefusal('UnverifiedStep 99', undefined)).toContain('a version on the way');
    for (const name of ['UnknownCanisterType', 'UnknownTarget', 'TargetNotVerified']) expect(pathRefusal(name)).not.toContain(name);
    expect(pathRefusal('something new')).toBe('something new');
  });
  it('says why an upgrade failed', () => {
    expect(failureWords('Unhealthy { rolled_back = true }')).toBe('the new version did not pass its health check; the previous version was put back');
    expect(failureWords('Unhealthy { rolled_back = false }')).toBe('the new version did not pass its health check');
    expect(failureWords('SnapshotFailed')).toContain('nothing was changed');
    expect(failureWords('ChunkHashMismatch { chunk = 1; expected = ab; actual = cd }')).toContain('fingerprint');
  });
  it('rewrites only the refusals the sdk left as variants', () => {
    expect(refusalWords('refused by the backend: NftUnavailable')).toBe('refused: the NFT collection did not answer; try again later');
    expect(refusalWords('refused by the backend: ManagerUnavailable')).toContain('the part that installs upgrades');
    expect(refusalWords('refused: abc-de does not hold this dapp\'s NFT (its holder is fgh-ij)')).toBe('refused: you do not hold this dapp\'s NFT (any more); its owner now is fgh-ij');
    expect(refusalWords('refused: abc-de does not hold this dapp\'s NFT')).toBe('refused: you do not hold this dapp\'s NFT (any more)');
    expect(refusalWords('refused: no upgrade path: the registry knows no path')).toBe('refused: no upgrade path: the registry knows no path');
    expect(refusalWords('refused by the backend: Unheard { x = 1 }')).toBe('refused by the backend: Unheard { x = 1 }');
  });
  it('sizes and steps in words', () => {
    expect(sizeWords(1n)).toBe('at most 0.5 MiB (1 chunk)');
    expect(sizeWords(3)).toBe('at most 1.5 MiB (3 chunks)');
    expect(stepsWords(1)).toBe('direct upgrade');
    expect(stepsWords(2)).toBe('in 2 upgrades, one version after the other');
  });
  it('names the buyer\'s checks', () => {
    expect(checkLabel('controllers:asset')).toBe('Who controls the website');
    expect(checkLabel('module:manager')).toBe('Version of the manager');
    expect(checkLabel('pending')).toBe('Nothing half-done');
    expect(checkLabel('something-new')).toBe('something-new');
  });
});
