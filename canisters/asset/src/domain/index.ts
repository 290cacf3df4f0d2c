/** The asset canister's rules as plain functions over plain data (unit-tested without Wasm; `@lineage/sdk` reuses them). */
export * from './bytes.js';
export * from './cbor.js';
export * from './cert-tree.js';
export * from './commit.js';
export * from './errors.js';
export * from './hash-tree.js';
export * from './history.js';
export * from './http.js';
export * from './http-cert.js';
export * from './keys.js';
export * from './labeled-map.js';
export * from './limits.js';
export * from './mime.js';
export * from './model.js';
export * from './permissions.js';
export * from './sha256.js';
export * from './site.js';
