// Every public call can end: an AbortSignal or a timeout turns a pending call into a VirError.
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';

export interface CallOptions {
  /** Abort the call (the promise rejects with VIR_ERR_OPERATION_ABORTED). */
  signal?: AbortSignal;
  /** Give up after this many milliseconds (VIR_ERR_OPERATION_TIMEOUT). */
  timeout?: number;
}

/** Race `p` against the caller's signal/timeout. The underlying call is not retried. */
export function withDeadline<T>(p: Promise<T>, api: string, opts?: CallOptions): Promise<T> {
  const signal = opts?.signal;
  const timeout = opts?.timeout;
  if (!signal && !timeout) return p;
  if (signal?.aborted) return Promise.reject(aborted(api));
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => { cleanup(); reject(aborted(api)); };
    const cleanup = () => { if (timer) clearTimeout(timer); signal?.removeEventListener('abort', onAbort); };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout) {
      timer = setTimeout(() => { cleanup(); reject(virError(ErrorDomain.NONE, ErrorNumber.OPERATION_TIMEOUT, `${api} did not complete within ${timeout} ms`)); }, timeout);
    }
    p.then((v) => { cleanup(); resolve(v); }, (e) => { cleanup(); reject(e); });
  });
}

function aborted(api: string): VirError {
  return virError(ErrorDomain.NONE, ErrorNumber.OPERATION_ABORTED, `${api} was cancelled`);
}
