// An instance created with `state_dir` keeps its canisters across instances: its state is written
// when the instance is deleted and read back when an instance is created over the same directory
// (PocketIC's `state_dir`; `@dfinity/pic` never sends it, so this suite speaks the REST protocol
// itself and drives the instance over live mode with `@dfinity/agent`, as `lineage start --state` does).
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor, CanisterStatus, HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { PocketIc, SubnetStateType } from '@dfinity/pic';
import { idlFactory, init, type CounterService } from '@lineage/fixture-counter/idl';
import { managementDeployer } from '@lineage/sdk';
import { describe, expect, inject, it } from 'vitest';

import { counterWasm } from './support/fixtures.js';

const server = () => inject('PIC_URL');

async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${server()}${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const APPLICATION = { subnet_config_set: { application: [{ state_config: 'New', instruction_config: 'Production', dts_flag: 'Enabled' }] } };

/** Creates an instance over `dir`, live, with a gateway; answers its id and an agent host. */
async function liveInstance(dir: string): Promise<{ id: number; host: string; gateway: number }> {
  const created = await rest('POST', '/instances', { ...APPLICATION, state_dir: dir }) as { Created: { instance_id: number } };
  const id = created.Created.instance_id;
  await rest('POST', `/instances/${id}/auto_progress`, {});
  const gateway = await rest('POST', '/http_gateway', { forward_to: { PocketIcInstance: id } }) as { Created: { instance_id: number; port: number } };
  return { id, host: `http://127.0.0.1:${gateway.Created.port}`, gateway: gateway.Created.instance_id };
}

async function stop(instance: { id: number; gateway: number }): Promise<void> {
  await rest('POST', `/http_gateway/${instance.gateway}/stop`);
  await rest('POST', `/instances/${instance.id}/stop_progress`);
  await rest('DELETE', `/instances/${instance.id}`);
}

describe('state_dir: an instance resumes from the state a deleted one left', () => {
  it('keeps canisters, their code, heap, stable memory, controllers and history, and time moves on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocket-state-'));
    const identity = Ed25519KeyIdentity.generate();

    const first = await liveInstance(dir);
    const agent = await HttpAgent.create({ host: first.host, identity, shouldFetchRootKey: true, retryTimes: 0 });
    const deployer = await managementDeployer(agent);
    const canisterId = await deployer.createCanister();
    // The counter is 3.5 MB: the deployer installs it through the chunk store.
    await deployer.installCode(canisterId, counterWasm(), new Uint8Array(IDL.encode(init({ IDL }), [['kept']])));
    const counter = Actor.createActor<CounterService>(idlFactory, { agent, canisterId });
    await counter.increment();
    await counter.increment();
    await counter.addNote('written before the restart');
    const before = await CanisterStatus.request({ agent, canisterId, paths: ['module_hash', 'controllers', 'time'] });
    await stop(first);
    expect(readdirSync(dir)).toContain('state.json');

    const second = await liveInstance(dir);
    try {
      const again = await HttpAgent.create({ host: second.host, identity, shouldFetchRootKey: true, retryTimes: 0 });
      const resumed = Actor.createActor<CounterService>(idlFactory, { agent: again, canisterId });
      expect(await resumed.get()).toBe(2n);
      expect(await resumed.getLabel()).toBe('kept');
      expect(await resumed.listNotes()).toEqual(['written before the restart']);
      const after = await CanisterStatus.request({ agent: again, canisterId, paths: ['module_hash', 'controllers', 'time'] });
      expect(after.get('module_hash')).toEqual(before.get('module_hash'));
      expect((after.get('controllers') as Principal[]).map((p) => p.toText())).toEqual((before.get('controllers') as Principal[]).map((p) => p.toText()));
      expect((after.get('time') as Date).getTime()).toBeGreaterThanOrEqual((before.get('time') as Date).getTime());
      // Updates still work, and new canisters get fresh ids.
      expect(await resumed.increment()).toBe(3n);
      const other = await (await managementDeployer(again)).createCanister();
      expect(other.toText()).not.toBe(canisterId.toText());
    } finally {
      await stop(second);
    }

    // The saved state loaded `FromPath` by pic-js (how its users start from a prepared state): the
    // same canister and data; the directory is only read, so a second instance sees it unchanged.
    const saved = readFileSync(join(dir, 'state.json'));
    const savedAt = statSync(join(dir, 'state.json')).mtimeMs;
    for (const round of [1, 2]) {
      // pic-js types FromPath for the NNS subnet only; its encoder sends it for any subnet.
      const pic = await PocketIc.create(server(), { application: [{ state: { type: SubnetStateType.FromPath, path: dir } } as never] });
      try {
        const loaded = pic.createActor<CounterService>(idlFactory as never, canisterId as never);
        expect(await loaded.get()).toBe(3n);
        expect(await loaded.increment()).toBe(4n);
        expect(round).toBeGreaterThan(0);
      } finally {
        await pic.tearDown();
      }
    }
    expect(readFileSync(join(dir, 'state.json')).equals(saved)).toBe(true);
    expect(statSync(join(dir, 'state.json')).mtimeMs).toBe(savedAt);
  });

  it('refuses FromPath over a directory that holds no saved state, or a topology the state does not have', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pocket-state-none-'));
    await expect(PocketIc.create(server(), { application: [{ state: { type: SubnetStateType.FromPath, path: empty } } as never] }))
      .rejects.toThrow(/holds no state this emulator saved/);
    const dir = mkdtempSync(join(tmpdir(), 'pocket-state-shape-'));
    await stop(await liveInstance(dir));
    await expect(PocketIc.create(server(), { nns: { state: { type: SubnetStateType.FromPath, path: dir } }, application: [{ state: { type: SubnetStateType.FromPath, path: dir } } as never] }))
      .rejects.toThrow(/has the subnets \[Application\]/);
  });

  it('starts empty over an empty directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocket-state-empty-'));
    const instance = await liveInstance(dir);
    try {
      const agent = await HttpAgent.create({ host: instance.host, shouldFetchRootKey: true, retryTimes: 0 });
      const missing = Principal.fromText('lxzze-o7777-77777-aaaaa-cai');
      await expect(CanisterStatus.request({ agent, canisterId: missing, paths: ['module_hash'] }).then((m) => m.get('module_hash'))).resolves.toBeFalsy();
    } finally {
      await stop(instance);
    }
  });
});
