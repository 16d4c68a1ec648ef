// Input of a unix socket read with recvmsg, so that the fds a libvirt peer sends (each on a
// 1-byte carrier after a CALL_WITH_FDS or REPLY_WITH_FDS packet) arrive instead of being dropped
// by libuv's read(2). The net.Socket keeps doing the writes and never reads; a watcher of the
// native module says when the socket is readable. Used by tsvirtd for its unix clients and by
// the remote driver for its unix connection.
// libvirt counterpart: virNetSocketRecvFD in the input paths of virnetserverclient.c/virnetclient.c.
import { EAGAIN, type FdPass } from './fdpass.js';

export interface FdInput {
  /** bytes read, with the fds that rode on them (in order) */
  data(chunk: Buffer, fds: number[]): void;
  /** the peer closed, or reading failed: the session ends */
  end(reason: string): void;
}

/** Reads per readable event before yielding to the event loop (fairness between clients). */
const BURST = 16;
const CHUNK = 64 * 1024;
/** one receive buffer for every client (reads are synchronous, one at a time) */
const scratch = Buffer.allocUnsafe(CHUNK);

export class FdSocketReader {
  private readonly watch: unknown;
  /** the watcher's own dup of the socket: valid until stop(), whatever happens to Node's fd */
  private readonly fd: number;
  private paused = false;
  private stopped = false;

  constructor(private readonly fdp: FdPass, socketFd: number, private readonly sink: FdInput) {
    [this.watch, this.fd] = fdp.watch(socketFd, () => this.onReadable());
  }

  /**
   * One non-blocking read: > 0 bytes delivered, 0 nothing to read now, -1 the session ended.
   * Also the busy poller's read, so fds that arrive while it polls are kept too.
   */
  readOnce(): number {
    if (this.stopped) return -1;
    const [n, fds] = this.fdp.recv(this.fd, scratch);
    if (n === -EAGAIN) return 0;
    if (n <= 0) {
      for (const f of fds) this.fdp.closeFd(f);
      this.sink.end(n === 0 ? 'end of file' : `recvmsg failed (errno ${-n})`);
      return -1;
    }
    // the reader may keep views of what it is given: a copy of the bytes read, scratch is reused
    this.sink.data(Buffer.from(scratch.subarray(0, n)), fds);
    return n;
  }

  private onReadable(): void {
    for (let i = 0; i < BURST && !this.paused && !this.stopped; i++) {
      if (this.readOnce() <= 0) return;
    }
  }

  /** Back-pressure: stop (and resume) reading without giving the socket up. */
  pause(): void {
    if (this.paused || this.stopped) return;
    this.paused = true;
    this.fdp.setWatching(this.watch, false);
  }
  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    this.fdp.setWatching(this.watch, true);
  }
  get isPaused(): boolean { return this.paused; }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.fdp.unwatch(this.watch);
  }
}
