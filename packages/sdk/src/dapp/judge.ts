/**
 * The buyer's check as plain rules over plain data (issue 11): given what the IC and the dapp's
 * canisters say, is this dapp clean to buy? Whoever holds the NFT, and only they, must control the
 * dapp after the sale. Collecting the facts is `collectDappFacts` (network); judging them is here,
 * so the console, the CLI and the tests share one verdict.
 */

export type DappRoleName = 'backend' | 'manager' | 'asset';

/** A fact that could not be learnt, with the reason. */
export interface Unknown {
  error: string;
}

export interface CanisterFacts {
  role: DappRoleName;
  id: string;
  /** From a certified `read_state` of `canister/<id>/controllers`. */
  controllers: string[] | Unknown;
  /** From a certified `read_state` of `canister/<id>/module_hash`; undefined: no module. */
  moduleHash: string | undefined | Unknown;
  /** The registry version with that hash, if there is one. */
  version: { label: string; deprecated: boolean } | undefined | Unknown;
}

export interface PermissionFacts {
  Commit: string[];
  Prepare: string[];
  ManagePermissions: string[];
}

export interface DappFacts {
  backend: string;
  /** What the backend says it answers to. */
  config: { nft: string; tokenId: bigint; manager: string; registry: string; asset: string | undefined } | Unknown;
  /** Who the collection says holds the token (undefined: nobody). */
  holder: string | undefined | Unknown;
  /** The backend the token's metadata names (`lineage:backend`). */
  tokenBackend: string | undefined | Unknown;
  /** The backend's own record of its holder and last hand-over. */
  ownership: { holder: string | undefined; handedOver: boolean; handedOverTo: string | undefined } | Unknown;
  canisters: CanisterFacts[];
  /** The asset canister's permission lists (undefined: the dapp has no frontend). */
  permissions: PermissionFacts | undefined | Unknown;
  /** The manager's operations that hold a canister now. */
  pending: { operation: bigint; canister: string; state: string }[] | Unknown;
}

export interface DappCheck {
  check: string;
  ok: boolean;
  detail: string;
}

const isUnknown = (v: unknown): v is Unknown => typeof v === 'object' && v !== null && 'error' in v && typeof (v as Unknown).error === 'string';

/**
 * One line per check, in a fixed order; a fact that could not be learnt fails its check (a buyer
 * must never be told "clean" about something nobody looked at).
 *
 * @example
 * const checks = judgeDapp(await collectDappFacts({ agent, backend }));
 * const clean = checks.every((c) => c.ok);
 */
export function judgeDapp(f: DappFacts): DappCheck[] {
  const checks: DappCheck[] = [];
  const add = (check: string, ok: boolean, detail: string) => checks.push({ check, ok, detail });

  // The NFT and token the backend answers to, and that the token names this backend.
  if (isUnknown(f.config)) add('token', false, `the backend did not say what it answers to: ${f.config.error}`);
  else if (isUnknown(f.tokenBackend)) add('token', false, `the collection's token ${f.config.tokenId} could not be read: ${f.tokenBackend.error}`);
  else if (f.tokenBackend !== f.backend) {
    add('token', false, `the backend answers to token ${f.config.tokenId} of ${f.config.nft}, but that token names ${f.tokenBackend ?? 'no backend'} as its dapp`);
  } else add('token', true, `the backend answers to token ${f.config.tokenId} of ${f.config.nft}, which names this backend`);

  // Who holds it, and whether the dapp has been handed to them.
  if (isUnknown(f.holder)) add('holder', false, `the collection did not say who holds the token: ${f.holder.error}`);
  else if (f.holder === undefined) add('holder', false, 'nobody holds the token: nobody can act for this dapp');
  else if (isUnknown(f.ownership)) add('holder', false, `the backend did not say whom it last handed the dapp to: ${f.ownership.error}`);
  else if (!f.ownership.handedOver || f.ownership.handedOverTo !== f.holder) {
    add('holder', false, `${f.holder} holds the token, but the backend's last completed hand-over was ${f.ownership.handedOver ? `to ${f.ownership.handedOverTo ?? 'nobody'}` : 'never'} (anyone may call its reconcile method to finish it)`);
  } else add('holder', true, `${f.holder} holds the token, and the dapp was handed over to them`);

  // Controllers: exactly the ring, on every canister.
  const ring = isUnknown(f.config) ? undefined : [f.backend, f.config.manager].sort();
  for (const c of f.canisters) {
    const name = `controllers:${c.role}`;
    if (isUnknown(c.controllers)) add(name, false, `could not read the controllers of ${c.id}: ${c.controllers.error}`);
    else if (!ring) add(name, false, 'the ring is unknown (the backend did not name its manager)');
    else {
      const controllers = c.controllers;
      const extra = controllers.filter((p) => !ring.includes(p));
      const missing = ring.filter((p) => !controllers.includes(p));
      const exact = extra.length === 0 && missing.length === 0;
      add(name, exact, exact
        ? `${c.id} is controlled by the backend and the manager only (certified)`
        : `${c.id}: ${extra.length > 0 ? `also controlled by ${extra.join(', ')}, who could keep the dapp after a sale` : ''}${extra.length > 0 && missing.length > 0 ? '; ' : ''}${missing.length > 0 ? `not controlled by ${missing.join(', ')}` : ''}`);
    }
  }

  // Modules: each canister runs a registry version that is not deprecated.
  for (const c of f.canisters) {
    const name = `module:${c.role}`;
    if (isUnknown(c.moduleHash)) add(name, false, `could not read the module of ${c.id}: ${c.moduleHash.error}`);
    else if (c.moduleHash === undefined) add(name, false, `${c.id} has no module installed`);
    else if (isUnknown(c.version)) add(name, false, `could not ask the registry about ${c.moduleHash}: ${c.version.error}`);
    else if (c.version === undefined) add(name, false, `${c.id} runs ${c.moduleHash}, which is no version in the registry`);
    else add(name, !c.version.deprecated, `${c.id} runs ${c.version.label}${c.version.deprecated ? ', which is deprecated' : ''} (${c.moduleHash.slice(0, 12)}…)`);
  }

  // The frontend's permission lists: the holder at most.
  if (f.permissions !== undefined) {
    if (isUnknown(f.permissions)) add('permissions', false, `could not read the asset canister's permission lists: ${f.permissions.error}`);
    else {
      const holder = isUnknown(f.holder) ? undefined : f.holder;
      const others = (Object.entries(f.permissions) as [keyof PermissionFacts, string[]][])
        .flatMap(([permission, list]) => list.filter((p) => p !== holder || permission !== 'Commit').map((p) => `${p} (${permission})`));
      add('permissions', others.length === 0, others.length === 0
        ? `only ${f.permissions.Commit.length > 0 ? 'the holder' : 'the controllers (backend, manager)'} may change the frontend`
        : `besides the controllers, ${others.join(', ')} may change the frontend`);
    }
  }

  // The manager: nothing in flight.
  if (isUnknown(f.pending)) add('pending', false, `could not read the manager's operations: ${f.pending.error}`);
  else add('pending', f.pending.length === 0, f.pending.length === 0
    ? 'no operation is scheduled or running in the manager'
    : f.pending.map((p) => `operation ${p.operation} on ${p.canister} is ${p.state}`).join('; '));

  return checks;
}
