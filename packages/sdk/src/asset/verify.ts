/**
 * `verifyAssetCanister`: does an asset canister serve exactly a local site, and has it since when?
 * Browser-safe (the console runs it on a picked folder); `verifyAssets` in `verify-dir.ts` reads a
 * build directory in Node first. Each check is reported with why it failed; the IC's certificate is checked
 * with `@dfinity/agent` (independently of the canister's code and of ours).
 */
import { Actor, Cbor, CanisterStatus, Certificate, lookup_path, LookupPathStatus, reconstruct, type HashTree as AgentHashTree, type HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import {
  assetIdlFactory, type AssetDetails, type AssetService, type CertifiedRoot, type RootHistoryEntry,
} from '@lineage/types';
import { bytesEqual, checkChain, composeCertifiedData, toHex, type HistoryEntry } from '@lineage/asset-canister/domain';

import { siteRoot, type AssetLayoutOptions, type LocalAsset, type SiteRoot } from './layout-core.js';

export type AssetCheckName =
  /** The data certificate is signed under the root key (with a valid delegation) and recent. */
  | 'certificate'
  /** The certificate's `certified_data` for the canister is the root of the returned tree. */
  | 'certified-data'
  /** The returned tree has the documented shape: asset root and history head as the canister says. */
  | 'tree'
  /** The asset root computed from the directory is the certified one. */
  | 'local-root'
  /** `get_recent_hashes` lists the certified root and head newest, as an unbroken hash chain. */
  | 'history'
  /** The canister's module hash, read from the state tree (`read_state`), is known (or at least readable). */
  | 'module-hash';

export interface AssetCheck {
  check: AssetCheckName;
  ok: boolean;
  /** What was found, or why the check failed. */
  detail: string;
}

/** How a local site differs from the canister's assets (when the roots differ). */
export interface SiteDifference {
  onlyLocal: string[];
  onlyInCanister: string[];
  /** Keys whose content type or content (sha256 of an encoding) differ. */
  changed: string[];
}

export interface AssetVerdict {
  /** Every check passed. */
  ok: boolean;
  checks: AssetCheck[];
  canisterId: string;
  /** Hex of what the certificate certifies. */
  certifiedData?: string;
  /** Hex of the asset root the canister certifies now. */
  assetRoot?: string;
  /** Hex of the asset root of `dir`. */
  localRoot?: string;
  /** Hex of the certified history head. */
  historyHead?: string;
  /** When the certificate was made. */
  certificateTime?: Date;
  /** The canister's recent roots, newest first. */
  history?: RootHistoryEntry[];
  /** The history entry whose root is the local root, if the canister certified it recently (now or before). */
  localRootEntry?: RootHistoryEntry;
  /** Hex of the installed module's sha256, for comparing with known asset canister builds. */
  moduleHash?: string;
  /** Filled when the local root differs from the certified one. */
  differences?: SiteDifference;
}

export interface VerifyAssetsOptions {
  canisterId: Principal | string;
  /** An agent with the right root key (`agent.rootKey`; `fetchRootKey()` only for local networks). */
  agent: HttpAgent;
  /** The local build directory to compare with (omit to check only the certificate and history). Node only (`verifyAssets`). */
  dir?: string;
  /** The local site's assets (e.g. from a folder picked in a browser, through `localAsset`), instead of `dir`. */
  assets?: LocalAsset[];
  layout?: AssetLayoutOptions;
  /** Module hashes (hex) of asset canister builds you trust; when given, the module hash must be one. */
  knownModuleHashes?: string[];
  /** How many recent roots to ask for (default: all the canister keeps). */
  historyDepth?: number;
  /** Skip the certificate's freshness check. Default false. */
  disableTimeVerification?: boolean;
}

const hex = (b: Uint8Array | number[]) => toHex(Uint8Array.from(b));

function toEntry(e: RootHistoryEntry): HistoryEntry {
  return {
    index: e.index, root: Uint8Array.from(e.root), time: e.time, assetCount: e.asset_count, hash: Uint8Array.from(e.hash),
    ...(e.batch_id.length ? { batchId: e.batch_id[0] } : {}),
    ...(e.evidence.length ? { evidence: Uint8Array.from(e.evidence[0]!) } : {}),
    ...(e.previous.length ? { previous: Uint8Array.from(e.previous[0]!) } : {}),
  };
}

/** Compares local assets with the canister's `list`. */
export async function compareWithCanister(actor: AssetService, assets: LocalAsset[]): Promise<SiteDifference> {
  const remote: AssetDetails[] = [];
  for (let start = 0n; ; ) {
    const page = await actor.list({ start: [start], length: [] });
    remote.push(...page);
    if (page.length === 0) break;
    start += BigInt(page.length);
  }
  const byKey = new Map(remote.map((r) => [r.key, r]));
  const local = new Map(assets.map((a) => [a.key, a]));
  const changed: string[] = [];
  for (const a of assets) {
    const r = byKey.get(a.key);
    if (!r) continue;
    const same = r.content_type === a.contentType && r.encodings.length === a.encodings.length && a.encodings.every((e) => {
      const re = r.encodings.find((x) => x.content_encoding === e.name);
      return re !== undefined && re.sha256.length > 0 && bytesEqual(Uint8Array.from(re.sha256[0]!), e.sha256);
    });
    if (!same) changed.push(a.key);
  }
  return {
    onlyLocal: assets.filter((a) => !byKey.has(a.key)).map((a) => a.key),
    onlyInCanister: remote.filter((r) => !local.has(r.key)).map((r) => r.key),
    changed,
  };
}

/**
 * Verifies an asset canister against the IC's certificate and, with `assets`, against a local
 * site (the same checks as `verifyAssets`, without a file system).
 *
 * @example
 * const verdict = await verifyAssetCanister({ canisterId, agent, assets: files.map((f) => localAsset(`/${f.path}`, f.path, f.bytes)) });
 * if (!verdict.ok) console.log(verdict.checks.filter((c) => !c.ok));
 */
export async function verifyAssetCanister(options: Omit<VerifyAssetsOptions, 'dir'> & { local?: () => SiteRoot }): Promise<AssetVerdict> {
  const canisterId = typeof options.canisterId === 'string' ? Principal.fromText(options.canisterId) : options.canisterId;
  const verdict: AssetVerdict = { ok: false, checks: [], canisterId: canisterId.toText() };
  const add = (check: AssetCheckName, ok: boolean, detail: string) => verdict.checks.push({ check, ok, detail });
  const { agent } = options;
  const actor = Actor.createActor<AssetService>(assetIdlFactory as never, { agent, canisterId });

  // 1. The certificate and the certified data.
  let certified: CertifiedRoot | undefined;
  let tree: AgentHashTree | undefined;
  try {
    certified = await actor.get_certified_root();
    verdict.certifiedData = hex(certified.certified_data);
    verdict.assetRoot = hex(certified.asset_root);
    verdict.historyHead = hex(certified.history_head);
    const certificateBytes = certified.certificate[0];
    if (!certificateBytes) {
      add('certificate', false, 'get_certified_root returned no certificate (was it called as an update?)');
    } else if (!agent.rootKey) {
      add('certificate', false, 'the agent has no root key');
    } else {
      const certificate = await Certificate.create({
        certificate: Uint8Array.from(certificateBytes), rootKey: new Uint8Array(agent.rootKey), canisterId,
        ...(options.disableTimeVerification ? { disableTimeVerification: true } : {}),
      });
      const time = certificate.lookup_path(['time']);
      if (time.status === LookupPathStatus.Found) verdict.certificateTime = new Date(Number(decodeLeb(time.value as Uint8Array) / 1_000_000n));
      add('certificate', true, 'signed under the root key');
      const data = certificate.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']);
      tree = Cbor.decode<AgentHashTree>(Uint8Array.from(certified.tree));
      const root = await reconstruct(tree);
      if (data.status !== LookupPathStatus.Found || !(data.value instanceof Uint8Array)) {
        add('certified-data', false, 'the certificate has no certified_data for this canister');
      } else if (!bytesEqual(data.value, root)) {
        add('certified-data', false, `the certificate certifies ${hex(data.value)}, the returned tree hashes to ${hex(root)}`);
      } else {
        verdict.certifiedData = hex(data.value);
        add('certified-data', true, `certified_data ${hex(data.value)} is the root of the returned tree`);
      }
    }
  } catch (error) {
    add('certificate', false, `could not verify the certificate: ${(error as Error).message}`);
  }

  // 2. The tree's shape: Fork(asset tree, Labeled("lineage_history", Leaf(head))).
  if (certified && tree) {
    const problems: string[] = [];
    if (tree[0] !== 1) problems.push('the tree is not a fork at its root');
    else {
      const assetRoot = await reconstruct(tree[1] as AgentHashTree);
      if (!bytesEqual(assetRoot, Uint8Array.from(certified.asset_root))) problems.push(`its asset part hashes to ${hex(assetRoot)}, not the asset_root the canister reports`);
      const head = lookup_path(['lineage_history'], tree);
      if (head.status !== LookupPathStatus.Found || !bytesEqual(head.value as Uint8Array, Uint8Array.from(certified.history_head))) {
        problems.push('lineage_history is not the history head the canister reports');
      }
      const composed = composeCertifiedData(Uint8Array.from(certified.asset_root), Uint8Array.from(certified.history_head));
      if (!bytesEqual(composed, Uint8Array.from(certified.certified_data))) problems.push('certified_data is not hash(Fork(asset root, lineage_history head))');
    }
    add('tree', problems.length === 0, problems.length === 0 ? `asset root ${verdict.assetRoot}, history head ${verdict.historyHead}` : problems.join('; '));
  }

  // 3. The local build.
  let local: SiteRoot | undefined;
  if (options.local !== undefined || options.assets !== undefined) {
    try {
      local = options.local ? options.local() : siteRoot(options.assets!);
      verdict.localRoot = local.rootHex;
      if (verdict.assetRoot === undefined) add('local-root', false, `local root ${local.rootHex}; the canister's root is unknown`);
      else if (local.rootHex === verdict.assetRoot) add('local-root', true, `${local.assets.length} files give the certified root ${local.rootHex}`);
      else {
        verdict.differences = await compareWithCanister(actor, local.assets).catch(() => undefined);
        const d = verdict.differences;
        const what = d ? [
          d.changed.length ? `changed: ${d.changed.join(', ')}` : '', d.onlyLocal.length ? `only local: ${d.onlyLocal.join(', ')}` : '',
          d.onlyInCanister.length ? `only in the canister: ${d.onlyInCanister.join(', ')}` : '',
        ].filter(Boolean).join('; ') : '';
        add('local-root', false, `the directory gives ${local.rootHex}, the canister certifies ${verdict.assetRoot}${what ? ` (${what})` : ' (same files and contents: headers, properties or encodings differ)'}`);
      }
    } catch (error) {
      add('local-root', false, `could not compute the local root: ${(error as Error).message}`);
    }
  }

  // 4. The history.
  try {
    const history = await actor.get_recent_hashes(options.historyDepth === undefined ? [] : [BigInt(options.historyDepth)]);
    verdict.history = history;
    const newest = history[0];
    const problems: string[] = [];
    if (!newest) problems.push('the history is empty');
    else {
      if (verdict.assetRoot !== undefined && hex(newest.root) !== verdict.assetRoot) problems.push(`the newest entry's root ${hex(newest.root)} is not the certified root`);
      if (verdict.historyHead !== undefined && hex(newest.hash) !== verdict.historyHead) problems.push('the newest entry is not the certified history head');
      for (const p of checkChain(history.map(toEntry))) problems.push(p.problem);
    }
    if (verdict.localRoot !== undefined) {
      verdict.localRootEntry = history.find((e) => hex(e.root) === verdict.localRoot);
      if (verdict.localRootEntry && verdict.localRootEntry !== newest) {
        problems.push(`the local root was certified by entry ${verdict.localRootEntry.index} (${new Date(Number(verdict.localRootEntry.time / 1_000_000n)).toISOString()}) but is no longer current`);
      }
    }
    add('history', problems.length === 0, problems.length === 0
      ? `${history.length} chained entries; the newest (${newest!.index}) is the certified root and head`
      : problems.join('; '));
  } catch (error) {
    add('history', false, `could not read the history: ${(error as Error).message}`);
  }

  // 5. The module hash, from the state tree.
  try {
    const status = await CanisterStatus.request({ agent, canisterId, paths: ['module_hash'] });
    const moduleHash = status.get('module_hash');
    if (typeof moduleHash !== 'string') add('module-hash', false, 'the canister has no module installed');
    else {
      verdict.moduleHash = moduleHash;
      if (options.knownModuleHashes && !options.knownModuleHashes.map((h) => h.toLowerCase()).includes(moduleHash)) {
        add('module-hash', false, `module ${moduleHash} is not one of the known builds`);
      } else {
        add('module-hash', true, options.knownModuleHashes ? `module ${moduleHash} is a known build` : `module ${moduleHash} (compare it with known builds)`);
      }
    }
  } catch (error) {
    add('module-hash', false, `could not read the module hash: ${(error as Error).message}`);
  }

  verdict.ok = verdict.checks.every((c) => c.ok);
  return verdict;
}

function decodeLeb(bytes: Uint8Array): bigint {
  let v = 0n;
  let shift = 0n;
  for (const b of bytes) {
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) break;
  }
  return v;
}
