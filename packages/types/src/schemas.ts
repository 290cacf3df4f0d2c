/**
 * zod schemas for values that cross a process boundary (files, flags, JSON config): they are
 * validated once, at the edge, with a message that names the field.
 */
import { z } from 'zod';

const BASE32 = /^[a-z2-7]+$/;

/**
 * A principal in its textual form (IC spec § Textual representation of principals): groups of
 * five base32 characters separated by dashes, the last group possibly shorter, at most 63 chars.
 * The CRC is checked by `Principal.fromText` where a principal is actually used.
 */
export const principalText = z
  .string()
  .max(63, 'a principal is at most 63 characters')
  .refine((s) => {
    const groups = s.split('-');
    return groups.every((g, i) => BASE32.test(g) && (g.length === 5 || (i === groups.length - 1 && g.length < 5)));
  }, 'not a principal in textual form (like "aaaaa-aa" or "lxzze-o7777-77777-aaaaa-cai")');

/** A sha256 digest as 64 lowercase hex characters. */
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 digest is 64 lowercase hex characters');

/** A semantic version `major.minor.patch` of natural numbers. */
export const semver = z
  .string()
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/, 'a version is major.minor.patch, like 1.2.0')
  .transform((s) => s.split('.').map(Number) as [number, number, number]);

/** The canister ids file a deployment writes (`canister_ids.json`, as dfx writes it): name → network → id. */
export const canisterIdsFile = z.record(z.string(), z.record(z.string(), principalText));
export type CanisterIdsFile = z.infer<typeof canisterIdsFile>;
