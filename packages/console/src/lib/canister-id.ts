/** Reading a canister id typed by a person: a typed error instead of an exception. */
import { Principal } from '@dfinity/principal';

export type IdResult = { ok: Principal } | { error: string };

/**
 * Parses a canister id (textual principal with a valid checksum).
 *
 * @example
 * parseCanisterId('not an id'); // { error: 'not a canister id: …' }
 */
export function parseCanisterId(text: string): IdResult {
  const t = text.trim();
  if (t === '') return { error: 'enter a canister id (like rrkah-fqaaa-aaaaa-aaaaq-cai)' };
  if (!/^[a-z0-9-]+$/.test(t)) return { error: `not a canister id: ${JSON.stringify(t)} has characters a canister id never has` };
  try {
    const p = Principal.fromText(t);
    if (p.toText() !== t) return { error: `not a canister id: ${JSON.stringify(t)} is not in canonical form (${p.toText()})` };
    return { ok: p };
  } catch (error) {
    return { error: `not a canister id: ${JSON.stringify(t)} (${(error as Error).message.split('\n')[0]})` };
  }
}
