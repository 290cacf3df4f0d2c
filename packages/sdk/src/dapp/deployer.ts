/**
 * What spawning a dapp needs from a network: create canisters, install code of any size, set
 * controllers. `managementDeployer` does it with `@dfinity/agent` against any replica (dfx, the
 * Lineage emulator in live mode, a real PocketIC); tests on `@dfinity/pic` pass their own.
 */
import { Actor, type ActorSubclass, type HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { managementTypes } from '@lineage/types';

import { sha256 } from '../bytes.js';

export interface CanisterDeployer {
  /** The principal that creates and, until the controller ring is wired, controls the canisters. */
  readonly principal: Principal;
  /** Creates an empty canister controlled by `principal`. */
  createCanister(): Promise<Principal>;
  /** Installs `wasm` (any size) in mode `install` with the Candid-encoded `arg`. */
  installCode(canister: Principal, wasm: Uint8Array, arg: Uint8Array): Promise<void>;
  /** Replaces the controllers of `canister`. */
  setControllers(canister: Principal, controllers: Principal[]): Promise<void>;
}

/** Larger modules go through the chunk store: an ingress message holds at most 2 MiB. */
export const DIRECT_INSTALL_LIMIT = 1_800_000;
export const CHUNK_BYTES = 1024 * 1024;

const managementIdl: IDL.InterfaceFactory = ({ IDL: I }) => {
  const m = managementTypes(I as never);
  const InstallCodeArgs = I.Record({
    mode: m.InstallMode, canister_id: I.Principal, wasm_module: I.Vec(I.Nat8), arg: I.Vec(I.Nat8),
  });
  return I.Service({
    provisional_create_canister_with_cycles: I.Func(
      [I.Record({ amount: I.Opt(I.Nat), settings: I.Opt(m.CanisterSettingsUpdate) })], [m.CanisterId], [],
    ),
    install_code: I.Func([InstallCodeArgs], [], []),
    upload_chunk: I.Func([m.UploadChunkArgs], [m.ChunkHash], []),
    clear_chunk_store: I.Func([m.CanisterId], [], []),
    install_chunked_code: I.Func([m.InstallChunkedCodeArgs], [], []),
    update_settings: I.Func([m.UpdateSettingsArgs], [], []),
  });
};

interface Management {
  provisional_create_canister_with_cycles(a: { amount: [] | [bigint]; settings: [] }): Promise<{ canister_id: Principal }>;
  install_code(a: { mode: { install: null }; canister_id: Principal; wasm_module: Uint8Array; arg: Uint8Array }): Promise<void>;
  upload_chunk(a: { canister_id: Principal; chunk: Uint8Array }): Promise<{ hash: Uint8Array }>;
  clear_chunk_store(a: { canister_id: Principal }): Promise<void>;
  install_chunked_code(a: {
    mode: { install: null }; target_canister: Principal; store_canister: [] | [Principal];
    chunk_hashes_list: { hash: Uint8Array }[]; wasm_module_hash: Uint8Array; arg: Uint8Array;
  }): Promise<void>;
  update_settings(a: { canister_id: Principal; settings: Record<string, unknown> }): Promise<void>;
}

/** Management calls must name the canister they concern (IC interface spec § effective canister id). */
function effectiveCanisterId(args: unknown[]): Principal {
  const first = args[0] as { canister_id?: Principal; target_canister?: Principal } | undefined;
  return first?.canister_id ?? first?.target_canister ?? Principal.managementCanister();
}

/**
 * A deployer over `agent`. Canisters are created with `provisional_create_canister_with_cycles`,
 * which local networks (dfx, PocketIC, the Lineage emulator) offer; on the IC mainnet canisters
 * are created through a cycles ledger or wallet instead, so pass your own `createCanister`.
 *
 * @example
 * const deployer = await managementDeployer(agent, { cycles: 2_000_000_000_000n });
 * const id = await deployer.createCanister();
 */
export async function managementDeployer(
  agent: HttpAgent,
  options: { cycles?: bigint; createCanister?: () => Promise<Principal> } = {},
): Promise<CanisterDeployer> {
  const actor = Actor.createActor<Management>(managementIdl, {
    agent,
    canisterId: Principal.managementCanister(),
    callTransform: (_method, args) => ({ effectiveCanisterId: effectiveCanisterId(args) }),
    queryTransform: (_method, args) => ({ effectiveCanisterId: effectiveCanisterId(args) }),
  }) as ActorSubclass<Management>;
  const principal = await agent.getPrincipal();
  return {
    principal,
    async createCanister() {
      if (options.createCanister) return options.createCanister();
      const { canister_id } = await actor.provisional_create_canister_with_cycles({ amount: options.cycles === undefined ? [] : [options.cycles], settings: [] });
      return canister_id;
    },
    async installCode(canister, wasm, arg) {
      if (wasm.length <= DIRECT_INSTALL_LIMIT) {
        await actor.install_code({ mode: { install: null }, canister_id: canister, wasm_module: wasm, arg });
        return;
      }
      await actor.clear_chunk_store({ canister_id: canister });
      const hashes: { hash: Uint8Array }[] = [];
      for (let at = 0; at < wasm.length; at += CHUNK_BYTES) {
        const { hash } = await actor.upload_chunk({ canister_id: canister, chunk: wasm.subarray(at, at + CHUNK_BYTES) });
        hashes.push({ hash: Uint8Array.from(hash) });
      }
      await actor.install_chunked_code({
        mode: { install: null }, target_canister: canister, store_canister: [], chunk_hashes_list: hashes,
        wasm_module_hash: sha256(wasm), arg,
      });
      await actor.clear_chunk_store({ canister_id: canister });
    },
    async setControllers(canister, controllers) {
      await actor.update_settings({
        canister_id: canister,
        settings: {
          controllers: [controllers], compute_allocation: [], memory_allocation: [], freezing_threshold: [],
          reserved_cycles_limit: [], log_visibility: [], wasm_memory_limit: [],
        },
      });
    },
  };
}
