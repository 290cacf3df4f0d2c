/**
 * Rounds: each one delivers what the previous round sent across subnets, fires due global
 * timers and heartbeats, inducts ingress messages, then executes messages until the subnets are
 * quiet (messages between canisters of one subnet are executed in the same round, as the IC's
 * inner rounds do), and finally completes `stop_canister` calls of canisters that have stopped.
 */
import type { Principal } from '@dfinity/principal';

import type { Canister } from './canister.js';
import { MAX_MESSAGES_PER_ROUND } from './constants.js';
import { principalText } from './ids.js';
import type { Message, Request, RequestOrigin } from './messages.js';
import { MessageStats } from './stats.js';
import type { CallResult } from './messages.js';
import type { Subnet } from './subnet.js';

export interface SchedulerHost {
  canistersInOrder(): Canister[];
  canisterByText(id: string): Canister | undefined;
  handleRequest(canister: Canister, request: Request): void;
  handleResponse(canister: Canister, message: Message & { kind: 'response' }): void;
  handleTask(canister: Canister, task: 'timer' | 'heartbeat'): void;
  handleManagement(request: Request, subnet: Subnet): void;
  /** A message for a canister that no longer exists. */
  handleUndeliverable(message: Message): void;
  /** An ingress message that expired waiting in a queue (it fails: nothing ran). */
  handleExpiredIngress(messageId: string): void;
  /** Answers bounded-wait calls whose deadline has passed. */
  expireDeadlines(canister: Canister): void;
  /** The id (text) of the canister a management message is about, if it names one. */
  managementTarget(request: Request): string | undefined;
  readonly time: bigint;
}

/** Management methods that install code: one at a time on a subnet while one of them is sliced. */
const INSTALLS_CODE = new Set(['install_code', 'install_chunked_code']);

/** A canister's long execution (deterministic time slicing): what remains of it and what it is. */
interface Hold {
  rounds: number;
  complete: () => void;
  /** An install_code (as opposed to an update, a callback or a task). */
  install: boolean;
  subnetId: string;
}

type Task = 'timer' | 'heartbeat';
type IngressRequest = Request & { origin: Extract<RequestOrigin, { kind: 'ingress' }> };

export class Scheduler {
  private queues = new Map<string, Message[]>();
  private management: { request: Request; subnet: Subnet }[] = [];
  private nextRoundActions: (() => void)[] = [];
  private stopWaiters = new Map<string, { done: (result: CallResult) => void; cancelled: CallResult }[]>();
  private inducted: (() => void)[] = [];
  /** Canisters in the middle of a long execution (deterministic time slicing), by id. */
  private sliced = new Map<string, Hold>();

  /** What went through the queues (for benchmarks). */
  readonly stats = new MessageStats();

  constructor(private readonly host: SchedulerHost) {}

  /** Queues a message for a canister (executed this round if the round is still running). */
  enqueue(receiver: Principal, message: Message): void {
    this.stats.recordMessage(message);
    const key = principalText(receiver.toUint8Array());
    let queue = this.queues.get(key);
    if (!queue) {
      queue = [];
      this.queues.set(key, queue);
    }
    queue.push(message);
  }

  enqueueManagement(request: Request, subnet: Subnet): void {
    this.stats.recordRequest(request);
    this.management.push({ request, subnet });
  }

  /** Runs `action` at the start of the next round (cross-subnet delivery, next-block randomness). */
  nextRound(action: () => void): void {
    this.nextRoundActions.push(action);
  }

  /** Inducts an ingress message at the start of the next round. */
  induct(action: () => void): void {
    this.inducted.push(action);
  }

  awaitStopped(canister: Canister, done: (result: CallResult) => void, cancelled: CallResult): void {
    const waiters = this.stopWaiters.get(canister.idText) ?? [];
    waiters.push({ done, cancelled });
    this.stopWaiters.set(canister.idText, waiters);
  }

  cancelStops(canister: Canister): void {
    const waiters = this.stopWaiters.get(canister.idText) ?? [];
    this.stopWaiters.delete(canister.idText);
    for (const { done, cancelled } of waiters) done(cancelled);
  }

  /**
   * Deterministic time slicing: `canister` is running a long execution for `rounds` more rounds;
   * it runs nothing else meanwhile and `complete` runs when its last slice does (IC: a paused
   * execution resumes in the canister's next rounds, one slice per round). `install`: the
   * execution is an install_code, which also holds up other installs on the canister's subnet.
   */
  continueForRounds(canister: Canister, rounds: number, complete: () => void, install = false): void {
    this.sliced.set(canister.idText, { rounds, complete, install, subnetId: canister.subnetId.toText() });
  }

  /** Whether anything is waiting to be executed. */
  get busy(): boolean {
    return this.sliced.size > 0 || this.management.length > 0 || this.nextRoundActions.length > 0 || this.inducted.length > 0 || [...this.queues.values()].some((q) => q.length > 0);
  }

  runRound(): void {
    const carried = this.nextRoundActions;
    this.nextRoundActions = [];
    for (const action of carried) action();
    for (const [key, slicing] of this.sliced) {
      if (--slicing.rounds > 0) continue;
      this.sliced.delete(key);
      slicing.complete();
    }
    this.purgeExpiredIngress();

    const tasks = new Map<string, Task[]>();
    for (const canister of this.host.canistersInOrder()) {
      if (canister.callbacks.size > 0) this.host.expireDeadlines(canister);
      const module = canister.module;
      if (!module || canister.status !== 'running') continue;
      const due: Task[] = [];
      if (module.system.has('canister_heartbeat')) due.push('heartbeat');
      if (canister.globalTimer !== 0n && canister.globalTimer <= this.host.time && module.system.has('canister_global_timer')) due.push('timer');
      if (due.length > 0) tasks.set(canister.idText, due);
    }

    const ingress = this.inducted;
    this.inducted = [];
    for (const action of ingress) action();

    let budget = MAX_MESSAGES_PER_ROUND;
    while (budget > 0) {
      let progress = false;
      const waiting: typeof this.management = [];
      while (this.management.length > 0 && budget > 0) {
        const next = this.management.shift()!;
        if (this.mustWait(next.request)) {
          waiting.push(next);
          continue;
        }
        this.host.handleManagement(next.request, next.subnet);
        budget--;
        progress = true;
      }
      this.management.unshift(...waiting);
      for (const canister of this.host.canistersInOrder()) {
        if (this.sliced.has(canister.idText)) continue;
        const due = tasks.get(canister.idText);
        if (due) {
          tasks.delete(canister.idText);
          for (const task of due) this.host.handleTask(canister, task);
          progress = true;
        }
        const queue = this.queues.get(canister.idText);
        while (queue && queue.length > 0 && budget > 0 && !this.sliced.has(canister.idText)) {
          const message = queue.shift()!;
          if (message.kind === 'request') this.host.handleRequest(canister, message);
          else this.host.handleResponse(canister, message);
          budget--;
          progress = true;
        }
      }
      // Messages for canisters deleted meanwhile get their answer from the system.
      for (const [key, queue] of this.queues) {
        if (queue.length > 0 && !this.host.canisterByText(key)) {
          for (const message of queue.splice(0)) this.host.handleUndeliverable(message);
          progress = true;
        }
      }
      if (this.completeStops()) progress = true;
      if (!progress) break;
    }
  }

  /**
   * Whether a management message must stay queued behind a long execution (replica:
   * `can_execute_subnet_msg` in `scheduler.rs`): one about a canister in the middle of a long
   * execution waits until it completes, and an install waits while another install is sliced on
   * the subnet of the canister it installs. Messages behind one that waits run meanwhile.
   */
  private mustWait(request: Request): boolean {
    if (this.sliced.size === 0) return false;
    const target = this.host.managementTarget(request);
    if (target === undefined) return false;
    if (this.sliced.has(target)) return true;
    if (!INSTALLS_CODE.has(request.method)) return false;
    const subnetId = this.host.canisterByText(target)?.subnetId.toText();
    return [...this.sliced.values()].some((hold) => hold.install && hold.subnetId === subnetId);
  }

  /**
   * Fails the ingress messages still queued past their expiry, a canister's and the management
   * canister's alike (replica: `purge_expired_ingress_messages` at the start of every round).
   */
  private purgeExpiredIngress(): void {
    const now = this.host.time;
    const expired = (m: Message): m is IngressRequest => m.kind === 'request' && m.origin.kind === 'ingress' && m.origin.expiry < now;
    for (const queue of this.queues.values()) {
      if (!queue.some(expired)) continue;
      for (const m of queue) if (expired(m)) this.host.handleExpiredIngress(m.origin.messageId);
      queue.splice(0, queue.length, ...queue.filter((m) => !expired(m)));
    }
    if (!this.management.some(({ request }) => expired(request))) return;
    for (const { request } of this.management) if (expired(request)) this.host.handleExpiredIngress(request.origin.messageId);
    this.management = this.management.filter(({ request }) => !expired(request));
  }

  /** Stopping canisters with no open call contexts stop now; their `stop_canister` calls complete. */
  private completeStops(): boolean {
    let any = false;
    for (const [key, waiters] of this.stopWaiters) {
      const canister = this.host.canisterByText(key);
      if (!canister || canister.status !== 'stopping' || canister.callContexts.size > 0) continue;
      canister.status = 'stopped';
      canister.version += 1n;
      this.stopWaiters.delete(key);
      for (const { done } of waiters) done({ kind: 'reply', data: Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0, 0]) });
      any = true;
    }
    return any;
  }
}
