/** The nft canister's rules as plain functions over plain data (unit-tested without Wasm; reused by clients). */
export * from './accounts.js';
export * from './collection.js';
export * from './limits.js';
export * from './mint.js';
export * from './tokens.js';
export * from './transfer.js';
export * from './values.js';
export * from './notify.js';
