/** The registry's rules as plain functions over plain data (unit-tested without Wasm; reused by clients). */
export * from './access.js';
export * from './fields.js';
export * from './graph.js';
export * from './model.js';
export * from './queries.js';
export * from './uploads.js';
export * from './versions.js';
export * from './reports.js';
export * from './verifications.js';
