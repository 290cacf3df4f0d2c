/** The byte helpers the asset canister's rules use: `@lineage/kit`'s, shared with every canister and client. */
export {
  asBytes, base64, bytesEqual, compareBytes, concatBytes, fromBase64, fromHex, fromUtf8, leb128, readU64be, toHex, u64be, utf8,
} from '@lineage/kit';
