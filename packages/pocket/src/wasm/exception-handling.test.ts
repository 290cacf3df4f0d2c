import { describe, expect, it } from 'vitest';

import { wat } from '../../test/support/wat.js';
import { exceptionHandlingUse } from './exception-handling.js';
import { parseModule } from './module.js';

const EH = { exceptions: true };

describe('exception handling (the replica’s engine validates with the proposal off)', () => {
  it('finds no use in a module without it', async () => {
    expect(exceptionHandlingUse(parseModule(await wat(`(module (func (block (br 0))) (func (loop)))`)))).toBeUndefined();
  });

  it('refuses a tag section at its offset, before any instruction', async () => {
    const bytes = await wat(`(module (tag $e) (func (throw $e)))`, EH);
    const module = parseModule(bytes);
    const tags = module.sections.find((s) => s.id === 13)!;
    expect(exceptionHandlingUse(module)).toBe(`exceptions proposal not enabled (at offset 0x${tags.start.toString(16)})`);
  });

  it('refuses an imported tag', async () => {
    expect(exceptionHandlingUse(parseModule(await wat(`(module (import "env" "e" (tag $e)))`, EH)))).toBe('exceptions proposal not enabled');
  });

  it('refuses the legacy try … catch_all without a tag, at the offset of `try`', async () => {
    const bytes = await wat(`(module (func (nop)) (func (i32.const 1) (drop) (try (do (nop)) (catch_all))))`, EH);
    const message = exceptionHandlingUse(parseModule(bytes));
    expect(message).toMatch(/^legacy exceptions support is not enabled \(at offset 0x[0-9a-f]+\)$/);
    const offset = Number.parseInt(message!.match(/0x([0-9a-f]+)/)![1]!, 16);
    expect(bytes[offset]).toBe(0x06); // the `try` opcode
    expect(bytes[offset - 1]).toBe(0x1a); // after the `drop`
  });
});
