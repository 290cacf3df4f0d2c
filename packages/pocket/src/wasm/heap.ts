/**
 * A canister's Wasm memory ("heap") as the emulator holds it: the physical `WebAssembly.Memory`
 * with the reserved saved-page map at its bottom (see `instrument.ts`), the canister's bytes above
 * it, and the journal that lets one message's writes be rolled back.
 *
 * Every method takes and returns canister (logical) addresses.
 */
import { LIMITS } from '../constants.js';
import { traps } from '../errors.js';
import { PAGE_SHIFT, RESERVED_BYTES, RESERVED_PAGES, TRACKED_PAGE_SIZE, WASM_PAGE_SIZE } from './instrument.js';

export class Heap {
  memory: WebAssembly.Memory;
  private view: Uint8Array;
  /** Logical Wasm pages the module may grow to (declared maximum, or 4 GiB less the reserved map). */
  readonly maxPages: number;
  /** Saved-page journal of the current message: tracked page → slot in `arena`. */
  private slots = new Map<number, number>();
  /** Pages whose byte in the map is set, to clear after the message. */
  private marked: number[] = [];
  private arena = new Uint8Array(64 * TRACKED_PAGE_SIZE);
  private pagesAtStart = 0;

  constructor(initialPages: number, declaredMax: number | undefined, memory?: WebAssembly.Memory) {
    this.maxPages = Math.min(declaredMax ?? LIMITS.maxWasmPages, LIMITS.maxWasmPages - RESERVED_PAGES);
    this.memory = memory ?? new WebAssembly.Memory({
      initial: initialPages + RESERVED_PAGES,
      maximum: Math.min(declaredMax === undefined ? LIMITS.maxWasmPages : declaredMax + RESERVED_PAGES, LIMITS.maxWasmPages),
    });
    this.view = new Uint8Array(this.memory.buffer);
    this.pagesAtStart = this.pages;
  }

  /** The canister's memory size in Wasm pages (what `memory.size` returns to it). */
  get pages(): number {
    return this.memory.buffer.byteLength / WASM_PAGE_SIZE - RESERVED_PAGES;
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength - RESERVED_BYTES;
  }

  private physical(): Uint8Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Uint8Array(this.memory.buffer);
    return this.view;
  }

  inBounds(addr: number, len: number): boolean {
    return addr >= 0 && len >= 0 && addr + len <= this.byteLength;
  }

  /** A copy of `len` bytes at `addr`; the caller has checked the bounds. */
  read(addr: number, len: number): Uint8Array {
    return this.physical().slice(RESERVED_BYTES + addr, RESERVED_BYTES + addr + len);
  }

  /** A view (not a copy) of the canister's bytes, valid until the memory grows. */
  subarray(addr: number, len: number): Uint8Array {
    return this.physical().subarray(RESERVED_BYTES + addr, RESERVED_BYTES + addr + len);
  }

  /** Writes `data` at `addr` on behalf of the System API; the caller has checked the bounds. */
  write(addr: number, data: Uint8Array): void {
    this.beforeWrite(addr, data.length);
    this.physical().set(data, RESERVED_BYTES + addr);
  }

  /** Writes without journaling: for installing data segments into a fresh memory. */
  writeUntracked(addr: number, data: Uint8Array): void {
    this.physical().set(data, RESERVED_BYTES + addr);
  }

  /** Called by instrumented stores the first time they touch a page in this message. */
  readonly markPage = (addr: number): void => {
    const page = addr >>> PAGE_SHIFT;
    this.save(page);
    // A store of up to 16 bytes may spill into the next page; a marked page promises both are saved.
    this.save(page + 1);
    this.mark(page);
  };

  private mark(page: number): void {
    // Only pages the canister has: marking a page past the end (the store is about to trap)
    // would leave a stale mark that hides writes once the memory grows over it.
    if (page * TRACKED_PAGE_SIZE >= this.byteLength) return;
    this.physical()[page] = 1;
    this.marked.push(page);
  }

  /** Called before `memory.fill` and `memory.init`; traps as the instruction would when out of bounds. */
  readonly beforeWrite = (dst: number, len: number): void => {
    dst >>>= 0;
    len >>>= 0;
    if (dst + len > this.byteLength) throw traps.wasm('heap out of bounds');
    if (len === 0) return;
    const map = this.physical();
    for (let page = dst >>> PAGE_SHIFT, last = (dst + len - 1) >>> PAGE_SHIFT; page <= last; page++) {
      if (map[page] === 0) {
        this.save(page);
        this.save(page + 1);
        this.mark(page);
      }
    }
  };

  /** Called before `memory.copy`. */
  readonly beforeCopy = (dst: number, src: number, len: number): void => {
    if ((src >>> 0) + (len >>> 0) > this.byteLength) throw traps.wasm('heap out of bounds');
    this.beforeWrite(dst, len);
  };

  private save(page: number): void {
    if (this.slots.has(page) || (page + 1) * TRACKED_PAGE_SIZE > this.byteLength) return;
    const slot = this.slots.size;
    if ((slot + 1) * TRACKED_PAGE_SIZE > this.arena.length) {
      const bigger = new Uint8Array(this.arena.length * 2);
      bigger.set(this.arena);
      this.arena = bigger;
    }
    const from = RESERVED_BYTES + page * TRACKED_PAGE_SIZE;
    this.arena.set(this.physical().subarray(from, from + TRACKED_PAGE_SIZE), slot * TRACKED_PAGE_SIZE);
    this.slots.set(page, slot);
  }

  /**
   * `memory.grow` for the canister: grows by `delta` pages and returns the old size, or -1 when
   * the module's maximum or the 4 GiB limit would be exceeded.
   */
  readonly grow = (delta: number): number => {
    const old = this.pages;
    delta >>>= 0;
    if (old + delta > this.maxPages) return -1;
    try {
      this.memory.grow(delta);
    } catch {
      return -1;
    }
    return old;
  };

  /** Starts journaling a message's writes. */
  begin(): void {
    this.pagesAtStart = this.pages;
  }

  /** Keeps the message's writes. */
  commit(): void {
    this.clearJournal();
    this.pagesAtStart = this.pages;
  }

  /**
   * Undoes the message's writes. Returns a new memory (which the caller must instantiate the
   * module over) when the message grew the memory, because a Wasm memory cannot shrink.
   */
  rollback(): WebAssembly.Memory | undefined {
    const map = this.physical();
    for (const [page, slot] of this.slots) {
      map.set(this.arena.subarray(slot * TRACKED_PAGE_SIZE, (slot + 1) * TRACKED_PAGE_SIZE), RESERVED_BYTES + page * TRACKED_PAGE_SIZE);
    }
    this.clearJournal();
    if (this.pages === this.pagesAtStart) return undefined;
    const oldBytes = this.pagesAtStart * WASM_PAGE_SIZE;
    const replacement = new WebAssembly.Memory({
      initial: this.pagesAtStart + RESERVED_PAGES,
      maximum: Math.min(this.maxPages + RESERVED_PAGES, LIMITS.maxWasmPages),
    });
    new Uint8Array(replacement.buffer).set(map.subarray(RESERVED_BYTES, RESERVED_BYTES + oldBytes), RESERVED_BYTES);
    this.memory = replacement;
    this.view = new Uint8Array(replacement.buffer);
    return replacement;
  }

  private clearJournal(): void {
    const map = this.physical();
    for (const page of this.marked) map[page] = 0;
    this.marked.length = 0;
    this.slots.clear();
  }

  /** Pages saved so far in this message (for measurements). */
  get journalPages(): number {
    return this.slots.size;
  }

  /** A full copy of the canister's bytes (for snapshots and tests). */
  snapshot(): Uint8Array {
    return this.read(0, this.byteLength);
  }
}
