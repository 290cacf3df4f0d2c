/**
 * The sha256 of files, remembered between runs the way git's index remembers them: a file is read
 * again unless its device, inode, size, mtime and ctime are all what they were when it was hashed.
 * Writing a file's content always sets its ctime to the current time, and nothing but changing
 * the system clock sets it back, so an unchanged stat means unchanged bytes. A file changed in the
 * last seconds before it was hashed is never trusted (a second change within the same timestamp
 * could keep its stat: git calls these entries "racily clean").
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync, type BigIntStats } from 'node:fs';
import { dirname } from 'node:path';

interface Entry {
  /** `dev:ino:size:mtimeNs:ctimeNs` when hashed. */
  stat: string;
  sha256: string;
  /** When it was hashed, in ns since the epoch. */
  at: string;
}

/** A change this close (ns) to the moment of hashing may share a timestamp with a later change. */
const RACY_NS = 2_000_000_000n;

export class FileHashes {
  private changed = false;

  private constructor(private readonly file: string | undefined, private readonly entries: Record<string, Entry>) {}

  /**
   * The hashes remembered in `file` (none if it is missing or unreadable); `undefined` remembers nothing.
   *
   * @example
   * const hashes = FileHashes.load('.lineage/rebuilds/files.json');
   * const sha = hashes.sha256('/src/lineage/package.json');
   * hashes.save();
   */
  static load(file: string | undefined): FileHashes {
    let entries: Record<string, Entry> = {};
    try {
      if (file && existsSync(file)) entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Entry>;
    } catch {
      entries = {};
    }
    return new FileHashes(file, entries);
  }

  /** The hex sha256 of the regular file at the absolute `path`, read only if its stat (`lstat` with bigints, if at hand) changed. */
  sha256(path: string, s: BigIntStats = lstatSync(path, { bigint: true })): string {
    const stat = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    const known = this.entries[path];
    if (known && known.stat === stat && s.ctimeNs + RACY_NS < BigInt(known.at)) return known.sha256;
    const at = BigInt(Date.now()) * 1_000_000n;
    const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    this.entries[path] = { stat, sha256, at: at.toString() };
    this.changed = true;
    return sha256;
  }

  /** Writes the remembered hashes back (whole or not at all). */
  save(): void {
    if (!this.file || !this.changed) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.entries));
    renameSync(tmp, this.file);
    this.changed = false;
  }
}
