import { IDL } from '@dfinity/candid';
import { describe, expect, it } from 'vitest';

import { boundedMethods, ingressProblem, type AzleParts, type IngressPolicy } from './canister-methods.js';

/** Azle's decorator factories and message functions, played by plain JavaScript. */
function standIn(arg: Uint8Array) {
  const registered: { options: unknown; run: (self: unknown) => Promise<void> }[] = [];
  const replies: Uint8Array[] = [];
  const factory = (_params: unknown[], _ret: unknown, options: unknown) => (fn: (this: unknown) => Promise<void>) => {
    registered.push({ options, run: (self) => fn.call(self) });
  };
  const azle: AzleParts = {
    update: factory, query: factory, IDL,
    msgArgData: () => arg,
    msgReply: (r) => void replies.push(r),
    trap: (message) => {
      throw new Error(`trap: ${message}`);
    },
  };
  return { azle, registered, replies };
}

describe('boundedMethods', () => {
  it('decodes, runs the method with its instance and replies as Azle would', async () => {
    const { azle, registered, replies } = standIn(new Uint8Array(IDL.encode([IDL.Text, IDL.Nat], ['a', 2n])));
    const { update } = boundedMethods(azle);
    update([IDL.Text, IDL.Nat], IDL.Text)(function (this: { prefix: string }, t: string, n: bigint) {
      return `${this.prefix}${t.repeat(Number(n))}`;
    }, {});
    expect(registered[0]!.options).toEqual({ manual: true });
    await registered[0]!.run({ prefix: '>' });
    expect(IDL.decode([IDL.Text], replies[0]!)).toEqual(['>aa']);
  });

  it('traps before decoding an argument whose decoding work is unbounded, and never runs the method', async () => {
    const { azle, registered, replies } = standIn(new Uint8Array(IDL.encode([IDL.Vec(IDL.Null)], [new Array(1_000_000).fill(null)])));
    let ran = false;
    boundedMethods(azle).query([IDL.Vec(IDL.Null)], undefined, { composite: true })(() => {
      ran = true;
    }, {});
    expect(registered[0]!.options).toEqual({ composite: true, manual: true });
    await expect(registered[0]!.run({})).rejects.toThrow(/trap: Refused before decoding: the argument needs more than/);
    expect(ran).toBe(false);
    expect(replies).toEqual([]);
  });

  it('traps with the decoder’s words on an argument of the wrong type', async () => {
    const { azle, registered } = standIn(new Uint8Array(IDL.encode([IDL.Text], ['x'])));
    boundedMethods(azle).update([IDL.Nat])(() => undefined, {});
    await expect(registered[0]!.run({})).rejects.toThrow(/trap: Failed to decode Candid bytes/);
  });
});

describe('ingressProblem', () => {
  const policy: IngressPolicy = {
    maxArgBytes: { default: 100, upload: 2_000 },
    refuseAnonymous: new Set(['upload']),
    canisterOnly: new Set(['callback']),
  };
  const small = new Uint8Array(IDL.encode([IDL.Text], ['x']));

  it('accepts what the method might accept', () => {
    expect(ingressProblem(policy, 'upload', 'aaaaa-aa', small)).toBeUndefined();
    expect(ingressProblem(policy, 'other', '2vxsx-fae', small)).toBeUndefined();
  });

  it('refuses the anonymous principal, oversized arguments, canister-only methods and unbounded decoding', () => {
    expect(ingressProblem(policy, 'upload', '2vxsx-fae', small)).toMatch(/anonymous/);
    expect(ingressProblem(policy, 'other', 'aaaaa-aa', new Uint8Array(101))).toMatch(/101 bytes; at most 100/);
    expect(ingressProblem(policy, 'upload', 'aaaaa-aa', new Uint8Array(1_500))).toBeUndefined();
    expect(ingressProblem(policy, 'callback', 'aaaaa-aa', small)).toMatch(/canisters only/);
    expect(ingressProblem(policy, 'other', 'aaaaa-aa', new Uint8Array(IDL.encode([IDL.Vec(IDL.Null)], [new Array(50_000).fill(null)])))).toMatch(/decoding steps/);
  });
});
