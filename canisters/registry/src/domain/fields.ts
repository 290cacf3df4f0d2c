/**
 * Limits on the free-form fields of types and versions. They are copied into every reply that
 * lists the record and into log blocks, so an unbounded field would make replies and blocks
 * impossible to serve (and cost instructions on every read).
 */
import { MAX_METADATA_BYTES, MAX_TEXT_CHARS } from './model.js';
import { estimateMetadataBytes } from './queries.js';

export interface FreeFields {
  name?: string;
  description: string;
  repo: string;
  metadata: unknown;
}

/** What is wrong with the fields, or undefined when they are within the limits. */
export function fieldsProblem(f: FreeFields): string | undefined {
  const texts: [string, string | undefined][] = [['canister_type_name', f.name], ['description', f.description], ['repo', f.repo]];
  for (const [field, value] of texts) {
    if (value !== undefined && value.length > MAX_TEXT_CHARS) return `${field} has ${value.length} characters; at most ${MAX_TEXT_CHARS} are allowed`;
  }
  const metadata = estimateMetadataBytes(f.metadata);
  if (metadata > MAX_METADATA_BYTES) return `metadata takes about ${metadata} bytes; at most ${MAX_METADATA_BYTES} are allowed`;
  return undefined;
}
