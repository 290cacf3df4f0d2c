/**
 * The manager's plain data: hashes are lowercase hex, principals are text, so records survive
 * stable storage and compare with `===`. The shell converts to and from Candid.
 */

import type { UpgradePolicy } from './policy.js';
import type { StepFailure } from './steps.js';

export type Version = [bigint, bigint, bigint];

/** What the manager needs to know of a registry version. */
export interface RegistryVersion {
  hash: string;
  namespace: string;
  version: Version;
  previousHash: string | undefined;
  verified: boolean;
  deprecated: boolean;
  chunks: number;
  /** Per-chunk sha256 declared by the publisher, when declared. */
  chunkHashes: string[] | undefined;
  /** How to install and check it, from its metadata; `policyProblem` when the metadata is unusable. */
  policy: UpgradePolicy;
  policyProblem?: string;
}

/** One upgrade: the module the canister runs before, the version it runs after. */
export interface Step {
  from: string;
  to: string;
  version: Version;
  /** The upgrade options of the version `to`, set when planning (steps stored before have none). */
  options?: StepOptions;
}

/** What the manager passes to `install_chunked_code` for a step, as the plan shows it. */
export interface StepOptions {
  wasmMemoryPersistence: 'keep' | 'replace' | undefined;
  skipPreUpgrade: boolean;
}

/**
 * What the running step is doing, for live progress: staging the chunks, the snapshot of the
 * stopped target, the install, starting the target, its health check, loading the snapshot back.
 * Operations stored before phases existed have none.
 */
export type OperationPhase = 'snapshot' | 'fetching' | 'installing' | 'starting' | 'health' | 'rollback';

export type OperationState =
  | { kind: 'scheduled' }
  | { kind: 'running'; step: number; phase?: OperationPhase }
  | { kind: 'completed' }
  | { kind: 'failed'; step: number; error: string; failure: OperationFailure };

/** Why an operation failed: a step's failure, or the world changed between planning and the step. */
export type OperationFailure = StepFailure | { kind: 'StateChanged'; message: string };

export interface OperationRecord {
  id: bigint;
  canister: string;
  requestedBy: string;
  requestedAt: bigint;
  steps: Step[];
  /** Hex of the Candid `post_upgrade` argument. */
  arg: string;
  state: OperationState;
  /** History indexes written by this operation, one per step that ran. */
  entries: bigint[];
  /** The manager upgrades itself through its controller (`prepare_self_upgrade`). */
  self: boolean;
  /** Asked without a snapshot (`upgrade_without_snapshot`; every version declared it optional). */
  skipSnapshot?: boolean;
}

/** A canister the manager watches and the number of its IC history changes already accounted for. */
export interface WatchedCanister {
  canister: string;
  label: string;
  seenChanges: bigint;
}

/** A change from `canister_info` (IC interface specification § IC method `canister_info`). */
export interface ObservedChange {
  canisterVersion: bigint;
  at: bigint;
  origin: { kind: 'user' | 'canister'; principal: string };
  details:
    | { kind: 'creation'; controllers: string[] }
    | { kind: 'code_uninstall' }
    | { kind: 'code_deployment'; mode: 'install' | 'reinstall' | 'upgrade'; moduleHash: string }
    | { kind: 'controllers_change'; controllers: string[] }
    | { kind: 'load_snapshot'; snapshotVersion: bigint; takenAt: bigint };
}

/** What one history entry says; the shell writes each as one ICRC-3 block. */
export type HistoryEvent =
  | {
    kind: 'deployed'; operation: bigint; step: number; steps: number; from: string | undefined; to: string;
    version: Version; requestedBy: string; canisterVersion: bigint | undefined;
  }
  | {
    kind: 'deploy_failed'; operation: bigint; step: number; steps: number; from: string | undefined; to: string;
    version: Version; requestedBy: string; error: string;
  }
  | { kind: 'observed'; change: ObservedChange }
  | { kind: 'gap'; missed: bigint; lastSeen: bigint; nowTotal: bigint }
  /** The snapshot taken before installing step `step` (its IC id in hex, and the one it replaced). */
  | { kind: 'snapshot_taken'; operation: bigint; step: number; snapshot: string; takenAt: bigint; replaced: string | undefined }
  /** The health check after installing step `step`. */
  | { kind: 'health_checked'; operation: bigint; step: number; healthy: boolean; detail: string }
  /** Step `step` failed its check and snapshot `snapshot` was loaded back (`loaded`), or loading it failed (`error`). */
  | { kind: 'rolled_back'; operation: bigint; step: number; from: string; to: string; reason: string; snapshot: string; loaded: boolean; detail: string }
  /** The holder asked for `snapshot` back (`restore`); `loaded` says whether it was. */
  | { kind: 'restored'; operation: bigint; snapshot: string; takenAt: bigint; requestedBy: string; loaded: boolean; detail: string }
  /** The owner set (or, with no policy, cleared) the trust policy (see `trust.ts`). */
  | { kind: 'trust_policy'; policy: { threshold: number; verifiers: string[] } | undefined; requestedBy: string };

export interface HistoryEntry {
  index: bigint;
  time: bigint;
  canister: string;
  event: HistoryEvent;
}
