// DFINITY's `icp` CLI (npm `@icp-sdk/icp-cli-linux-x64`) against `lineage start` as a connected
// network (`--network <url> --root-key <hex>`), acting with the project identity on the NFT
// collection canister `lineage deploy` created: status, settings (controllers, environment
// variables, visibility), install and upgrade, stop and start, logs, metadata and snapshots. A
// client nobody here wrote must decode every reply (the current management interface) and find
// every method it uses (snapshots, canister_status, …).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { json, lineage, project, startNetwork, type Run, type StartedNetwork } from './support/cli.js';
import { watModule } from './support/ic.js';

const ICP_BIN = join(dirname(createRequire(import.meta.url).resolve('@icp-sdk/icp-cli-linux-x64/package.json')), 'bin', 'icp');

/**
 * A small canister: `canister_init`/`canister_post_upgrade` log a line, `greet` answers Candid
 * text `label`, `bump` adds one to a counter in stable memory and answers it as a Candid nat32;
 * a public metadata section `lineage:label` holds `label`.
 */
async function labelled(label: string, hook: 'canister_init' | 'canister_post_upgrade'): Promise<Uint8Array> {
  const escaped = (s: string) => [...new TextEncoder().encode(s)].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  const greet = `DIDL\\00\\01\\71\\${label.length.toString(16).padStart(2, '0')}${escaped(label)}`;
  const logLine = `${hook === 'canister_init' ? 'installed' : 'upgraded to'} ${label}`;
  const wasm = await watModule(`(module
    (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
    (import "ic0" "msg_reply" (func $reply))
    (import "ic0" "debug_print" (func $print (param i32 i32)))
    (import "ic0" "stable_size" (func $ssize (result i32)))
    (import "ic0" "stable_grow" (func $sgrow (param i32) (result i32)))
    (import "ic0" "stable_read" (func $sread (param i32 i32 i32)))
    (import "ic0" "stable_write" (func $swrite (param i32 i32 i32)))
    (memory 1)
    (data (i32.const 0) "${greet}")
    (data (i32.const 64) "DIDL\\00\\01\\79")
    (data (i32.const 128) "${escaped(logLine)}")
    (func (export "${hook}")
      (call $print (i32.const 128) (i32.const ${new TextEncoder().encode(logLine).length}))
      (if (i32.eqz (call $ssize)) (then (drop (call $sgrow (i32.const 1))))))
    (func (export "canister_query greet") (call $append (i32.const 0) (i32.const ${8 + label.length})) (call $reply))
    (func (export "canister_update bump")
      (call $sread (i32.const 71) (i32.const 0) (i32.const 4))
      (i32.store (i32.const 71) (i32.add (i32.load (i32.const 71)) (i32.const 1)))
      (call $swrite (i32.const 0) (i32.const 71) (i32.const 4))
      (call $append (i32.const 64) (i32.const 11))
      (call $reply)))`);
  return withCustomSection(wasm, 'icp:public lineage:label', label);
}

function withCustomSection(wasm: Uint8Array, name: string, content: string): Uint8Array {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb(nameBytes.length), ...nameBytes, ...new TextEncoder().encode(content)];
  return Uint8Array.from([...wasm, 0, ...leb(body.length), ...body]);
}

describe('icp against lineage start', () => {
  let dir: string;
  let net: StartedNetwork;
  let home: string;
  let nft: string;
  let principal: string;
  const v1 = join('wasm', 'v1.wasm');
  const v2 = join('wasm', 'v2.wasm');
  let v2Hash: string;

  /** Runs icp in the project with its own HOME (identities, settings), never telemetry or update checks. */
  const icp = (args: string[], connected = true): Promise<Run> => new Promise((resolve, reject) => {
    const network = connected ? ['--network', net.url, '--root-key', net.rootKey, '--identity', 'lineage'] : [];
    const child = spawn(ICP_BIN, [...args, ...network], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: home, DO_NOT_TRACK: '1', ICP_TELEMETRY_DISABLED: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const ok = async (args: string[]): Promise<string> => {
    const run = await icp(args);
    expect(run.code, `icp ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0);
    return run.stdout;
  };

  beforeAll(async () => {
    dir = project('lineage-icp-');
    home = join(dir, 'home');
    mkdirSync(home);
    mkdirSync(join(dir, 'wasm'));
    writeFileSync(join(dir, v1), await labelled('v1', 'canister_init'));
    const second = await labelled('v2', 'canister_post_upgrade');
    writeFileSync(join(dir, v2), second);
    v2Hash = createHash('sha256').update(second).digest('hex');

    net = await startNetwork(dir);
    const deployed = await lineage(dir, ['deploy', '--no-dapp', '--json']);
    expect(deployed.code, deployed.stderr).toBe(0);
    nft = json<{ nft: string }>(deployed).nft;
    principal = json<{ principal: string }>(await lineage(dir, ['whoami', '--json'])).principal;

    for (const setting of [['telemetry', 'false'], ['update-check', 'false']]) {
      expect((await icp(['settings', ...setting], false)).code).toBe(0);
    }
    const imported = await icp(['identity', 'import', 'lineage', '--from-pem', join('.lineage', 'identity.pem'), '--storage', 'plaintext'], false);
    expect(imported.code, imported.stderr).toBe(0);
    expect((await icp(['identity', 'principal', '--identity', 'lineage'], false)).stdout.trim()).toBe(principal);
  }, 240_000);

  afterAll(async () => {
    await net?.stop();
  });

  it('reads the status of a canister lineage created (today\'s canister_status record decodes)', async () => {
    const out = await ok(['canister', 'status', nft]);
    expect(out).toContain(`Canister Id: ${nft}`);
    expect(out).toContain('Status: Running');
    expect(out).toContain(`controller: ${principal}`);
    expect(out).toContain('Status visibility: Controllers');
    expect(out).toContain('Snapshot visibility: Controllers');
  });

  it('changes settings: controllers, environment variables, log, snapshot and status visibility', async () => {
    const extra = 'aaaaa-aa';
    await ok(['canister', 'settings', 'update', nft, '--add-controller', extra, '--add-environment-variable', 'NETWORK=lineage-local',
      '--status-visibility', 'public', '--snapshot-visibility', 'public', '--log-visibility', 'public', '--freezing-threshold', '864000']);
    const shown = await ok(['canister', 'settings', 'show', nft]);
    expect(shown).toContain(`controller: ${extra}`);
    expect(shown).toContain(`controller: ${principal}`);
    expect(shown).toMatch(/NETWORK: lineage-local/);
    expect(shown).toContain('Status visibility: Public');
    expect(shown).toContain('Snapshot visibility: Public');
    expect(shown).toContain('Log visibility: Public');
    expect(shown).toContain('Freezing threshold: 864_000');
    await ok(['canister', 'settings', 'update', nft, '--remove-controller', extra, '--status-visibility', 'controllers']);
    const after = await ok(['canister', 'settings', 'show', nft]);
    expect(after).not.toContain(`controller: ${extra}`);
    expect(after).toContain('Status visibility: Controllers');
  });

  it('installs (reinstall) and upgrades code; the module hash, the logs and the metadata follow', async () => {
    await ok(['canister', 'install', nft, '--mode', 'reinstall', '--wasm', v1, '--yes']);
    expect(await ok(['canister', 'call', nft, 'greet', '()'])).toContain('"v1"');
    expect(await ok(['canister', 'call', nft, 'bump', '()'])).toMatch(/\(1 : nat32\)/);
    expect(await ok(['canister', 'metadata', nft, 'lineage:label'])).toContain('v1');

    await ok(['canister', 'install', nft, '--mode', 'upgrade', '--wasm', v2]);
    expect(await ok(['canister', 'call', nft, 'greet', '()'])).toContain('"v2"');
    // Stable memory survived the upgrade.
    expect(await ok(['canister', 'call', nft, 'bump', '()'])).toMatch(/\(2 : nat32\)/);
    expect(await ok(['canister', 'status', nft])).toContain(`Module hash: 0x${v2Hash}`);
    expect(await ok(['canister', 'metadata', nft, 'lineage:label'])).toContain('v2');

    const logs = await ok(['canister', 'logs', nft]);
    expect(logs).toContain('installed v1');
    expect(logs).toContain('upgraded to v2');

    // lineage sees the same history through canister_info: reinstall, then upgrade.
    const history = json<{ changes?: { details?: unknown }[] }>(await lineage(dir, ['history', nft, '--json']));
    expect(JSON.stringify(history)).toContain(v2Hash);
  });

  it('stops and starts the canister', async () => {
    await ok(['canister', 'stop', nft]);
    expect(await ok(['canister', 'status', nft])).toContain('Status: Stopped');
    await ok(['canister', 'start', nft]);
    expect(await ok(['canister', 'status', nft])).toContain('Status: Running');
  });

  it('takes, lists and restores a snapshot, and downloads and uploads one', async () => {
    await ok(['canister', 'stop', nft]);
    const created = await ok(['canister', 'snapshot', 'create', nft]);
    const id = /Created snapshot ([0-9a-f]+)/.exec(created)?.[1];
    expect(id, created).toMatch(/^0{15}[0-9a-f]/);
    expect(await ok(['canister', 'snapshot', 'list', nft])).toContain(id);
    const download = join(dir, 'snapshot');
    await ok(['canister', 'snapshot', 'download', nft, id!, '--output', download]);
    await ok(['canister', 'start', nft]);

    const before = Number(/\((\d+) : nat32\)/.exec(await ok(['canister', 'call', nft, 'bump', '()']))![1]);
    await ok(['canister', 'call', nft, 'bump', '()']);
    await ok(['canister', 'stop', nft]);
    await ok(['canister', 'snapshot', 'restore', nft, id!]);
    await ok(['canister', 'start', nft]);
    // The counter is back where the snapshot left it.
    expect(await ok(['canister', 'call', nft, 'bump', '()'])).toContain(`(${before} : nat32)`);

    // An uploaded copy of the downloaded snapshot restores the same way.
    await ok(['canister', 'stop', nft]);
    const uploaded = await ok(['canister', 'snapshot', 'upload', nft, '--input', download, '--quiet']);
    const uploadedId = uploaded.trim().split(/\s+/).pop()!;
    expect(uploadedId).not.toBe(id);
    expect(await ok(['canister', 'snapshot', 'list', nft])).toContain(uploadedId);
    await ok(['canister', 'snapshot', 'restore', nft, uploadedId]);
    await ok(['canister', 'start', nft]);
    expect(await ok(['canister', 'call', nft, 'bump', '()'])).toContain(`(${before} : nat32)`);
    await ok(['canister', 'snapshot', 'delete', nft, id!]);
    expect(await ok(['canister', 'snapshot', 'list', nft])).not.toContain(id);
  });
});
