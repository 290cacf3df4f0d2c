/**
 * The sdk's named errors. A registry refusal (an `Error` variant in a Candid result) becomes a
 * `RegistryError`; bytes that do not match their hashes become an `IntegrityError`; a publish whose
 * verification does not settle in time becomes a `VerificationTimeoutError`; a publish that cannot
 * resume an earlier registration of the same module becomes a `ResumeConflictError`. Transport
 * failures (rejected calls, network errors) are passed through unchanged.
 */
import { shortHex } from './bytes.js';

/**
 * The registry answered a call with an `Error` variant.
 *
 * @example
 * try { await publishWasm(registry, options); }
 * catch (e) { if (e instanceof RegistryError && e.variant === 'Unauthorized') console.error(e.message); }
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';

  constructor(
    /** The registry method that refused, e.g. `icrc118_update_wasm`. */
    readonly method: string,
    /** The error variant's name, e.g. `NonDeprecatedWasmFound`. */
    readonly variant: string,
    /** The variant's payload as the registry sent it. */
    readonly detail: unknown,
  ) {
    super(`${method} refused: ${variant}: ${describeRegistryError(variant, detail)}`);
  }

  /**
   * The error for a Candid error variant (`{ Unauthorized: null }`, `{ ChunkTooLarge: { max_bytes } }`…).
   *
   * @example
   * const result = await registry.icrc118_update_wasm(request);
   * if ('Error' in result) throw RegistryError.from('icrc118_update_wasm', result.Error);
   */
  static from(method: string, error: object): RegistryError {
    const [variant, detail] = Object.entries(error)[0] ?? ['Unknown', null];
    return new RegistryError(method, variant, detail);
  }
}

/** Which integrity check failed. */
export type IntegrityCheck =
  /** A chunk's sha256 differs from the hash the registry declared for it. */
  | 'chunk-hash'
  /** The registry's answer names another chunk id or chunk count than the version's. */
  | 'chunk-count'
  /** The sha256 of the whole module differs from the requested hash. */
  | 'module-hash'
  /** The registry's `calculated_hash` differs from the hash the publisher computed. */
  | 'calculated-hash'
  /** The registry reports that the uploaded module failed its verification. */
  | 'registry-verification';

/**
 * Bytes did not match the hash they were promised to have.
 *
 * @example
 * try { await fetchWasm(registry, hash); }
 * catch (e) { if (e instanceof IntegrityError) console.error(e.check, e.chunkId, e.message); }
 */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';

  constructor(
    readonly check: IntegrityCheck,
    message: string,
    readonly details: { chunkId?: number; expected?: Uint8Array; actual?: Uint8Array } = {},
  ) {
    super(message);
  }

  /** The chunk the failed check concerns, if it concerns one. */
  get chunkId(): number | undefined {
    return this.details.chunkId;
  }
}

/**
 * Every chunk was uploaded but the registry did not report the module verified within the wait.
 *
 * @example
 * await publishWasm(registry, { ...options, verifyTimeoutMs: 120_000 }); // wait longer
 */
export class VerificationTimeoutError extends Error {
  override readonly name = 'VerificationTimeoutError';

  constructor(readonly hash: Uint8Array, readonly waitedMs: number, detail: string) {
    super(`the registry did not confirm module ${shortHex(hash)} within ${waitedMs} ms (${detail}); publish again to resume`);
  }
}

/**
 * The module is already registered in a way this publish cannot continue: as another canister type
 * or version, or cut into different chunks.
 *
 * @example
 * catch (e) { if (e instanceof ResumeConflictError) console.error(e.message); }
 */
export class ResumeConflictError extends Error {
  override readonly name = 'ResumeConflictError';

  constructor(readonly hash: Uint8Array, message: string) {
    super(message);
  }
}

/**
 * A readable sentence for a registry error variant and its payload.
 *
 * @example
 * describeRegistryError('ChunkTooLarge', { max_bytes: 1_048_576n }); // 'chunk larger than 1048576 bytes'
 */
export function describeRegistryError(variant: string, detail: unknown): string {
  const d = detail as Record<string, unknown>;
  switch (variant) {
    case 'Unauthorized': return 'the caller may not do this (only the canister type\'s controllers or the registry\'s admins may)';
    case 'NonDeprecatedWasmFound': return `a non-deprecated version with this version number already exists (hash ${format(detail)}); deprecate it or choose another version`;
    case 'UnknownCanisterType': return 'no such canister type; create it first with icrc118_create_canister_type';
    case 'UnknownPreviousHash': return `previous_hash ${format(detail)} is not a registered version`;
    case 'PreviousHashOfAnotherType': return `previous_hash ${format(detail)} is a version of another canister type`;
    case 'VersionNotAfterPrevious': return `the version number must come after the previous version's ${format(d?.previous)}`;
    case 'VersionNotBeforeNext': return `the version number must stay below ${format(d?.next)}, a version that already upgrades from this one`;
    case 'AlreadyRegistered': return `a module with hash ${format(detail)} is already registered`;
    case 'InvalidChunkCount': return `invalid chunk count: ${format(detail)}`;
    case 'InvalidHash': return `invalid hash: ${format(detail)}`;
    case 'UnknownHash': return 'no version is registered under this hash; register it with icrc118_update_wasm first';
    case 'AlreadyVerified': return 'every chunk of this module is stored and verified already';
    case 'ChunkOutOfRange': return `chunk id out of range: the module has ${format(d?.total_chunks)} chunks`;
    case 'ChunkTooLarge': return `chunk larger than ${format(d?.max_bytes)} bytes`;
    case 'ChunkMismatch': return `the chunk's sha256 ${format(d?.actual)} differs from the declared ${format(d?.expected)}`;
    case 'ChunkConflict': return 'a different chunk is already stored at this index';
    case 'HashMismatch': return `the module's sha256 ${format(d?.calculated)} differs from the expected ${format(d?.expected)}`;
    case 'NotFound': return typeof detail === 'string' ? detail : 'not found';
    case 'NotVerified': return typeof detail === 'string' ? detail : 'the module is not verified yet (chunks are missing or still being checked)';
    case 'LastController': return 'a canister type must keep at least one controller';
    case 'AlreadyExists': return 'it exists already';
    case 'Generic': return format(detail);
    default: return detail === null || detail === undefined ? variant : format(detail);
  }
}

/** Formats a Candid value for a message: blobs as short hex, bigints as decimals, tuples and records. */
function format(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return shortHex(value);
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => typeof v === 'number')) return shortHex(value as number[]);
    if (value.length > 0 && value.every((v) => typeof v === 'bigint')) return value.join('.');
    return `[${value.map(format).join(', ')}]`;
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k} ${format(v)}`.trim()).join(', ');
  }
  return String(value);
}
