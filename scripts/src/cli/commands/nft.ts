/** `lineage nft owner|transfer`: who owns a dapp, and handing a dapp over by transferring its NFT. */
import { Principal } from '@dfinity/principal';
import { principalText } from '@lineage/types';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { networkError, usageError } from '../errors.js';
import { dappCanisterName, describeVariant, findDapp } from '../lineage.js';

const TokenInput = z.object({
  dapp: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a dapp name from the ids file').optional(),
  token: z.coerce.bigint({ error: 'a token id is a natural number' }).nonnegative('a token id is a natural number').optional(),
});

/** The collection and token of `--token` (in the deployed collection) or of `--dapp` (default: the project's dapp). */
async function tokenOf(ctx: Context, raw: unknown): Promise<{ nftId: Principal; tokenId: bigint; dapp: string | null }> {
  const input = parseInput(TokenInput, raw);
  if (input.token !== undefined) {
    if (input.dapp) throw usageError('pass either --dapp or --token, not both');
    return { nftId: ctx.canister('nft'), tokenId: input.token, dapp: null };
  }
  const { dapp } = await findDapp(ctx, dappCanisterName(input.dapp, 'backend'));
  return { nftId: dapp.info.nft, tokenId: dapp.info.token_id, dapp: input.dapp ?? null };
}

export interface OwnerResult {
  collection: string;
  tokenId: bigint;
  owner: string | null;
}

export async function nftOwner(ctx: Context, raw: unknown): Promise<OwnerResult> {
  const { nftId, tokenId } = await tokenOf(ctx, raw);
  const nft = await ctx.nft(nftId);
  const [owner] = await nft.icrc7_owner_of([tokenId]);
  return { collection: nftId.toText(), tokenId, owner: owner?.[0]?.owner.toText() ?? null };
}

const TransferInput = z.object({ '<to>': principalText });

export interface TransferResult {
  collection: string;
  tokenId: bigint;
  from: string;
  to: string;
  block: bigint;
}

export async function nftTransfer(ctx: Context, raw: { to: string } & Record<string, unknown>): Promise<TransferResult> {
  const { '<to>': to } = parseInput(TransferInput, { '<to>': raw.to });
  const { nftId, tokenId } = await tokenOf(ctx, { dapp: raw.dapp, token: raw.token });
  const nft = await ctx.nft(nftId);
  const recipient = Principal.fromText(to);
  ctx.out.step(`Transferring token ${tokenId} of ${nftId.toText()} from ${ctx.principal.toText()} to ${to}`);
  const [reply] = await nft.icrc7_transfer([{
    from_subaccount: [], to: { owner: recipient, subaccount: [] }, token_id: tokenId, memo: [], created_at_time: [BigInt(Date.now()) * 1_000_000n],
  }]);
  const result = reply?.[0];
  if (!result) throw networkError('the collection gave no result for the transfer');
  if ('Err' in result) {
    const err = result.Err;
    if ('Unauthorized' in err) throw networkError(`refused: ${ctx.principal.toText()} does not hold token ${tokenId}`, 'only the holder can transfer it; `lineage nft owner` shows who holds it');
    if ('NonExistingTokenId' in err) throw usageError(`token ${tokenId} does not exist in ${nftId.toText()}`);
    if ('InvalidRecipient' in err) throw usageError(`${to} cannot receive the token (the anonymous principal, or the holder itself)`);
    throw networkError(`the transfer was refused: ${describeVariant(err)}`);
  }
  return { collection: nftId.toText(), tokenId, from: ctx.principal.toText(), to, block: result.Ok };
}

export function register(program: Command): void {
  const nft = program.command('nft').description('the NFT that owns a dapp: who holds it, transferring it');
  const tokenOptions = (c: Command) => c
    .option('--dapp <name>', 'the dapp (as named with `lineage spawn --name`); default: the project\'s dapp')
    .option('--token <id>', 'a token id of the deployed collection instead of a dapp');
  examples(
    tokenOptions(nft.command('owner').description('print who holds the dapp\'s NFT (and so owns the dapp)'))
      .action(action(async (ctx, opts: Record<string, unknown>) => {
        const r = await nftOwner(ctx, opts);
        ctx.out.result(r, `token ${r.tokenId} of ${r.collection} is held by ${r.owner ?? 'nobody'}`, r.owner ?? '');
      })),
    'lineage nft owner',
    'lineage nft owner --dapp shop',
  );
  examples(
    tokenOptions(nft.command('transfer').description('transfer the dapp\'s NFT, and with it the dapp, to another principal')
      .argument('<to>', 'the new owner\'s principal'))
      .action(action(async (ctx, to: string, opts: Record<string, unknown>) => {
        const r = await nftTransfer(ctx, { ...opts, to });
        ctx.out.result(r, [`token ${r.tokenId} transferred to ${r.to}`, `  ICRC-3 block ${r.block} of ${r.collection}`], String(r.block));
      })),
    'lineage nft transfer 7mdqq-…-qae --identity alice.pem',
  );
}
