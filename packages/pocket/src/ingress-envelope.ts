/**
 * The size of an ingress message as the replica charges its induction: the bytes of the whole
 * signed request (dfinity/ic `CyclesAccountManager::ingress_induction_cost`: `ingress.binary().len()`),
 * envelope, sender, expiry and nonce included, not only the method name and argument.
 *
 * A client of the IC HTTP interface sends those bytes; the emulator charges what it received. A
 * message submitted through PocketIC's REST API has no envelope: PocketIC's state machine builds one
 * (`StateMachine::submit_ingress_as`), without signature or public key, with an 8-byte nonce and the
 * longest expiry, and serializes it as `SignedRequestBytes` does (CBOR with the self-describe tag;
 * the content, a `#[serde(flatten)]` variant, as a map of indefinite length). `pocketIcEnvelopeBytes`
 * counts the bytes of that encoding.
 */

/** Bytes of a CBOR head (major type and length or value) for `n`. */
function head(n: number | bigint): number {
  const v = BigInt(n);
  if (v < 24n) return 1;
  if (v < 256n) return 2;
  if (v < 65_536n) return 3;
  if (v < 4_294_967_296n) return 5;
  return 9;
}

/** Bytes of a CBOR text or byte string of `length` bytes. */
const str = (length: number) => head(length) + length;

/**
 * The bytes of the envelope PocketIC's state machine gives a message submitted through its REST
 * API (see above); `expiry` in nanoseconds.
 *
 * @example pocketIcEnvelopeBytes({ sender: 1, canisterId: 10, method: 9, arg: 6, expiry: 1_700_000_300_000_000_000n })
 */
export function pocketIcEnvelopeBytes(sizes: { sender: number; canisterId: number; method: number; arg: number; expiry: bigint }): number {
  const selfDescribeTag = 3;
  const envelope = head(1) + str('content'.length); // a map of one entry: no key, signature or delegation
  const content = 2 // indefinite-length map: its start and break bytes
    + str('request_type'.length) + str('call'.length)
    + str('canister_id'.length) + str(sizes.canisterId)
    + str('method_name'.length) + str(sizes.method)
    + str('arg'.length) + str(sizes.arg)
    + str('sender'.length) + str(sizes.sender)
    + str('ingress_expiry'.length) + head(sizes.expiry)
    + str('nonce'.length) + str(8);
  return selfDescribeTag + envelope + content;
}
