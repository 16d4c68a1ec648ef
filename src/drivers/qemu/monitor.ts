// The QMP client: one JSON object per line over QEMU's monitor socket; commands carry ids,
// replies may interleave with asynchronous events. libvirt counterpart: qemu_monitor.c +
// qemu_monitor_json.c.
//
// Invariants: at most one outstanding command is *sent* at a time (QEMU answers in order anyway,
// and libvirt serializes the same way), the rest queue; EOF or a socket error fails every
// pending and queued call at once with "End of file from qemu monitor"; nothing is sent
// before capabilities negotiation finished.
import * as net from 'node:net';
import { fdPass, socketFd as socketFdOf } from '../../util/fdpass.js';
import { EventEmitter } from 'node:events';
import * as diagnostics_channel from 'node:diagnostics_channel';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../util/error.js';

/** Monitor traffic for observers: { name, dir: 'send'|'recv', line }. */
export const monitorChannel = diagnostics_channel.channel('tsvirt:qemu:monitor');

export interface QmpEvent { event: string; data: Record<string, unknown>; timestamp: { seconds: number; microseconds: number } }
export interface QmpGreeting { version: { qemu: { major: number; minor: number; micro: number }; package: string }; capabilities: string[] }

export interface ExecuteOptions {
  /** Give up after this many ms (the command may still complete inside QEMU). */
  timeout?: number;
  signal?: AbortSignal;
}

interface Pending {
  id: string;
  cmd: string;
  line: string;
  resolve(v: unknown): void;
  reject(e: VirError): void;
  timer?: NodeJS.Timeout;
  sent: boolean;
  /** executeRaw: resolve with the reply line itself. */
  raw?: boolean;
  /** a file descriptor that rides on the command (getfd) */
  fd?: number;
}

const DEFAULT_TIMEOUT = 30_000;

export interface QemuMonitorEvents {
  event: [QmpEvent];
  /** The connection ended; `error` is what pending calls were failed with. */
  close: [VirError];
}

export class QemuMonitor extends EventEmitter<QemuMonitorEvents> {
  greeting: QmpGreeting | null = null;
  private buf = '';
  private queue: Pending[] = [];
  private nextId = 0;
  private closedWith: VirError | null = null;
  private greetingWaiter: { resolve(g: QmpGreeting): void; reject(e: VirError): void } | null = null;

  private constructor(private readonly sock: net.Socket, readonly name: string) {
    super();
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      // A reset or broken pipe is QEMU going away with bytes unread: the same as EOF to callers.
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return this.fail(this.eofError());
      this.fail(virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, `error on qemu monitor (vm='${name}'): ${e.message}`));
    });
    sock.on('close', () => this.fail(this.eofError()));
  }

  /**
   * Connect to a QMP socket, read the greeting and negotiate capabilities. Retries while the
   * socket does not exist yet (QEMU is still starting) until `timeout`, or until `isAlive`
   * reports the process gone.
   */
  static async connect(path: string, opts: { name?: string; timeout?: number; isAlive?: () => boolean } = {}): Promise<QemuMonitor> {
    const name = opts.name ?? path;
    const deadline = Date.now() + (opts.timeout ?? DEFAULT_TIMEOUT);
    let sock: net.Socket;
    for (;;) {
      try {
        sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection(path);
          s.once('connect', () => { s.removeListener('error', reject); resolve(s); });
          s.once('error', reject);
        });
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const retryable = code === 'ENOENT' || code === 'ECONNREFUSED';
        if (!retryable || Date.now() > deadline || (opts.isAlive && !opts.isAlive())) {
          throw virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR,
            `failed to connect to monitor socket ${path} (vm='${name}'): ${(e as Error).message}`);
        }
        // QEMU creates the socket some 10-30 ms after exec: a short retry keeps start latency low.
        await new Promise((r) => setTimeout(r, 3));
      }
    }
    const mon = new QemuMonitor(sock, name);
    try {
      const remaining = Math.max(1000, deadline - Date.now());
      mon.greeting = await mon.waitGreeting(remaining);
      await mon.execute('qmp_capabilities', undefined, { timeout: remaining });
    } catch (e) {
      mon.close();
      throw e;
    }
    return mon;
  }

  get closed(): boolean { return this.closedWith !== null; }

  /** Run one QMP command; resolves with its `return` value. */
  execute<T = unknown>(cmd: string, args?: Record<string, unknown>, opts: ExecuteOptions & { fd?: number } = {}): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = `tsvirt-${++this.nextId}`;
    const line = JSON.stringify(args === undefined ? { execute: cmd, id } : { execute: cmd, arguments: args, id });
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { id, cmd, line, resolve: resolve as (v: unknown) => void, reject, sent: false, fd: opts.fd };
      const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
      p.timer = setTimeout(() => this.abandon(p, virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_TIMEOUT,
        `QEMU command '${cmd}' did not answer within ${timeout} ms (vm='${this.name}')`)), timeout);
      if (opts.signal) {
        if (opts.signal.aborted) { this.abandon(p, abortError(cmd)); return; }
        opts.signal.addEventListener('abort', () => this.abandon(p, abortError(cmd)), { once: true });
      }
      this.queue.push(p);
      this.pump();
    });
  }

  /**
   * Run a command that hands QEMU a file descriptor (getfd, add-fd): the fd rides on the
   * command's bytes as SCM_RIGHTS. Needs the native fd module.
   */
  executeWithFd<T = unknown>(cmd: string, args: Record<string, unknown>, fd: number, opts: ExecuteOptions = {}): Promise<T> {
    if (!fdPass() || socketFdOf(this.sock) === null) {
      return Promise.reject(virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_UNSUPPORTED, 'passing file descriptors to QEMU is not available in this build'));
    }
    return this.execute<T>(cmd, args, { ...opts, fd });
  }

  /**
   * Send a caller-built QMP object (qemu-monitor-command passthrough) and resolve with QEMU's
   * reply line as it came, error replies included.
   */
  executeRaw(msg: Record<string, unknown>, opts: ExecuteOptions = {}): Promise<string> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = `tsvirt-${++this.nextId}`;
    const cmd = typeof msg['execute'] === 'string' ? msg['execute'] : '(raw)';
    const line = JSON.stringify({ ...msg, id });
    return new Promise<string>((resolve, reject) => {
      const p: Pending = { id, cmd, line, resolve: resolve as (v: unknown) => void, reject, sent: false, raw: true };
      const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
      p.timer = setTimeout(() => this.abandon(p, virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_TIMEOUT,
        `QEMU command '${cmd}' did not answer within ${timeout} ms (vm='${this.name}')`)), timeout);
      this.queue.push(p);
      this.pump();
    });
  }

  /** Close the socket; pending calls fail. */
  close(): void {
    this.fail(this.eofError());
    this.sock.destroy();
  }

  private eofError(): VirError {
    return virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, `End of file from qemu monitor (vm='${this.name}')`);
  }

  private waitGreeting(timeout: number): Promise<QmpGreeting> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_TIMEOUT,
        `no QMP greeting from qemu monitor (vm='${this.name}')`)), timeout);
      this.greetingWaiter = {
        resolve: (g) => { clearTimeout(t); resolve(g); },
        reject: (e) => { clearTimeout(t); reject(e); },
      };
    });
  }

  private pump(): void {
    if (this.closedWith || !this.greeting) return;
    const head = this.queue[0];
    if (!head || head.sent) return;
    head.sent = true;
    if (monitorChannel.hasSubscribers) monitorChannel.publish({ name: this.name, dir: 'send', line: head.line });
    if (head.fd === undefined) { this.sock.write(head.line + '\n'); return; }
    // Commands go one at a time and the previous one was answered, so nothing of ours is still
    // queued in the socket: the fd-carrying bytes cannot overtake earlier ones.
    const bytes = Buffer.from(head.line + '\n');
    const n = this.sock.writableLength === 0 ? fdPass()!.sendWithFd(socketFdOf(this.sock)!, bytes, head.fd) : -11;
    if (n <= 0) {
      head.sent = false; // never went out: abandon() drops it from the queue
      this.abandon(head, virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, `cannot pass a file descriptor to QEMU (vm='${this.name}', errno ${-n})`));
      this.pump();
      return;
    }
    if (n < bytes.length) this.sock.write(bytes.subarray(n));
  }

  /** A call that timed out or was aborted: its reply, if it ever comes, is dropped by id. */
  private abandon(p: Pending, err: VirError): void {
    const i = this.queue.indexOf(p);
    if (i < 0) return;
    if (p.timer) clearTimeout(p.timer);
    const reject = p.reject;
    if (p.sent) {
      // Stays queued so the late reply is matched and discarded, keeping later replies aligned.
      p.resolve = () => undefined;
      p.reject = () => undefined;
    } else {
      this.queue.splice(i, 1);
    }
    reject(err);
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (monitorChannel.hasSubscribers) monitorChannel.publish({ name: this.name, dir: 'recv', line });
    let msg: Record<string, unknown>;
    try { msg = JSON.parse(line) as Record<string, unknown>; } catch {
      this.fail(virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, `cannot parse json ${line}: unexpected data from qemu monitor`));
      this.sock.destroy();
      return;
    }
    if ('QMP' in msg) {
      const g = msg['QMP'] as QmpGreeting;
      this.greetingWaiter?.resolve(g);
      this.greetingWaiter = null;
      return;
    }
    if (typeof msg['event'] === 'string') {
      this.emit('event', msg as unknown as QmpEvent);
      return;
    }
    if ('return' in msg || 'error' in msg) {
      const head = this.queue[0];
      if (!head || !head.sent || (msg['id'] !== undefined && msg['id'] !== head.id)) {
        // A reply we did not ask for (or for a call already failed): ignore it.
        return;
      }
      this.queue.shift();
      if (head.timer) clearTimeout(head.timer);
      if (head.raw) {
        head.resolve(line);
      } else if ('error' in msg) {
        const e = msg['error'] as { class?: string; desc?: string };
        const err = virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR,
          `unable to execute QEMU command '${head.cmd}': ${e.desc ?? e.class ?? 'unknown error'}`);
        (err as VirError & { qmpClass?: string }).qmpClass = e.class;
        head.reject(err);
      } else {
        head.resolve(msg['return']);
      }
      this.pump();
    }
  }

  private fail(err: VirError): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.greetingWaiter?.reject(err);
    this.greetingWaiter = null;
    const q = this.queue;
    this.queue = [];
    for (const p of q) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.emit('close', err);
  }
}

function abortError(cmd: string): VirError {
  return virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_ABORTED, `QEMU command '${cmd}' was abandoned`);
}
