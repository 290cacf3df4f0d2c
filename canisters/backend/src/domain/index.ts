/** The backend's rules as plain functions over plain data (unit-tested without Wasm). */
export * from './config.js';
export * from './lookups.js';
export * from './notes.js';
export * from './owner.js';
export * from './ring.js';
export * from './health.js';
export * from './policy.js';
