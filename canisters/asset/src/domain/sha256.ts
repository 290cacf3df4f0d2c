/** SHA-256 for the asset canister's rules: `@lineage/kit`'s, resumable across messages and counted for the benchmark. */
export { hashStats, sha256, sha256Final, sha256Init, sha256Of, sha256Update, type Sha256State } from '@lineage/kit';
