/**
 * Who owns the dapp: whoever holds its token now. The backend asks the collection at every
 * request (`icrc7_owner_of`), so a transfer of the token hands the dapp over at once and there is
 * no other admin path to forget about.
 */

export const ANONYMOUS = '2vxsx-fae';

/** An ICRC-1 account as the backend reads it: owner principal text and subaccount bytes. */
export interface AccountView {
  owner: string;
  subaccount: Uint8Array | undefined;
}

/**
 * The principal that owns the token, from the answer to `icrc7_owner_of([token])`. A holder's
 * subaccount is still the holder's: the principal acts for all its subaccounts.
 */
export function ownerFromReply(reply: (AccountView | undefined)[]): string | undefined {
  if (reply.length !== 1) return undefined;
  return reply[0]?.owner;
}

export type OwnerCheck = { ok: true } | { ok: false; caller: string; owner: string | undefined };

/** Whether `caller` may act for the dapp. The anonymous principal never may. */
export function checkOwner(caller: string, owner: string | undefined): OwnerCheck {
  if (caller !== ANONYMOUS && owner !== undefined && caller === owner) return { ok: true };
  return { ok: false, caller, owner };
}
