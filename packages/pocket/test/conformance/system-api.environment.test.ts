/**
 * System API, environment group: `canister_self_*`, `canister_version`, `canister_status`, `is_controller`,
 * `in_replicated_execution`, `debug_print`, `trap`, `canister_cycle_balance*`, `msg_cycles_available128`,
 * `msg_cycles_refunded128`, `cost_call`, `cost_create_canister`, `subnet_self_*`.
 * Oracle: IC interface spec § Canister id, § Canister version (incremented by every successful update,
 * replicated query, callback; `canister_post_upgrade` sees the new value), § Canister status, § Controller
 * check, § Replicated execution check, § Debugging aids, § Cycles, § Cost calculation, and the replica's wording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';
import { Principal as AgentPrincipal } from '@dfinity/principal';

import { canister, install, newPic, readI32, readI64, text, u32, untext, type Principal } from '../support/canister.js';
import { REJECT_CODE, concat, data, expectFailure, i64s, readUint } from '../support/system-api.js';

const MEMORY_BYTES = 65536;
const CYCLES_SENT = 1_000_000n;

// Heap: 3000 version seen by canister_init, 3008 version seen by pre_upgrade (via stable memory),
// 3016 version seen by post_upgrade, 3024 in_replicated_execution in canister_init.
const ENV = `
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)

  (func $self (call $canister_self_copy (i32.const 1024) (i32.const 0) (call $canister_self_size))
    (call $reply_data (i32.const 1024) (call $canister_self_size)))
  (func (export "canister_update self") (call $self))
  (func (export "canister_query self_q") (call $self))
  ;; copies the id from offset (arg bytes 0..4), size (arg bytes 4..8)
  (func (export "canister_query self_slice")
    (call $msg_arg_data_copy (i32.const 0) (i32.const 0) (i32.const 8))
    (call $canister_self_copy (i32.const 1024) (i32.load (i32.const 0)) (i32.load (i32.const 4)))
    (call $reply_data (i32.const 1024) (i32.load (i32.const 4))))

  (func (export "canister_init")
    (i64.store (i32.const 3000) (call $canister_version))
    (i64.store (i32.const 3024) (i64.extend_i32_u (call $in_replicated_execution))))
  (func (export "canister_query init_facts") (call $reply_data (i32.const 3000) (i32.const 32)))
  (func (export "canister_update version") (call $reply_i64 (call $canister_version)))
  (func (export "canister_query version_q") (call $reply_i64 (call $canister_version)))
  (func (export "canister_update version_then_trap")
    (drop (call $canister_version))
    (call $trap (i32.const 8208) (i32.const 4)))
  (func (export "canister_pre_upgrade")
    (if (i64.eqz (call $stable64_size)) (then (drop (call $stable64_grow (i64.const 1)))))
    (i64.store (i32.const 0) (call $canister_version))
    (call $stable64_write (i64.const 0) (i64.const 0) (i64.const 8)))
  (func (export "canister_post_upgrade")
    (call $stable64_read (i64.const 3008) (i64.const 0) (i64.const 8))
    (i64.store (i32.const 3016) (call $canister_version)))

  (func (export "canister_update status") (call $reply_i32 (call $canister_status)))
  (func (export "canister_query status_q") (call $reply_i32 (call $canister_status)))

  (func $check_controller (call $reply_i32 (call $is_controller (i32.const 1024) (call $arg_to (i32.const 1024)))))
  (func (export "canister_update is_controller") (call $check_controller))
  (func (export "canister_query is_controller_q") (call $check_controller))
  (func (export "canister_update is_controller_past_memory")
    (call $reply_i32 (call $is_controller (i32.const ${MEMORY_BYTES - 4}) (i32.const 10))))

  (func (export "canister_update replicated") (call $reply_i32 (call $in_replicated_execution)))
  (func (export "canister_query replicated_q") (call $reply_i32 (call $in_replicated_execution)))

  (func (export "canister_update debug_print")
    (call $debug_print (i32.const 8192) (i32.const 5))
    (call $debug_print (i32.const -16) (i32.const 100))
    (call $debug_print (i32.const 0) (i32.const -1))
    (call $debug_print (i32.const ${MEMORY_BYTES - 2}) (i32.const 100))
    (call $reply_data (i32.const 8192) (i32.const 5)))
  (func (export "canister_query debug_print_q")
    (call $debug_print (i32.const -16) (i32.const 100))
    (call $reply_data (i32.const 8192) (i32.const 5)))

  (func (export "canister_update trap") (call $trap (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_query trap_q") (call $trap (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_update trap_past_memory") (call $trap (i32.const ${MEMORY_BYTES - 4}) (i32.const 100)))
  (func (export "canister_update unreachable") unreachable)

  (func $balance (call $canister_cycle_balance128 (i32.const 1024)) (call $reply_data (i32.const 1024) (i32.const 16)))
  (func (export "canister_update balance") (call $balance))
  (func (export "canister_query balance_q") (call $balance))
  (func (export "canister_update balance64") (call $reply_i64 (call $canister_cycle_balance)))
  (func (export "canister_update balance_past_memory")
    (call $canister_cycle_balance128 (i32.const ${MEMORY_BYTES - 8}))
    (call $reply_empty))
  (func (export "canister_update available")
    (call $msg_cycles_available128 (i32.const 1024))
    (call $reply_data (i32.const 1024) (i32.const 16)))

  ;; Calls its own "available" method with ${CYCLES_SENT} cycles; replies what the callee saw (16 bytes)
  ;; followed by the refund the callback saw (16 bytes).
  (func (export "canister_update call_self")
    (call $canister_self_copy (i32.const 512) (i32.const 0) (call $canister_self_size))
    (call $call_new (i32.const 512) (call $canister_self_size) (i32.const 8224) (i32.const 9)
      (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_cycles_add128 (i64.const 0) (i64.const ${CYCLES_SENT}))
    (if (call $call_perform) (then (unreachable))))
  (func $on_reply (param $env i32)
    (local $n i32)
    (local.set $n (call $arg_to (i32.const 1024)))
    (call $msg_cycles_refunded128 (i32.add (i32.const 1024) (local.get $n)))
    (call $reply_data (i32.const 1024) (i32.add (local.get $n) (i32.const 16))))
  (func $on_reject (param $env i32) (call $trap (i32.const 8240) (i32.const 8)))

  ${data(8192, 'fine!')}
  ${data(8208, 'oops')}
  ${data(8224, 'available')}
  ${data(8240, 'rejected')}
`;
const IMPORTS = [
  'canister_self_size', 'canister_self_copy', 'canister_version', 'canister_status', 'is_controller',
  'in_replicated_execution', 'canister_cycle_balance', 'canister_cycle_balance128', 'msg_cycles_available128',
  'msg_cycles_refunded128', 'call_new', 'call_cycles_add128', 'call_perform', 'stable64_size', 'stable64_grow',
  'stable64_read', 'stable64_write',
];

// Newer System API functions live in canisters of their own, so that a replica without them only fails
// the tests that use them.
const SUBNET = `
  (func (export "canister_query subnet")
    (call $subnet_self_copy (i32.const 1024) (i32.const 0) (call $subnet_self_size))
    (call $reply_data (i32.const 1024) (call $subnet_self_size)))
`;
const COSTS = `
  (func (export "canister_query costs")
    (call $cost_call (i64.const 10) (i64.const 0) (i32.const 1024))
    (call $cost_call (i64.const 10) (i64.const 1000000) (i32.const 1040))
    (call $cost_create_canister (i32.const 1056))
    (call $reply_data (i32.const 1024) (i32.const 48)))
`;

const alice = AgentPrincipal.selfAuthenticating(new Uint8Array(44).fill(7)) as unknown as Principal;
const bob = AgentPrincipal.selfAuthenticating(new Uint8Array(44).fill(9)) as unknown as Principal;
const u128 = (bytes: Uint8Array, at = 0) => readUint(bytes, at, 16);

describe('System API: environment', () => {
  let pic: PocketIc;
  let wasm: Uint8Array;
  let id: Principal;
  const update = (method: string, arg: Uint8Array = new Uint8Array(), canisterId = id) => pic.updateCall({ canisterId, method, arg, sender: alice });
  const query = (method: string, arg: Uint8Array = new Uint8Array(), canisterId = id) => pic.queryCall({ canisterId, method, arg, sender: alice });

  beforeAll(async () => {
    pic = await newPic();
    wasm = await canister(ENV, IMPORTS);
    id = await install(pic, wasm, { sender: alice, controllers: [alice] });
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  describe('canister_self', () => {
    it('is the canister id, in updates and queries', async () => {
      expect(await update('self')).toEqual(id.toUint8Array());
      expect(await query('self_q')).toEqual(id.toUint8Array());
    });

    it('copies a slice of the id, and traps past its end', async () => {
      const bytes = id.toUint8Array();
      expect(await query('self_slice', concat(u32(2), u32(bytes.length - 2)))).toEqual(bytes.subarray(2));
      await expectFailure(
        query('self_slice', concat(u32(0), u32(bytes.length + 1))),
        `Canister violated contract: ic0.canister_self_copy id: src=0 + length=${bytes.length + 1} exceeds the slice size=${bytes.length}`,
      );
    });
  });

  describe('canister_version', () => {
    it('is already incremented by the installation when canister_init runs', async () => {
      const [initVersion] = i64s(await query('init_facts'));
      expect(initVersion).toBeGreaterThanOrEqual(1n);
      const fresh = await install(pic, wasm, { sender: alice, controllers: [alice] });
      const [freshInit] = i64s(await query('init_facts', new Uint8Array(), fresh));
      expect(readI64(await update('version', new Uint8Array(), fresh))).toBe(freshInit);
    });

    it('increments after every successful update, not after one that traps', async () => {
      const v = readI64(await update('version'));
      expect(readI64(await update('version'))).toBe(v + 1n);
      await expectFailure(update('version_then_trap'), "Canister called `ic0.trap` with message: 'oops'");
      expect(readI64(await update('version'))).toBe(v + 2n);
      // A query sees the version of the state it runs on, and does not change it.
      expect(readI64(await query('version_q'))).toBe(v + 3n);
      expect(readI64(await query('version_q'))).toBe(v + 3n);
    });

    it('increments after a query method executed in replicated mode', async () => {
      const v = readI64(await update('version'));
      expect(readI64(await pic.updateCall({ canisterId: id, method: 'version_q', arg: new Uint8Array() }))).toBe(v + 1n);
      expect(readI64(await update('version'))).toBe(v + 2n);
    });

    it('is seen by canister_post_upgrade one higher than by canister_pre_upgrade', async () => {
      const before = readI64(await update('version'));
      await pic.upgradeCanister({ canisterId: id, wasm, sender: alice });
      const [, pre, post] = i64s(await query('init_facts'));
      expect(pre).toBe(before + 1n);
      expect(post).toBe(pre! + 1n);
      expect(readI64(await update('version'))).toBe(post);
    });
  });

  describe('canister_status', () => {
    it('is 1 (running) while the canister runs', async () => {
      expect(readI32(await update('status'))).toBe(1);
      expect(readI32(await query('status_q'))).toBe(1);
    });
  });

  describe('is_controller', () => {
    it('is 1 for a controller and 0 for any other principal', async () => {
      expect(readI32(await update('is_controller', alice.toUint8Array()))).toBe(1);
      expect(readI32(await query('is_controller_q', alice.toUint8Array()))).toBe(1);
      expect(readI32(await update('is_controller', bob.toUint8Array()))).toBe(0);
      expect(readI32(await update('is_controller', Uint8Array.from([0x04])))).toBe(0); // anonymous
      expect(readI32(await update('is_controller', new Uint8Array()))).toBe(0); // the management canister
      expect(readI32(await update('is_controller', id.toUint8Array()))).toBe(0); // itself, not a controller
    });

    it('traps when the bytes are not a valid principal (more than 29 bytes)', async () => {
      expect(readI32(await update('is_controller', new Uint8Array(29).fill(1)))).toBe(0);
      await expectFailure(
        update('is_controller', new Uint8Array(30).fill(1)),
        new RegExp(`Error from Canister ${id.toText()}: Canister provided invalid principal id`),
        REJECT_CODE.CanisterError,
      );
    });

    it('traps when the principal is outside the Wasm memory', async () => {
      await expectFailure(
        update('is_controller_past_memory'),
        `Canister violated contract: ic0.is_controller: src=${MEMORY_BYTES - 4} + length=10 exceeds the slice size=${MEMORY_BYTES}`,
      );
    });
  });

  describe('in_replicated_execution', () => {
    it('is 1 in updates, replicated queries and canister_init, 0 in queries called as queries', async () => {
      expect(readI32(await update('replicated'))).toBe(1);
      expect(readI32(await pic.updateCall({ canisterId: id, method: 'replicated_q', arg: new Uint8Array() }))).toBe(1);
      expect(readI32(await query('replicated_q'))).toBe(0);
      const fresh = await install(pic, wasm, { sender: alice, controllers: [alice] });
      const [, , , initReplicated] = i64s(await query('init_facts', new Uint8Array(), fresh));
      expect(initReplicated).toBe(1n);
    });
  });

  describe('debug_print', () => {
    it('never traps, even for ranges outside the Wasm memory', async () => {
      expect(untext(await update('debug_print'))).toBe('fine!');
      expect(untext(await query('debug_print_q'))).toBe('fine!');
    });
  });

  describe('trap', () => {
    it('rejects with the message, quoted', async () => {
      await expectFailure(
        update('trap', text('the reason')),
        `Error from Canister ${id.toText()}: Canister called \`ic0.trap\` with message: 'the reason'`,
        REJECT_CODE.CanisterError,
        /Error code: (CanisterCalledTrap|IC0503|503)\b/,
      );
      await expectFailure(query('trap_q', text('in a query')), "Canister called `ic0.trap` with message: 'in a query'");
    });

    it('accepts an empty message', async () => {
      await expectFailure(update('trap'), "Canister called `ic0.trap` with message: ''");
    });

    it('still traps when the message is outside the Wasm memory', async () => {
      await expectFailure(update('trap_past_memory'), "Canister called `ic0.trap` with message: '(trap message out of memory bounds)'");
    });

    it('is worded differently from a Wasm trap', async () => {
      await expectFailure(update('unreachable'), 'Canister trapped: unreachable', /Error code: (CanisterTrapped|IC0502|502)\b/);
    });
  });

  describe('cycles', () => {
    it('canister_cycle_balance128 is the balance, at most what it was before the message', async () => {
      const before = await pic.getCyclesBalance(id);
      const seen = u128(await update('balance'));
      expect(seen).toBeGreaterThan(0n);
      expect(seen).toBeLessThanOrEqual(before);
      const seenByQuery = u128(await query('balance_q'));
      expect(seenByQuery).toBeGreaterThan(0n);
      expect(seenByQuery).toBeLessThanOrEqual(before);
      const seen64 = readI64(await update('balance64'));
      expect(seen64).toBeGreaterThan(0n);
      expect(seen64).toBeLessThanOrEqual(before);
    });

    it('canister_cycle_balance traps when the balance does not fit in 64 bits; the 128-bit call does not', async () => {
      const rich = await install(pic, wasm, { sender: alice, controllers: [alice], cycles: 10n ** 20n });
      expect(u128(await update('balance', new Uint8Array(), rich))).toBeGreaterThan(2n ** 64n);
      await expectFailure(update('balance64', new Uint8Array(), rich), 'Canister trapped: cycles amount exceeds 64-bit representation');
    });

    it('canister_cycle_balance128 traps when its 16 bytes do not fit in the Wasm memory', async () => {
      await expectFailure(
        update('balance_past_memory'),
        'Canister violated contract: ic0_canister_cycle_balance128 failed because dst + size is out of bounds.',
      );
    });

    it('msg_cycles_available128 is 0 for an ingress message', async () => {
      expect(u128(await update('available'))).toBe(0n);
    });

    it('msg_cycles_available128 is what the caller attached; what is not accepted is refunded', async () => {
      const reply = await update('call_self');
      expect(u128(reply, 0)).toBe(CYCLES_SENT);
      expect(u128(reply, 16)).toBe(CYCLES_SENT);
    });
  });

  describe('cost_call and cost_create_canister', () => {
    it('are non-zero, and a call costs more with a larger payload', async () => {
      const costs = await install(pic, await canister(COSTS, ['cost_call', 'cost_create_canister']));
      const reply = await pic.queryCall({ canisterId: costs, method: 'costs' });
      const [small, large, create] = [u128(reply, 0), u128(reply, 16), u128(reply, 32)];
      expect(small).toBeGreaterThan(0n);
      expect(large).toBeGreaterThan(small);
      // On a 13-node subnet: the call (260 K) and its 10 bytes (1,000 each), and what the caller
      // reserves for the response: the largest one's bytes (2 MiB at 1,000) and a callback of the
      // whole 40 B limit (5 M + 1 per instruction). IC spec § ic0.cost_call; replica:
      // `xnet_call_total_fee`.
      expect(small).toBe(260_000n + 10n * 1_000n + 2_097_152n * 1_000n + 5_000_000n + 40_000_000_000n);
      expect(large - small).toBe(1_000_000n * 1_000n);
      expect(create).toBeGreaterThan(0n);
    });
  });

  describe('subnet_self', () => {
    it('is the id of the subnet the canister runs on', async () => {
      const subnetCanister = await install(pic, await canister(SUBNET, ['subnet_self_size', 'subnet_self_copy']));
      const subnet = await pic.getCanisterSubnetId(subnetCanister);
      expect(subnet).not.toBeNull();
      expect(await pic.queryCall({ canisterId: subnetCanister, method: 'subnet' })).toEqual(subnet!.toUint8Array());
    });
  });
});
