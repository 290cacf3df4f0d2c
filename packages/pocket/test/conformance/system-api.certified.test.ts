/**
 * System API, certified data group: `certified_data_set`, `data_certificate_present`, `data_certificate_size`,
 * `data_certificate_copy`. Oracle: IC interface spec § Certified data (at most 32 bytes; a query on the target
 * canister of a query call gets a certificate of `/canister/<id>/certified_data` and `/time`; updates and
 * replicated queries get none), § Certification (the certificate verifies against the root key), and the
 * replica's wording (`ic0_certified_data_set failed because …`, wrong-mode errors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';
import { Certificate, LookupPathStatus } from '@dfinity/agent';
import { Principal as AgentPrincipal } from '@dfinity/principal';

import { canister, install, newPic, readI32, text, u32, untext, type Principal } from '../support/canister.js';
import { REJECT_CODE, expectFailure, wrongMode } from '../support/system-api.js';

const MEMORY_BYTES = 65536;

const CERTIFIED = `
  (func $set (call $certified_data_set (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_update set") (call $set) (call $reply_empty))
  (func (export "canister_query set_q") (call $set) (call $reply_empty))
  (func (export "canister_update set_then_trap") (call $set) (call $trap (i32.const 8192) (i32.const 5)))
  (func (export "canister_update set_twice")
    (call $certified_data_set (i32.const 8192) (i32.const 5))
    (call $set)
    (call $reply_empty))
  ;; src = the first 4 argument bytes, size = the next 4
  (func (export "canister_update set_at")
    (call $msg_arg_data_copy (i32.const 0) (i32.const 0) (i32.const 8))
    (call $certified_data_set (i32.load (i32.const 0)) (i32.load (i32.const 4)))
    (call $reply_empty))
  (func (export "canister_init") (call $certified_data_set (i32.const 8192) (i32.const 5)))

  (func $present (call $reply_i32 (call $data_certificate_present)))
  (func (export "canister_query present") (call $present))
  (func (export "canister_update present_u") (call $present))

  (func $cert
    (local $n i32)
    (local.set $n (call $data_certificate_size))
    (call $data_certificate_copy (i32.const 4096) (i32.const 0) (local.get $n))
    (call $reply_data (i32.const 4096) (local.get $n)))
  (func (export "canister_query cert") (call $cert))
  ;; copies the certificate from offset 1 with its full size: one byte too many
  (func (export "canister_query cert_overrun")
    (call $data_certificate_copy (i32.const 4096) (i32.const 1) (call $data_certificate_size))
    (call $reply_empty))
  (func (export "canister_query cert_past_memory")
    (call $data_certificate_copy (i32.const ${MEMORY_BYTES - 8}) (i32.const 0) (call $data_certificate_size))
    (call $reply_empty))
  (func (export "canister_update cert_size_u") (drop (call $data_certificate_size)) (call $reply_empty))
  (func (export "canister_update cert_copy_u") (call $data_certificate_copy (i32.const 0) (i32.const 0) (i32.const 0)) (call $reply_empty))

  (data (i32.const 8192) "first")
`;
const IMPORTS = ['certified_data_set', 'data_certificate_present', 'data_certificate_size', 'data_certificate_copy'];

describe('System API: certified data', () => {
  let pic: PocketIc;
  let wasm: Uint8Array;
  let id: Principal;
  const update = (method: string, arg: Uint8Array = new Uint8Array(), canisterId = id) => pic.updateCall({ canisterId, method, arg });
  const query = (method: string, arg: Uint8Array = new Uint8Array(), canisterId = id) => pic.queryCall({ canisterId, method, arg });

  /** Verifies the data certificate a query of `canisterId` receives; returns its certified data and time. */
  async function certified(canisterId = id): Promise<{ data: Uint8Array; time: bigint }> {
    const subnet = await pic.getCanisterSubnetId(canisterId);
    expect(subnet).not.toBeNull();
    const rootKey = new Uint8Array(await pic.getPubKey(subnet!));
    const cert = await Certificate.create({
      certificate: await query('cert', new Uint8Array(), canisterId),
      rootKey,
      canisterId: AgentPrincipal.fromText(canisterId.toText()),
      disableTimeVerification: true,
    });
    const data = cert.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']);
    expect(data.status).toBe(LookupPathStatus.Found);
    const time = cert.lookup_path(['time']);
    expect(time.status).toBe(LookupPathStatus.Found);
    return { data: (data as { value: Uint8Array }).value, time: leb128((time as { value: Uint8Array }).value) };
  }

  beforeAll(async () => {
    pic = await newPic();
    wasm = await canister(CERTIFIED, IMPORTS);
    id = await install(pic, wasm);
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  describe('certified_data_set', () => {
    it('accepts up to 32 bytes', async () => {
      await update('set', new Uint8Array(32).fill(1));
      await update('set', new Uint8Array());
    });

    it('traps on more than 32 bytes', async () => {
      await expectFailure(
        update('set', new Uint8Array(33)),
        `Error from Canister ${id.toText()}: Canister violated contract: ic0_certified_data_set failed because the passed data must be no larger than 32 bytes. Found 33 bytes.`,
        REJECT_CODE.CanisterError,
      );
    });

    it('traps when src + size is outside the Wasm memory', async () => {
      const arg = new Uint8Array([...u32(MEMORY_BYTES - 4), ...u32(8)]);
      await expectFailure(
        update('set_at', arg),
        `ic0_certified_data_set failed because src + size is out of bounds. Found src = ${MEMORY_BYTES - 4} and size = 8 while src + size must be <= ${MEMORY_BYTES}`,
      );
    });

    it('cannot be called from a query, in either mode', async () => {
      await expectFailure(query('set_q', text('x')), `Canister violated contract: ${wrongMode('certified_data_set', 'NRQ')}`, REJECT_CODE.CanisterError);
      await expectFailure(pic.updateCall({ canisterId: id, method: 'set_q', arg: text('x') }), wrongMode('certified_data_set', 'RQ'));
    });
  });

  describe('data certificates', () => {
    it('are present in a query called as a query, and nowhere else', async () => {
      expect(readI32(await query('present'))).toBe(1);
      expect(readI32(await update('present_u'))).toBe(0);
      // The same query method executed in replicated mode, as an update call.
      expect(readI32(await pic.updateCall({ canisterId: id, method: 'present', arg: new Uint8Array() }))).toBe(0);
    });

    it('cannot be read in an update or a replicated query', async () => {
      await expectFailure(update('cert_size_u'), wrongMode('data_certificate_size', 'U'));
      await expectFailure(update('cert_copy_u'), wrongMode('data_certificate_copy', 'U'));
      await expectFailure(pic.updateCall({ canisterId: id, method: 'cert', arg: new Uint8Array() }), wrongMode('data_certificate_size', 'RQ'));
    });

    it('certify what canister_init set, then the latest value an update set', async () => {
      const fresh = await install(pic, wasm);
      expect(untext((await certified(fresh)).data)).toBe('first');
      await update('set', text('hello, certified world'), fresh);
      expect(untext((await certified(fresh)).data)).toBe('hello, certified world');
      await update('set_twice', text('last'), fresh);
      expect(untext((await certified(fresh)).data)).toBe('last');
    });

    it('certify the time of the state the query ran on', async () => {
      await update('set', text('t'));
      const { time } = await certified();
      const now = BigInt(await pic.getTime()) * 1_000_000n;
      expect(time).toBeGreaterThanOrEqual(now - 1_000_000_000n);
      expect(time).toBeLessThanOrEqual(now + 1_000_000_000n);
    });

    it('are empty certified data for a canister that never set any, and after a reinstall', async () => {
      const withoutInit = await canister(CERTIFIED.replace(/\(func \(export "canister_init"\)[^\n]*\n/, ''), IMPORTS);
      const plain = await install(pic, withoutInit);
      expect((await certified(plain)).data).toEqual(new Uint8Array());
      await update('set', text('something'), plain);
      expect(untext((await certified(plain)).data)).toBe('something');
      await pic.reinstallCode({ canisterId: plain, wasm: withoutInit });
      expect((await certified(plain)).data).toEqual(new Uint8Array());
    });

    it('keep the certified data when an update that set new data traps', async () => {
      await update('set', text('kept'));
      await expectFailure(update('set_then_trap', text('dropped')), "Canister called `ic0.trap` with message: 'first'");
      expect(untext((await certified()).data)).toBe('kept');
    });

    it('trap when the copy reads past the end of the certificate', async () => {
      await expectFailure(query('cert_overrun'), 'Canister violated contract: ic0_data_certificate_copy failed because offset + size is out of bounds. Found offset = 1 and size = ');
    });

    it('trap when the copy writes past the end of the Wasm memory', async () => {
      await expectFailure(query('cert_past_memory'), `Canister violated contract: ic0_data_certificate_copy failed because dst + size is out of bounds. Found dst = ${MEMORY_BYTES - 8} and size = `);
    });
  });
});

function leb128(bytes: Uint8Array): bigint {
  let value = 0n;
  let shift = 0n;
  for (const byte of bytes) {
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) break;
  }
  return value;
}
