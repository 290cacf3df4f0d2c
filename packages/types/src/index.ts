export { methodTypes, type IdlFactory, type IdlInitFactory, type IdlNamespace, type IdlTypeFactory } from './idl.js';
export { canisterIdsFile, principalText, semver, sha256Hex, type CanisterIdsFile } from './schemas.js';
export * from './icrc.js';
export * from './registry.js';
export * from './asset.js';
export * from './nft.js';
export * from './management.js';
export * from './manager.js';
export * from './backend.js';
