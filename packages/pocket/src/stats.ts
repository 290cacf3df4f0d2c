/**
 * Counts of the messages an instance carried and of the bytes that crossed canister boundaries,
 * for benchmarks ("how many messages does an upgrade take, how many times does each byte move").
 * Not part of any IC interface; read in process through `IcInstance.stats`.
 */
import { principalText } from './ids.js';
import type { Message, Request } from './messages.js';

const label = (p: { toUint8Array(): Uint8Array }) => {
  const bytes = p.toUint8Array();
  return bytes.length === 0 ? 'management' : principalText(bytes);
};

/** One execution: which canister, which entry point (context kind and method), its instructions. */
export interface ExecutionRecord {
  canister: string;
  kind: string;
  method: string | undefined;
  instructions: bigint;
  trapped: boolean;
}

/**
 * What a fee paid for, as the IC's fee table names it: the base fee of executing a message and its
 * instructions; an ingress message's induction (per message and per byte); an inter-canister call
 * (per call, and per byte of the request and of the reply, both paid by the caller); creating a
 * canister; a snapshot operation; a chunk uploaded to a canister's Wasm chunk store; an HTTPS
 * outcall; and, apart, storage held over time (not the
 * cost of any one operation).
 */
export type FeeKind =
  | 'execution' | 'instructions'
  | 'ingressMessage' | 'ingressBytes'
  | 'callMessage' | 'requestBytes' | 'replyBytes'
  | 'creation' | 'snapshot' | 'uploadChunk' | 'httpOutcall' | 'storage';

/** Cycles a canister received from no other canister (PocketIC's provisional methods mint them). */
export interface MintRecord {
  canister: string;
  cycles: bigint;
}

/** Cycles a canister paid (they left its balance and were burnt), and for what. */
export interface FeeRecord {
  canister: string;
  kind: FeeKind;
  cycles: bigint;
}

export class MessageStats {
  ingress = 0;
  /** Calls from one canister to another (the management canister included). */
  calls = 0;
  /** Responses delivered to canisters. */
  responses = 0;
  /** Payload bytes per `sender → receiver`, call arguments and reply data both. */
  readonly bytes = new Map<string, number>();
  /** Calls between canisters per method name (`take_canister_snapshot`, `lineage_health`…). */
  readonly methods = new Map<string, number>();
  /** Every execution of canister code, with the instructions it used (see `wasm/metering.ts`). */
  readonly executions: ExecutionRecord[] = [];
  /** Every fee charged to a canister, as charged (see `FeeKind`). */
  readonly fees: FeeRecord[] = [];
  /** Cycles created out of nothing for a canister: provisional creation and top-ups (test-only). */
  readonly minted: MintRecord[] = [];

  recordExecution(record: ExecutionRecord): void {
    // Bounded: a long-lived server would otherwise keep every execution of its life.
    if (this.executions.length >= 100_000) this.executions.splice(0, 50_000);
    this.executions.push(record);
  }

  /** Notes that `canister` paid `cycles` for `kind` (a zero fee is not noted). @example stats.recordFee(id, 'execution', 5_000_000n) */
  recordFee(canister: string, kind: FeeKind, cycles: bigint): void {
    if (cycles === 0n) return;
    if (this.fees.length >= 200_000) this.fees.splice(0, 100_000);
    this.fees.push({ canister, kind, cycles });
  }

  /** Notes `cycles` created for `canister` by a provisional method. @example stats.recordMinted(id, 10n ** 12n) */
  recordMinted(canister: string, cycles: bigint): void {
    if (cycles === 0n) return;
    if (this.minted.length >= 200_000) this.minted.splice(0, 100_000);
    this.minted.push({ canister, cycles });
  }

  recordRequest(request: Request): void {
    if (request.origin.kind === 'ingress') this.ingress += 1;
    else {
      this.calls += 1;
      this.methods.set(request.method, (this.methods.get(request.method) ?? 0) + 1);
    }
    this.add(`${label(request.sender)} → ${label(request.receiver)}`, request.payload.length);
  }

  recordMessage(message: Message): void {
    if (message.kind === 'request') {
      this.recordRequest(message);
      return;
    }
    this.responses += 1;
    if (message.result.kind === 'reply') this.add(`${label(message.sender)} → ${label(message.receiver)}`, message.result.data.length);
  }

  private add(key: string, n: number): void {
    this.bytes.set(key, (this.bytes.get(key) ?? 0) + n);
  }

  /** Bytes that moved between two canisters (ingress and the management canister excluded). */
  get canisterToCanisterBytes(): number {
    let n = 0;
    for (const [key, bytes] of this.bytes) if (!key.includes('management') && key.split(' → ').length === 2) n += bytes;
    return n;
  }

  reset(): void {
    this.ingress = 0;
    this.calls = 0;
    this.responses = 0;
    this.bytes.clear();
    this.methods.clear();
    this.executions.length = 0;
    this.fees.length = 0;
    this.minted.length = 0;
  }
}
