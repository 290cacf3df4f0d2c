/**
 * `verifyAssets`: `verifyAssetCanister` on a build directory read from disk (Node only).
 */
import { computeAssetRoot } from './layout.js';
import { verifyAssetCanister, type AssetVerdict, type VerifyAssetsOptions } from './verify.js';

/**
 * Verifies an asset canister against the IC's certificate and, with `dir`, against a local build.
 *
 * @example
 * const verdict = await verifyAssets({ canisterId, dir: 'dist', agent });
 * if (!verdict.ok) console.log(verdict.checks.filter((c) => !c.ok));
 */
export function verifyAssets(options: VerifyAssetsOptions): Promise<AssetVerdict> {
  const { dir, ...rest } = options;
  return verifyAssetCanister(dir === undefined ? rest : { ...rest, local: () => computeAssetRoot(dir, options.layout) });
}
