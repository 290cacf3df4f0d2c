/**
 * `@lineage/pocket`: a PocketIC-compatible Internet Computer emulator that runs canister Wasm in
 * Node. Start it as a server (`bin/pocket-ic`, driven by `@dfinity/pic` through `POCKET_IC_BIN`)
 * or use an instance in process.
 */
export { IcInstance, PocketError, type EffectivePrincipal, type InstanceOptions, type SnapshotInfo } from './instance.js';
export { PocketServer, type PocketServerOptions } from './server/http-server.js';
export { PocketIcApi, topologyRequest } from './server/pocketic.js';
export { LIMITS, GENESIS_TIME_NANOS } from './constants.js';
export { RejectCode, ERROR_CODES, IcError, type ErrorCodeName } from './errors.js';
export type { RawResult } from './messages.js';
export { MessageStats } from './stats.js';
export { prepareModule, type PreparedModule } from './wasm/prepare.js';
export { parseModule } from './wasm/module.js';
export { instrument } from './wasm/instrument.js';

import { fileURLToPath } from 'node:url';
/** Absolute path of the `pocket-ic` executable, for `POCKET_IC_BIN`. */
export const POCKET_IC_BIN = fileURLToPath(new URL('../bin/pocket-ic', import.meta.url));
export { summarizeCosts, cyclesToUsd, cycleBalances, unaccountedCycles, measureCosts, noFees, type CostSummary, type CostRecords, type FeeTotals } from './cost-report.js';
export { costTable, costTableNotes, costTableRow, feeBreakdown, reportCosts, COST_TABLE_HEADER, MARK_PERCENT, USD_PER_XDR, type CostRow, type SavedCostRows } from './cost-table.js';
export type { ExecutionRecord, FeeKind, FeeRecord, MintRecord } from './stats.js';
