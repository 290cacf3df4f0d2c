// The `lineage` binary's front door: `start` (a local network, its state directory), identities,
// `--help`, and how bad input and unreachable networks are reported (messages and exit codes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { HttpAgent } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { managementDeployer } from '@lineage/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ed25519Pem, json, lineage, project, secp256k1Pem, startNetwork, type StartedNetwork } from './support/cli.js';

const EXIT = { usage: 2, network: 3, verification: 4 };

describe('lineage start, identities and errors', () => {
  let dir: string;
  let net: StartedNetwork;

  beforeAll(async () => {
    dir = project();
    net = await startNetwork(dir);
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('serves the IC HTTP interface with the root key it printed', async () => {
    expect(net.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const agent = await HttpAgent.create({ host: net.url, shouldFetchRootKey: true });
    expect(Buffer.from(agent.rootKey!).toString('hex')).toBe(net.rootKey);
    expect(net.output().stdout).toContain(net.rootKey);
    // `--network local` finds the running network through .lineage/networks/local.json.
    const who = json<{ url: string; network: string }>(await lineage(dir, ['whoami', '--json']));
    expect(who).toMatchObject({ url: net.url, network: 'local' });
  });

  it('refuses a second start in the same project', async () => {
    const run = await lineage(dir, ['start', '--port', '0']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain(`a local network is already running at ${net.url}`);
  });

  it('generates a project identity once and reads dfx PEM files (Ed25519 PKCS#8, secp256k1 SEC1)', async () => {
    const first = json<{ principal: string; kind: string; source: string }>(await lineage(dir, ['whoami', '--json']));
    expect(first.kind).toBe('ed25519');
    expect(first.source).toBe(join(dir, '.lineage', 'identity.pem'));
    expect(json<{ principal: string }>(await lineage(dir, ['whoami', '--json'])).principal).toBe(first.principal);
    const ed = ed25519Pem(dir, 'ed');
    const k1 = secp256k1Pem(dir, 'k1');
    expect(json<{ principal: string; kind: string }>(await lineage(dir, ['whoami', '--json', '--identity', ed.path]))).toMatchObject({ principal: ed.principal, kind: 'ed25519' });
    expect(json<{ principal: string; kind: string }>(await lineage(dir, ['whoami', '--identity', k1.path, '--json']))).toMatchObject({ principal: k1.principal, kind: 'secp256k1' });
    expect((await lineage(dir, ['whoami', '--quiet', '--identity', 'anonymous'])).stdout.trim()).toBe('2vxsx-fae');
  });

  it('rejects a bad PEM and a missing one as usage errors naming --identity', async () => {
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
    const run = await lineage(dir, ['whoami', '--identity', bad]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/^error: --identity: .*bad\.pem is not a PEM private key/m);
    expect(run.stderr).toMatch(/^hint: /m);
    const missing = await lineage(dir, ['whoami', '--identity', join(dir, 'nope.pem'), '--json']);
    expect(missing.code).toBe(EXIT.usage);
    expect(json<{ error: { message: string; exitCode: number } }>(missing).error).toMatchObject({ message: expect.stringContaining('--identity: no file at'), exitCode: EXIT.usage });
  });

  it('reports usage errors with exit code 2 and the field at fault', async () => {
    for (const [args, message] of [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['upgrade', 'backend'], /required option '--to <version\|hash>'/],
      [['publish', 'org.lineage.backend', '1.x', 'a.wasm'], /<version>: a version is major\.minor\.patch/],
      [['start', '--port', '99999'], /--port: a port is 0…65535/],
      [['registry', 'ls', '--network', 'ftp://example.org'], /--network: ftp:\/\/example\.org is not an http\(s\) URL/],
      [['history', 'nothing-here'], /unknown canister "nothing-here" on network local/],
    ] as const) {
      const run = await lineage(dir, [...args]);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(EXIT.usage);
      expect(run.stderr).toMatch(message);
    }
  });

  it('validates the canister ids file and names the bad field', async () => {
    const other = project();
    mkdirSync(join(other, '.lineage'));
    writeFileSync(join(other, '.lineage', 'canister_ids.json'), JSON.stringify({ registry: { local: 'not-a-principal!' } }));
    const run = await lineage(other, ['registry', 'ls', '--network', net.url]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/canister_ids\.json: registry\.local: not a principal in textual form/);
  });

  it('reports an unreachable network with exit code 3 and a hint', async () => {
    const run = await lineage(dir, ['log', 'verify', 'lxzze-o7777-77777-aaaaa-cai', '--network', 'http://127.0.0.1:9']);
    expect(run.code).toBe(EXIT.network);
    expect(run.stderr).toMatch(/^error: cannot reach the network at http:\/\/127\.0\.0\.1:9/m);
  });

  it('documents every command with an example', async () => {
    const commands = [['start'], ['whoami'], ['deploy'], ['publish'], ['upgrade'], ['nft', 'owner'], ['nft', 'transfer'], ['spawn'], ['history'],
      ['verify', 'wasm'], ['verify', 'assets'], ['assets', 'authorize'], ['assets', 'upload'], ['registry', 'ls'], ['registry', 'show'], ['registry', 'path'], ['log', 'verify']];
    for (const command of commands) {
      const run = await lineage(dir, [...command, '--help']);
      expect(run.code, command.join(' ')).toBe(0);
      expect(run.stdout, command.join(' ')).toMatch(new RegExp(`Examples?:\\n  \\$ lineage ${command.join(' ')}`));
    }
    const top = await lineage(dir, ['--help']);
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 unexpected error, 2 usage');
  });
});

describe('lineage start --state', () => {
  it('keeps canisters across a restart (state saved on SIGTERM, restored at start)', async () => {
    const dir = project();
    const state = join(dir, 'state');
    const first = await startNetwork(dir, ['--state', state]);
    // A canister created by someone else's tooling: the agent's management calls, as dfx would.
    const agent = await HttpAgent.create({ host: first.url, shouldFetchRootKey: true, identity: Ed25519KeyIdentity.generate() });
    const canister = await (await managementDeployer(agent)).createCanister();
    expect(await first.stop()).toBe(0);
    const second = await startNetwork(dir, ['--state', state]);
    try {
      expect(second.rootKey).toBe(first.rootKey);
      const run = await lineage(dir, ['history', canister.toText(), '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(json<{ rows: { change: string }[] }>(run).rows.map((r) => r.change)).toEqual(['create']);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
