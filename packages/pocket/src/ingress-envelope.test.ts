/**
 * The bytes an ingress message's induction fee counts (the replica: the whole signed request). For
 * PocketIC's REST submissions, the request its state machine builds; for clients of the IC HTTP
 * interface, what they sent.
 */
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { instanceWithWat } from '../test/support/ingress.js';
import { pocketIcRequestBytes } from '../test/support/ingress-fee.js';
import { MAX_INGRESS_TTL_NS } from './constants.js';
import { pocketIcEnvelopeBytes } from './ingress-envelope.js';

describe('the bytes of an ingress message', () => {
  it('counts the request PocketIC builds, across the sizes where CBOR heads grow', () => {
    const canister = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
    const selfAuthenticating = Principal.fromUint8Array(new Uint8Array(29).fill(7));
    for (const sender of [Principal.anonymous(), selfAuthenticating]) {
      for (const argLength of [0, 23, 24, 255, 256, 65_535, 65_536]) {
        for (const [id, method] of [[canister, 'inc'], [Principal.managementCanister(), 'a_method_name_of_more_than_24_bytes']] as const) {
          const arg = new Uint8Array(argLength);
          const expiry = 1_700_000_000_000_000_000n + MAX_INGRESS_TTL_NS;
          const sizes = { sender: sender.toUint8Array().length, canisterId: id.toUint8Array().length, method: method.length, arg: arg.length, expiry };
          expect(pocketIcEnvelopeBytes(sizes)).toBe(pocketIcRequestBytes(method, arg, { sender, canister: id, expiry }));
        }
      }
    }
  });

  it('charges a message of the IC HTTP interface for the bytes its client sent, and one without for PocketIC\'s', async () => {
    const { ic, id } = await instanceWithWat('envelope', `(module
      (import "ic0" "msg_reply" (func $reply))
      (func (export "canister_update ping") (call $reply)))`);
    const feesOf = (from: number) => ic.stats.fees.slice(from).filter((f) => f.kind === 'ingressMessage' || f.kind === 'ingressBytes').reduce((sum, f) => sum + f.cycles, 0n);
    const arg = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]);

    let from = ic.stats.fees.length;
    const sent = ic.submitIngress(Principal.anonymous(), id, 'ping', arg, { kind: 'none' }, { messageId: 'AAAA'.repeat(11), expiry: ic.time + 60_000_000_000n, bytes: 1_000 });
    expect(sent).toHaveProperty('ok');
    ic.tick();
    expect(feesOf(from)).toBe(1_200_000n + 2_000n * 1_000n);

    from = ic.stats.fees.length;
    ic.submitIngress(Principal.anonymous(), id, 'ping', arg, { kind: 'none' });
    ic.tick();
    const bytes = pocketIcRequestBytes('ping', arg, { canister: id, expiry: ic.time + MAX_INGRESS_TTL_NS });
    expect(feesOf(from)).toBe(1_200_000n + 2_000n * BigInt(bytes));
  });
});
