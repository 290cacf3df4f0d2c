/**
 * What both registry benchmarks start from: an in-process emulator (so they can read its message
 * and execution records), the registry installed with one publisher as admin, and the canister
 * types the benchmark publishes into (a type has one live root version, so one type per module).
 */
import { readFileSync } from 'node:fs';
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { PocketServer } from '@lineage/pocket';
import { registryIdl, registryInit, type RegistryService } from '@lineage/types';

/** Starts the emulator, installs the registry and creates `types`. Close with `pic.tearDown()` then `server.close()`. */
export async function startRegistryBench(types: string[]) {
  const wasm = new Uint8Array(readFileSync(new URL('../dist/registry.wasm', import.meta.url)));
  const server = new PocketServer({});
  const port = await server.listen();
  const pic = await PocketIc.create(`http://127.0.0.1:${port}`);
  const ic = server.api.instance(0)!;

  const publisher = Principal.selfAuthenticating(new Uint8Array(32).fill(7));
  const registryId = await pic.createCanister({ sender: publisher });
  await pic.installCode({
    canisterId: registryId, wasm, sender: publisher,
    arg: new Uint8Array(IDL.encode(registryInit({ IDL } as never) as unknown as IDL.Type[], [[{ admins: [publisher], open_type_creation: false }]])),
  });
  const registry = pic.createActor<RegistryService>(registryIdl as unknown as IDL.InterfaceFactory, registryId);
  registry.setPrincipal(publisher);
  await registry.icrc118_create_canister_type(types.map((namespace) => ({
    canister_type_namespace: namespace, canister_type_name: 'bench', controllers: [], description: '', repo: '', metadata: [], forked_from: [],
  })));
  return { server, pic, ic, publisher, registryId, registry };
}
