/**
 * A canister's Wasm memory ("heap") as the emulator holds it: the physical `WebAssembly.Memory`
 * with the reserved page map at its bottom (see `instrument.ts`), the canister's bytes above it,
 * and what lets one message's writes be rolled back.
 *
 * Rollback works from a copy of the canister's bytes as of the last commit (`committed`) and the
 * list of pages the message may have written (`dirty`). Nothing is copied when a page is first
 * written; a commit copies the dirty pages into `committed`, a rollback copies them back from it.
 * A query (always rolled back) thus copies each page it writes once, not twice, at the price of
 * keeping a second copy of every heap.
 *
 * The page map has one byte per 4 KiB page: bit 0 "marked" (stores to the page need no host call;
 * the instrumented code tests this bit), bit 1 "dirty" (the page is in the dirty list). A marked
 * page promises that it and the next page are dirty, because a store of up to 16 bytes may spill over.
 *
 * Every method takes and returns canister (logical) addresses.
 */
import { LIMITS } from '../constants.js';
import { traps } from '../errors.js';
import { PAGE_SHIFT, RESERVED_BYTES, RESERVED_PAGES, TRACKED_PAGE_SIZE, WASM_PAGE_SIZE } from './instrument.js';

const MARKED = 1;
const DIRTY = 2;

export class Heap {
  memory: WebAssembly.Memory;
  /** The whole physical memory; replaced whenever the memory grows or is swapped. */
  private view: Uint8Array;
  /** The canister's size in bytes (physical size less the reserved map). */
  private size: number;
  /** Logical Wasm pages the module may grow to (declared maximum, or 4 GiB less the reserved map). */
  readonly maxPages: number;
  /** The canister's bytes as of the last commit; its length may exceed `committedSize` (capacity). */
  private committed: Uint8Array;
  private committedSize: number;
  /** Pages written (or possibly spilled into) since the last commit or rollback. */
  private dirty: number[] = [];

  constructor(initialPages: number, declaredMax: number | undefined) {
    this.maxPages = Math.min(declaredMax ?? LIMITS.maxWasmPages, LIMITS.maxWasmPages - RESERVED_PAGES);
    this.memory = new WebAssembly.Memory({
      initial: initialPages + RESERVED_PAGES,
      maximum: Math.min(this.maxPages + RESERVED_PAGES, LIMITS.maxWasmPages),
    });
    this.view = new Uint8Array(this.memory.buffer);
    this.size = this.view.length - RESERVED_BYTES;
    this.committed = new Uint8Array(this.size);
    this.committedSize = this.size;
  }

  private refresh(): void {
    this.view = new Uint8Array(this.memory.buffer);
    this.size = this.view.length - RESERVED_BYTES;
  }

  /** The canister's memory size in Wasm pages (what `memory.size` returns to it). */
  get pages(): number {
    return this.size / WASM_PAGE_SIZE;
  }

  get byteLength(): number {
    return this.size;
  }

  inBounds(addr: number, len: number): boolean {
    return addr >= 0 && len >= 0 && addr + len <= this.size;
  }

  /** A copy of `len` bytes at `addr`; the caller has checked the bounds. */
  read(addr: number, len: number): Uint8Array {
    return this.view.slice(RESERVED_BYTES + addr, RESERVED_BYTES + addr + len);
  }

  /** A view (not a copy) of the canister's bytes, valid until the memory grows. */
  subarray(addr: number, len: number): Uint8Array {
    return this.view.subarray(RESERVED_BYTES + addr, RESERVED_BYTES + addr + len);
  }

  /** Writes `data` at `addr` on behalf of the System API; the caller has checked the bounds. */
  write(addr: number, data: Uint8Array): void {
    this.beforeWrite(addr, data.length);
    this.view.set(data, RESERVED_BYTES + addr);
  }

  /**
   * Writes as part of the committed state: for installing data segments into a fresh memory,
   * before any message has run on it.
   */
  writeUntracked(addr: number, data: Uint8Array): void {
    this.view.set(data, RESERVED_BYTES + addr);
    this.committed.set(data, addr);
  }

  /** Called by instrumented stores the first time they touch a page in this message. */
  readonly markPage = (addr: number): void => {
    this.markDirty(addr >>> PAGE_SHIFT);
  };

  private markDirty(page: number): void {
    // Pages past the end are left alone: the store is about to trap, and a stale mark would hide
    // later writes once the memory grows over the page.
    if (page * TRACKED_PAGE_SIZE >= this.size) return;
    this.record(page);
    this.record(page + 1);
    this.view[page]! |= MARKED;
  }

  private record(page: number): void {
    const view = this.view;
    if ((view[page]! & DIRTY) !== 0 || (page + 1) * TRACKED_PAGE_SIZE > this.size) return;
    this.dirty.push(page);
    view[page]! |= DIRTY;
  }

  /** Called before `memory.fill` and `memory.init`; traps as the instruction would when out of bounds. */
  readonly beforeWrite = (dst: number, len: number): void => {
    dst >>>= 0;
    len >>>= 0;
    if (dst + len > this.size) throw traps.wasm('heap out of bounds');
    if (len === 0) return;
    const view = this.view;
    for (let page = dst >>> PAGE_SHIFT, last = (dst + len - 1) >>> PAGE_SHIFT; page <= last; page++) {
      if ((view[page]! & MARKED) === 0) this.markDirty(page);
    }
  };

  /** Called before `memory.copy`. */
  readonly beforeCopy = (dst: number, src: number, len: number): void => {
    if ((src >>> 0) + (len >>> 0) > this.size) throw traps.wasm('heap out of bounds');
    this.beforeWrite(dst, len);
  };

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
    const lastPage = (this.size >>> PAGE_SHIFT) - 1;
    this.refresh();
    // A marked last page could not promise its successor was dirty (there was none); now there is.
    return old;
  };

  /** Starts a message. Its writes are tracked from the last commit on, so there is nothing to do. */
  begin(): void {}

  /** Keeps the writes made since the last commit. */
  commit(): void {
    const view = this.view;
    if (this.size > this.committedSize) {
      if (this.size > this.committed.length) {
        const bigger = new Uint8Array(Math.min(Math.max(this.size, this.committed.length * 2), this.maxPages * WASM_PAGE_SIZE));
        bigger.set(this.committed.subarray(0, this.committedSize));
        this.committed = bigger;
      } else {
        this.committed.fill(0, this.committedSize, this.size);
      }
      // Pages grown since and never written are zero on both sides; written ones are dirty.
    }
    for (const page of this.dirty) {
      const from = RESERVED_BYTES + page * TRACKED_PAGE_SIZE;
      this.committed.set(view.subarray(from, from + TRACKED_PAGE_SIZE), page * TRACKED_PAGE_SIZE);
    }
    this.committedSize = this.size;
    this.clearDirty();
  }

  /**
   * Undoes every write since the last commit. Returns a new memory (which the caller must
   * instantiate the module over) when the memory grew since, because a Wasm memory cannot shrink.
   */
  rollback(): WebAssembly.Memory | undefined {
    if (this.size === this.committedSize) {
      const view = this.view;
      for (const page of this.dirty) {
        const at = page * TRACKED_PAGE_SIZE;
        view.set(this.committed.subarray(at, at + TRACKED_PAGE_SIZE), RESERVED_BYTES + at);
      }
      this.clearDirty();
      return undefined;
    }
    const replacement = new WebAssembly.Memory({
      initial: this.committedSize / WASM_PAGE_SIZE + RESERVED_PAGES,
      maximum: Math.min(this.maxPages + RESERVED_PAGES, LIMITS.maxWasmPages),
    });
    new Uint8Array(replacement.buffer).set(this.committed.subarray(0, this.committedSize), RESERVED_BYTES);
    this.memory = replacement;
    this.refresh();
    this.dirty.length = 0;
    return replacement;
  }

  private clearDirty(): void {
    const view = this.view;
    for (const page of this.dirty) view[page] = 0;
    this.dirty.length = 0;
  }

  /** Pages written (or spilled into) since the last commit (for measurements). */
  get dirtyPages(): number {
    return this.dirty.length;
  }

  /** Replaces the canister's bytes with saved ones (restoring an instance), growing to fit. */
  load(bytes: Uint8Array): void {
    const pages = Math.ceil(bytes.length / WASM_PAGE_SIZE);
    if (pages > this.pages) this.grow(pages - this.pages);
    if (pages > this.pages) throw new Error(`internal: a saved heap of ${pages} pages does not fit in ${this.maxPages}`);
    this.clearDirty();
    this.view.fill(0, RESERVED_BYTES);
    this.view.set(bytes, RESERVED_BYTES);
    this.committed = this.view.slice(RESERVED_BYTES);
    this.committedSize = this.size;
  }

  /** A full copy of the canister's bytes (for snapshots and tests). */
  snapshot(): Uint8Array {
    return this.read(0, this.size);
  }
}
