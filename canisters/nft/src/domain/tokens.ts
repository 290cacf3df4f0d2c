/**
 * Who holds which token: the heap index behind the ICRC-7 queries, rebuilt from stable memory
 * after an upgrade. Token ids are kept sorted (overall and per account) so pages are binary
 * searches, not scans.
 */
import { accountKey, type Account } from './accounts.js';
import { DEFAULT_TAKE_VALUE, MAX_QUERY_BATCH_SIZE, MAX_TAKE_VALUE } from './limits.js';

/** The index of the first element of `sorted` greater than `prev` (0 when `prev` is absent). */
function firstAfter(sorted: bigint[], prev: bigint | undefined): number {
  if (prev === undefined) return 0;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= prev) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(sorted: bigint[], id: bigint): void {
  const at = firstAfter(sorted, id);
  if (at > 0 && sorted[at - 1] === id) return;
  sorted.splice(at, 0, id);
}

function removeSorted(sorted: bigint[], id: bigint): void {
  const at = firstAfter(sorted, id) - 1;
  if (at >= 0 && sorted[at] === id) sorted.splice(at, 1);
}

/** The `take` a paginated query uses: the default when absent, at most the maximum. */
export function effectiveTake(take: bigint | undefined): number {
  if (take === undefined) return DEFAULT_TAKE_VALUE;
  return take > BigInt(MAX_TAKE_VALUE) ? MAX_TAKE_VALUE : Number(take);
}

export class TokenIndex {
  private readonly owners = new Map<string, Account>();
  private readonly ids: bigint[] = [];
  private readonly byAccount = new Map<string, bigint[]>();

  get size(): number {
    return this.ids.length;
  }

  has(id: bigint): boolean {
    return this.owners.has(id.toString());
  }

  ownerOf(id: bigint): Account | undefined {
    return this.owners.get(id.toString());
  }

  /** Records that `owner` holds `id` (a mint, or loading stable memory). */
  add(id: bigint, owner: Account): void {
    if (this.has(id)) throw new Error(`token ${id} already exists`);
    this.owners.set(id.toString(), owner);
    insertSorted(this.ids, id);
    insertSorted(this.listOf(owner, true), id);
  }

  /** Moves `id` to `to` (a transfer). */
  move(id: bigint, to: Account): void {
    const from = this.ownerOf(id);
    if (!from) throw new Error(`token ${id} does not exist`);
    const fromList = this.listOf(from, false);
    if (fromList) {
      removeSorted(fromList, id);
      if (fromList.length === 0) this.byAccount.delete(accountKey(from));
    }
    this.owners.set(id.toString(), to);
    insertSorted(this.listOf(to, true), id);
  }

  balance(owner: Account): number {
    return this.listOf(owner, false)?.length ?? 0;
  }

  /** `icrc7_tokens`: ids after `prev`, ascending, at most `take`. */
  page(prev: bigint | undefined, take: number): bigint[] {
    const at = firstAfter(this.ids, prev);
    return this.ids.slice(at, at + take);
  }

  /** `icrc7_tokens_of`: the account's ids after `prev`, ascending, at most `take`. */
  pageOf(owner: Account, prev: bigint | undefined, take: number): bigint[] {
    const list = this.listOf(owner, false);
    if (!list) return [];
    const at = firstAfter(list, prev);
    return list.slice(at, at + take);
  }

  private listOf(owner: Account, create: true): bigint[];
  private listOf(owner: Account, create: false): bigint[] | undefined;
  private listOf(owner: Account, create: boolean): bigint[] | undefined {
    const key = accountKey(owner);
    let list = this.byAccount.get(key);
    if (!list && create) {
      list = [];
      this.byAccount.set(key, list);
    }
    return list;
  }
}

/** The part of a batch query that is answered: a prefix of at most `MAX_QUERY_BATCH_SIZE` elements. */
export function queryPrefix<T>(items: T[]): T[] {
  return items.length > MAX_QUERY_BATCH_SIZE ? items.slice(0, MAX_QUERY_BATCH_SIZE) : items;
}
