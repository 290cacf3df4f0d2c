/** Cycles: what the caller sent, accepting it, refunds, burning, balances (IC spec § Cycles). */
import { traps } from '../errors.js';
import type { ExecutionContext } from './context.js';
import { u128, writeU128 } from './memory-access.js';

const U64_MAX = 2n ** 64n - 1n;

function fitsU64(api: string, value: bigint): bigint {
  if (value > U64_MAX) throw traps.wasm('cycles amount exceeds 64-bit representation');
  void api;
  return value;
}

/** The balance the canister may spend: above its freezing limit. */
export function liquidBalance(c: ExecutionContext): bigint {
  const liquid = c.balance - c.canister.freezingLimit;
  return liquid > 0n ? liquid : 0n;
}

/**
 * Cycles the call context still offers. After a response they are going back to the caller
 * with it, so the canister sees none (IC spec: responding sets `cycles_available` to 0); the
 * context keeps the amount so the refund carries it.
 */
function available(c: ExecutionContext): bigint {
  return c.response ? 0n : c.cyclesAvailable;
}

function accept(c: ExecutionContext, max: bigint): bigint {
  const left = available(c);
  const amount = max < left ? max : left;
  c.cyclesAvailable -= amount;
  c.cyclesAccepted += amount;
  c.balance += amount;
  return amount;
}

export function cyclesImports(ctx: () => ExecutionContext) {
  return {
    msg_cycles_available: () => fitsU64('ic0.msg_cycles_available', available(ctx())),
    msg_cycles_available128: (dst: number) => {
      const c = ctx();
      writeU128(c, 'ic0_msg_cycles_available128', dst, available(c));
    },
    msg_cycles_refunded: () => fitsU64('ic0.msg_cycles_refunded', ctx().cyclesRefunded),
    msg_cycles_refunded128: (dst: number) => {
      const c = ctx();
      writeU128(c, 'ic0_msg_cycles_refunded128', dst, c.cyclesRefunded);
    },
    msg_cycles_accept: (max: bigint) => accept(ctx(), BigInt.asUintN(64, max)),
    msg_cycles_accept128: (high: bigint, low: bigint, dst: number) => {
      const c = ctx();
      const amount = accept(c, u128(high, low));
      writeU128(c, 'ic0_msg_cycles_accept128', dst, amount);
    },
    cycles_burn128: (high: bigint, low: bigint, dst: number) => {
      const c = ctx();
      const wanted = u128(high, low);
      const liquid = liquidBalance(c);
      const burned = wanted < liquid ? wanted : liquid;
      c.balance -= burned;
      writeU128(c, 'ic0_cycles_burn128', dst, burned);
    },
    canister_cycle_balance: () => fitsU64('ic0.canister_cycle_balance', ctx().balance),
    canister_cycle_balance128: (dst: number) => {
      const c = ctx();
      writeU128(c, 'ic0_canister_cycle_balance128', dst, c.balance);
    },
    canister_liquid_cycle_balance128: (dst: number) => {
      const c = ctx();
      writeU128(c, 'ic0_canister_liquid_cycle_balance128', dst, liquidBalance(c));
    },
  };
}
