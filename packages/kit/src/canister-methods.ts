/**
 * Azle's `@update` and `@query`, with the argument's decoding bounded (`candidWorkProblem`), and
 * the rules every Lineage canister's `canister_inspect_message` applies to ingress. Kit does not
 * depend on Azle: a canister hands in Azle's own functions once (`src/methods.ts`), so the same
 * code is unit-tested in Node with stand-ins.
 */
import { candidWorkProblem } from './candid-budget.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Decorator = (original: any, context: any) => any;
type AzleDecoratorFactory = (params: any[], ret?: any, options?: any) => Decorator;

/** The parts of Azle the bounded methods use (pass `azle`'s exports). */
export interface AzleParts {
  update: AzleDecoratorFactory;
  query: AzleDecoratorFactory;
  msgArgData(): Uint8Array;
  msgReply(reply: Uint8Array): void;
  trap(message: string): never;
  IDL: { decode(types: any[], bytes: Uint8Array): any[]; encode(types: any[], values: any[]): ArrayBuffer | Uint8Array };
}

export interface BoundedMethods {
  update: AzleDecoratorFactory;
  query: AzleDecoratorFactory;
}

/**
 * `update` and `query` decorators that check the argument's decoding work before decoding it
 * (Azle decodes with `@dfinity/candid`, which has no quota), then decode, run the method and
 * reply exactly as Azle does. Use them in place of Azle's.
 *
 * @example
 * // src/methods.ts of a canister
 * import * as azle from 'azle';
 * export const { update, query } = boundedMethods(azle);
 */
export function boundedMethods(azle: AzleParts): BoundedMethods {
  const wrap = (make: AzleDecoratorFactory): AzleDecoratorFactory => (params = [], ret, options = {}) => {
    const decorate = make(params, ret, { ...options, manual: true });
    return (original, context) => {
      async function bounded(this: unknown): Promise<void> {
        const bytes = azle.msgArgData();
        const problem = candidWorkProblem(bytes);
        if (problem) azle.trap(`Refused before decoding: ${problem}`);
        let args: any[];
        try {
          args = azle.IDL.decode(params, bytes);
        } catch (error) {
          azle.trap(`Failed to decode Candid bytes: ${error}`);
        }
        const result = await original.apply(this, args);
        const types = ret === undefined ? [] : [ret];
        const values = ret === undefined ? [] : [result];
        azle.msgReply(new Uint8Array(azle.IDL.encode(types, values)));
      }
      return decorate(bounded, context);
    };
  };
  return { update: wrap(azle.update), query: wrap(azle.query) };
}

/** What a canister lets in as ingress, per update method. */
export interface IngressPolicy {
  /** Largest argument in bytes, per method; `default` for the rest. */
  maxArgBytes: Record<string, number> & { default: number };
  /** Methods the anonymous principal can never succeed with. */
  refuseAnonymous: ReadonlySet<string>;
  /** Methods that are never called as ingress (inter-canister only). */
  canisterOnly?: ReadonlySet<string>;
}

export const ANONYMOUS_TEXT = '2vxsx-fae';

/**
 * Why `canister_inspect_message` refuses an ingress message, or undefined to accept it. It refuses
 * only what the method would refuse anyway, before the canister pays for executing it.
 *
 * @example
 * ingressProblem(policy, 'request_upgrade', '2vxsx-fae', arg); // → 'request_upgrade refuses the anonymous principal'
 */
export function ingressProblem(policy: IngressPolicy, method: string, caller: string, arg: Uint8Array): string | undefined {
  if (policy.canisterOnly?.has(method)) return `${method} is called by canisters only, not as ingress`;
  if (caller === ANONYMOUS_TEXT && policy.refuseAnonymous.has(method)) return `${method} refuses the anonymous principal; sign in`;
  const max = policy.maxArgBytes[method] ?? policy.maxArgBytes.default;
  if (arg.length > max) return `the argument of ${method} is ${arg.length} bytes; at most ${max}`;
  return candidWorkProblem(arg);
}
