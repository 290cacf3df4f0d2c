/**
 * The canister ids file, `.lineage/canister_ids.json`, in dfx's `canister_ids.json` layout:
 * `{ "<name>": { "<network>": "<principal>" } }`. `lineage deploy` and `lineage spawn` write it;
 * every command resolves canister names through it. A dapp's canisters are `backend`, `manager`
 * and `asset` for the project's own dapp and `<dapp>.backend`… for dapps spawned with `--name`.
 */
import { Principal } from '@dfinity/principal';
import { canisterIdsFile, type CanisterIdsFile } from '@lineage/types';

import { usageError } from './errors.js';
import { projectPath, readJsonFile, writeFileAtomic } from './project.js';

export const canisterIdsPath = () => projectPath('canister_ids.json');

/** Formats zod issues as `field: message` lines for one error line. */
export function zodMessage(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ');
}

export class CanisterIds {
  private constructor(private readonly data: CanisterIdsFile, readonly path: string) {}

  /** Reads and validates the file (an empty set when it does not exist yet). */
  static load(path = canisterIdsPath()): CanisterIds {
    let raw: unknown;
    try {
      raw = readJsonFile(path);
    } catch (error) {
      throw usageError(`${path} is not valid JSON: ${(error as Error).message}`, 'fix or delete the file, then run `lineage deploy`');
    }
    if (raw === undefined) return new CanisterIds({}, path);
    const parsed = canisterIdsFile.safeParse(raw);
    if (!parsed.success) throw usageError(`${path}: ${zodMessage(parsed.error.issues)}`, 'fix or delete the file, then run `lineage deploy`');
    return new CanisterIds(parsed.data, path);
  }

  get(name: string, network: string): Principal | undefined {
    const text = this.data[name]?.[network];
    return text === undefined ? undefined : Principal.fromText(text);
  }

  set(name: string, network: string, id: Principal): void {
    this.data[name] = { ...this.data[name], [network]: id.toText() };
  }

  remove(name: string, network: string): void {
    const nets = this.data[name];
    if (!nets) return;
    delete nets[network];
    if (Object.keys(nets).length === 0) delete this.data[name];
  }

  /** Names with an id on `network`, with their ids. */
  entries(network: string): [string, Principal][] {
    return Object.entries(this.data)
      .filter(([, nets]) => nets[network] !== undefined)
      .map(([name, nets]) => [name, Principal.fromText(nets[network]!)]);
  }

  /** The name of `id` on `network`, if the file has one. */
  nameOf(id: Principal | string, network: string): string | undefined {
    const text = typeof id === 'string' ? id : id.toText();
    return Object.entries(this.data).find(([, nets]) => nets[network] === text)?.[0];
  }

  save(): void {
    writeFileAtomic(this.path, `${JSON.stringify(this.data, null, 2)}\n`);
  }

  /**
   * A canister given by name (from this file) or by principal text.
   * Throws a usage error naming the known canisters when it is neither.
   */
  resolve(nameOrId: string, network: string, what = 'canister'): Principal {
    const known = this.get(nameOrId, network);
    if (known) return known;
    if (/^[a-z2-7]{5}(-[a-z2-7]{1,5})+$/.test(nameOrId)) {
      try {
        return Principal.fromText(nameOrId);
      } catch (error) {
        throw usageError(`${what} "${nameOrId}" is not a valid principal: ${(error as Error).message}`);
      }
    }
    const names = this.entries(network).map(([n]) => n);
    throw usageError(
      `unknown ${what} "${nameOrId}" on network ${network}`,
      names.length ? `known here: ${names.join(', ')} (or pass a canister id)` : 'no canisters recorded for this network yet: run `lineage deploy`',
    );
  }
}
