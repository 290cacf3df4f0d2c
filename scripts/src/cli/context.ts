/**
 * Everything a command needs, built lazily from the global options: the output, the network, the
 * identity, an agent, the canister ids file, and typed actors of Lineage's canisters.
 */
import { Actor, type ActorSubclass, type HttpAgent } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import {
  assetIdlFactory, backendIdl, managerIdl, nftIdl, registryIdl,
  type AssetService, type BackendService, type ManagerService, type NftService, type RegistryService,
} from '@lineage/types';

import { CanisterIds } from './canister-ids.js';
import { loadIdentity, type LoadedIdentity } from './identity.js';
import { createAgent, resolveNetwork, type Network } from './network.js';
import { Output } from './output.js';

export interface GlobalOptions {
  network?: string;
  identity?: string;
  json?: boolean;
  quiet?: boolean;
}

type Factory = IDL.InterfaceFactory;

export class Context {
  readonly out: Output;
  private cachedNetwork: Network | undefined;
  private cachedIdentity: LoadedIdentity | undefined;
  private cachedAgent: Promise<HttpAgent> | undefined;
  private cachedIds: CanisterIds | undefined;

  /** `identity` overrides `--identity` (the demo acts as several people). */
  constructor(readonly options: GlobalOptions, identity?: LoadedIdentity, out?: Output) {
    this.out = out ?? new Output({ json: options.json === true, quiet: options.quiet === true });
    this.cachedIdentity = identity;
  }

  /** The same network, ids file and output, acting as another identity. */
  as(identity: LoadedIdentity): Context {
    const other = new Context(this.options, identity, this.out);
    other.cachedNetwork = this.cachedNetwork;
    other.cachedIds = this.cachedIds;
    return other;
  }

  get network(): Network {
    this.cachedNetwork ??= resolveNetwork(this.options.network);
    return this.cachedNetwork;
  }

  get identity(): LoadedIdentity {
    if (!this.cachedIdentity) {
      this.cachedIdentity = loadIdentity(this.options.identity || process.env.LINEAGE_IDENTITY || undefined);
      if (this.cachedIdentity.created) this.out.warn(`created the project identity ${this.cachedIdentity.source} (${this.principal.toText()})`);
    }
    return this.cachedIdentity;
  }

  get principal(): Principal {
    return this.identity.identity.getPrincipal() as Principal;
  }

  agent(): Promise<HttpAgent> {
    this.cachedAgent ??= createAgent(this.network, this.identity.identity);
    return this.cachedAgent;
  }

  get ids(): CanisterIds {
    this.cachedIds ??= CanisterIds.load();
    return this.cachedIds;
  }

  /** A canister by name or id on this network. */
  canister(nameOrId: string, what?: string): Principal {
    return this.ids.resolve(nameOrId, this.network.name, what);
  }

  /** The name the ids file gives `id`, or its text. */
  nameOf(id: Principal): string {
    return this.ids.nameOf(id, this.network.name) ?? id.toText();
  }

  async actor<T>(idl: unknown, canisterId: Principal): Promise<ActorSubclass<T>> {
    return Actor.createActor<T>(idl as Factory, { agent: await this.agent(), canisterId });
  }

  registry(id: Principal): Promise<ActorSubclass<RegistryService>> {
    return this.actor<RegistryService>(registryIdl, id);
  }

  nft(id: Principal): Promise<ActorSubclass<NftService>> {
    return this.actor<NftService>(nftIdl, id);
  }

  manager(id: Principal): Promise<ActorSubclass<ManagerService>> {
    return this.actor<ManagerService>(managerIdl, id);
  }

  backend(id: Principal): Promise<ActorSubclass<BackendService>> {
    return this.actor<BackendService>(backendIdl, id);
  }

  asset(id: Principal): Promise<ActorSubclass<AssetService>> {
    return this.actor<AssetService>(assetIdlFactory, id);
  }
}
