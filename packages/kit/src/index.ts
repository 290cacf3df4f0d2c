/**
 * `@lineage/kit`: code that runs unchanged in canisters (Azle's QuickJS) and in clients (Node):
 * no Node APIs, no Candid library. Every Lineage canister's log and hashes are built from it.
 */
export * from './block-log.js';
export * from './bytes.js';
export * from './icrc3.js';
export * from './sha256.js';
export * from './candid-budget.js';
export * from './canister-methods.js';
export * from './token-bucket.js';
