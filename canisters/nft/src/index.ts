/**
 * The Lineage NFT collection: ICRC-7 (one token per dapp instance), minted by the collection's
 * minting authority, with an ICRC-3 log of mints and transfers whose tip is the certified data.
 *
 * This class is the shell: Candid in and out, the caller and the time. The rules live in
 * `./domain`; state lives in `./storage`.
 */
import { call, certifiedDataSet, dataCertificate, IDL, init, inspectMessage, msgArgData, msgCaller, msgMethodName, postUpgrade, Principal, time, trap } from 'azle';

import { asBytes, hashValue, ingressProblem, makeBlock, tipTree, type IngressPolicy, type Value } from '@lineage/kit';
import {
  backendTypes, NFT_ERROR_CODES, nftTypes,
  type Account as CandidAccount, type Icrc3DataCertificate, type Icrc3GetBlocksResult, type MintArg, type MintResult,
  type NftInitArgs, type TransferArg, type TransferResult,
} from '@lineage/types';

import {
  account, collectionMetadata, configFrom, DEDUP_PRUNE_PER_MESSAGE, DEFAULT_TAKE_VALUE, effectiveTake, MAX_BLOCK_BYTES_PER_REPLY,
  MAX_BLOCKS_PER_REPLY, MAX_MEMO_SIZE, MAX_QUERY_BATCH_SIZE, MAX_TAKE_VALUE, MAX_UPDATE_BATCH_SIZE, mintTx, NANOS_PER_SECOND,
  notifiedBackend, planMint, planTransfer, queryPrefix, transferTx, valueSize, type Account, type CollectionConfig,
} from './domain/index.js';
import { query, update } from './methods.js';
import { Storage } from './storage.js';

const T = nftTypes(IDL);

const BLOCK_SCHEMA = 'https://github.com/dfinity/ICRC/blob/main/ICRCs/ICRC-7/ICRC-7.md#icrc-7-block-schema';
const BLOCK_TYPES = ['7mint', '7xfer'];

type Opt<T> = [] | [T];
const opt = <T>(o: Opt<T>): T | undefined => (o.length === 0 ? undefined : o[0]);
const some = <T>(v: T | undefined): Opt<T> => (v === undefined ? [] : [v]);
const optBytes = (o: Opt<Uint8Array | number[]>): Uint8Array | undefined => (o.length === 0 ? undefined : asBytes(o[0]));

/** A Candid account as given (its subaccount not yet checked). */
const given = (a: CandidAccount) => ({ owner: a.owner.toUint8Array(), subaccount: optBytes(a.subaccount) });
const toCandid = (a: Account): CandidAccount => ({ owner: Principal.fromUint8Array(a.owner), subaccount: some(a.subaccount) });

/**
 * Ingress the collection refuses before paying for it: what the methods would refuse anyway (the
 * anonymous principal holds no token and mints none) and arguments beyond a full batch.
 */
const INGRESS: IngressPolicy = {
  maxArgBytes: { default: 64 * 1024, lineage_mint: 1024 * 1024 },
  refuseAnonymous: new Set(['icrc7_transfer', 'lineage_mint']),
};

/** The backend's `lineage_holder_changed` argument. */
const HolderChanged = backendTypes(IDL).HolderNotice;

export default class {
  store = new Storage();

  @inspectMessage({ manual: true })
  inspect(): boolean {
    const problem = ingressProblem(INGRESS, msgMethodName(), msgCaller().toText(), msgArgData());
    if (problem) trap(problem);
    return true;
  }

  /**
   * Tells the dapp's backend who holds its token now (one-way: the collection neither waits for
   * nor depends on the answer, so a stopped or hostile backend cannot hold up a transfer).
   */
  private notifyHolder(tokenId: bigint, holder: Account): void {
    const backend = notifiedBackend(this.store.metadataOf(tokenId));
    if (backend === undefined) return;
    try {
      void call(backend, 'lineage_holder_changed', {
        paramIdlTypes: [HolderChanged], args: [{ token_id: tokenId, holder: [toCandid(holder)] }], oneway: true,
      });
    } catch {
      // A name that is not a principal, or a full output queue: the backend asks at its next request.
    }
  }

  @init([IDL.Opt(T.InitArgs)])
  init(args: Opt<NftInitArgs>): void {
    const a = opt(args);
    if (!a) throw new Error('the nft canister needs its init argument: (opt record { minting_authority; symbol; name; … }), see canisters/nft/README.md');
    this.store.load();
    this.configure(a);
  }

  @postUpgrade([IDL.Opt(T.InitArgs)])
  postUpgrade(args: Opt<NftInitArgs>): void {
    this.store.load();
    const a = opt(args);
    if (a) this.configure(a);
    const tip = this.store.tip;
    if (tip) certifiedDataSet(tipTree(tip.index, tip.hash).root);
  }

  /** Takes the settings of an init or upgrade argument; an unacceptable one fails the install. */
  private configure(a: NftInitArgs): void {
    const result = configFrom({
      mintingAuthority: a.minting_authority.toUint8Array(), symbol: a.symbol, name: a.name, description: opt(a.description),
      logo: opt(a.logo), supplyCap: opt(a.supply_cap), txWindow: opt(a.tx_window), permittedDrift: opt(a.permitted_drift),
    }, this.store.tokens.size);
    if ('error' in result) throw new Error(`invalid nft init argument: ${result.error}`);
    this.store.config = result.ok;
  }

  private get config(): CollectionConfig {
    const config = this.store.config;
    if (!config) throw new Error('the nft canister has no configuration');
    return config;
  }

  // ---- the log ---------------------------------------------------------------------------

  /** Appends a block chained to the tip and certifies the new tip; returns its index. */
  private log(btype: string, tx: [string, Value][]): bigint {
    const tip = this.store.tip;
    const index = tip === undefined ? 0n : tip.index + 1n;
    const block = makeBlock(btype, time(), tip?.hash, tx);
    const hash = hashValue(block);
    this.store.putBlock(index, block);
    this.store.tip = { index, hash };
    certifiedDataSet(tipTree(index, hash).root);
    return index;
  }

  // ---- collection --------------------------------------------------------------------------

  @query([], T.Metadata)
  icrc7_collection_metadata(): [string, Value][] {
    return collectionMetadata(this.config, this.store.tokens.size);
  }

  @query([], IDL.Text)
  icrc7_symbol(): string {
    return this.config.symbol;
  }

  @query([], IDL.Text)
  icrc7_name(): string {
    return this.config.name;
  }

  @query([], IDL.Opt(IDL.Text))
  icrc7_description(): Opt<string> {
    return some(this.config.description);
  }

  @query([], IDL.Opt(IDL.Text))
  icrc7_logo(): Opt<string> {
    return some(this.config.logo);
  }

  @query([], IDL.Nat)
  icrc7_total_supply(): bigint {
    return BigInt(this.store.tokens.size);
  }

  @query([], IDL.Opt(IDL.Nat))
  icrc7_supply_cap(): Opt<bigint> {
    return some(this.config.supplyCap);
  }

  @query([], IDL.Opt(IDL.Nat))
  icrc7_max_query_batch_size(): Opt<bigint> {
    return [BigInt(MAX_QUERY_BATCH_SIZE)];
  }

  @query([], IDL.Opt(IDL.Nat))
  icrc7_max_update_batch_size(): Opt<bigint> {
    return [BigInt(MAX_UPDATE_BATCH_SIZE)];
  }

  @query([], IDL.Opt(IDL.Nat))
  icrc7_default_take_value(): Opt<bigint> {
    return [BigInt(DEFAULT_TAKE_VALUE)];
  }

  @query([], IDL.Opt(IDL.Nat))
  icrc7_max_take_value(): Opt<bigint> {
    return [BigInt(MAX_TAKE_VALUE)];
  }

  @query([], IDL.Opt(IDL.Nat))
  icrc7_max_memo_size(): Opt<bigint> {
    return [BigInt(MAX_MEMO_SIZE)];
  }

  @query([], IDL.Opt(IDL.Bool))
  icrc7_atomic_batch_transfers(): Opt<boolean> {
    return [false];
  }

  @query([], IDL.Opt(IDL.Nat))
  icrc7_tx_window(): Opt<bigint> {
    return [this.config.txWindow];
  }

  @query([], IDL.Opt(IDL.Nat))
  icrc7_permitted_drift(): Opt<bigint> {
    return [this.config.permittedDrift];
  }

  // ---- tokens ------------------------------------------------------------------------------

  @query([IDL.Vec(IDL.Nat)], IDL.Vec(IDL.Opt(T.Metadata)))
  icrc7_token_metadata(tokenIds: bigint[]): Opt<[string, Value][]>[] {
    return queryPrefix(tokenIds).map((id) => some(this.store.tokens.has(id) ? this.store.metadataOf(id) ?? [] : undefined));
  }

  @query([IDL.Vec(IDL.Nat)], IDL.Vec(IDL.Opt(T.Account)))
  icrc7_owner_of(tokenIds: bigint[]): Opt<CandidAccount>[] {
    return queryPrefix(tokenIds).map((id) => {
      const owner = this.store.tokens.ownerOf(id);
      return some(owner && toCandid(owner));
    });
  }

  @query([IDL.Vec(T.Account)], IDL.Vec(IDL.Nat))
  icrc7_balance_of(accounts: CandidAccount[]): bigint[] {
    return queryPrefix(accounts).map((a) => {
      const account = this.canonical(a);
      return account ? BigInt(this.store.tokens.balance(account)) : 0n;
    });
  }

  @query([IDL.Opt(IDL.Nat), IDL.Opt(IDL.Nat)], IDL.Vec(IDL.Nat))
  icrc7_tokens(prev: Opt<bigint>, take: Opt<bigint>): bigint[] {
    return this.store.tokens.page(opt(prev), effectiveTake(opt(take)));
  }

  @query([T.Account, IDL.Opt(IDL.Nat), IDL.Opt(IDL.Nat)], IDL.Vec(IDL.Nat))
  icrc7_tokens_of(a: CandidAccount, prev: Opt<bigint>, take: Opt<bigint>): bigint[] {
    const account = this.canonical(a);
    return account ? this.store.tokens.pageOf(account, opt(prev), effectiveTake(opt(take))) : [];
  }

  /** The canonical account, or `undefined` for a malformed subaccount (which holds nothing). */
  private canonical(a: CandidAccount): Account | undefined {
    const { owner, subaccount } = given(a);
    return account(owner, subaccount);
  }

  // ---- transfers ---------------------------------------------------------------------------

  /**
   * ICRC-7 transfers, processed in order, each independently (not atomic). A batch over the limit
   * is refused whole: one `GenericBatchError`, nothing processed.
   */
  @update([IDL.Vec(T.TransferArg)], IDL.Vec(IDL.Opt(T.TransferResult)))
  icrc7_transfer(args: TransferArg[]): Opt<TransferResult>[] {
    if (args.length > MAX_UPDATE_BATCH_SIZE) {
      return [[{
        Err: {
          GenericBatchError: {
            error_code: NFT_ERROR_CODES.batchTooLarge,
            message: `a batch has at most ${MAX_UPDATE_BATCH_SIZE} transfers (icrc7_max_update_batch_size), not ${args.length}; split it`,
          },
        },
      }]];
    }
    const config = this.config;
    const now = time();
    this.store.forgetTransfersBefore(now - (config.txWindow + config.permittedDrift) * NANOS_PER_SECOND, DEDUP_PRUNE_PER_MESSAGE);
    const caller = msgCaller().toUint8Array();
    const ctx = {
      now, txWindow: config.txWindow, permittedDrift: config.permittedDrift,
      ownerOf: (id: bigint) => this.store.tokens.ownerOf(id),
      findDuplicate: (createdAt: bigint, key: string) => this.store.findDuplicate(createdAt, key),
    };
    return args.map((arg): Opt<TransferResult> => {
      const plan = planTransfer({
        caller, fromSubaccount: optBytes(arg.from_subaccount), to: given(arg.to), tokenId: arg.token_id,
        memo: optBytes(arg.memo), createdAt: opt(arg.created_at_time),
      }, ctx);
      if ('err' in plan) return [{ Err: plan.err }];
      const t = plan.ok;
      this.store.transfer(t.tokenId, t.to);
      const index = this.log('7xfer', transferTx(t));
      if (t.dedupKey !== undefined && t.createdAt !== undefined) this.store.rememberTransfer(t.createdAt, t.dedupKey, index);
      this.notifyHolder(t.tokenId, t.to);
      return [{ Ok: index }];
    });
  }

  // ---- minting -----------------------------------------------------------------------------

  /** Mints tokens; only the minting authority may. A batch over the limit is refused whole. */
  @update([IDL.Vec(T.MintArg)], IDL.Vec(T.MintResult))
  lineage_mint(args: MintArg[]): MintResult[] {
    if (args.length > MAX_UPDATE_BATCH_SIZE) return [{ Err: { BatchTooLarge: { max_batch_size: BigInt(MAX_UPDATE_BATCH_SIZE) } } }];
    const config = this.config;
    const caller = msgCaller().toUint8Array();
    return args.map((arg): MintResult => {
      const plan = planMint({ caller, tokenId: arg.token_id, to: given(arg.to), metadata: arg.metadata as [string, Value][] }, {
        mintingAuthority: config.mintingAuthority, supplyCap: config.supplyCap, totalSupply: this.store.tokens.size,
        exists: (id) => this.store.tokens.has(id),
      });
      if ('err' in plan) return { Err: plan.err };
      const m = plan.ok;
      this.store.mint(m.tokenId, m.to, m.metadata);
      const index = this.log('7mint', mintTx(m));
      this.notifyHolder(m.tokenId, m.to);
      return { Ok: index };
    });
  }

  @query([], IDL.Principal)
  lineage_minting_authority(): Principal {
    return Principal.fromUint8Array(this.config.mintingAuthority);
  }

  // ---- ICRC-3 and ICRC-10 ------------------------------------------------------------------

  @query([T.GetBlocksArgs], T.GetBlocksResult)
  icrc3_get_blocks(ranges: { start: bigint; length: bigint }[]): Icrc3GetBlocksResult {
    const total = this.store.blockCount;
    const blocks: { id: bigint; block: Value }[] = [];
    let bytes = 0;
    for (const { start, length } of ranges) {
      for (let id = start; id < start + length && id < total; id++) {
        if (blocks.length >= MAX_BLOCKS_PER_REPLY) break;
        const block = this.store.block(id);
        if (!block) continue;
        bytes += valueSize(block);
        // A reply stops early to stay under the IC's limit (always at least one block).
        if (blocks.length > 0 && bytes > MAX_BLOCK_BYTES_PER_REPLY) return { log_length: total, blocks: blocks as Icrc3GetBlocksResult['blocks'], archived_blocks: [] };
        blocks.push({ id, block });
      }
    }
    return { log_length: total, blocks: blocks as Icrc3GetBlocksResult['blocks'], archived_blocks: [] };
  }

  @query([], IDL.Opt(T.DataCertificate))
  icrc3_get_tip_certificate(): Opt<Icrc3DataCertificate> {
    const certificate = dataCertificate();
    const tip = this.store.tip;
    if (!certificate || !tip) return [];
    return [{ certificate, hash_tree: tipTree(tip.index, tip.hash).cbor }];
  }

  @query([T.GetArchivesArgs], T.GetArchivesResult)
  icrc3_get_archives(_args: { from: Opt<Principal> }): { canister_id: Principal; start: bigint; end: bigint }[] {
    return [];
  }

  @query([], IDL.Vec(T.BlockType))
  icrc3_supported_block_types(): { block_type: string; url: string }[] {
    return BLOCK_TYPES.map((block_type) => ({ block_type, url: BLOCK_SCHEMA }));
  }

  @query([], IDL.Vec(T.SupportedStandard))
  icrc10_supported_standards(): { name: string; url: string }[] {
    return [
      { name: 'ICRC-7', url: 'https://github.com/dfinity/ICRC/ICRCs/ICRC-7' },
      { name: 'ICRC-10', url: 'https://github.com/dfinity/ICRC/ICRCs/ICRC-10' },
      { name: 'ICRC-3', url: 'https://github.com/dfinity/ICRC-1/tree/main/standards/ICRC-3' },
    ];
  }
}
