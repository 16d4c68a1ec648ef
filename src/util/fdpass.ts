// File-descriptor passing on unix sockets (SCM_RIGHTS) through the small native module
// src/native/fdpass.c: Node offers neither recvmsg nor sendmsg, and libuv's read(2) drops any
// fd that rides on the bytes it reads. null when the module was not built (no C compiler or
// Node headers at build time): callers then refuse fd passing cleanly.
import { createRequire } from 'node:module';

export interface FdPass {
  /** n > 0 bytes read, 0 end of file, -errno (-EAGAIN: nothing to read yet); fds received. */
  recv(fd: number, buf: Buffer): [number, number[]];
  /** One 0x00 byte carrying `passFd` (libvirt's per-fd carrier); 1 or -errno. */
  sendFd(fd: number, passFd: number): number;
  /** `buf` with `passFd` attached (QMP getfd); bytes sent or -errno. */
  sendWithFd(fd: number, buf: Buffer, passFd: number): number;
  socketpair(): [number, number];
  closeFd(fd: number): number;
  /**
   * Call `onReadable` whenever `fd` is readable. The watcher owns a dup of `fd`, returned with
   * the handle: read from it, since it stays valid until unwatch() even if `fd` is closed first.
   */
  watch(fd: number, onReadable: () => void): [unknown, number];
  unwatch(handle: unknown): void;
  setWatching(handle: unknown, on: boolean): void;
}

export const EAGAIN = 11;

let loaded: FdPass | null | undefined;

/** The native module, or null when it is not available. */
export function fdPass(): FdPass | null {
  if (loaded !== undefined) return loaded;
  try {
    // dist/src/util/fdpass.js -> dist/native/fdpass.node (the tsvirtd bundle keeps that depth)
    loaded = createRequire(import.meta.url)('../../native/fdpass.node') as FdPass;
  } catch {
    loaded = null;
  }
  if (process.env['TSVIRT_NO_FDPASS']) loaded = null;
  return loaded;
}

/** The fd behind a plain net.Socket (unix or tcp), or null (TLS, or not known). */
export function socketFd(socket: unknown): number | null {
  const fd = (socket as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
