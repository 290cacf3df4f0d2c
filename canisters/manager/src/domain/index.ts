/** The manager's rules as plain functions over plain data (unit-tested without Wasm). */
export * from './changes.js';
export * from './history.js';
export * from './locks.js';
export * from './model.js';
export * from './pages.js';
export * from './plan.js';
export * from './steps.js';
export * from './health.js';
export * from './policy.js';
export * from './safety.js';
export * from './snapshots.js';
export * from './invariants.js';
export * from './trust.js';
