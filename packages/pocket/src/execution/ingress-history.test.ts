/**
 * The ingress history forgets: the replica deletes a completed message's status `MAX_INGRESS_TTL`
 * (5 minutes) after it completed, so `request_status` is unknown afterwards and an instance that
 * runs for days does not keep every reply. A message whose expiry passes before a round could take
 * it is left out of the block (dfinity/ic `IngressManager`): never executed, never paid for, its
 * status unknown.
 */
import { describe, expect, it } from 'vitest';

import { instanceWithWat, submit } from '../../test/support/ingress.js';
import { MAX_INGRESS_TTL_NS } from '../constants.js';

const withPing = () => instanceWithWat('ingress-history', `(module (import "ic0" "msg_reply" (func $reply)) (func (export "canister_update ping") (call $reply)))`);

describe('the ingress history', () => {
  it('keeps a completed status for MAX_INGRESS_TTL, then forgets it', async () => {
    const { ic, id } = await withPing();
    const first = submit(ic, id, 'ping', new Uint8Array());
    expect(ic.awaitIngress(first)).toEqual({ Ok: new Uint8Array() });
    const completed = ic.time;
    // A later message completes four minutes on: both statuses are still known.
    ic.setTime(completed + MAX_INGRESS_TTL_NS - 60_000_000_000n);
    const second = submit(ic, id, 'ping', new Uint8Array());
    ic.awaitIngress(second);
    expect(ic.ingressStatus(first)).toBeDefined();
    // Past five minutes after it completed, the first is forgotten at the next round; the second is not.
    ic.setTime(completed + MAX_INGRESS_TTL_NS + 1n);
    ic.tick();
    expect(ic.ingressStatus(first)).toBeUndefined();
    expect(ic.ingressRecord(first)).toBeUndefined();
    expect(() => ic.awaitIngress(first)).toThrow(/the message is unknown/);
    expect(ic.ingressStatus(second)).toEqual({ Ok: new Uint8Array() });
    // And the second too, five minutes after it completed.
    ic.setTime(ic.time + MAX_INGRESS_TTL_NS);
    ic.tick();
    expect(ic.ingressStatus(second)).toBeUndefined();
  });

  it('leaves out a message that expired before a round could induct it: not executed, not paid for, its status unknown', async () => {
    const { ic, id } = await withPing();

    // Submitted, then five minutes and a nanosecond pass before the next round.
    ic.stats.reset();
    const paid = () => ic.stats.fees.filter((f) => f.canister === id.toText() && f.kind !== 'storage').length;
    const late = submit(ic, id, 'ping', new Uint8Array());
    ic.setTime(ic.time + MAX_INGRESS_TTL_NS + 1n);
    expect(() => ic.awaitIngress(late)).toThrow(/Failed to answer to ingress .* after 100 rounds/);
    expect(ic.ingressStatus(late)).toBeUndefined();
    expect(ic.ingressRecord(late)).toBeUndefined();
    expect(ic.stats.executions.some((e) => e.canister === id.toText() && e.method === 'canister_update ping')).toBe(false);
    expect(paid()).toBe(0);

    // Four minutes are not too late.
    const inTime = submit(ic, id, 'ping', new Uint8Array());
    ic.setTime(ic.time + MAX_INGRESS_TTL_NS - 60_000_000_000n);
    expect(ic.awaitIngress(inTime)).toEqual({ Ok: new Uint8Array() });
    expect(paid()).toBeGreaterThan(0);
  });
});
