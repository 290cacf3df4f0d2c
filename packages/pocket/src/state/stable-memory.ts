/**
 * A canister's stable memory: sparse 64 KiB pages (absent pages read as zeros, so a canister may
 * grow to hundreds of GiB without the emulator allocating them) and a journal so one message's
 * writes and growth can be rolled back (IC interface spec § Stable memory).
 *
 * The journal keeps the original of each 4 KiB chunk a message writes, not of the whole 64 KiB
 * page: a canister typically writes a few bytes here and there, and copying 64 KiB for each was
 * most of what a small update cost the emulator beyond running it.
 */
import { LIMITS } from '../constants.js';

const PAGE = LIMITS.stablePageSize;
const CHUNK_SHIFT = 12;
const CHUNK = 1 << CHUNK_SHIFT;
const CHUNKS_PER_PAGE = PAGE / CHUNK;
/** Copies up to this many bytes go byte by byte: cheaper than making a view for a typed-array copy. */
const SMALL_COPY = 32;
/** The most bytes of journal kept between messages. */
const JOURNAL_KEPT = 1 << 20;

/** A message's changes to stable memory, taken out by `StableMemory.setAside`. */
export interface StableChanges {
  size: number;
  /** Pages the message created, whole. */
  created: [number, Uint8Array][];
  /** The new contents of each 4 KiB chunk it wrote in older pages, by `page * CHUNKS_PER_PAGE + chunk`. */
  chunks: [number, Uint8Array][];
}

export class StableMemory {
  private pageData = new Map<number, Uint8Array>();
  private size = 0;
  /** Pages the current message created (absent before it). */
  private created = new Set<number>();
  /**
   * Where the original contents of each chunk the current message wrote in a page it did not
   * create are kept in `journal` (a byte offset), by `page * CHUNKS_PER_PAGE + chunk`. The journal
   * is reused from message to message, so saving a chunk allocates nothing.
   */
  private saved = new Map<number, number>();
  private journal = new Uint8Array(4 * CHUNK);
  private sizeAtStart = 0;

  /** Size in 64 KiB pages. */
  get pages(): number {
    return this.size;
  }

  get byteLength(): bigint {
    return BigInt(this.size) * BigInt(PAGE);
  }

  /** Grows by `delta` pages; returns the old size, or -1 past `maxPages`. */
  grow(delta: bigint, maxPages: number = LIMITS.maxStablePages): bigint {
    const old = this.size;
    if (delta < 0n || BigInt(old) + delta > BigInt(maxPages)) return -1n;
    this.size = old + Number(delta);
    return BigInt(old);
  }

  inBounds(offset: bigint, len: bigint): boolean {
    return offset >= 0n && len >= 0n && offset + len <= this.byteLength;
  }

  /** `inBounds` for offsets and lengths as numbers (exact: stable memory is far below 2^53 bytes). */
  inBoundsAt(offset: number, len: number): boolean {
    return offset >= 0 && len >= 0 && offset + len <= this.size * PAGE;
  }

  read(offset: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(Number(offset), out, 0, len);
    return out;
  }

  /** Copies `len` bytes at `offset` into `out` at `at` (the caller has checked the bounds). */
  readInto(offset: number, out: Uint8Array, at: number, len: number): void {
    let done = 0;
    let pos = offset;
    while (done < len) {
      const page = Math.floor(pos / PAGE);
      const within = pos - page * PAGE;
      const n = Math.min(PAGE - within, len - done);
      const data = this.pageData.get(page);
      if (!data) out.fill(0, at + done, at + done + n);
      else if (n <= SMALL_COPY) for (let k = 0; k < n; k++) out[at + done + k] = data[within + k]!;
      else out.set(data.subarray(within, within + n), at + done);
      done += n;
      pos += n;
    }
  }

  write(offset: bigint, bytes: Uint8Array): void {
    this.writeAt(Number(offset), bytes, 0, bytes.length);
  }

  /**
   * Writes the `len` bytes of `from` at `at` to `offset` (the caller has checked the bounds),
   * journaling the chunks it overwrites.
   */
  writeAt(offset: number, from: Uint8Array, at: number, len: number): void {
    let done = 0;
    let pos = offset;
    while (done < len) {
      const page = Math.floor(pos / PAGE);
      const within = pos - page * PAGE;
      const n = Math.min(PAGE - within, len - done);
      let data = this.pageData.get(page);
      if (!data) {
        data = new Uint8Array(PAGE);
        this.pageData.set(page, data);
        this.created.add(page);
      } else if (!this.created.has(page)) {
        for (let chunk = within >>> CHUNK_SHIFT, last = (within + n - 1) >>> CHUNK_SHIFT; chunk <= last; chunk++) {
          const key = page * CHUNKS_PER_PAGE + chunk;
          if (!this.saved.has(key)) this.save(key, data.subarray(chunk * CHUNK, (chunk + 1) * CHUNK));
        }
      }
      if (n <= SMALL_COPY) for (let k = 0; k < n; k++) data[within + k] = from[at + done + k]!;
      else data.set(from.subarray(at + done, at + done + n), within);
      done += n;
      pos += n;
    }
  }

  /** Keeps a chunk's original contents in the journal. */
  private save(key: number, original: Uint8Array): void {
    const at = this.saved.size * CHUNK;
    if (at + CHUNK > this.journal.length) {
      const bigger = new Uint8Array(this.journal.length * 2);
      bigger.set(this.journal.subarray(0, at));
      this.journal = bigger;
    }
    this.journal.set(original, at);
    this.saved.set(key, at);
  }

  begin(): void {
    this.sizeAtStart = this.size;
  }

  commit(): void {
    if (this.created.size > 0) this.created.clear();
    if (this.saved.size > 0) this.saved.clear();
    this.sizeAtStart = this.size;
    this.shrinkJournal();
  }

  /** A journal a big message grew is not kept for the small ones after it. */
  private shrinkJournal(): void {
    if (this.journal.length > JOURNAL_KEPT) this.journal = new Uint8Array(4 * CHUNK);
  }

  rollback(): void {
    for (const page of this.created) this.pageData.delete(page);
    for (const [key, at] of this.saved) {
      this.pageData.get(Math.floor(key / CHUNKS_PER_PAGE))!.set(this.journal.subarray(at, at + CHUNK), (key % CHUNKS_PER_PAGE) * CHUNK);
    }
    this.created.clear();
    this.saved.clear();
    this.size = this.sizeAtStart;
    this.shrinkJournal();
  }

  /**
   * Takes the current message's writes and growth out: returns them and rolls them back, so the
   * memory reads as at `begin` until `reapply` (a long execution's changes, visible on the IC only
   * when its last slice completes).
   *
   * @example const changes = stable.setAside(); …; stable.reapply(changes);
   */
  setAside(): StableChanges {
    const created: [number, Uint8Array][] = [...this.created].map((page) => [page, this.pageData.get(page)!]);
    const chunks: [number, Uint8Array][] = [...this.saved.keys()].map((key) => {
      const at = (key % CHUNKS_PER_PAGE) * CHUNK;
      return [key, this.pageData.get(Math.floor(key / CHUNKS_PER_PAGE))!.slice(at, at + CHUNK)];
    });
    const size = this.size;
    this.rollback();
    return { size, created, chunks };
  }

  /**
   * Puts back and commits changes taken out by `setAside`.
   *
   * @example stable.reapply(stable.setAside()); // as if nothing had been set aside
   */
  reapply(changes: StableChanges): void {
    this.begin();
    this.size = changes.size;
    for (const [page, data] of changes.created) this.pageData.set(page, data);
    for (const [key, bytes] of changes.chunks) this.pageData.get(Math.floor(key / CHUNKS_PER_PAGE))!.set(bytes, (key % CHUNKS_PER_PAGE) * CHUNK);
    this.commit();
  }

  /** The whole stable memory as one buffer (pic's `getStableMemory`). */
  toBytes(): Uint8Array {
    return this.read(0n, this.size * PAGE);
  }

  /** Replaces the contents with `bytes`, sized up to whole pages (pic's `setStableMemory`). */
  static fromBytes(bytes: Uint8Array): StableMemory {
    const memory = new StableMemory();
    memory.size = Math.ceil(bytes.length / PAGE);
    memory.write(0n, bytes);
    memory.commit();
    return memory;
  }

  /** The size and the pages actually held, for saving (sparse: absent pages are zero). */
  pagesSnapshot(): { size: number; pages: [number, Uint8Array][] } {
    return { size: this.size, pages: [...this.pageData.entries()].map(([n, data]) => [n, data.slice()]) };
  }

  static fromPages(size: number, pages: [number, Uint8Array][]): StableMemory {
    const memory = new StableMemory();
    memory.size = size;
    for (const [n, data] of pages) memory.pageData.set(n, data);
    return memory;
  }

  /** Bytes actually held (for memory metrics). */
  get residentBytes(): number {
    return this.pageData.size * PAGE;
  }
}
