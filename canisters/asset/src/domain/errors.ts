/**
 * What the canister refuses, as the Candid variant `AssetError` (`packages/types/src/asset.ts`).
 * The `lineage_*` methods return it; the DFINITY methods, whose interface has no error type,
 * reject with `describeError`'s text (which starts with the variant's name).
 */

export type { AssetError, CommitError } from '@lineage/types';
import type { AssetError, CommitError } from '@lineage/types';

const hex = (b: Uint8Array | number[]) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** One line that names the error and says what to do. */
export function describeError(e: AssetError): string {
  if ('Unauthorized' in e) return `Unauthorized: ${e.Unauthorized.caller} lacks the ${e.Unauthorized.needs} permission (a controller or a principal with ManagePermissions can grant it)`;
  if ('UnknownBatch' in e) return `UnknownBatch: batch ${e.UnknownBatch.batch_id} does not exist; create one with create_batch`;
  if ('BatchCommitted' in e) return `BatchCommitted: batch ${e.BatchCommitted.batch_id} was already committed; create a new batch`;
  if ('BatchExpired' in e) return `BatchExpired: batch ${e.BatchExpired.batch_id} expired unused and its chunks were dropped; create a new batch`;
  if ('UnknownChunk' in e) return `UnknownChunk: chunk ${e.UnknownChunk.chunk_id} does not exist (used already, or its batch expired)`;
  if ('ChunkNotInBatch' in e) return `ChunkNotInBatch: chunk ${e.ChunkNotInBatch.chunk_id} belongs to another batch than ${e.ChunkNotInBatch.batch_id}`;
  if ('ChunkUsedTwice' in e) return `ChunkUsedTwice: chunk ${e.ChunkUsedTwice.chunk_id} is used by two operations; upload it twice`;
  if ('ChunkTooLarge' in e) return `ChunkTooLarge: ${e.ChunkTooLarge.size} bytes, at most ${e.ChunkTooLarge.max} per chunk; cut the content into smaller chunks`;
  if ('LimitExceeded' in e) return `LimitExceeded: ${e.LimitExceeded}`;
  if ('InvalidKey' in e) return `InvalidKey: ${JSON.stringify(e.InvalidKey.key)}: ${e.InvalidKey.reason}`;
  if ('UnknownAsset' in e) return `UnknownAsset: no asset ${JSON.stringify(e.UnknownAsset.key)}; create it first (CreateAsset)`;
  if ('AssetExists' in e) return `AssetExists: ${JSON.stringify(e.AssetExists.key)} exists with another content type; delete it first (CreateAsset with the same content type does nothing)`;
  if ('InvalidEncoding' in e) return `InvalidEncoding: ${JSON.stringify(e.InvalidEncoding.encoding)}: ${e.InvalidEncoding.reason}`;
  if ('UnknownEncoding' in e) return `UnknownEncoding: ${JSON.stringify(e.UnknownEncoding.key)} has no ${e.UnknownEncoding.encoding} encoding`;
  if ('EncodingMismatch' in e) return `EncodingMismatch: the ${e.EncodingMismatch.encoding} content of ${JSON.stringify(e.EncodingMismatch.key)} is not ${e.EncodingMismatch.encoding}: ${e.EncodingMismatch.reason}`;
  if ('Sha256Mismatch' in e) {
    const m = e.Sha256Mismatch;
    return `Sha256Mismatch: the ${m.encoding} content of ${JSON.stringify(m.key)} hashes to ${hex(m.computed)}, not the declared ${hex(m.expected)}`;
  }
  if ('InvalidHeader' in e) return `InvalidHeader: ${JSON.stringify(e.InvalidHeader.name)}: ${e.InvalidHeader.reason}`;
  return `InvalidArgument: ${e.InvalidArgument}`;
}

export function describeCommitError(e: CommitError): string {
  const op = e.operation[0];
  return op === undefined ? describeError(e.error) : `operation ${op}: ${describeError(e.error)}`;
}
