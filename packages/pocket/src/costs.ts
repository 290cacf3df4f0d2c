/**
 * The IC's cycles fees for a subnet of a given size (the fee table of the developer docs, stated for
 * 13-node subnets and scaling linearly with the node count). A `Free` cost schedule charges nothing.
 * Execution costs a base fee of 5 M cycles per message and 10 cycles per 10 instructions (dfinity/ic
 * `rs/config/src/subnet_config.rs`, `CyclesAccountManagerConfig::application_subnet`; the 590 K
 * and 4 per 10 of older docs are the fees before 2025). Management operations that the replica
 * counts in instructions are charged as an execution of that many (`SchedulerConfig`).
 */
import { INSTRUCTION_LIMITS } from './constants.js';
import type { CostFacts } from './system-api/context.js';

const FEES_13 = {
  canisterCreation: 500_000_000_000n,
  updateMessageExecution: 5_000_000n,
  tenUpdateInstructionsExecution: 10n,
  xnetCall: 260_000n,
  xnetByteTransmission: 1_000n,
  ingressMessageReception: 1_200_000n,
  ingressByteReception: 2_000n,
  gibStoragePerSecond: 127_000n,
  httpRequestBase: 3_000_000n,
  httpRequestPerNodeSquared: 60_000n,
  httpRequestPerByte: 400n,
  httpResponsePerByte: 800n,
};

const GiB = 1024n ** 3n;

/** A wasm64 module's instructions cost this many times a wasm32 module's. */
const WASM64_INSTRUCTION_COST_OVERHEAD = 2n;

/**
 * Instructions the replica counts for management operations on an application subnet
 * (`rs/config/src/subnet_config.rs`: `DEFAULT_UPLOAD_CHUNK_INSTRUCTIONS`,
 * `DEFAULT_CANISTERS_SNAPSHOT_BASELINE_INSTRUCTIONS`,
 * `DEFAULT_CANISTERS_SNAPSHOT_DATA_BASELINE_INSTRUCTIONS`).
 */
export const MANAGEMENT_INSTRUCTIONS = {
  uploadChunk: 200_000_000n,
  snapshotBaseline: 2_000_000_000n,
  snapshotDataBaseline: 5_000_000n,
} as const;

/**
 * Compiling a module, in instructions (dfinity/ic: `cost_to_compile_wasm_instruction`, 6,000 per
 * Wasm instruction, `rs/config/src/embedders.rs`; `create_execution_state_base_cost`, 20 M per
 * module since 2026 (PR #10065), applied in `Hypervisor::create_execution_state`). A module the
 * subnet has installed since its last checkpoint is charged a hundredth of its instructions
 * (`DESERIALIZATION_SPEED_UP_FACTOR`: it is deserialized, not compiled); the base cost is whole.
 */
export const COMPILATION = { perInstruction: 6_000n, base: 20_000_000n, cachedDivisor: 100n } as const;

/**
 * Instructions charged for compiling a module of `count` Wasm instructions (see
 * `wasm/compilation-cost.ts`), `cached` when the subnet installed it since its last checkpoint.
 * @example compilationInstructions(1_500_000, false) // 9.02 B
 */
export function compilationInstructions(count: number, cached: boolean): bigint {
  const full = COMPILATION.perInstruction * BigInt(count);
  return COMPILATION.base + (cached ? full / COMPILATION.cachedDivisor : full);
}

/**
 * Instructions charged for a module that fails to compile: the replica estimates its instructions
 * by its size in bytes (`max(decoded size, module size)`), never reduced.
 * @example failedCompilationInstructions(1_000) // 26 M
 */
export function failedCompilationInstructions(bytes: number): bigint {
  return COMPILATION.base + COMPILATION.perInstruction * BigInt(bytes);
}

/** The largest response between canisters (the replica's `MAX_INTER_CANISTER_PAYLOAD_IN_BYTES`). */
const MAX_RESPONSE_BYTES = 2n * 1024n * 1024n;

export class CostModel implements CostFacts {
  constructor(private readonly nodes: number, private readonly free: boolean) {}

  private scale(fee: bigint): bigint {
    return this.free ? 0n : (fee * BigInt(this.nodes)) / 13n;
  }

  call(methodNameSize: bigint, payloadSize: bigint): bigint {
    return this.callMessage() + this.transmission(methodNameSize + payloadSize);
  }

  /**
   * What making a call takes above the freezing threshold, and what `ic0.cost_call` answers: the
   * call and its request's bytes, plus what the replica reserves until the response comes, the
   * transmission of the largest response and the execution of a callback of the whole message
   * limit (`xnet_call_total_fee`). The replica quotes `cost_call` at 13-node prices whatever the
   * subnet's size; here it scales with the subnet like every fee.
   */
  callReservation(methodNameSize: bigint, payloadSize: bigint): bigint {
    return this.call(methodNameSize, payloadSize) + this.transmission(MAX_RESPONSE_BYTES) + this.execution() + this.instructions(INSTRUCTION_LIMITS.message);
  }

  /**
   * The fee per inter-canister call, scaled apart from its bytes as the replica does
   * (`xnet_call_performed_fee`).
   */
  callMessage(): bigint {
    return this.scale(FEES_13.xnetCall);
  }

  /**
   * Transmitting `bytes` between canisters (`xnet_call_bytes_transmitted_fee`): a request's method
   * name and argument, or a response's data (a reject: its message and one byte of code). The
   * caller pays both ways.
   */
  transmission(bytes: bigint): bigint {
    return this.scale(FEES_13.xnetByteTransmission * bytes);
  }

  createCanister(): bigint {
    return this.scale(FEES_13.canisterCreation);
  }

  httpRequest(requestSize: bigint, maxResponseBytes: bigint): bigint {
    if (this.free) return 0n;
    const n = BigInt(this.nodes);
    return (FEES_13.httpRequestBase + FEES_13.httpRequestPerNodeSquared * n) * n + FEES_13.httpRequestPerByte * n * requestSize + FEES_13.httpResponsePerByte * n * maxResponseBytes;
  }

  ingress(bytes: bigint): bigint {
    return this.scale(FEES_13.ingressMessageReception + FEES_13.ingressByteReception * bytes);
  }

  /** The per-message part of `ingress` (the replica scales the sum; the bytes' part is the rest). */
  ingressMessage(): bigint {
    return this.scale(FEES_13.ingressMessageReception);
  }

  execution(): bigint {
    return this.scale(FEES_13.updateMessageExecution);
  }

  /**
   * The fee for executing `n` instructions; twice as much per instruction for a wasm64 module
   * (`WASM64_INSTRUCTION_COST_OVERHEAD`, subnet_config.rs).
   *
   * @example cost.instructions(1_000_000n, canister.module?.memory64) // 1 M cycles (wasm32, 13 nodes)
   */
  instructions(n: bigint, wasm64 = false): bigint {
    return this.scale((n * FEES_13.tenUpdateInstructionsExecution * (wasm64 ? WASM64_INSTRUCTION_COST_OVERHEAD : 1n)) / 10n);
  }

  /**
   * A management operation the replica charges as the execution of `instructions`
   * (`CyclesAccountManager::execution_cost`: the base fee and the instructions' fee).
   *
   * @example cost.managementOperation(MANAGEMENT_INSTRUCTIONS.uploadChunk) // 205 M cycles on 13 nodes
   */
  managementOperation(instructions: bigint): bigint {
    return this.scale(FEES_13.updateMessageExecution + (instructions * FEES_13.tenUpdateInstructionsExecution) / 10n);
  }

  /** Cycles a canister of `memoryBytes` burns per day while idle. */
  idleBurnPerDay(memoryBytes: bigint, computeAllocation: bigint): bigint {
    if (this.free) return 0n;
    const storage = (memoryBytes * FEES_13.gibStoragePerSecond * 86_400n) / GiB;
    const compute = computeAllocation * 10_000_000n * 86_400n;
    return ((storage + compute) * BigInt(this.nodes)) / 13n;
  }
}
