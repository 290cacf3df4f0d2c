import { IDL } from '@dfinity/candid';
import { describe, expect, it } from 'vitest';

import { methodTypes, type IdlFactory } from './idl.js';

const greeter: IdlFactory = ({ IDL }) => IDL.Service({
  greet: IDL.Func([IDL.Text], [IDL.Text], ['query']),
  nothing: IDL.Func([], [], []),
});

describe('IDL factory conventions', () => {
  it('gives the argument and result types of a method', () => {
    const [args, result] = methodTypes(greeter, IDL, 'greet');
    expect(args.map((t) => t.display())).toEqual(['text']);
    expect(result?.display()).toBe('text');
    expect(methodTypes(greeter, IDL, 'nothing')).toEqual([[], undefined]);
    expect(() => methodTypes(greeter, IDL, 'missing')).toThrow(/no method missing/);
  });
});
