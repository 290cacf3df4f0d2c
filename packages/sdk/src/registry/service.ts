/**
 * The parts of the registry's service each sdk function uses. Any actor built from `registryIdl`
 * has them: `@dfinity/agent`'s `Actor.createActor`, `@dfinity/pic`'s `pic.createActor`, or a fake.
 */
import type { RegistryService } from '@lineage/types';

/** What `publishWasm` calls. */
export type PublishRegistry = Pick<RegistryService, 'icrc118_update_wasm' | 'icrc118_upload_wasm_chunk' | 'lineage_upload_status' | 'icrc118_get_wasms'>;

/** What `fetchWasm` calls. */
export type FetchRegistry = Pick<RegistryService, 'icrc118_get_wasms' | 'icrc118_get_wasm_chunk'>;

/** What `findWasm` and `readUploadState` call. */
export type ReadRegistry = Pick<RegistryService, 'icrc118_get_wasms' | 'lineage_upload_status'>;

/** What `verificationsOf`, `verificationsBy` and `fileVerification` call (ICRC-126). */
export type VerificationRegistry = Pick<RegistryService, 'lineage_get_verifications' | 'icrc126_file_attestation' | 'icrc126_file_divergence'>;
