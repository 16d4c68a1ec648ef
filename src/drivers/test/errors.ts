// Error constructors of the test driver, named after the libvirt code that raises them, so each
// message carries the error domain libvirt reports: the driver's own errors are VIR_FROM_TEST,
// the shared object-list/config helpers report VIR_FROM_DOMAIN, _NETWORK or _STORAGE.
import { ErrorDomain, ErrorNumber, VirError, virError, checkFlags as checkFlagsIn } from '../../util/error.js';

export const testError = (code: ErrorNumber, detail?: string): VirError => virError(ErrorDomain.TEST, code, detail);
export const domainError = (code: ErrorNumber, detail?: string): VirError => virError(ErrorDomain.DOMAIN, code, detail);

/** libvirt's testDomObjFromDomain failure: the handle's domain is gone. */
export function noDomainForRef(uuid: string, name: string): VirError {
  return testError(ErrorNumber.NO_DOMAIN, `no domain with matching uuid '${uuid}' (${name})`);
}

/** virDomainObjCheckActive */
export function notRunning(): VirError {
  return domainError(ErrorNumber.OPERATION_INVALID, 'domain is not running');
}

/** virCheckFlags in a test driver entry point (reported from VIR_FROM_TEST). */
export function checkFlags(flags: number, allowed: number, fn: string): void {
  checkFlagsIn(ErrorDomain.TEST, flags, allowed, fn);
}
