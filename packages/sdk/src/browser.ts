/**
 * `@lineage/sdk/browser`: the part of the sdk that runs in a browser (no Node built-ins): asset
 * roots of picked files, asset canister verification, ICRC-3 log verification, merged histories,
 * the buyer's check and the holder's operations. The console bundles only this entry.
 */
export { asBytes, bytesEqual, fromHex, sha256, shortHex, toHex, type Bytes } from './bytes.js';
export { formatVersion } from './registry/version.js';
export { MAX_CHUNK_BYTES } from './registry/chunks.js';
export { latestVersion, versionsOf, type ListRegistry } from './dapp/latest.js';

export { verifyIcrc3Log, type Icrc3Check, type Icrc3Failure, type Icrc3Log, type Icrc3Verdict, type VerifyIcrc3LogOptions } from './icrc3/verify.js';

export {
  describeOrigin, describeRow, formatTimestamp, mergeHistories, shortPrincipal,
  type HistoryChange, type HistoryOrigin, type HistoryRow, type HistorySource, type HistoryTableOptions, type MergeHistoriesInput,
} from './history/index.js';
export {
  readCanisterHistory, readCanisterInfo, readManagerHistory, rejectText, versionNamesOf, type CanisterHistory,
} from './history/read.js';

export {
  defaultInclude, describeContent, localAsset, siteRoot, type AssetLayoutOptions, type AssetProperties, type LocalAsset, type SiteRoot,
} from './asset/layout-core.js';
export {
  compareWithCanister, verifyAssetCanister,
  type AssetCheck, type AssetCheckName, type AssetVerdict, type SiteDifference, type VerifyAssetsOptions,
} from './asset/verify.js';

export { checkDapp, collectDappFacts, type CheckDappOptions, type DappVerdict } from './dapp/check.js';
export { judgeDapp, type CanisterFacts, type DappCheck, type DappFacts, type PermissionFacts } from './dapp/judge.js';
export { describeBackendError, describeVariant } from './dapp/refusal.js';
export {
  dappCanisters, heldDapps, operationProgress, tokenHolder, takeUploads, transferDapp, upgradeDappCanister, upgradeOptions,
  type DappCanister, type DappRoleName, type HeldDapp, type UpgradeOption, type UpgradePhase, type UpgradeProgress,
} from './dapp/owner.js';
