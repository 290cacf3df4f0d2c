import { randomBytes } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FakeIc, type Method } from '../../test/fake-ic.js';
import { principalOf, sha } from '../../test/fixtures.js';
import type { Step } from './model.js';
import { confirmModule, EffectError, installStaged, runStep, stageChunks } from './steps.js';

const TARGET = principalOf(20);
const STORE = principalOf(21);
const ARG = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0, 0]);

const bytes = (n: number, fill?: number) => (fill === undefined ? new Uint8Array(randomBytes(n)) : new Uint8Array(n).fill(fill));

/** The module the target runs before the step. */
const OLD = bytes(300, 0xaa);

/** A target running OLD and a published version of three chunks, declared as `declare` says. */
function setup(declare: 'reply' | 'version' | 'none' = 'reply', chunks = [bytes(100), bytes(100), bytes(37)]) {
  const ic = new FakeIc().addCanister(TARGET, OLD).addCanister(STORE, undefined);
  const version = ic.publish(chunks, declare, { previousHash: sha(OLD) });
  const step: Step = { from: sha(OLD), to: version.hash, version: version.version };
  return { ic, version, step, chunks };
}

/** The invariant after any failure: the previous module, running, nothing left in the chunk store. */
function expectUntouched(ic: FakeIc, target = TARGET, store = target) {
  expect(ic.moduleOf(target)).toBe(sha(OLD));
  expect(ic.statusOf(target)).toBe('running');
  expect(ic.storeSize(store)).toBe(0);
}

const failureOf = (r: { ok: true } | { failure: unknown } | { chunkHashes: string[] }) => {
  if (!('failure' in r)) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r.failure as { kind: string; message: string; method?: string };
};

describe('runStep: the happy path', () => {
  it.each(['reply', 'version', 'none'] as const)('installs the version (chunk hashes declared: %s)', async (declare) => {
    const { ic, version, step, chunks } = setup(declare);
    expect(await runStep(ic, step, version, TARGET, ARG)).toEqual({ ok: true });
    expect(ic.moduleOf(TARGET)).toBe(version.hash);
    expect(ic.statusOf(TARGET)).toBe('running');
    expect(ic.storeSize(TARGET)).toBe(0);
    expect(ic.installs).toEqual([{ target: TARGET, store: TARGET, chunkHashes: chunks.map(sha), moduleHash: version.hash, arg: ARG }]);
  });

  it('clears, uploads every chunk, stops, installs while stopped, starts, clears, reads the module hash — in that order', async () => {
    const { ic, version, step } = setup();
    await runStep(ic, step, version, TARGET, ARG);
    expect(ic.effects).toEqual([
      `clear ${TARGET}`,
      'chunk 0', `upload ${TARGET}`,
      'chunk 1', `upload ${TARGET}`,
      'chunk 2', `upload ${TARGET}`,
      `stop ${TARGET}`,
      `install ${TARGET} from ${TARGET} (stopped)`,
      `start ${TARGET}`,
      `clear ${TARGET}`,
      `status ${TARGET}`,
    ]);
  });

  it('clears chunks an earlier attempt left in the store before uploading', async () => {
    const { ic, version, step } = setup('none');
    ic.putInStore(TARGET, bytes(10, 1));
    ic.putInStore(TARGET, bytes(10, 2));
    expect(await runStep(ic, step, version, TARGET, ARG)).toEqual({ ok: true });
    expect(ic.installs[0]!.chunkHashes).toHaveLength(3);
    expect(ic.storeSize(TARGET)).toBe(0);
  });

  it('installs a module whose chunks repeat (the store keeps one copy, the list names it twice)', async () => {
    const same = bytes(64, 7);
    const { ic, version, step } = setup('reply', [same, bytes(10, 1), same]);
    expect(await runStep(ic, step, version, TARGET, ARG)).toEqual({ ok: true });
    expect(ic.moduleOf(TARGET)).toBe(version.hash);
    expect(ic.installs[0]!.chunkHashes).toEqual([sha(same), sha(bytes(10, 1)), sha(same)]);
  });
});

describe('runStep: failures leave the target as it was', () => {
  it('the registry rejects a chunk: RegistryUnavailable, target never stopped', async () => {
    const { ic, version, step } = setup();
    ic.after('upload_chunk', () => ic.reject('icrc118_get_wasm_chunk'));
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f.kind).toBe('RegistryUnavailable');
    expect(f.message).toMatch(/^icrc118_get_wasm_chunk: /);
    expect(ic.effects).not.toContain(`stop ${TARGET}`);
    expect(ic.installs).toEqual([]);
    expect(ic.effects.at(-1)).toBe(`clear ${TARGET}`);
    expectUntouched(ic);
  });

  it('the registry does not have a chunk it counted: RegistryUnavailable', async () => {
    const { ic, version, step } = setup();
    const f = failureOf(await runStep(ic, step, { ...version, chunks: 4 }, TARGET, ARG));
    expect(f.kind).toBe('RegistryUnavailable');
    expect(f.message).toMatch(/chunk 3/);
    expectUntouched(ic);
  });

  it.each(['reply', 'version'] as const)('a chunk whose IC hash differs from the declared one (declared in the %s): refused before install', async (declare) => {
    const { ic, version, step, chunks } = setup(declare);
    const tampered = Uint8Array.from(chunks[1]!);
    tampered[5]! ^= 1;
    ic.tamper(version.hash, 1, tampered);
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f).toMatchObject({ kind: 'ChunkHashMismatch', chunk: 1, expected: sha(chunks[1]!), actual: sha(tampered) });
    expect(f.message).toMatch(/nothing was installed/);
    // Caught as it landed: chunk 2 never moved, the target was never stopped.
    expect(ic.effects).toEqual([`clear ${TARGET}`, 'chunk 0', `upload ${TARGET}`, 'chunk 1', `upload ${TARGET}`, `clear ${TARGET}`]);
    expectUntouched(ic);
  });

  it('no declared hashes and a wrong module: install refused by the IC, target started again, store emptied', async () => {
    const { ic, version, step, chunks } = setup('none');
    const tampered = Uint8Array.from(chunks[2]!);
    tampered[0]! ^= 0xff;
    ic.tamper(version.hash, 2, tampered);
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f.kind).toBe('InstallRejected');
    expect(f.message).toMatch(/^install_chunked_code: .*hashes to/);
    expect(ic.effects.slice(-3)).toEqual([`install ${TARGET} from ${TARGET} (stopped)`, `start ${TARGET}`, `clear ${TARGET}`]);
    expect(ic.effects).not.toContain(`status ${TARGET}`);
    expectUntouched(ic);
  });

  it('stop rejected: ManagementRejected, no install, target started again, store emptied', async () => {
    const { ic, version, step } = setup();
    ic.reject('stop_canister', 1);
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f).toMatchObject({ kind: 'ManagementRejected', method: 'stop_canister' });
    expect(ic.installs).toEqual([]);
    expect(ic.effects.slice(-3)).toEqual([`stop ${TARGET}`, `start ${TARGET}`, `clear ${TARGET}`]);
    expectUntouched(ic);
  });

  it('stop timed out with the target left stopping: started again', async () => {
    const { ic, version, step } = setup();
    ic.stopRejectionLeavesStopping = true;
    ic.reject('stop_canister', 1);
    expect(failureOf(await runStep(ic, step, version, TARGET, ARG))).toMatchObject({ kind: 'ManagementRejected', method: 'stop_canister' });
    expectUntouched(ic);
  });

  it('install rejected because post_upgrade traps: InstallRejected, previous module kept, started, store emptied', async () => {
    const { ic, version, step } = setup();
    ic.trapsOnUpgrade.add(version.hash);
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f.kind).toBe('InstallRejected');
    expect(f.message).toMatch(/post_upgrade/);
    expectUntouched(ic);
  });

  it('install rejected and start rejected: the install failure is the one reported', async () => {
    const { ic, version, step } = setup();
    ic.trapsOnUpgrade.add(version.hash);
    ic.reject('start_canister', 1);
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f.kind).toBe('InstallRejected');
    expect(ic.storeSize(TARGET)).toBe(0);
    expect(ic.moduleOf(TARGET)).toBe(sha(OLD));
  });

  it('install rejected and the final clear rejected: the install failure is the one reported', async () => {
    const { ic, version, step } = setup();
    ic.trapsOnUpgrade.add(version.hash);
    ic.after('start_canister', () => ic.reject('clear_chunk_store', 1));
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f.kind).toBe('InstallRejected');
    expect(ic.statusOf(TARGET)).toBe('running');
  });

  it('start rejected for good after the install: ManagementRejected naming start_canister, store emptied', async () => {
    // The install went through and cannot be undone here: the target runs the new module,
    // stopped. The step reports the refusal so the operation is not recorded as completed.
    const { ic, version, step } = setup();
    ic.reject('start_canister');
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f).toMatchObject({ kind: 'ManagementRejected', method: 'start_canister' });
    expect(f.message).toMatch(/^start_canister: /);
    expect(ic.storeSize(TARGET)).toBe(0);
    expect(ic.effects).not.toContain(`status ${TARGET}`);
  });

  it.each([
    ['after a successful install', 'installed'],
    ['after post_upgrade trapped', 'trap'],
    ['after a stop that timed out', 'stop'],
  ] as const)('start rejected once %s: the target is started again, not left stopped', async (_, before) => {
    // The issue: any failure leaves the target started. start_canister is idempotent, so one
    // rejection (a full queue, say) is worth another attempt before the step gives up.
    const { ic, version, step } = setup();
    if (before === 'trap') ic.trapsOnUpgrade.add(version.hash);
    if (before === 'stop') {
      ic.stopRejectionLeavesStopping = true;
      ic.reject('stop_canister', 1);
    }
    ic.reject('start_canister', 1);
    const r = await runStep(ic, step, version, TARGET, ARG);
    expect(ic.statusOf(TARGET)).toBe('running');
    expect(ic.moduleOf(TARGET)).toBe(before === 'installed' ? version.hash : sha(OLD));
    expect(ic.storeSize(TARGET)).toBe(0);
    if (before === 'trap') expect(failureOf(r).kind).toBe('InstallRejected');
    if (before === 'stop') expect(failureOf(r)).toMatchObject({ kind: 'ManagementRejected', method: 'stop_canister' });
  });

  it('the module hash differs after install (another controller acted): ModuleHashMismatch', async () => {
    const { ic, version, step } = setup();
    const other = bytes(50, 3);
    ic.after('start_canister', () => ic.installOutside(TARGET, other));
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f).toMatchObject({ kind: 'ModuleHashMismatch', expected: version.hash, actual: sha(other) });
    expect(f.message).toContain(`runs ${sha(other)} instead of ${version.hash}`);
    expect(ic.statusOf(TARGET)).toBe('running');
    expect(ic.storeSize(TARGET)).toBe(0);
  });

  it('the module is gone after install (uninstalled meanwhile): ModuleHashMismatch with no actual hash', async () => {
    const { ic, version, step } = setup();
    ic.after('start_canister', () => ic.installOutside(TARGET, undefined));
    const f = failureOf(await runStep(ic, step, version, TARGET, ARG));
    expect(f).toMatchObject({ kind: 'ModuleHashMismatch', expected: version.hash, actual: undefined });
    expect(f.message).toMatch(/runs no module/);
  });

  it('canister_status rejected after install: ManagementRejected naming it', async () => {
    const { ic, version, step } = setup();
    ic.reject('canister_status', 1);
    expect(failureOf(await runStep(ic, step, version, TARGET, ARG))).toMatchObject({ kind: 'ManagementRejected', method: 'canister_status' });
  });

  it('the first clear rejected: nothing else is attempted', async () => {
    const { ic, version, step } = setup();
    ic.reject('clear_chunk_store', 1);
    expect(failureOf(await runStep(ic, step, version, TARGET, ARG))).toMatchObject({ kind: 'ManagementRejected', method: 'clear_chunk_store' });
    expect(ic.effects).toEqual([`clear ${TARGET}`]);
    expectUntouched(ic);
  });

  it('upload rejected: ManagementRejected, store emptied, target never stopped', async () => {
    const { ic, version, step } = setup();
    ic.after('upload_chunk', () => ic.reject('upload_chunk', 1));
    expect(failureOf(await runStep(ic, step, version, TARGET, ARG))).toMatchObject({ kind: 'ManagementRejected', method: 'upload_chunk' });
    expect(ic.effects).not.toContain(`stop ${TARGET}`);
    expectUntouched(ic);
  });

  it('a thrown value that is not an EffectError is reported, not lost', async () => {
    const { ic, version, step } = setup();
    ic.registryChunk = async () => {
      throw new Error('connection reset');
    };
    expect(failureOf(await runStep(ic, step, version, TARGET, ARG))).toMatchObject({ kind: 'ManagementRejected', method: 'unknown', message: 'unknown: connection reset' });
    expectUntouched(ic);
  });
});

describe('runStep under one random fault', () => {
  type Fault =
    | { kind: 'none' }
    | { kind: 'reject'; method: Method; after: number }
    | { kind: 'tamper'; chunk: number }
    | { kind: 'trap' };

  /** Faults after which the invariant must hold (start and status come after a successful install). */
  const fault: fc.Arbitrary<Fault> = fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({
      kind: fc.constant('reject' as const),
      method: fc.constantFrom<Method>('icrc118_get_wasm_chunk', 'upload_chunk', 'stop_canister', 'install_chunked_code', 'clear_chunk_store'),
      after: fc.nat({ max: 4 }),
    }),
    fc.record({ kind: fc.constant('tamper' as const), chunk: fc.nat({ max: 5 }) }),
    fc.constant({ kind: 'trap' as const }),
  );

  it('either installs the version, running, store empty — or fails leaving the previous module, running, store empty', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('reply' as const, 'version' as const, 'none' as const),
        fault,
        async (chunks, declare, f) => {
          const { ic, version, step } = setup(declare, chunks);
          let injected = false;
          if (f.kind === 'reject') {
            // Reject the (after+1)-th call of the method.
            const name = methodName(f.method);
            const original = (ic[name] as (...a: unknown[]) => Promise<unknown>).bind(ic);
            let calls = 0;
            (ic as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
              if (calls++ === f.after) {
                injected = true;
                throw new EffectError(f.method, 'injected');
              }
              return original(...a);
            };
          }
          let changed = false;
          if (f.kind === 'tamper' && f.chunk < chunks.length) {
            const t = Uint8Array.from(chunks[f.chunk]!);
            t[0]! ^= 1;
            ic.tamper(version.hash, f.chunk, t);
            changed = true;
          }
          if (f.kind === 'trap') ic.trapsOnUpgrade.add(version.hash);
          const r = await runStep(ic, step, version, TARGET, ARG);
          // A refused clear_chunk_store cannot empty the store; every other fault must leave it empty.
          const storeMayKeepChunks = injected && f.kind === 'reject' && f.method === 'clear_chunk_store';
          if ('ok' in r) {
            expect(ic.moduleOf(TARGET)).toBe(version.hash);
            expect(ic.statusOf(TARGET)).toBe('running');
            if (!storeMayKeepChunks) expect(ic.storeSize(TARGET)).toBe(0);
            expect(changed || f.kind === 'trap').toBe(false);
          } else {
            expect(ic.moduleOf(TARGET)).toBe(sha(OLD));
            expect(ic.statusOf(TARGET)).toBe('running');
            if (!storeMayKeepChunks) expect(ic.storeSize(TARGET)).toBe(0);
            if (changed && declare !== 'none') expect(r.failure.kind).toBe('ChunkHashMismatch');
            if (changed && declare === 'none') expect(r.failure.kind).toBe('InstallRejected');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

function methodName(method: Method): 'registryChunk' | 'uploadChunk' | 'stop' | 'installChunked' | 'clearChunkStore' | 'start' | 'moduleHash' {
  switch (method) {
    case 'icrc118_get_wasm_chunk': return 'registryChunk';
    case 'upload_chunk': return 'uploadChunk';
    case 'stop_canister': return 'stop';
    case 'install_chunked_code': return 'installChunked';
    case 'clear_chunk_store': return 'clearChunkStore';
    case 'start_canister': return 'start';
    case 'canister_status': return 'moduleHash';
  }
}

describe('stageChunks and installStaged on their own (a store canister other than the target)', () => {
  it('stageChunks moves every chunk into the store, not the target, and stops nothing', async () => {
    const { ic, version, chunks } = setup('version');
    expect(await stageChunks(ic, version, STORE)).toEqual({ chunkHashes: chunks.map(sha) });
    expect(ic.storeSize(STORE)).toBe(3);
    expect(ic.storeSize(TARGET)).toBe(0);
    expect(ic.effects).toEqual([`clear ${STORE}`, 'chunk 0', `upload ${STORE}`, 'chunk 1', `upload ${STORE}`, 'chunk 2', `upload ${STORE}`]);
    expect(ic.statusOf(TARGET)).toBe('running');
  });

  it('stageChunks answers the hashes the IC computed, in chunk order', async () => {
    const { ic, version } = setup('none', [bytes(5, 1), bytes(6, 2)]);
    expect(await stageChunks(ic, version, STORE)).toEqual({ chunkHashes: [sha(bytes(5, 1)), sha(bytes(6, 2))] });
  });

  it('stageChunks empties the store when a chunk is refused', async () => {
    const { ic, version, chunks } = setup('reply');
    ic.tamper(version.hash, 2, bytes(37, 0));
    expect(failureOf(await stageChunks(ic, version, STORE))).toMatchObject({ kind: 'ChunkHashMismatch', chunk: 2, expected: sha(chunks[2]!) });
    expect(ic.storeSize(STORE)).toBe(0);
  });

  it('stageChunks of a version with no chunks stages nothing (install will refuse it)', async () => {
    const { ic, version } = setup();
    expect(await stageChunks(ic, { ...version, chunks: 0 }, STORE)).toEqual({ chunkHashes: [] });
  });

  it('installStaged installs the target from the store, then empties the store', async () => {
    const { ic, version, step } = setup();
    const staged = await stageChunks(ic, version, STORE);
    if (!('chunkHashes' in staged)) throw new Error('staging failed');
    ic.effects.length = 0;
    expect(await installStaged(ic, step, TARGET, STORE, staged.chunkHashes, ARG)).toEqual({ ok: true });
    expect(ic.effects).toEqual([`stop ${TARGET}`, `install ${TARGET} from ${STORE} (stopped)`, `start ${TARGET}`, `clear ${STORE}`]);
    expect(ic.moduleOf(TARGET)).toBe(version.hash);
    expect(ic.statusOf(TARGET)).toBe('running');
    expect(ic.storeSize(STORE)).toBe(0);
    expect(ic.installs[0]).toMatchObject({ target: TARGET, store: STORE, moduleHash: step.to });
  });

  it('installStaged with a stop rejected: target started again, store emptied, nothing installed', async () => {
    const { ic, version, step } = setup();
    const staged = (await stageChunks(ic, version, STORE)) as { chunkHashes: string[] };
    ic.reject('stop_canister', 1);
    expect(failureOf(await installStaged(ic, step, TARGET, STORE, staged.chunkHashes, ARG))).toMatchObject({ kind: 'ManagementRejected', method: 'stop_canister' });
    expect(ic.installs).toEqual([]);
    expectUntouched(ic, TARGET, STORE);
  });

  it('installStaged with a chunk missing from the store: InstallRejected, target started, store emptied', async () => {
    const { ic, step, chunks } = setup();
    const f = failureOf(await installStaged(ic, step, TARGET, STORE, chunks.map(sha), ARG));
    expect(f.kind).toBe('InstallRejected');
    expect(f.message).toMatch(/not in the chunk store/);
    expectUntouched(ic, TARGET, STORE);
  });

  it('installStaged when post_upgrade traps: previous module, started, store emptied', async () => {
    const { ic, version, step } = setup();
    const staged = (await stageChunks(ic, version, STORE)) as { chunkHashes: string[] };
    ic.trapsOnUpgrade.add(version.hash);
    expect(failureOf(await installStaged(ic, step, TARGET, STORE, staged.chunkHashes, ARG)).kind).toBe('InstallRejected');
    expectUntouched(ic, TARGET, STORE);
  });
});

describe('confirmModule', () => {
  it('confirms a module that is the version, refuses any other', async () => {
    const { ic, step } = setup();
    expect(failureOf(await confirmModule(ic, step, TARGET))).toMatchObject({ kind: 'ModuleHashMismatch', expected: step.to, actual: sha(OLD) });
    ic.installOutside(TARGET, OLD);
    const same: Step = { ...step, to: sha(OLD) };
    expect(await confirmModule(ic, same, TARGET)).toEqual({ ok: true });
  });
});
