/**
 * A canister's Wasm memory ("heap") as the emulator holds it: the physical `WebAssembly.Memory`
 * with the reserved page map at its bottom (see `instrument.ts`), the canister's bytes above it,
 * and the journal that lets one message's writes be rolled back.
 *
 * The page map has one byte per 4 KiB page: bit 0 "marked" (stores to the page need no host call;
 * the instrumented code tests this bit), bit 1 "saved" (the page's bytes before the message are in
 * the journal). A marked page promises that it and the next page are saved, because a store of up
 * to 16 bytes may spill over.
 *
 * Every method takes and returns canister (logical) addresses.
 */
import { LIMITS } from '../constants.js';
import { traps } from '../errors.js';
import { PAGE_SHIFT, RESERVED_BYTES, RESERVED_PAGES, TRACKED_PAGE_SIZE, WASM_PAGE_SIZE } from './instrument.js';

const MARKED = 1;
const SAVED = 2;
const ARENA_INITIAL = 64 * TRACKED_PAGE_SIZE;
/** The journal's buffer is given back after a message that needed more than this. */
const ARENA_KEPT = 1024 * TRACKED_PAGE_SIZE;

export class Heap {
  memory: WebAssembly.Memory;
  /** The whole physical memory; replaced whenever the memory grows or is swapped. */
  private view: Uint8Array;
  /** The canister's size in bytes (physical size less the reserved map). */
  private size: number;
  /** Logical Wasm pages the module may grow to (declared maximum, or 4 GiB less the reserved map). */
  readonly maxPages: number;
  /** Journal of the current message: saved pages, in order; page k's old bytes are at slot k. */
  private savedPages: number[] = [];
  private arena = new Uint8Array(ARENA_INITIAL);
  private pagesAtStart = 0;

  constructor(initialPages: number, declaredMax: number | undefined, memory?: WebAssembly.Memory) {
    this.maxPages = Math.min(declaredMax ?? LIMITS.maxWasmPages, LIMITS.maxWasmPages - RESERVED_PAGES);
    this.memory = memory ?? new WebAssembly.Memory({
      initial: initialPages + RESERVED_PAGES,
      maximum: Math.min(this.maxPages + RESERVED_PAGES, LIMITS.maxWasmPages),
    });
    this.view = new Uint8Array(this.memory.buffer);
    this.size = this.view.length - RESERVED_BYTES;
    this.pagesAtStart = this.pages;
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

  /** Writes without journaling: for installing data segments into a fresh memory. */
  writeUntracked(addr: number, data: Uint8Array): void {
    this.view.set(data, RESERVED_BYTES + addr);
  }

  /** Called by instrumented stores the first time they touch a page in this message. */
  readonly markPage = (addr: number): void => {
    this.markAndSave(addr >>> PAGE_SHIFT);
  };

  private markAndSave(page: number): void {
    // Pages past the end are left alone: the store is about to trap, and a stale mark would hide
    // later writes once the memory grows over the page.
    if (page * TRACKED_PAGE_SIZE >= this.size) return;
    this.save(page);
    this.save(page + 1);
    this.view[page]! |= MARKED;
  }

  private save(page: number): void {
    const view = this.view;
    if ((view[page]! & SAVED) !== 0 || (page + 1) * TRACKED_PAGE_SIZE > this.size) return;
    const slot = this.savedPages.length;
    const offset = slot * TRACKED_PAGE_SIZE;
    if (offset + TRACKED_PAGE_SIZE > this.arena.length) {
      const bigger = new Uint8Array(this.arena.length * 2);
      bigger.set(this.arena);
      this.arena = bigger;
    }
    const from = RESERVED_BYTES + page * TRACKED_PAGE_SIZE;
    this.arena.set(view.subarray(from, from + TRACKED_PAGE_SIZE), offset);
    this.savedPages.push(page);
    view[page]! |= SAVED;
  }

  /** Called before `memory.fill` and `memory.init`; traps as the instruction would when out of bounds. */
  readonly beforeWrite = (dst: number, len: number): void => {
    dst >>>= 0;
    len >>>= 0;
    if (dst + len > this.size) throw traps.wasm('heap out of bounds');
    if (len === 0) return;
    const view = this.view;
    for (let page = dst >>> PAGE_SHIFT, last = (dst + len - 1) >>> PAGE_SHIFT; page <= last; page++) {
      if ((view[page]! & MARKED) === 0) this.markAndSave(page);
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
    this.refresh();
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
    const view = this.view;
    const pages = this.savedPages;
    for (let slot = 0; slot < pages.length; slot++) {
      const offset = slot * TRACKED_PAGE_SIZE;
      view.set(this.arena.subarray(offset, offset + TRACKED_PAGE_SIZE), RESERVED_BYTES + pages[slot]! * TRACKED_PAGE_SIZE);
    }
    this.clearJournal();
    if (this.pages === this.pagesAtStart) return undefined;
    const replacement = new WebAssembly.Memory({
      initial: this.pagesAtStart + RESERVED_PAGES,
      maximum: Math.min(this.maxPages + RESERVED_PAGES, LIMITS.maxWasmPages),
    });
    new Uint8Array(replacement.buffer).set(view.subarray(RESERVED_BYTES, RESERVED_BYTES + this.pagesAtStart * WASM_PAGE_SIZE), RESERVED_BYTES);
    this.memory = replacement;
    this.refresh();
    return replacement;
  }

  private clearJournal(): void {
    const view = this.view;
    for (const page of this.savedPages) view[page] = 0;
    this.savedPages.length = 0;
    // An install can journal megabytes; don't keep that much idle for every canister.
    if (this.arena.length > ARENA_KEPT) this.arena = new Uint8Array(ARENA_INITIAL);
  }

  /** Pages saved so far in this message (for measurements). */
  get journalPages(): number {
    return this.savedPages.length;
  }

  /** Replaces the canister's bytes with saved ones (restoring an instance), growing to fit. */
  load(bytes: Uint8Array): void {
    const pages = Math.ceil(bytes.length / WASM_PAGE_SIZE);
    if (pages > this.pages) this.grow(pages - this.pages);
    if (pages > this.pages) throw new Error(`internal: a saved heap of ${pages} pages does not fit in ${this.maxPages}`);
    this.view.fill(0, RESERVED_BYTES);
    this.view.set(bytes, RESERVED_BYTES);
    this.clearJournal();
    this.pagesAtStart = this.pages;
  }

  /** A full copy of the canister's bytes (for snapshots and tests). */
  snapshot(): Uint8Array {
    return this.read(0, this.size);
  }
}
