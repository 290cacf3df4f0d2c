import { describe, expect, it } from 'vitest';

import { fieldsProblem } from './fields.js';
import { MAX_METADATA_BYTES } from './model.js';

describe('free-form field limits', () => {
  it('refuses metadata over MAX_METADATA_BYTES with a message naming both sizes, and accepts 850 KiB', () => {
    const fields = (size: number) => ({ description: '', repo: '', metadata: [['blob', { Blob: new Uint8Array(size) }]] });
    expect(fieldsProblem(fields(850 * 1024))).toBeUndefined();
    expect(fieldsProblem(fields(MAX_METADATA_BYTES))).toMatch(/^metadata takes about 10486\d\d bytes; at most 1048576 are allowed$/);
  });
});
