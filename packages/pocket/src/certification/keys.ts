/**
 * A subnet's threshold key, emulated by one BLS12-381 key pair: signatures in G1 (48 bytes),
 * public keys in G2 (96 bytes), DER-wrapped as the IC publishes them (IC spec § Certification,
 * ciphersuite BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_).
 */
import { createHash } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381';

/** DER prefix of an IC BLS public key (OIDs 1.3.6.1.4.1.44668.5.3.1.2.1 and …5.3.2.1). */
export const BLS_DER_PREFIX = Uint8Array.from(Buffer.from('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100', 'hex'));

export class SubnetKey {
  private readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly der: Uint8Array;

  /** Derives the key from `seed`, so an instance's keys (and subnet ids) are reproducible. */
  constructor(seed: Uint8Array) {
    const order = bls12_381.fields.Fr.ORDER;
    const digest = BigInt('0x' + createHash('sha512').update('lineage-pocket bls key').update(seed).digest('hex'));
    const scalar = (digest % (order - 1n)) + 1n;
    this.secret = Uint8Array.from(Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex'));
    this.publicKey = bls12_381.getPublicKeyForShortSignatures(this.secret);
    const der = new Uint8Array(BLS_DER_PREFIX.length + this.publicKey.length);
    der.set(BLS_DER_PREFIX);
    der.set(this.publicKey, BLS_DER_PREFIX.length);
    this.der = der;
  }

  sign(message: Uint8Array): Uint8Array {
    return bls12_381.signShortSignature(message, this.secret);
  }
}

export function verifySignature(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean {
  return bls12_381.verifyShortSignature(signature, message, publicKey);
}
