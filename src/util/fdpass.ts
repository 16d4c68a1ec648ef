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

type Held = Buffer | { pkt: Buffer; fds: readonly number[]; after?: (errno: number) => void };

/**
 * The output order libvirt's fd passing needs on one socket: a packet announcing fds, then one
 * 1-byte carrier per fd (virNetSocketSendFD) sent with sendmsg once the packet's bytes have left
 * Node's write queue, and nothing else in between. While carriers are pending, later output
 * (plain buffers and further fd packets) is held and then written in its original order.
 */
export class FdOrderedOutput {
  private held: Held[] | null = null;

  constructor(private readonly fdp: FdPass, private readonly stream: NodeJS.WritableStream, private readonly fd: number,
    private readonly gone: () => boolean, private readonly failed: (errno: number) => void) {}

  /** Whether output is being held behind fd carriers. */
  get holding(): boolean { return this.held !== null; }

  /** Queue `buf` behind pending carriers; false when nothing is pending (write it yourself). */
  hold(buf: Buffer): boolean {
    if (!this.held) return false;
    this.held.push(buf);
    return true;
  }

  /**
   * `pkt`, then its fds. `after` gets 0 or -errno once the carriers went out (or failed; then
   * `failed` is told too and held output is dropped: the connection is done for).
   */
  writeWithFds(pkt: Buffer, fds: readonly number[], after?: (errno: number) => void): void {
    if (this.held) { this.held.push({ pkt, fds, after }); return; }
    this.held = [];
    this.stream.write(pkt, (err?: Error | null) => {
      if (err) { this.finish(-1, after); return; }
      let i = 0;
      const next = (): void => {
        while (i < fds.length) {
          const n = this.fdp.sendFd(this.fd, fds[i]!);
          if (n === -EAGAIN && !this.gone()) { setTimeout(next, 1); return; } // the peer reads slowly
          if (n !== 1) { this.finish(n < 0 ? n : -1, after); return; }
          i++;
        }
        this.finish(0, after);
      };
      next();
    });
  }

  private finish(errno: number, after?: (errno: number) => void): void {
    after?.(errno);
    const q = this.held ?? [];
    this.held = null;
    if (errno !== 0) { this.failed(errno); return; }
    while (q.length > 0) {
      const it = q.shift()!;
      if (Buffer.isBuffer(it)) { this.stream.write(it); continue; }
      this.writeWithFds(it.pkt, it.fds, it.after);
      this.held!.push(...q); // the rest waits behind this packet's carriers
      return;
    }
  }
}

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
