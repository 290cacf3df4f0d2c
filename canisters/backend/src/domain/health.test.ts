import { describe, expect, it } from 'vitest';

import { backendProblems, type StoredNote } from './health.js';

const config = { nft: 'aaaaa-aa', tokenId: 1n, manager: 'aaaaa-aa', registry: 'aaaaa-aa', asset: undefined };
const author = '2vxsx-fae';
const isPrincipal = (text: string) => /^[a-z0-9]{5}(-[a-z0-9]{1,5})*$/.test(text);
const note = (id: bigint, text = `note ${id}`, key = id.toString().padStart(20, '0')): StoredNote => ({ key, id, text, author });

describe('backendProblems', () => {
  it('finds nothing wrong with a configured backend and consecutive notes', () => {
    expect(backendProblems(config, [note(0n), note(1n)], isPrincipal)).toEqual([]);
  });

  it('reports a missing configuration', () => {
    expect(backendProblems(undefined, [], isPrincipal)).toEqual(['the backend has no configuration (installed without its init argument?)']);
  });

  it('reports a note stored under another id, a gap, an empty text and a bad principal', () => {
    expect(backendProblems({ ...config, manager: 'not a principal' }, [
      note(0n, 'ok', '00000000000000000007'), note(2n), { ...note(2n), key: '00000000000000000002', text: '' },
    ], isPrincipal)).toEqual([
      'manager is not a principal (not a principal)',
      'note 00000000000000000007 holds id 0',
      'note ids are not consecutive: 2 at position 1',
      'note 2: a note cannot be empty',
    ]);
  });
});
