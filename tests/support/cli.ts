/**
 * Running the built `lineage` binary as a user would: a child process in a scratch project
 * directory, its exit code, stdout and stderr; and a local network started with `lineage start`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Principal } from '@dfinity/principal';

export const LINEAGE_BIN = fileURLToPath(new URL('../../scripts/bin/lineage.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Parses a run's stdout as the one JSON document `--json` prints. */
export function json<T = Record<string, unknown>>(run: Run): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

/** The environment of a child: this one without the variables that would pick a network or identity. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['LINEAGE_NETWORK', 'LINEAGE_IDENTITY', 'LINEAGE_DIR']) if (!(name in extra)) delete env[name];
  return env;
}

/** Runs `lineage <args>` in `cwd` and resolves when it exits. */
export function lineage(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LINEAGE_BIN, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh project directory. */
export function project(prefix = 'lineage-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface StartedNetwork {
  url: string;
  rootKey: string;
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `lineage start --port 0` in `cwd` until it has written `.lineage/networks/local.json`. */
export async function startNetwork(cwd: string, extra: string[] = []): Promise<StartedNetwork> {
  const child = spawn(process.execPath, [LINEAGE_BIN, 'start', '--port', '0', '--no-canister-logs', ...extra], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const file = join(cwd, '.lineage', 'networks', 'local.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(file) || !stdout.includes('Press Ctrl-C')) {
    if (child.exitCode !== null) throw new Error(`lineage start exited with ${child.exitCode}:\n${stdout}\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`lineage start did not come up:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const record = JSON.parse(readFileSync(file, 'utf8')) as { url: string; rootKey: string };
  return {
    url: record.url, rootKey: record.rootKey, child, output: () => ({ stdout, stderr }),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * The principal of a key, computed independently of Lineage and the agent's identity classes:
 * the self-authenticating principal of the key's DER SubjectPublicKeyInfo (IC spec § Principals).
 */
function principalOf(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return Principal.selfAuthenticating(new Uint8Array(der)).toText();
}

/** A dfx-style Ed25519 PKCS#8 PEM file (`BEGIN PRIVATE KEY`) and its principal. */
export function ed25519Pem(dir: string, name: string): { path: string; principal: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const path = join(dir, `${name}.pem`);
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return { path, principal: principalOf(privateKey) };
}

/** A dfx-style secp256k1 SEC1 PEM file (`BEGIN EC PRIVATE KEY`) and its principal. */
export function secp256k1Pem(dir: string, name: string): { path: string; principal: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const path = join(dir, `${name}.pem`);
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'sec1' }));
  return { path, principal: principalOf(privateKey) };
}
