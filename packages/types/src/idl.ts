/**
 * Conventions for Candid interfaces shared by canisters and clients.
 *
 * Every interface is an IDL factory in the `({ IDL }) => …` style that dfx generates. The factory
 * receives the `IDL` namespace of whichever Candid library the caller uses: Azle canisters pass
 * Azle's (`import { IDL } from 'azle'`), clients pass `@dfinity/candid`'s (or `@icp-sdk/core/candid`
 * through `@dfinity/pic`). So one definition serves both sides, and nothing here imports a Candid
 * library at run time.
 *
 * @example
 * export const greeterIdl: IdlFactory = ({ IDL }) =>
 *   IDL.Service({ greet: IDL.Func([IDL.Text], [IDL.Text], ['query']) });
 */
import type { IDL as CandidIDL } from '@dfinity/candid';

/** The `IDL` namespace a factory is given. */
export type IdlNamespace = typeof CandidIDL;

/** A service factory, as dfx generates them. */
export type IdlFactory = (args: { IDL: IdlNamespace }) => CandidIDL.ServiceClass;

/** A factory for the types of a service's init (and post-upgrade) arguments. */
export type IdlInitFactory = (args: { IDL: IdlNamespace }) => CandidIDL.Type[];

/** A factory for one type shared between services (records, variants…). */
export type IdlTypeFactory<T extends CandidIDL.Type = CandidIDL.Type> = (IDL: IdlNamespace) => T;

/**
 * The argument and result types of `method` in `factory`'s service, for canister decorators
 * (`@update(...methodTypes(factory, IDL, 'publish'))`) and for clients encoding calls by hand.
 */
export function methodTypes(factory: IdlFactory, IDL: IdlNamespace, method: string): [CandidIDL.Type[], CandidIDL.Type | undefined] {
  const service = factory({ IDL });
  const entry = service._fields.find(([name]) => name === method);
  if (!entry) throw new Error(`the service has no method ${method}`);
  const func = entry[1];
  if (func.retTypes.length > 1) throw new Error(`method ${method} returns several values; Azle methods return one`);
  return [func.argTypes, func.retTypes[0]];
}
