/** Canister histories: merging the IC's record with the manager's, and printing them. */
export { mergeHistories, type HistoryChange, type HistoryOrigin, type HistoryRow, type HistorySource, type MergeHistoriesInput } from './merge.js';
export {
  describeOrigin, describeRow, formatHistoryTable, formatTimestamp, renderTable, shortPrincipal, type HistoryTableOptions,
} from './format.js';
