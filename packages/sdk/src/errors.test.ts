import { describe, expect, it } from 'vitest';

import { IntegrityError, RegistryError, ResumeConflictError, VerificationTimeoutError, describeRegistryError } from './errors.js';

describe('errors', () => {
  it('RegistryError names the method and variant and explains the payload', () => {
    const e = RegistryError.from('icrc118_update_wasm', { VersionNotAfterPrevious: { previous: [1n, 4n, 0n] } });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('RegistryError');
    expect(e.variant).toBe('VersionNotAfterPrevious');
    expect(e.detail).toEqual({ previous: [1n, 4n, 0n] });
    expect(e.message).toBe('icrc118_update_wasm refused: VersionNotAfterPrevious: the version number must come after the previous version\'s 1.4.0');
  });

  it('formats blobs as short hex, whether Uint8Array or number[]', () => {
    const hash = new Uint8Array(32).fill(0xab);
    expect(describeRegistryError('AlreadyRegistered', hash)).toBe('a module with hash abababababababab… is already registered');
    expect(describeRegistryError('UnknownPreviousHash', Array.from(hash))).toBe('previous_hash abababababababab… is not a registered version');
    expect(describeRegistryError('ChunkMismatch', { expected: hash, actual: new Uint8Array(32) })).toBe(
      'the chunk\'s sha256 0000000000000000… differs from the declared abababababababab…',
    );
  });

  it('describes unknown variants by their payload', () => {
    expect(RegistryError.from('m', { Generic: 'disk full' }).message).toBe('m refused: Generic: disk full');
    expect(RegistryError.from('m', { Brand_new: null }).message).toBe('m refused: Brand_new: Brand_new');
    expect(RegistryError.from('m', { Brand_new: { count: 3n } }).message).toBe('m refused: Brand_new: count 3');
  });

  it('the other errors carry what they are about', () => {
    const integrity = new IntegrityError('chunk-hash', 'bad chunk', { chunkId: 4 });
    expect([integrity.name, integrity.check, integrity.chunkId]).toEqual(['IntegrityError', 'chunk-hash', 4]);
    const timeout = new VerificationTimeoutError(new Uint8Array(32), 1000, '2/3 chunks stored');
    expect(timeout.message).toBe('the registry did not confirm module 0000000000000000… within 1000 ms (2/3 chunks stored); publish again to resume');
    expect(new ResumeConflictError(new Uint8Array(32), 'x').name).toBe('ResumeConflictError');
  });
});
