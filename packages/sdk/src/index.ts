/** `@lineage/sdk`: the client side of Lineage. */
export { publishWasm, type PublishProgress, type PublishWasmHooks, type PublishWasmOptions, type PublishWasmResult } from './registry/publish.js';
export { fetchWasm, type FetchProgress, type FetchWasmOptions } from './registry/fetch.js';
export { findWasm, readUploadState, recordedHash, type UploadState } from './registry/upload-state.js';
export { DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES, planChunks, type ChunkPlan } from './registry/chunks.js';
export { formatVersion, toVersion, type VersionInput } from './registry/version.js';
export type { FetchRegistry, PublishRegistry, ReadRegistry, VerificationRegistry } from './registry/service.js';
export {
  fileVerification, summarizeVerifications, trustedBy, verificationsBy, verificationsOf, type FileVerificationOptions, type VerificationRecord,
} from './registry/verifications.js';

export { hashValue } from './icrc3/hash.js';
export { asBlob, getField, valueKind, valueToJson, type Icrc3Value } from './icrc3/value.js';
export { decodeLeb128, leb128, sleb128 } from './icrc3/leb128.js';
export { decodeHashTree, hashTreeRoot, lookupLeaf, type HashTree, type LeafLookup } from './icrc3/hash-tree.js';
export {
  verifyIcrc3Log, type Icrc3Check, type Icrc3Failure, type Icrc3Log, type Icrc3Verdict, type VerifyIcrc3LogOptions,
} from './icrc3/verify.js';

export { IntegrityError, RegistryError, ResumeConflictError, VerificationTimeoutError, describeRegistryError, type IntegrityCheck } from './errors.js';
export { asBytes, bytesEqual, fromHex, sha256, toHex, type Bytes } from './bytes.js';

export { controllerRing, spawnDapp, SpawnError, type DappTypes, type SpawnedDapp, type SpawnedVersion, type SpawnOptions, type SpawnRegistry } from './dapp/spawn.js';
export { managementDeployer, type CanisterDeployer } from './dapp/deployer.js';
export { latestVersion, versionsOf, type ListRegistry } from './dapp/latest.js';

export {
  describeOrigin, describeRow, formatHistoryTable, formatTimestamp, mergeHistories, renderTable, shortPrincipal,
  type HistoryChange, type HistoryOrigin, type HistoryRow, type HistorySource, type HistoryTableOptions, type MergeHistoriesInput,
} from './history/index.js';

export * from './asset/index.js';
export { checkDapp, collectDappFacts, type CheckDappOptions, type DappVerdict } from './dapp/check.js';
export { judgeDapp, type CanisterFacts, type DappCheck, type DappFacts, type DappRoleName, type PermissionFacts } from './dapp/judge.js';

export { readCanisterHistory, readCanisterInfo, readManagerHistory, rejectText, versionNamesOf, type CanisterHistory } from './history/read.js';
export { describeBackendError, describeVariant } from './dapp/refusal.js';
export {
  dappCanisters, heldDapps, operationProgress, tokenHolder, takeUploads, transferDapp, upgradeDappCanister, upgradeOptions,
  type DappCanister, type HeldDapp, type UpgradeOption, type UpgradePhase, type UpgradeProgress,
} from './dapp/owner.js';
