/**
 * A frontend (Lineage asset canister) as the verify page shows it: the certified root, the
 * timeline of recent roots, and a picked folder compared with both. The folder's asset root is
 * computed here with the sdk's own layout code (`localAsset`, `siteRoot`), so a match means the
 * same bytes, content types and headers the canister certifies.
 */
import type { HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { defaultInclude, formatTimestamp, localAsset, toHex, verifyAssetCanister, type AssetVerdict, type LocalAsset } from '@lineage/sdk/browser';

import { failed, info, verified, type CheckLine } from './check.js';
import { checkLabel, shortHash } from './words.js';

/** One file of a picked folder, its path relative to the folder (with `/`). */
export interface PickedFile {
  path: string;
  bytes: Uint8Array;
}

/**
 * The path of a file picked through `<input webkitdirectory>` relative to the picked folder
 * (the browser prefixes the folder's own name).
 *
 * @example
 * relativeToPicked('site/css/app.css'); // 'css/app.css'
 */
export function relativeToPicked(webkitRelativePath: string): string {
  const i = webkitRelativePath.indexOf('/');
  return i < 0 ? webkitRelativePath : webkitRelativePath.slice(i + 1);
}

/**
 * The assets a picked folder becomes (the layout `lineage` uploads: every file except hidden ones).
 *
 * @example
 * const assets = folderAssets([{ path: 'index.html', bytes }]);
 */
export function folderAssets(files: PickedFile[]): LocalAsset[] {
  return files.filter((f) => defaultInclude(f.path)).sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((f) => localAsset(`/${f.path}`, f.path, f.bytes));
}

export interface TimelineEntry {
  index: string;
  root: string;
  from: string;
  /** When the next root replaced it ('now' for the current one). */
  until: string;
  /** The root that replaced it (hex; '' for the current one). */
  replacedBy: string;
  assets: string;
}

/** The timeline of roots, newest first. */
export function timeline(verdict: AssetVerdict): TimelineEntry[] {
  const h = verdict.history ?? [];
  return h.map((e, i) => ({
    index: String(e.index), root: toHex(Uint8Array.from(e.root)), from: formatTimestamp(e.time),
    until: i === 0 ? 'now' : formatTimestamp(h[i - 1]!.time), replacedBy: i === 0 ? '' : toHex(Uint8Array.from(h[i - 1]!.root)),
    assets: String(e.asset_count),
  }));
}

/** The certificate checks of a verdict, as lines (green only for checks that passed). */
export function certificateLines(verdict: AssetVerdict): CheckLine[] {
  return verdict.checks.filter((c) => c.check !== 'local-root').map((c) => (c.ok ? verified : failed)(checkLabel(c.check), c.detail));
}

/**
 * What a picked folder is, in one line: the certified root, an earlier certified root (with
 * when it was served), or which files differ. Green only if the certificate verified too.
 *
 * @example
 * folderLine(verdict).detail; // 'matches the certified root 5c1e…'
 */
export function folderLine(verdict: AssetVerdict): CheckLine {
  const certOk = verdict.checks.filter((c) => ['certificate', 'certified-data', 'tree'].includes(c.check)).every((c) => c.ok)
    && verdict.checks.some((c) => c.check === 'certificate' && c.ok);
  const label = 'Picked folder';
  if (!verdict.localRoot) return failed(label, verdict.checks.find((c) => c.check === 'local-root')?.detail ?? 'no local root');
  if (!certOk) return failed(label, `root ${shortHash(verdict.localRoot)} computed, but the certificate did not verify: nothing can be said about it`);
  if (verdict.localRoot === verdict.assetRoot) return verified(label, `matches the certified root ${shortHash(verdict.localRoot)}: these are exactly the files the site serves`);
  const e = verdict.localRootEntry;
  if (e) {
    const h = verdict.history ?? [];
    const next = h[h.indexOf(e) - 1];
    return info(label, `matches the root served from ${formatTimestamp(e.time)} to ${next ? formatTimestamp(next.time) : 'now'} (an earlier version of the site), not the current one`);
  }
  const d = verdict.differences;
  const parts = d ? [
    d.changed.length ? `changed: ${d.changed.join(', ')}` : '', d.onlyLocal.length ? `only in the folder: ${d.onlyLocal.join(', ')}` : '',
    d.onlyInCanister.length ? `only in the canister: ${d.onlyInCanister.join(', ')}` : '',
  ].filter(Boolean) : [];
  return failed(label, `differs from the certified root (folder ${shortHash(verdict.localRoot)}): ${parts.length ? parts.join('; ') : 'same files; headers or encodings differ'}`);
}

/**
 * Verifies the asset canister `id`, and the picked folder when given.
 *
 * @example
 * const verdict = await verifyFrontend(agent, id, files);
 */
export function verifyFrontend(agent: HttpAgent, id: Principal, files?: PickedFile[]): Promise<AssetVerdict> {
  return verifyAssetCanister({ agent, canisterId: id, ...(files ? { assets: folderAssets(files) } : {}) });
}
