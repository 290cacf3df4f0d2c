/** Certificates: a hash tree signed by a subnet, with a delegation from the root subnet if needed. */
import { encodeTaggedCbor, type CborValue } from './cbor.js';
import { STATE_ROOT_SEPARATOR, reconstruct, treeToCbor, type HashTree } from './hash-tree.js';
import type { SubnetKey } from './keys.js';

export interface Delegation {
  subnetId: Uint8Array;
  /** The root subnet's certificate of this subnet's key and canister ranges. */
  certificate: Uint8Array;
}

/** Signs `tree`'s root as the state root of a subnet and encodes the certificate in CBOR. */
export function makeCertificate(tree: HashTree, key: SubnetKey, delegation?: Delegation): Uint8Array {
  const root = reconstruct(tree);
  const message = new Uint8Array(STATE_ROOT_SEPARATOR.length + root.length);
  message.set(STATE_ROOT_SEPARATOR);
  message.set(root, STATE_ROOT_SEPARATOR.length);
  const cert: Record<string, CborValue> = { tree: treeToCbor(tree), signature: key.sign(message) };
  if (delegation) cert.delegation = { subnet_id: delegation.subnetId, certificate: delegation.certificate };
  return encodeTaggedCbor(cert);
}
