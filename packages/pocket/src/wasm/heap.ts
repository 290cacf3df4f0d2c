/**
 * A canister's Wasm memory ("heap") as the emulator holds it: the physical `WebAssembly.Memory`
 * with the reserved page map at its bottom (see `instrument.ts`), the canister's bytes above it,
 * and what lets one message's writes be rolled back.
 *
 * Rollback works from a copy of the canister's bytes as of the last commit (`committed`) and the
 * page map, which tells the pages the message may have written. Nothing is copied when a page is
 * first written; a commit copies the dirty pages into `committed`, a rollback copies them back from
 * it. A query (always rolled back) thus copies each page it writes once, not twice, at the price of
 * keeping a second copy of every heap.
 *
 * The page map has one byte per 4 KiB page, nonzero once the page is "marked" in the current
 * message: the instrumented code marks a page at every store to it, the host marks the pages
 * of bulk writes and System API writes. A marked page stands for itself and the first 16 bytes of
 * the next page, where a store of up to 16 bytes that begins on it may spill. The map is read and cleared when the message commits
 * or rolls back, so no host call is made while the canister runs.
 *
 * Every method takes and returns canister (logical) addresses.
 */
import { LIMITS } from '../constants.js';
import { traps } from '../errors.js';
import { PAGE_SHIFT, RESERVED_BYTES, RESERVED_PAGES, TRACKED_PAGE_SIZE, WASM_PAGE_SIZE } from './instrument.js';

/** The most bytes a store (16 bytes at most, `v128.store`) that begins on a page can reach on the next. */
const SPILL = 16;

/** A message's writes, copied out of the memory (see `Heap.pendingChanges`): the size after it and each written range. */
export interface HeapChanges {
  size: number;
  ranges: { at: number; bytes: Uint8Array }[];
}

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
  /** Reused by `dirtyRanges` (the written ranges of one commit or rollback). */
  private readonly ranges: number[] = [];

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

  /**
   * The whole physical memory and where the canister's address `addr` is in it, for the System
   * API to copy small runs of bytes without making a view for each; valid until the memory grows.
   * A caller that writes through it calls `beforeWrite` first.
   */
  get physical(): Uint8Array {
    return this.view;
  }

  physicalOffset(addr: number): number {
    return RESERVED_BYTES + addr;
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

  /** Called before `memory.fill` and `memory.init`; traps as the instruction would when out of bounds. */
  readonly beforeWrite = (dst: number, len: number): void => {
    dst >>>= 0;
    len >>>= 0;
    if (dst + len > this.size) throw traps.wasm('heap out of bounds');
    if (len === 0) return;
    const first = dst >>> PAGE_SHIFT;
    const last = (dst + len - 1) >>> PAGE_SHIFT;
    if (first === last) this.view[first] = 1;
    else this.view.fill(1, first, last + 1);
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
    const oldPages = this.size >>> PAGE_SHIFT;
    this.refresh();
    // Marks past the old end came from stores that trapped; the pages they name are new and clean.
    // (A marked old last page now stands for the first bytes of the first new page, as it should: a store
    // that began on it may have spilled there once the memory grew.)
    this.view.fill(0, oldPages, this.size >>> PAGE_SHIFT);
    return old;
  };

  /** Starts a message. Its writes are tracked from the last commit on, so there is nothing to do. */
  begin(): void {}

  /** Keeps the writes made since the last commit. */
  commit(): void {
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
    const ranges = this.dirtyRanges(true);
    const from = this.view.subarray(RESERVED_BYTES);
    for (let k = 0; k < ranges.length; k += 2) {
      const at = ranges[k]!;
      this.committed.set(from.subarray(at, ranges[k + 1]!), at);
    }
    this.committedSize = this.size;
  }

  /**
   * Undoes every write since the last commit. Returns a new memory (which the caller must
   * instantiate the module over) when the memory grew since, because a Wasm memory cannot shrink.
   */
  rollback(): WebAssembly.Memory | undefined {
    if (this.size === this.committedSize) {
      const view = this.view;
      const ranges = this.dirtyRanges(true);
      for (let k = 0; k < ranges.length; k += 2) {
        const at = ranges[k]!;
        view.set(this.committed.subarray(at, ranges[k + 1]!), RESERVED_BYTES + at);
      }
      return undefined;
    }
    const replacement = new WebAssembly.Memory({
      initial: this.committedSize / WASM_PAGE_SIZE + RESERVED_PAGES,
      maximum: Math.min(this.maxPages + RESERVED_PAGES, LIMITS.maxWasmPages),
    });
    new Uint8Array(replacement.buffer).set(this.committed.subarray(0, this.committedSize), RESERVED_BYTES);
    this.memory = replacement;
    this.refresh();
    return replacement;
  }

  /**
   * A copy of the writes since the last commit: the canister's size and each written range's bytes.
   * With `rollback` after it, the memory reads as committed until `reapply` puts them back (the
   * changes of a long execution, which the IC makes visible only when its last slice completes).
   *
   * @example const changes = heap.pendingChanges(); heap.rollback(); …; heap.reapply(changes); heap.commit();
   */
  pendingChanges(): HeapChanges {
    const dirty = this.dirtyRanges(false);
    const ranges: HeapChanges['ranges'] = [];
    for (let k = 0; k < dirty.length; k += 2) {
      const at = dirty[k]!;
      ranges.push({ at, bytes: this.view.slice(RESERVED_BYTES + at, RESERVED_BYTES + dirty[k + 1]!) });
    }
    return { size: this.size, ranges };
  }

  /**
   * Puts back writes copied by `pendingChanges` (and rolled back since), growing the memory to their size; they then wait for a commit.
   *
   * @example heap.reapply(changes); heap.commit();
   */
  reapply(changes: HeapChanges): void {
    if (changes.size > this.size && this.grow((changes.size - this.size) / WASM_PAGE_SIZE) < 0) {
      throw new Error(`internal: a heap of ${this.pages} pages cannot grow back to ${changes.size / WASM_PAGE_SIZE}`);
    }
    for (const { at, bytes } of changes.ranges) this.write(at, bytes);
  }

  /**
   * The byte ranges written since the last commit or rollback, in ascending order, flat as
   * `[start, end, …]`: each run of marked pages and the first `SPILL` bytes of the page after it,
   * which a store that began on the run's last page may have reached (one range, so one copy per
   * run). With `clear`, the map is cleared on the way. The map is read eight pages at a time, so
   * unwritten stretches cost little.
   */
  private dirtyRanges(clear: boolean): number[] {
    const pages = this.size >>> PAGE_SHIFT;
    const view = this.view;
    // Two 32-bit words per step; a trailing partial step is read byte by byte below.
    const words = new Int32Array(this.memory.buffer, 0, (pages >>> 3) << 1);
    const ranges = this.ranges;
    ranges.length = 0;
    let run = -1; // the first page of the run of marked pages being read, if any
    let page = 0;
    for (let w = 0; w < words.length; w += 2) {
      if ((words[w]! | words[w + 1]!) === 0) {
        if (run >= 0) {
          ranges.push(run * TRACKED_PAGE_SIZE, w * 4 * TRACKED_PAGE_SIZE + SPILL);
          run = -1;
        }
        continue;
      }
      for (page = w << 2; page < (w << 2) + 8; page++) {
        if (view[page] !== 0) {
          if (run < 0) run = page;
        } else if (run >= 0) {
          ranges.push(run * TRACKED_PAGE_SIZE, page * TRACKED_PAGE_SIZE + SPILL);
          run = -1;
        }
      }
      if (clear) words[w] = words[w + 1] = 0;
    }
    for (page = words.length << 2; page < pages; page++) {
      if (view[page] !== 0) {
        if (run < 0) run = page;
        if (clear) view[page] = 0;
      } else if (run >= 0) {
        ranges.push(run * TRACKED_PAGE_SIZE, page * TRACKED_PAGE_SIZE + SPILL);
        run = -1;
      }
    }
    if (run >= 0) ranges.push(run * TRACKED_PAGE_SIZE, pages * TRACKED_PAGE_SIZE);
    return ranges;
  }

  /** Pages written (or spilled into) since the last commit (for measurements). */
  get dirtyPages(): number {
    const ranges = this.dirtyRanges(false);
    let pages = 0;
    for (let k = 0; k < ranges.length; k += 2) pages += Math.ceil((ranges[k + 1]! - ranges[k]!) / TRACKED_PAGE_SIZE);
    return pages;
  }

  /** Replaces the canister's bytes with saved ones (restoring an instance), growing to fit. */
  load(bytes: Uint8Array): void {
    const pages = Math.ceil(bytes.length / WASM_PAGE_SIZE);
    if (pages > this.pages) this.grow(pages - this.pages);
    if (pages > this.pages) throw new Error(`internal: a saved heap of ${pages} pages does not fit in ${this.maxPages}`);
    this.view.fill(0);
    this.view.set(bytes, RESERVED_BYTES);
    this.committed = this.view.slice(RESERVED_BYTES);
    this.committedSize = this.size;
  }

  /** A full copy of the canister's bytes (for snapshots and tests). */
  snapshot(): Uint8Array {
    return this.read(0, this.size);
  }
}
