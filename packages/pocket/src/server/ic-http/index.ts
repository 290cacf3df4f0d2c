/**
 * Building blocks of the IC HTTP interface (`/api/v2|v3|v4/…`): request ids, envelope decoding,
 * request authentication, replica-signed query responses, read_state witnesses, response bodies.
 */
export * from './request-id.js';
export * from './envelope.js';
export * from './authentication.js';
export * from './query-signature.js';
export * from './state-tree.js';
export * from './responses.js';
