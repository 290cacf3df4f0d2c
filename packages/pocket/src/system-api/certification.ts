/** Certified data and the data certificate (IC interface spec § Certified data). */
import { HELP, traps } from '../errors.js';
import { LIMITS } from '../constants.js';
import { MODE_NAMES, type ExecutionContext } from './context.js';
import { copyToCanister } from './memory-access.js';

const certificates = new WeakMap<ExecutionContext, Uint8Array>();

function certificate(c: ExecutionContext, api: string): Uint8Array {
  // Only the target canister of a query call gets a certificate; elsewhere in the same contexts
  // the replica reports the call as made in the wrong mode.
  if (!c.dataCertificate) throw traps.wrongMode(api, c.modeName ?? MODE_NAMES[c.kind]);
  let cert = certificates.get(c);
  if (!cert) {
    cert = c.dataCertificate();
    certificates.set(c, cert);
  }
  return cert;
}

export function certificationImports(ctx: () => ExecutionContext) {
  return {
    certified_data_set: (src: number, size: number) => {
      const c = ctx();
      if ((size >>> 0) > LIMITS.maxCertifiedData) {
        throw traps.contract(`ic0_certified_data_set failed because the passed data must be no larger than 32 bytes. Found ${size >>> 0} bytes.`, HELP.certifiedDataTooLarge);
      }
      if (!c.heap.inBounds(src >>> 0, size >>> 0)) {
        throw traps.toolchain(`ic0_certified_data_set failed because src + size is out of bounds. Found src = ${src >>> 0} and size = ${size >>> 0} while src + size must be <= ${c.heap.byteLength}`);
      }
      c.certifiedData = c.heap.read(src >>> 0, size >>> 0);
    },
    data_certificate_present: () => (ctx().dataCertificate ? 1 : 0),
    data_certificate_size: () => certificate(ctx(), 'ic0_data_certificate_size').length,
    data_certificate_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      const cert = certificate(c, 'ic0_data_certificate_copy');
      [dst, offset, size] = [dst >>> 0, offset >>> 0, size >>> 0];
      if (offset + size > cert.length) {
        throw traps.toolchain(`ic0_data_certificate_copy failed because offset + size is out of bounds. Found offset = ${offset} and size = ${size} while offset + size must be <= ${cert.length}`);
      }
      if (!c.heap.inBounds(dst, size)) {
        throw traps.toolchain(`ic0_data_certificate_copy failed because dst + size is out of bounds. Found dst = ${dst} and size = ${size} while dst + size must be <= ${c.heap.byteLength}`);
      }
      c.heap.write(dst, cert.subarray(offset, offset + size));
    },
    root_key_size: () => ctx().canister.rootKey.length,
    root_key_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.root_key_copy', 'bytes', c.canister.rootKey, dst, offset, size);
    },
  };
}
