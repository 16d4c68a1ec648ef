// Adaptive busy polling of one client's socket right after its reply went out.
//
// Why: a client that calls back to back (a script, virsh in a loop, the python bindings) waits
// for each reply, thinks a few tens of microseconds, and sends the next call. If the daemon
// goes to sleep in epoll meanwhile, the next call has to wake it: on a virtual machine whose
// idle vCPUs halt, that wake-up (an IPI and a halt exit) costs more than the daemon's whole
// work for the call. Polling the socket for a short, bounded time after a reply keeps the
// daemon awake for the next call; the kernel's haltpoll cpuidle governor does the same for a
// whole guest, and it is switched off on some hosts.
//
// Bounded on purpose: only after a reply, only while this client is the only one being served
// (as soon as calls of two clients interleave, the loop stays event-driven), only plain
// unix/tcp sockets, at most `busy_poll_us` microseconds per reply (tsvirtd.conf; 0 = off).
import * as fs from 'node:fs';

/** Which client was last heard from, and since when others have been quiet. */
let lastClient = 0;
let lastSwitchAt = 0;
/** Another client spoke within this many ms: do not poll (others would wait behind the loop). */
const SHARED_MS = 2;

/** Note input from client `id` (cheap: called for every chunk read). */
export function noteClientInput(id: number): void {
  if (id !== lastClient) {
    lastClient = id;
    lastSwitchAt = performance.now();
  }
}

export interface PolledClient {
  readonly id: number;
  /** May read now: open, not paused for back-pressure, nothing queued or running. */
  pollable(): boolean;
  /** Bytes read by the poller, handled exactly as a socket 'data' chunk. */
  input(chunk: Buffer): void;
  /**
   * The client's own non-blocking read, when it has one (recvmsg input, which must keep the
   * fds riding on the bytes): > 0 read and delivered, 0 nothing yet, < 0 the session ended.
   */
  readOnce?: () => number;
}

const scratch = Buffer.allocUnsafe(64 * 1024);

export class BusyPoller {
  private armed = false;

  constructor(private readonly fd: number, private readonly us: number, private readonly client: PolledClient) {}

  /** A reply went out: poll once the current work is done (after this turn's microtasks). */
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    setImmediate(() => this.poll());
  }

  private poll(): void {
    this.armed = false;
    if (!this.client.pollable()) return;
    const now = performance.now();
    if (lastClient !== this.client.id || now - lastSwitchAt < SHARED_MS) return;
    const deadline = now + this.us / 1000;
    const own = this.client.readOnce;
    if (own) {
      while (own() === 0 && performance.now() < deadline) { /* poll */ }
      return;
    }
    // EAGAIN is an exception from readSync: skip the stack trace it would capture each time.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let n = -1;
    try {
      do {
        try {
          n = fs.readSync(this.fd, scratch, 0, scratch.length, null);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return; // let the event loop see the error
        }
      } while (performance.now() < deadline);
    } finally {
      Error.stackTraceLimit = limit;
    }
    // 0 = end of file: left for the event loop, which sees it too and closes the client.
    if (n > 0) this.client.input(Buffer.from(scratch.subarray(0, n)));
  }
}

