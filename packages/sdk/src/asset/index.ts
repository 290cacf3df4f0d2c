/**
 * The asset side of `@lineage/sdk`: the canonical layout of a site and its asset root
 * (`computeAssetRoot`), verification of an asset canister against the IC's certificate and a
 * local build (`verifyAssets`), and uploads that keep the layout (`uploadAssets`).
 */
export {
  computeAssetRoot, defaultInclude, describeContent, listSiteFiles, localAsset, readSite, siteRoot,
  type AssetLayoutOptions, type AssetProperties, type LocalAsset, type SiteRoot,
} from './layout.js';
export { verifyAssets } from './verify-dir.js';
export {
  compareWithCanister, verifyAssetCanister,
  type AssetCheck, type AssetCheckName, type AssetVerdict, type SiteDifference, type VerifyAssetsOptions,
} from './verify.js';
export { AssetUploadError, uploadAssets, type UploadAssetsOptions, type UploadAssetsResult } from './upload.js';
export { contentTypeFor, composeCertifiedData, checkChain, entryHash } from '@lineage/asset-canister/domain';
