/**
 * System API, message group: `msg_arg_data_*`, `msg_caller_*`, `msg_reply*`, `msg_reject`, the reply size
 * limits, and ingress inspection (`canister_inspect_message`, `msg_method_name_*`, `accept_message`).
 * Oracle: IC interface spec § Method arguments, § Responding, § Ingress message inspection, and the replica's
 * wording (`rs/embedders` system API, `HypervisorError`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';
import { Principal as AgentPrincipal } from '@dfinity/principal';

import { canister, install, newPic, readI64, text, u32, untext, type Principal } from '../support/canister.js';
import { REJECT_CODE, data, expectFailure } from '../support/system-api.js';

const MiB = 1024 * 1024;
/** 50 pages: room for a reply over the 3 MiB query limit. */
const MEMORY_BYTES = 50 * 65536;

const MESSAGE = `
  (func (export "canister_init")
    (i32.store (i32.const 4092) (call $msg_caller_size))
    (call $msg_caller_copy (i32.const 4096) (i32.const 0) (call $msg_caller_size)))
  (func (export "canister_query init_caller") (call $reply_data (i32.const 4096) (i32.load (i32.const 4092))))

  (func $echo (call $reply_data (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_update echo") (call $echo))
  (func (export "canister_query echo_q") (call $echo))
  (func (export "canister_update arg_slice")
    (call $msg_arg_data_copy (i32.const 1024) (i32.const 2) (i32.const 3))
    (call $reply_data (i32.const 1024) (i32.const 3)))
  (func (export "canister_update arg_past_end")
    (call $msg_arg_data_copy (i32.const 1024) (i32.const 0) (i32.const 10))
    (call $reply_empty))
  (func (export "canister_update arg_past_memory")
    (call $msg_arg_data_copy (i32.const ${MEMORY_BYTES}) (i32.const 0) (i32.const 1))
    (call $reply_empty))

  (func $caller
    (call $msg_caller_copy (i32.const 1024) (i32.const 0) (call $msg_caller_size))
    (call $reply_data (i32.const 1024) (call $msg_caller_size)))
  (func (export "canister_update caller") (call $caller))
  (func (export "canister_query caller_q") (call $caller))

  (func $reply_twice (call $reply_empty) (call $reply_empty))
  (func (export "canister_update reply_twice") (call $reply_twice))
  (func (export "canister_query reply_twice_q") (call $reply_twice))
  (func (export "canister_update reject_after_reply")
    (call $reply_empty)
    (call $msg_reject (i32.const 8192) (i32.const 2)))
  (func (export "canister_update reply_after_reject")
    (call $msg_reject (i32.const 8192) (i32.const 2))
    (call $msg_reply))
  (func (export "canister_update reject_twice")
    (call $msg_reject (i32.const 8192) (i32.const 2))
    (call $msg_reject (i32.const 8192) (i32.const 2)))
  (func (export "canister_update append_after_reply")
    (call $reply_empty)
    (call $msg_reply_data_append (i32.const 8192) (i32.const 2)))

  (func $reject_with_arg (call $msg_reject (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_update reject") (call $reject_with_arg))
  (func (export "canister_query reject_q") (call $reject_with_arg))
  (func (export "canister_update append_then_reject")
    (call $msg_reply_data_append (i32.const 8208) (i32.const 4))
    (call $msg_reject (i32.const 8224) (i32.const 9)))
  (func (export "canister_update append_without_reply")
    (call $msg_reply_data_append (i32.const 8208) (i32.const 4)))
  (func (export "canister_update reject_invalid_utf8")
    (call $msg_reject (i32.const 8240) (i32.const 2)))

  ;; Replies of n bytes (the first 4 argument bytes), appended in one part or in two.
  (func $reply_n (call $msg_reply_data_append (i32.const 0) (call $arg_i32)) (call $msg_reply))
  (func (export "canister_update reply_n") (call $reply_n))
  (func (export "canister_query reply_n_q") (call $reply_n))
  (func (export "canister_update reply_n_in_two_parts")
    (local $n i32)
    (local.set $n (call $arg_i32))
    (call $msg_reply_data_append (i32.const 0) (i32.shr_u (local.get $n) (i32.const 1)))
    (call $msg_reply_data_append (i32.const 0) (i32.sub (local.get $n) (i32.shr_u (local.get $n) (i32.const 1))))
    (call $msg_reply))
  (func (export "canister_update reject_n")
    (call $msg_reject (i32.const 0) (call $arg_i32)))

  ${data(8192, 'no')}
  ${data(8208, 'junk')}
  ${data(8224, 'discarded')}
  ${data(8240, new Uint8Array([0xff, 0xfe]))}
`;

// Accepts "allowed" (unless its argument is "no"), "signed_only" from non-anonymous callers; accepts
// "twice" twice; traps for "boom"; refuses everything else, including the query method "q".
const INSPECTED = `
  (global $count (mut i64) (i64.const 0))
  (func $memeq (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $alen) (local.get $blen)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $alen)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i))) (i32.load8_u (i32.add (local.get $b) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1))
  (func (export "canister_inspect_message")
    (local $n i32)
    (local.set $n (call $msg_method_name_size))
    (call $msg_method_name_copy (i32.const 2048) (i32.const 0) (local.get $n))
    (if (call $memeq (i32.const 2048) (local.get $n) (i32.const 8192) (i32.const 7))
      (then
        (if (call $memeq (i32.const 3072) (call $arg_to (i32.const 3072)) (i32.const 8256) (i32.const 2)) (then (return)))
        (call $accept_message)
        (return)))
    (if (call $memeq (i32.const 2048) (local.get $n) (i32.const 8208) (i32.const 5))
      (then (call $accept_message) (call $accept_message) (return)))
    (if (call $memeq (i32.const 2048) (local.get $n) (i32.const 8224) (i32.const 4))
      (then (call $trap (i32.const 8224) (i32.const 4))))
    (if (call $memeq (i32.const 2048) (local.get $n) (i32.const 8240) (i32.const 11))
      (then (if (i32.ne (call $msg_caller_size) (i32.const 1)) (then (call $accept_message))))))
  (func $count (global.set $count (i64.add (global.get $count) (i64.const 1))) (call $reply_i64 (global.get $count)))
  (func (export "canister_update allowed") (call $count))
  (func (export "canister_update denied") (call $count))
  (func (export "canister_update twice") (call $count))
  (func (export "canister_update boom") (call $count))
  (func (export "canister_update signed_only") (call $count))
  (func (export "canister_query q") (call $reply_i64 (global.get $count)))
  (func (export "canister_query count") (call $reply_i64 (global.get $count)))
  ${data(8192, 'allowed')}
  ${data(8208, 'twice')}
  ${data(8224, 'boom')}
  ${data(8240, 'signed_only')}
  ${data(8256, 'no')}
`;

const ANONYMOUS = Uint8Array.from([0x04]);
const alice = AgentPrincipal.selfAuthenticating(new Uint8Array(44).fill(7)) as unknown as Principal;
const bob = AgentPrincipal.selfAuthenticating(new Uint8Array(44).fill(9)) as unknown as Principal;

describe('System API: message', () => {
  let pic: PocketIc;
  let id: Principal;
  let inspected: Principal;
  const update = (method: string, arg: Uint8Array = new Uint8Array(), sender?: Principal) => pic.updateCall({ canisterId: id, method, arg, sender });
  const query = (method: string, arg: Uint8Array = new Uint8Array(), sender?: Principal) => pic.queryCall({ canisterId: id, method, arg, sender });

  beforeAll(async () => {
    pic = await newPic();
    const wasm = await canister(MESSAGE, ['msg_caller_size', 'msg_caller_copy'], { memory: '(memory (export "memory") 50)' });
    id = await install(pic, wasm, { sender: alice });
    inspected = await install(pic, await canister(INSPECTED, ['msg_method_name_size', 'msg_method_name_copy', 'accept_message', 'msg_caller_size']));
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  describe('msg_arg_data', () => {
    it('hands updates and queries their argument unchanged, empty or not', async () => {
      const arg = Uint8Array.from({ length: 1000 }, (_, k) => (k * 7) & 0xff);
      expect(await update('echo', arg)).toEqual(arg);
      expect(await query('echo_q', arg)).toEqual(arg);
      expect(await update('echo')).toEqual(new Uint8Array());
      expect(await query('echo_q')).toEqual(new Uint8Array());
    });

    it('copies a slice of the argument from an offset', async () => {
      expect(untext(await update('arg_slice', text('abcdefg')))).toBe('cde');
    });

    it('traps when the copy reads past the end of the argument', async () => {
      await expectFailure(
        update('arg_past_end'),
        `Error from Canister ${id.toText()}: Canister violated contract: ic0.msg_arg_data_copy payload: src=0 + length=10 exceeds the slice size=0`,
        REJECT_CODE.CanisterError,
      );
    });

    it('traps when the copy writes past the end of the Wasm memory', async () => {
      await expectFailure(
        update('arg_past_memory', text('x')),
        `Canister violated contract: ic0.msg_arg_data_copy heap: src=${MEMORY_BYTES} + length=1 exceeds the slice size=${MEMORY_BYTES}`,
      );
    });
  });

  describe('msg_caller', () => {
    it('is the anonymous principal for an anonymous sender, in updates and queries', async () => {
      expect(await update('caller')).toEqual(ANONYMOUS);
      expect(await query('caller_q')).toEqual(ANONYMOUS);
    });

    it('is the sender of the message', async () => {
      expect(await update('caller', new Uint8Array(), bob)).toEqual(bob.toUint8Array());
      expect(await query('caller_q', new Uint8Array(), bob)).toEqual(bob.toUint8Array());
    });

    it('is the installer in canister_init', async () => {
      expect(await query('init_caller')).toEqual(alice.toUint8Array());
    });
  });

  describe('msg_reply and msg_reject', () => {
    it('traps on a second msg_reply, in updates and queries', async () => {
      await expectFailure(update('reply_twice'), 'Canister violated contract: ic0.msg_reply: the call is already replied', REJECT_CODE.CanisterError);
      await expectFailure(query('reply_twice_q'), 'Canister violated contract: ic0.msg_reply: the call is already replied');
    });

    it('traps on msg_reject after msg_reply, and on msg_reply after msg_reject', async () => {
      await expectFailure(update('reject_after_reply'), 'ic0.msg_reject: the call is already replied');
      await expectFailure(update('reply_after_reject'), 'ic0.msg_reply: the call is already replied');
      await expectFailure(update('reject_twice'), 'ic0.msg_reject: the call is already replied');
    });

    it('traps on msg_reply_data_append after msg_reply', async () => {
      await expectFailure(update('append_after_reply'), 'ic0.msg_reply_data_append: the call is already replied');
    });

    it('delivers the reject message verbatim with reject code CANISTER_REJECT', async () => {
      const reason = 'not today, thank you';
      const fromUpdate = await expectFailure(update('reject', text(reason)), REJECT_CODE.CanisterReject);
      // The canister's own message, without an "Error from Canister" frame.
      expect(fromUpdate).toContain(`Canister call failed: ${reason}. Reject code:`);
      const fromQuery = await expectFailure(query('reject_q', text(reason)), REJECT_CODE.CanisterReject);
      expect(fromQuery).toContain(`Canister call failed: ${reason}. Reject code:`);
    });

    it('discards the appended reply data when the call is rejected', async () => {
      const message = await expectFailure(update('append_then_reject'), REJECT_CODE.CanisterReject);
      expect(message).toContain('Canister call failed: discarded. Reject code:');
      expect(message).not.toContain('junk');
    });

    it('does not reply with appended data unless msg_reply is called', async () => {
      await expectFailure(update('append_without_reply'), `Canister ${id.toText()} did not reply to the call`, REJECT_CODE.CanisterError);
    });

    it('traps when the reject message is not valid UTF-8', async () => {
      await expectFailure(update('reject_invalid_utf8'), 'ic0.msg_reject: invalid UTF-8 string provided');
    });
  });

  describe('reply size limits', () => {
    it('lets a replicated reply be exactly 2 MiB', async () => {
      expect((await update('reply_n', u32(2 * MiB))).length).toBe(2 * MiB);
    });

    it('traps when an update reply exceeds 2 MiB, counting every appended part', async () => {
      const tooLarge = 'ic0.msg_reply_data_append: application payload size (2097153) cannot be larger than 2097152';
      await expectFailure(update('reply_n', u32(2 * MiB + 1)), tooLarge, REJECT_CODE.CanisterError);
      await expectFailure(update('reply_n_in_two_parts', u32(2 * MiB + 1)), tooLarge);
    });

    it('applies the 2 MiB limit to a query method executed in replicated mode', async () => {
      await expectFailure(
        pic.updateCall({ canisterId: id, method: 'reply_n_q', arg: u32(2 * MiB + 1) }),
        'ic0.msg_reply_data_append: application payload size (2097153) cannot be larger than 2097152',
      );
    });

    it('allows up to 3 MiB in a non-replicated query', async () => {
      expect((await query('reply_n_q', u32(2 * MiB + 1))).length).toBe(2 * MiB + 1);
      await expectFailure(
        query('reply_n_q', u32(3 * MiB + 1)),
        'ic0.msg_reply_data_append: application payload size (3145729) cannot be larger than 3145728',
      );
    });

    it('traps when a reject message exceeds 2 MiB', async () => {
      await expectFailure(update('reject_n', u32(2 * MiB + 1)), 'ic0.msg_reject: application payload size (2097153) cannot be larger than 2097152');
    });
  });

  describe('canister_inspect_message', () => {
    const call = (method: string, arg: Uint8Array = new Uint8Array(), sender?: Principal) => pic.updateCall({ canisterId: inspected, method, arg, sender });
    const count = async () => readI64(await pic.queryCall({ canisterId: inspected, method: 'count' }));

    it('lets the message through when it calls accept_message, seeing the method name', async () => {
      const before = await count();
      expect(readI64(await call('allowed'))).toBe(before + 1n);
    });

    it('refuses the message when accept_message is not called, and the method never runs', async () => {
      const before = await count();
      await expectFailure(call('denied'), `Error from Canister ${inspected.toText()}: Canister rejected the message`, REJECT_CODE.CanisterReject);
      expect(await count()).toBe(before);
    });

    it('sees the argument of the message', async () => {
      const before = await count();
      await expectFailure(call('allowed', text('no')), 'Canister rejected the message');
      expect(readI64(await call('allowed', text('yes')))).toBe(before + 1n);
    });

    it('sees the sender of the message', async () => {
      await expectFailure(call('signed_only'), 'Canister rejected the message');
      const before = await count();
      expect(readI64(await call('signed_only', new Uint8Array(), alice))).toBe(before + 1n);
    });

    it('traps when accept_message is called twice', async () => {
      const before = await count();
      await expectFailure(call('twice'), 'Canister violated contract: ic0.accept_message: the function was already called.');
      expect(await count()).toBe(before);
    });

    it('refuses the message when it traps, with the trap message', async () => {
      await expectFailure(call('boom'), "Canister called `ic0.trap` with message: 'boom'");
    });

    it('is not run for query calls, but is run for a query method called as an update', async () => {
      expect(await pic.queryCall({ canisterId: inspected, method: 'q' })).toHaveLength(8);
      await expectFailure(call('q'), 'Canister rejected the message');
    });
  });
});
