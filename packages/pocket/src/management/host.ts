/** What the management canister needs from the instance it runs in. */
import type { Principal } from '@dfinity/principal';

import type { Canister, ChangeOrigin } from '../canister.js';
import type { ExecutionEnvironment } from '../execution/execute.js';
import type { CallResult } from '../messages.js';
import type { FeeKind } from '../stats.js';
import type { Subnet } from '../subnet.js';
import type { HttpOutcalls } from './http-outcalls.js';
import type { SettingsWire } from './settings.js';

export interface CreateCanisterOptions {
  subnet: Subnet;
  specifiedId: Principal | undefined;
  controllers: Principal[];
  cycles: bigint;
  settings: SettingsWire | undefined;
  origin: ChangeOrigin;
}

export interface ManagementHost {
  readonly time: bigint;
  canister(id: Principal): Canister | undefined;
  /** Creates a canister (validating settings first); throws an `IcError` when it cannot. */
  createCanister(options: CreateCanisterOptions): Canister;
  deleteCanister(canister: Canister): void;
  environment(canister: Canister): ExecutionEnvironment;
  subnetOf(canister: Principal | Uint8Array): Subnet | undefined;
  /** Rejects and deletes every open call context of `canister` (uninstall). */
  rejectCallContexts(canister: Canister, result: CallResult): void;
  /** Replies to a `stop_canister` call once the canister has stopped, or with `cancelled` if started first. */
  awaitStopped(canister: Canister, done: (result: CallResult) => void, cancelled: CallResult): void;
  /** Answers every `stop_canister` call waiting on `canister` with its cancellation (a start cancels them). */
  cancelStops(canister: Canister): void;
  /**
   * Holds `canister` in a long execution for `rounds` more rounds, then runs `complete`; `install`:
   * the execution is an install_code (see `Scheduler.continueForRounds`).
   */
  continueForRounds(canister: Canister, rounds: number, complete: () => void, install?: boolean): void;
  /** Runs `action` at the start of the next round (raw_rand's randomness comes from the next block). */
  nextRound(action: () => void): void;
  randomBytes(n: number): Uint8Array;
  /**
   * Notes a fee `canister` paid from cycles it attached to a call (canister creation, an HTTPS
   * outcall), for benchmarks (`IcInstance.stats.fees`).
   */
  recordFee(canister: string, kind: FeeKind, cycles: bigint): void;
  /** Notes cycles a provisional method created for `canister` (benchmarks balance fees against balances). */
  recordMinted(canister: string, cycles: bigint): void;
  /** Outcalls waiting for a mocked response (see http-outcalls.ts). */
  readonly httpOutcalls: HttpOutcalls;
}

/** One call to the management canister, from a user (ingress) or a canister. */
export interface ManagementCall {
  method: string;
  payload: Uint8Array;
  sender: Principal;
  senderIsCanister: boolean;
  cycles: bigint;
  /** The subnet the call executes on. */
  subnet: Subnet;
}

/** Answers a management call, now or later; `refund` is what goes back of the attached cycles. */
export type Reply = (result: CallResult, refund: bigint) => void;
