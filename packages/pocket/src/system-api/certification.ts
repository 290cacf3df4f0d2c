/** Certified data and the data certificate (IC interface spec § Certified data). */
import { HELP, traps } from '../errors.js';
import { LIMITS } from '../constants.js';
import type { ExecutionContext } from './context.js';
import { copyToCanister, readFromCanister } from './memory-access.js';

const certificates = new WeakMap<ExecutionContext, Uint8Array>();

function certificate(c: ExecutionContext, api: string): Uint8Array {
  if (!c.dataCertificate) throw traps.toolchain(`${api}: no data certificate is available in this context`);
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
      c.certifiedData = readFromCanister(c, 'ic0_certified_data_set', src, size);
    },
    data_certificate_present: () => (ctx().dataCertificate ? 1 : 0),
    data_certificate_size: () => certificate(ctx(), 'ic0.data_certificate_size').length,
    data_certificate_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.data_certificate_copy', certificate(c, 'ic0.data_certificate_copy'), dst, offset, size);
    },
    root_key_size: () => ctx().canister.rootKey.length,
    root_key_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.root_key_copy', c.canister.rootKey, dst, offset, size);
    },
  };
}
