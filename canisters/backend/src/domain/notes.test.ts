import { describe, expect, it } from 'vitest';

import { MAX_NOTE_CHARS, noteProblem } from './notes.js';

describe('noteProblem', () => {
  it('accepts an ordinary note', () => {
    expect(noteProblem('remember the milk')).toBeUndefined();
    expect(noteProblem(' x ')).toBeUndefined();
  });

  it('refuses an empty note', () => {
    expect(noteProblem('')).toBe('a note cannot be empty');
  });

  it('refuses a note of whitespace only', () => {
    expect(noteProblem('   ')).toBe('a note cannot be empty');
    expect(noteProblem('\n\t \r\n')).toBe('a note cannot be empty');
    expect(noteProblem('\u00a0\u2003')).toBe('a note cannot be empty');
  });

  it('accepts a note of exactly MAX_NOTE_CHARS characters', () => {
    expect(noteProblem('a'.repeat(MAX_NOTE_CHARS))).toBeUndefined();
  });

  it('refuses a note over the limit, saying how long it is', () => {
    expect(noteProblem('a'.repeat(MAX_NOTE_CHARS + 1))).toBe(`a note has at most ${MAX_NOTE_CHARS} characters, this one has ${MAX_NOTE_CHARS + 1}`);
    expect(noteProblem(`${' '.repeat(MAX_NOTE_CHARS)}x`)).toMatch(/at most/);
  });

  it('keeps the limit at 2000', () => {
    expect(MAX_NOTE_CHARS).toBe(2000);
  });
});
