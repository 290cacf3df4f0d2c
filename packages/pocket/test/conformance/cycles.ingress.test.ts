/**
 * Who pays the induction fee of an ingress message to the management canister. Oracle: the
 * replica's `ingress_induction_cost` (rs/cycles_account_manager) and the ingress filter
 * (`should_accept_ingress_message`, rs/execution_environment): a message to the management
 * canister is paid for by the canister it is about (its effective canister id, read from the
 * payload), at 1,200,000 cycles per message and 2,000 per byte of the signed request (here the
 * request PocketIC builds for its REST API; see `support/ingress-fee.ts`) on a 13-node subnet; the
 * provisional methods are free; an `update_settings` of at most 338 payload bytes is charged only
 * after it applied, and only if the canister can then pay, so that a controller can unfreeze a
 * canister. The filter refuses a message whose payer cannot pay above its freezing threshold,
 * before it looks at who sent it. (The delayed `update_settings` charge counts only the method
 * name and argument, as the replica's does.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import type { PocketIc } from '@dfinity/pic';

import { canister, newPic, Principal, readI32, u32 } from '../support/canister.js';
import { ingressFee } from '../support/ingress-fee.js';
import { failure } from '../support/system-api.js';

const SOURCE = canister(`
  (func (export "canister_update echo") (call $reply_i32 (call $arg_i32)))
`, [], { memory: '(memory (export "memory") 1)' });

const stranger = Principal.fromUint8Array(new Uint8Array([9, 9, 9]));
const canisterIdRecord = (id: Principal) => new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: id }]));

describe('ingress to the management canister: who pays', () => {
  let pic: PocketIc | undefined;
  afterEach(async () => { await pic?.tearDown(); pic = undefined; });

  async function setup(cycles = 10n ** 12n) {
    pic = await newPic();
    const id = await pic.createCanister({ cycles });
    await pic.installCode({ canisterId: id, wasm: await SOURCE });
    return { pic, id };
  }

  it('charges canister_status to the canister it is about, per message and per byte', async () => {
    const { pic, id } = await setup();
    const before = BigInt(await pic.getCyclesBalance(id));
    await pic.canisterStatus({ canisterId: id });
    expect(before - BigInt(await pic.getCyclesBalance(id))).toBe(ingressFee('canister_status', canisterIdRecord(id)));
  });

  it('charges nothing for a provisional top-up', async () => {
    const { pic, id } = await setup();
    const before = BigInt(await pic.getCyclesBalance(id));
    await pic.addCycles(id, 1_000_000n);
    expect(BigInt(await pic.getCyclesBalance(id))).toBe(before + 1_000_000n);
  });

  it('refuses a management call its canister cannot pay above its freezing threshold, to a controller with the top-up and to anyone else without', async () => {
    const { pic, id } = await setup();
    const perDay = (await pic.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    const balance = BigInt(await pic.getCyclesBalance(id));
    // A small update_settings passes the filter even so, and costs nothing it could not pay.
    await pic.updateCanisterSettings({ canisterId: id, freezingThreshold: ((balance * 2n) / perDay) * 86_400n });
    expect(BigInt(await pic.getCyclesBalance(id))).toBe(balance);

    const asController = await failure(pic.canisterStatus({ canisterId: id }));
    expect(asController).toMatch(/is out of cycles: please top up the canister with at least \d+ additional cycles/);
    const asStranger = await failure(pic.canisterStatus({ canisterId: id, sender: stranger }));
    expect(asStranger).toMatch(/is out of cycles/);
    expect(asStranger).not.toMatch(/please top up/);
    expect(BigInt(await pic.getCyclesBalance(id))).toBe(balance);
  });

  it('lets a controller unfreeze a canister with a small update_settings, charged once it has applied', async () => {
    const { pic, id } = await setup();
    const perDay = (await pic.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    const balance = BigInt(await pic.getCyclesBalance(id));
    await pic.updateCanisterSettings({ canisterId: id, freezingThreshold: ((balance * 2n) / perDay) * 86_400n });
    expect(await failure(pic.updateCall({ canisterId: id, method: 'echo', arg: u32(1) }))).toMatch(/is out of cycles/);

    await pic.updateCanisterSettings({ canisterId: id, freezingThreshold: 0n });
    const paid = balance - BigInt(await pic.getCyclesBalance(id));
    // The fee of an update_settings message: more than the per-message part, a whole number of bytes.
    expect(paid).toBeGreaterThan(1_200_000n);
    expect((paid - 1_200_000n) % 2_000n).toBe(0n);
    expect(readI32(await pic.updateCall({ canisterId: id, method: 'echo', arg: u32(7) }))).toBe(7);
  });

  it('refuses, and does not charge, a management call from someone who does not control the canister', async () => {
    const { pic, id } = await setup();
    const before = BigInt(await pic.getCyclesBalance(id));
    expect(await failure(pic.startCanister({ canisterId: id, sender: stranger }))).toMatch(/Only controllers of canister/);
    expect(BigInt(await pic.getCyclesBalance(id))).toBe(before);
  });
});
