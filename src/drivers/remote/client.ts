// The RPC engine of the remote driver: one transport, many calls in flight matched by serial,
// a deadline on every call, keepalive, event and stream packet routing, and one way to die —
// when the transport drops or the server sends garbage, every pending call and open stream
// fails at once with the same VirError. libvirt counterpart: virnetclient.c.
import { channel } from 'node:diagnostics_channel';
import type { Transport } from './transport.js';
import { strerror } from './transport.js';
import { PacketReader, encodePacket, type Packet } from '../../rpc/packet.js';
import { MessageStatus, MessageType, Program, PROGRAM_VERSION } from '../../rpc/protocol.js';
import { Keepalive, keepaliveResponse } from '../../rpc/keepalive.js';
import { decodeError } from '../../rpc/types.js';
import { XdrReader } from '../../rpc/xdr.js';
import { ErrorDomain, ErrorNumber, VirError, isVirError, virError } from '../../util/error.js';
import { FdOrderedOutput, fdPass, socketFd, type FdPass } from '../../util/fdpass.js';
import { FdSocketReader } from '../../util/fd_reader.js';

/** diagnostics_channel carrying { serial, proc, phase: 'call'|'reply'|'error'|'timeout' }. */
const rpcChannel = channel('tsvirt:remote:rpc');

/** Whoever owns packets of one stream (the opening call's serial and proc name it). */
export interface StreamSink {
  /** Called with the stream's id before its opening CALL is written. */
  attach(serial: number, proc: number): void;
  onPacket(p: Packet): void;
  /** The connection died: fail whatever is waiting. */
  fail(err: VirError): void;
}

interface Pending {
  proc: number;
  resolve(payload: Buffer): void;
  reject(err: VirError): void;
  timer: NodeJS.Timeout | null;
  /** takes the fds of a REPLY_WITH_FDS (before resolve); without it they are closed */
  onFds?(fds: number[]): void;
}

export interface RpcClientOptions {
  /** Deadline of every call in ms; 0 = none. */
  callTimeoutMs: number;
  /** A MESSAGE of the remote program (an event). Throwing here is a protocol error. */
  onEvent(proc: number, payload: Buffer): void;
  /** The client is closed, by error or on purpose (`err.code === OK`-free: see `closedOnPurpose`). */
  onClose?(err: VirError, onPurpose: boolean): void;
}

/** libvirt's words when the server hangs up: virNetSocketReadWire's EOF error. */
export function eofError(detail?: string): VirError {
  const d = detail ? `${detail}: Input/output error` : 'Input/output error';
  return virError(ErrorDomain.RPC, ErrorNumber.SYSTEM_ERROR, `End of file while reading data: ${d}`);
}

export function protocolError(detail: string): VirError {
  return virError(ErrorDomain.RPC, ErrorNumber.RPC, detail);
}

export class RpcClient {
  private readonly reader = new PacketReader({ splitStreamData: true });
  private nextSerial = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, { proc: number; sink: StreamSink }>();
  private closedError: VirError | null = null;
  private keepalive: Keepalive | null = null;
  private pausers = 0;
  private drainWaiters: (() => void)[] = [];
  /** Held by the owner while event callbacks are registered: keeps the process alive. */
  private holdRef = false;
  /** Unix connections are read with recvmsg when the fd module is there (fd passing). */
  private readonly fdReader: FdSocketReader | null = null;
  private readonly fdp: FdPass | null = null;
  private readonly fdQueue: number[] = [];
  /** packets waiting behind a REPLY_WITH_FDS whose fds have not arrived yet (order is kept) */
  private readonly deferred: Packet[] = [];
  /** orders a CALL_WITH_FDS, its fd carriers and what is written meanwhile (fd mode only) */
  private fdOut: FdOrderedOutput | null = null;

  constructor(readonly transport: Transport, private readonly opts: RpcClientOptions) {
    const s = transport.stream;
    const fd = transport.kind === 'unix' ? socketFd(s) : null;
    const fdp = fd !== null ? fdPass() : null;
    const handle = (s as unknown as { _handle?: { reading?: boolean; readStop?: () => number } })._handle;
    if (fdp && typeof handle?.readStop === 'function') {
      // Node must never read this socket (its read(2) drops fds): stop it, read with recvmsg.
      // The server speaks only when spoken to, so nothing was read before this point.
      s.pause();
      handle.reading = false;
      handle.readStop();
      this.fdp = fdp;
      this.fdReader = new FdSocketReader(fdp, fd!, {
        data: (chunk, fds) => { for (const f of fds) this.fdQueue.push(f); this.onData(chunk); },
        end: () => this.transportGone(eofError()),
      });
    } else {
      s.on('data', (chunk: Buffer) => this.onData(chunk));
    }
    s.on('end', () => this.transportGone(eofError()));
    s.on('close', () => this.transportGone(eofError()));
    s.on('error', (e: NodeJS.ErrnoException) => {
      const what = e.code === 'EPIPE' ? 'Cannot write data' : 'Cannot recv data';
      this.transportGone(virError(ErrorDomain.RPC, ErrorNumber.SYSTEM_ERROR, `${what}: ${strerror(e)}`));
    });
    s.on('drain', () => this.flushDrainWaiters());
    // a transport that was read in paused mode (the TLS confirmation byte) must flow
    if (!this.fdReader) s.resume();
    this.updateRef();
  }

  /** Whether fds can travel on this connection (a unix socket read with recvmsg). */
  get fdPassing(): boolean { return this.fdReader !== null; }

  private send(buf: Buffer): boolean {
    if (this.fdOut?.hold(buf)) return true;
    return this.transport.stream.write(buf);
  }

  /** A CALL_WITH_FDS and its fd carriers (virNetSocketSendFD). The caller keeps its fds. */
  private sendWithFds(pkt: Buffer, fds: readonly number[]): void {
    this.fdOut ??= new FdOrderedOutput(this.fdp!, this.transport.stream, socketFd(this.transport.stream)!, () => this.closedError !== null,
      (errno) => this.close(virError(ErrorDomain.RPC, ErrorNumber.SYSTEM_ERROR, `Failed to send file descriptor: errno ${-errno}`)));
    this.fdOut.writeWithFds(pkt, fds);
  }

  get isOpen(): boolean { return this.closedError === null; }
  get closeReason(): VirError | null { return this.closedError; }
  get pendingCalls(): number { return this.pending.size; }

  /**
   * Send a CALL of the remote program and resolve with the REPLY payload, or reject with the
   * server's remote_error, the deadline, or the connection's death.
   */
  call(proc: number, payload: Buffer, opts: {
    timeoutMs?: number; stream?: StreamSink; prog?: number;
    /** fds sent with the call (CALL_WITH_FDS); the caller keeps and closes its own */
    fds?: readonly number[];
    /** receives the fds of a REPLY_WITH_FDS (they are the caller's to close) */
    onFds?: (fds: number[]) => void;
  } = {}): Promise<Buffer> {
    if (this.closedError) return Promise.reject(socketClosedError());
    const withFds = (opts.fds?.length ?? 0) > 0;
    if ((withFds || opts.onFds) && !this.fdReader) {
      return Promise.reject(virError(ErrorDomain.RPC, ErrorNumber.OPERATION_UNSUPPORTED,
        'file descriptor passing is not available on this connection (a local unix socket and the fd module are needed)'));
    }
    const serial = this.nextSerial;
    this.nextSerial = (this.nextSerial + 1) >>> 0;
    const pkt = encodePacket({
      prog: opts.prog ?? Program.REMOTE, vers: PROGRAM_VERSION, proc,
      type: withFds ? MessageType.CALL_WITH_FDS : MessageType.CALL, serial, status: MessageStatus.OK,
    }, payload, withFds ? opts.fds!.length : 0);
    return new Promise<Buffer>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.opts.callTimeoutMs;
      const p: Pending = { proc, resolve, reject, timer: null, onFds: opts.onFds };
      if (timeoutMs > 0) {
        p.timer = setTimeout(() => {
          if (this.pending.get(serial) !== p) return;
          this.pending.delete(serial);
          if (opts.stream) this.dropStream(serial);
          this.updateRef();
          rpcChannel.publish({ serial, proc, phase: 'timeout' });
          // The server may still answer; that late reply is dropped (its serial is gone).
          reject(virError(ErrorDomain.RPC, ErrorNumber.OPERATION_TIMEOUT,
            `no reply to procedure ${proc} (serial ${serial}) within ${timeoutMs} ms`));
        }, timeoutMs);
        p.timer.unref();
      }
      this.pending.set(serial, p);
      if (opts.stream) {
        // Registered before the CALL goes out: data may follow the REPLY in the same chunk.
        opts.stream.attach(serial, proc);
        this.streams.set(serial, { proc, sink: opts.stream });
      }
      this.updateRef();
      rpcChannel.publish({ serial, proc, phase: 'call' });
      if (withFds) this.sendWithFds(pkt, opts.fds!); else this.send(pkt);
    });
  }

  /** Write a ready packet (stream data, keepalive). Returns false when the transport is full. */
  write(pkt: Buffer): boolean {
    if (this.closedError) throw socketClosedError();
    return this.send(pkt);
  }

  /** Write several buffers as one batch (one writev); false when the transport is full. */
  writeFrames(bufs: Buffer[]): boolean {
    if (this.closedError) throw socketClosedError();
    if (this.fdOut?.holding) { for (const b of bufs) this.fdOut.hold(b); return true; }
    const s = this.transport.stream;
    s.cork();
    let ok = true;
    try {
      for (const b of bufs) ok = s.write(b);
    } finally {
      s.uncork();
    }
    return ok;
  }

  /** Resolves when the transport can take more (or is closed). */
  waitDrain(): Promise<void> {
    if (this.closedError || !this.transport.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private flushDrainWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /** Forget a stream (finished or aborted); later packets for it are dropped. */
  dropStream(serial: number): void {
    if (this.streams.delete(serial)) this.updateRef();
  }

  /** Back-pressure from a stream whose reader is behind: stop reading the transport. */
  pauseReading(): void {
    if (this.pausers++ === 0) {
      if (this.fdReader) this.fdReader.pause(); else this.transport.stream.pause();
      // No packets can arrive while we do not read: do not count that silence against the peer.
      this.keepalive?.stop();
    }
  }

  resumeReading(): void {
    if (this.pausers === 0) return;
    if (--this.pausers === 0 && !this.closedError) {
      this.keepalive?.start();
      if (this.fdReader) this.fdReader.resume(); else this.transport.stream.resume();
    }
  }

  /** Start our own PINGs (the server answered feature 10 = 1). */
  startKeepalive(interval: number, count: number): void {
    if (interval <= 0 || this.keepalive || this.closedError) return;
    this.keepalive = new Keepalive({
      interval, count,
      send: (pkt) => { if (!this.closedError) this.send(pkt); },
      onDead: () => this.close(virError(ErrorDomain.RPC, ErrorNumber.INTERNAL_ERROR, 'connection closed due to keepalive timeout')),
    });
    this.keepalive.start();
  }

  setHoldRef(on: boolean): void {
    this.holdRef = on;
    this.updateRef();
  }

  private updateRef(): void {
    if (this.closedError) return;
    this.transport.setRef(this.holdRef || this.pending.size > 0 || this.streams.size > 0);
  }

  private onData(chunk: Buffer): void {
    if (this.closedError) return;
    let packets: Packet[];
    try {
      packets = this.reader.push(chunk);
    } catch (e) {
      this.close(protocolError(`malformed packet from server: ${(e as Error).message}`));
      return;
    }
    for (const p of packets) this.deferred.push(p);
    while (this.deferred.length > 0 && !this.closedError) {
      const p = this.deferred[0]!;
      let fds: number[] | null = null;
      if (p.header.type === MessageType.REPLY_WITH_FDS && p.nfds > 0) {
        if (this.fdQueue.length < p.nfds) {
          // its fds ride on the carrier bytes after it
          if (this.reader.pendingFdBytes === 0) {
            this.close(protocolError('Failed to receive file descriptor: carrier byte without one'));
          }
          return;
        }
        fds = this.fdQueue.splice(0, p.nfds);
      }
      this.deferred.shift();
      try {
        this.dispatch(p, fds);
      } catch (e) {
        if (fds) for (const f of fds) this.fdp?.closeFd(f);
        this.close(isVirError(e) ? e : protocolError(`Unable to decode message payload: ${(e as Error).message}`));
        return;
      }
    }
  }

  private dispatch(p: Packet, fds: number[] | null = null): void {
    this.keepalive?.received();
    const h = p.header;
    if (h.prog === Program.KEEPALIVE) {
      const answer = keepaliveResponse(h);
      if (answer) this.send(answer);
      return;
    }
    // Replies to QEMU program calls (virDomainQemuMonitorCommand) share the serial space.
    const ours = h.prog === Program.REMOTE || (h.prog === Program.QEMU && h.type !== MessageType.MESSAGE);
    if (!ours || h.vers !== PROGRAM_VERSION) {
      // Events of programs we never registered with (qemu, lxc) are ignorable; anything else
      // means we no longer understand the peer.
      if (h.type === MessageType.MESSAGE) return;
      throw protocolError(`Unknown program ${h.prog} version ${h.vers} in packet from server`);
    }
    switch (h.type) {
      case MessageType.REPLY:
      case MessageType.REPLY_WITH_FDS: {
        const c = this.pending.get(h.serial);
        // fds nobody takes (a late reply, an error reply, a call that asked for none) are closed
        const takeFds = () => {
          if (!fds) return;
          if (c?.onFds && h.status === MessageStatus.OK) c.onFds(fds); else for (const f of fds) this.fdp?.closeFd(f);
        };
        if (!c) { takeFds(); return; } // a late reply to a call whose deadline passed
        if (c.proc !== h.proc) throw protocolError(`reply for serial ${h.serial} has procedure ${h.proc}, expected ${c.proc}`);
        this.pending.delete(h.serial);
        if (c.timer) clearTimeout(c.timer);
        takeFds();
        if (h.status === MessageStatus.OK) {
          rpcChannel.publish({ serial: h.serial, proc: h.proc, phase: 'reply' });
          c.resolve(p.payload);
        } else if (h.status === MessageStatus.ERROR) {
          let err: VirError;
          try {
            err = decodeError(new XdrReader(p.payload));
          } catch (e) {
            // This caller is no longer in `pending`: fail it here, then the whole connection.
            const fatal = protocolError(`Unable to decode message payload: ${(e as Error).message} (error reply)`);
            c.reject(fatal);
            throw fatal;
          }
          rpcChannel.publish({ serial: h.serial, proc: h.proc, phase: 'error', code: err.code });
          if (this.streams.has(h.serial)) this.dropStream(h.serial);
          c.reject(err);
        } else {
          const fatal = protocolError(`Unexpected message status ${h.status}`);
          c.reject(fatal);
          throw fatal;
        }
        this.updateRef();
        return;
      }
      case MessageType.MESSAGE:
        this.opts.onEvent(h.proc, p.payload);
        return;
      case MessageType.STREAM:
      case MessageType.STREAM_HOLE: {
        const s = this.streams.get(h.serial);
        // Packets of a stream we already closed are dropped (libvirt does the same).
        if (s && s.proc === h.proc) s.sink.onPacket(p);
        return;
      }
      default:
        throw protocolError(`Unexpected message type ${h.type}`);
    }
  }

  private dying = false;

  /**
   * The transport ended or failed. A command transport (ssh, ext) first gets to finish: what the
   * command printed on stderr is the real reason ("ssh: connect to host ...: Connection refused").
   */
  private transportGone(err: VirError): void {
    if (this.closedError || this.dying) return;
    const settled = this.transport.settled;
    if (!settled) { this.close(err); return; }
    this.dying = true;
    void settled().then(() => {
      const diag = this.transport.diagnostics();
      this.close(diag ? eofError(diag) : err);
    });
  }

  /**
   * Close the transport. With an error: every pending call and stream fails with it. Without:
   * an orderly close by the owner (pending calls still fail, with "client socket is closed").
   */
  close(err?: VirError): void {
    if (this.closedError) return;
    const onPurpose = err === undefined;
    const e = err ?? socketClosedError();
    this.closedError = e;
    this.keepalive?.stop();
    this.fdReader?.stop();
    for (const f of this.fdQueue.splice(0)) this.fdp?.closeFd(f);
    for (const [, c] of this.pending) {
      if (c.timer) clearTimeout(c.timer);
      c.reject(e);
    }
    this.pending.clear();
    for (const [, s] of this.streams) s.sink.fail(e);
    this.streams.clear();
    this.flushDrainWaiters();
    this.transport.destroy();
    this.opts.onClose?.(e, onPurpose);
  }
}

/** libvirt's error for a call on a connection that is already gone. */
export function socketClosedError(): VirError {
  return virError(ErrorDomain.RPC, ErrorNumber.INTERNAL_ERROR, 'client socket is closed');
}
