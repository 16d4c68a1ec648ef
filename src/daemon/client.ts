// One client connection of tsvirtd: framing, the per-client queue of calls (at most
// max_client_requests in flight, replies matched by serial), keepalive, streams, event
// callbacks, and releasing everything when the client goes away.
// libvirt counterpart: virnetserverclient.c + the per-client parts of remote_daemon_dispatch.c.
import type * as net from 'node:net';
import { FramingError, PacketReader, encodePacket, writePacketHeader, type Header, type Packet } from '../rpc/packet.js';
import { MessageStatus, MessageType, PACKET_MIN, Program, PROGRAM_VERSION } from '../rpc/protocol.js';
import { Keepalive, keepaliveResponse } from '../rpc/keepalive.js';
import { encodeError } from '../rpc/types.js';
import type { OpenResult } from '../drivers/registry.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';
import type { CategoryLogger } from '../util/log.js';
import type { DaemonConfig } from './config.js';
import type { WorkerPool } from './workers.js';
import { ServerStream } from './stream.js';
import { dispatchCall, isBarrierCall } from './dispatch.js';
import { BusyPoller, noteClientInput } from './busy_poll.js';
import { FdSocketReader } from '../util/fd_reader.js';
import { FdOrderedOutput, fdPass, socketFd, type FdPass } from '../util/fdpass.js';

/** What a client needs from the daemon around it. */
export interface ClientHost {
  readonly config: DaemonConfig;
  readonly workers: WorkerPool;
  readonly log: CategoryLogger;
  /** The client is gone: forget it. */
  clientClosed(c: ClientSession): void;
  /** The client opened its hypervisor connection (it is no longer anonymous). */
  clientOpened(c: ClientSession): void;
}

export type Transport = 'unix' | 'tcp' | 'tls';

/** An event registration this client holds, released when it disconnects. */
export interface HeldRegistration { family: 'domain' | 'network' | 'pool' | 'nodedev' | 'secret'; id: number }

let nextClientId = 1;
const NO_FDS: number[] = [];

/** Bytes of unsent output a client may accumulate (two maximum-size packets). */
const MAX_PENDING_OUTPUT = 2 * 33554436;

export class ClientSession {
  readonly id = nextClientId++;
  readonly createdAt = Date.now();
  /** The hypervisor connection after CONNECT_OPEN. */
  conn: OpenResult | null = null;
  /** The URI asked for (or defaulted) at CONNECT_OPEN, for CONNECT_GET_URI. */
  openedUri: string | null = null;
  closeCallbackRegistered = false;
  readonly registrations: HeldRegistration[] = [];
  readonly streams = new Map<string, ServerStream>();
  readonly log: CategoryLogger;

  private readonly reader = new PacketReader({ splitStreamData: true });
  private readonly inbox: Packet[] = [];
  private inflight = 0;
  private barrier = false;
  private pumping = false;
  private closing = false;
  private closedFlag = false;
  private readonly drainWaiters: (() => void)[] = [];

  /** Polls the socket briefly after each reply (busy_poll_us); null when off. */
  private readonly poller: BusyPoller | null;
  /**
   * Unix clients are read with recvmsg (fd_reader.ts) when the native fd module is there, so
   * the fds of CALL_WITH_FDS arrive; null: the socket's own reads (and no fd passing).
   */
  private readonly fdReader: FdSocketReader | null = null;
  private readonly fdp: FdPass | null = null;
  /** fds received and not yet claimed by a CALL_WITH_FDS (they follow their packet, in order) */
  private readonly fdQueue: number[] = [];
  /** input stopped for back-pressure */
  private inputPaused = false;

  /** Server-side keepalive, started by feature query 10 (libvirt's virKeepAlive). */
  private keepalive: Keepalive | null = null;
  private anonTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: net.Socket,
    /** Arrived on the read-only socket: CONNECT_OPEN is forced read-only. */
    readonly listenerReadonly: boolean,
    readonly transport: Transport,
    readonly host: ClientHost,
  ) {
    this.log = host.log.child(`client${this.id}`);
    socket.setNoDelay?.(true);
    const fd = transport === 'tls' ? null : socketFd(socket);
    const fdp = transport === 'unix' && fd !== null ? fdPass() : null;
    if (fdp) {
      // the server accepts unix sockets paused: Node never reads this one, recvmsg does
      this.fdp = fdp;
      this.fdReader = new FdSocketReader(fdp, fd!, {
        data: (chunk, fds) => {
          for (const f of fds) this.fdQueue.push(f);
          this.onData(chunk);
        },
        end: (reason) => { this.log.debug('client input ended', { reason }); this.socket.destroy(); },
      });
    } else {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.resume();
    }
    socket.on('drain', () => this.flushDrainWaiters());
    socket.on('error', (e) => this.log.debug('socket error', { error: e.message }));
    socket.on('close', () => this.cleanup());
    const us = host.config.busy_poll_us;
    const reader = this.fdReader;
    this.poller = us > 0 && fd !== null ? new BusyPoller(fd, us, {
      id: this.id,
      pollable: () => !this.closed && this.inbox.length === 0 && this.inflight === 0 && !this.inputPaused && this.streams.size === 0,
      input: (chunk) => this.onData(chunk),
      // with recvmsg input, the poller reads through it too (fds must not be dropped)
      readOnce: reader ? () => reader.readOnce() : undefined,
    }) : null;
    const anon = host.config.anonymous_client_timeout;
    if (anon > 0) {
      this.anonTimer = setTimeout(() => {
        if (!this.conn) this.close('no connection opened within anonymous_client_timeout');
      }, anon * 1000);
      this.anonTimer.unref();
    }
  }

  get closed(): boolean { return this.closedFlag || this.closing; }
  get inFlight(): number { return this.inflight; }

  // ---------------------------------------------------------------- input

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    noteClientInput(this.id);
    let packets: Packet[];
    try {
      packets = this.reader.push(chunk);
    } catch (e) {
      // A bad length word: the byte stream cannot be resynchronised. libvirtd closes without a reply.
      this.log.warn('closing client: malformed framing', { error: (e as Error).message });
      this.close(e instanceof FramingError ? 'bad packet length' : 'framing error', true);
      return;
    }
    for (const p of packets) {
      this.keepalive?.received();
      if (p.header.prog === Program.KEEPALIVE) {
        // PINGs are answered at once, even mid-queue and without negotiation (as libvirtd).
        const answer = keepaliveResponse(p.header);
        if (answer) this.write(answer);
        continue;
      }
      this.inbox.push(p);
    }
    this.pump();
  }

  /**
   * Work through queued packets in order. CALLs start as soon as a slot is free (replies may
   * overtake each other); a stream packet holds the queue until the driver took it, so data
   * reaches the driver in order. While anything is waiting, the socket is paused: that is the
   * back-pressure (no windows in the protocol, the peer simply stops being read).
   * Synchronous on purpose: it runs for every packet and every finished call.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    let waitingFds = false;
    try {
      while (this.inbox.length > 0 && !this.closed) {
        const p = this.inbox[0]!;
        const t = p.header.type;
        if (t === MessageType.CALL || t === MessageType.CALL_WITH_FDS) {
          if (this.barrier) break;
          const isBarrier = p.header.prog === Program.REMOTE && isBarrierCall(p.header.proc);
          if (isBarrier && this.inflight > 0) break;
          if (this.inflight >= this.host.config.max_client_requests) break;
          let fds: number[] = NO_FDS;
          if (t === MessageType.CALL_WITH_FDS && p.nfds > 0 && this.fdReader) {
            // its fds ride on the bytes after it: keep reading until they are here
            if (this.fdQueue.length < p.nfds) {
              if (this.reader.pendingFdBytes === 0) {
                // every carrier byte came, not every fd: libvirtd closes such a client too
                this.log.warn('closing client: fd carrier bytes without file descriptors', { proc: p.header.proc, nfds: p.nfds });
                this.close('file descriptors missing after CALL_WITH_FDS', true);
                break;
              }
              waitingFds = true;
              break;
            }
            fds = this.fdQueue.splice(0, p.nfds);
          }
          this.inbox.shift();
          this.startCall(p, isBarrier, fds);
          continue;
        }
        this.inbox.shift();
        if (p.header.prog !== Program.REMOTE || p.header.vers !== PROGRAM_VERSION) continue;
        if (t === MessageType.STREAM || t === MessageType.STREAM_HOLE) {
          const s = this.streams.get(streamKey(p.header.proc, p.header.serial));
          if (!s) continue; // a stream that no longer exists: dropped, as libvirtd does
          this.pauseInput();
          // `pumping` stays set until the driver took the data; then the pump goes on.
          void this.streamPacket(s, p);
          return;
        }
        // REPLY / MESSAGE / anything else from a client is never answered (only CALLs are).
      }
    } catch (e) {
      this.internalError(e);
    }
    this.pumping = false;
    if (this.closed) return;
    if (this.inbox.length > 0 && !waitingFds) this.pauseInput();
    else this.resumeInput();
  }

  private pauseInput(): void {
    this.inputPaused = true;
    if (this.fdReader) this.fdReader.pause(); else this.socket.pause();
  }

  private resumeInput(): void {
    this.inputPaused = false;
    if (this.fdReader) this.fdReader.resume(); else this.socket.resume();
  }

  /** Whether this client can pass fds (unix socket read with recvmsg). */
  get fdPassing(): boolean { return this.fdReader !== null; }

  private async streamPacket(s: ServerStream, p: Packet): Promise<void> {
    try {
      await s.onClientPacket(p);
    } catch (e) {
      this.internalError(e);
    }
    this.pumping = false;
    this.pump();
  }

  private internalError(e: unknown): void {
    this.log.error('internal error while handling client input', { error: (e as Error).stack ?? String(e) });
    this.close('internal error');
  }

  private startCall(p: Packet, isBarrier: boolean, fds: number[] = NO_FDS): void {
    this.inflight++;
    if (isBarrier) this.barrier = true;
    // fds that came with a call are closed once it is over: no driver keeps one (libvirt's test
    // driver ignores the files of CreateXMLWithFiles), and a rejected call's are never echoed
    const done = fds.length === 0 ? (isBarrier ? this.barrierDone : this.callDoneCb)
      : () => { this.closeFds(fds); this.callDone(isBarrier); };
    try {
      dispatchCall(this, p, done);
    } catch (e) {
      // dispatchCall answers every failure itself; this is a bug, not a client error.
      this.log.error('dispatch failed', { proc: p.header.proc, error: (e as Error)?.stack ?? String(e) });
      done();
    }
  }

  private closeFds(fds: number[]): void {
    for (const f of fds) this.fdp?.closeFd(f);
  }

  private readonly callDoneCb = () => this.callDone(false);
  private readonly barrierDone = () => this.callDone(true);

  private callDone(isBarrier: boolean): void {
    this.inflight--;
    if (isBarrier) this.barrier = false;
    this.pump();
  }

  // ---------------------------------------------------------------- output

  /** Orders a REPLY_WITH_FDS, its fd carriers and what is written meanwhile (fd mode only). */
  private fdOut: FdOrderedOutput | null = null;

  /** Write bytes; false when the socket asks us to wait for 'drain'. */
  write(buf: Buffer): boolean {
    if (this.closedFlag || this.socket.destroyed || !this.socket.writable) return true;
    if (this.fdOut?.hold(buf)) return true;
    // Streams wait for 'drain', but replies and events cannot: a peer that stops reading while
    // events pile up is dropped rather than allowed to grow the daemon without bound.
    if (this.socket.writableLength > MAX_PENDING_OUTPUT) {
      this.log.warn('client is not reading its replies and events; closing it', { pending: this.socket.writableLength });
      this.close('output queue overflow', true);
      return true;
    }
    return this.socket.write(buf);
  }

  /** Write several buffers as one batch (one writev); false when the socket asks to wait. */
  writeFrames(bufs: Buffer[]): boolean {
    if (bufs.length === 1) return this.write(bufs[0]);
    this.socket.cork();
    let ok = true;
    try {
      for (const b of bufs) ok = this.write(b);
    } finally {
      this.socket.uncork();
    }
    return ok;
  }

  /** Resolves when the socket has room again (or the client is gone). */
  waitDrain(): Promise<void> {
    if (this.closedFlag || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private flushDrainWaiters(): void {
    const w = this.drainWaiters.splice(0);
    for (const f of w) f();
  }

  /** REPLY echoing the call's prog/vers/proc/serial (type 5 is never used: no fds go back). */
  reply(call: Header, payload: Buffer): void {
    const b = Buffer.allocUnsafe(PACKET_MIN + payload.length);
    b.set(payload, PACKET_MIN);
    this.writeReply(writePacketHeader(b, call.prog, call.vers, call.proc, MessageType.REPLY, call.serial, MessageStatus.OK));
  }

  /**
   * REPLY_WITH_FDS: the reply (nfds, then an empty ret), then one 1-byte sendmsg per fd once
   * the reply's bytes are in the kernel; anything else written meanwhile waits behind them.
   * The daemon's copies of the fds are closed afterwards, whatever happened.
   */
  replyWithFds(call: Header, fds: number[]): void {
    const fd = socketFd(this.socket);
    const fdp = this.fdp;
    const closeAll = () => { for (const f of fds) fdp?.closeFd(f); };
    if (!fdp || !this.fdReader || fd === null) {
      closeAll();
      this.replyError(call, virError(ErrorDomain.RPC, ErrorNumber.OPERATION_UNSUPPORTED, 'file descriptor passing is not available on this connection'));
      return;
    }
    if (this.closedFlag || this.socket.destroyed) { closeAll(); return; }
    const b = Buffer.alloc(PACKET_MIN + 4);
    b.writeUInt32BE(fds.length, PACKET_MIN);
    writePacketHeader(b, call.prog, call.vers, call.proc, MessageType.REPLY_WITH_FDS, call.serial, MessageStatus.OK);
    this.fdOut ??= new FdOrderedOutput(fdp, this.socket, fd, () => this.closedFlag, (errno) => {
      this.log.warn('cannot send a file descriptor to the client; closing it', { errno: -errno });
      this.close('fd passing failed', true);
    });
    this.fdOut.writeWithFds(b, fds, closeAll);
    this.poller?.arm();
  }

  /** A whole REPLY packet: written, then the next call of this client is polled for. */
  writeReply(pkt: Buffer): void {
    this.write(pkt);
    this.poller?.arm();
  }

  replyError(call: Header, err: VirError): void {
    this.writeReply(encodePacket({ ...call, type: MessageType.REPLY, status: MessageStatus.ERROR }, encodeError(err)));
  }

  /** Event MESSAGE: libvirtd 9.0.0 sends serial 1 (the .x comment's "always zero" is wrong). */
  sendEventMessage(proc: number, payload: Buffer): boolean {
    return this.write(encodePacket({
      prog: Program.REMOTE, vers: PROGRAM_VERSION, proc, type: MessageType.MESSAGE, serial: 1, status: MessageStatus.OK,
    }, payload));
  }

  // ---------------------------------------------------------------- keepalive

  /** CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE) switches server-side keepalive on. */
  startKeepalive(): void {
    const { keepalive_interval: interval, keepalive_count: count } = this.host.config;
    if (this.keepalive || interval <= 0 || this.closed) return;
    this.keepalive = new Keepalive({
      interval,
      count,
      send: (pkt) => this.write(pkt),
      onDead: () => {
        this.log.warn('connection closed due to keepalive timeout');
        this.close('connection closed due to keepalive timeout', true);
      },
    });
    this.keepalive.start();
  }

  // ---------------------------------------------------------------- lifecycle

  /** The client now has a hypervisor connection. */
  markOpened(): void {
    if (this.anonTimer) { clearTimeout(this.anonTimer); this.anonTimer = null; }
    this.host.clientOpened(this);
  }

  /**
   * Close the connection. `now` destroys it at once (framing errors, keepalive); otherwise
   * queued output (a CONNECT_CLOSE reply) is flushed first.
   */
  close(reason: string, now = false): void {
    if (this.closedFlag) return;
    if (!this.closing) this.log.debug('closing client', { reason });
    this.closing = true;
    // Node's socket stops reading; recvmsg input goes on, only to see the peer's end of file
    // (onData ignores anything after closing), since Node never reads that socket itself
    if (!this.fdReader) this.pauseInput();
    if (now) this.socket.destroy();
    else {
      this.socket.end();
      // A peer that never reads must not keep a half-closed socket forever.
      setTimeout(() => this.socket.destroy(), 5000).unref();
    }
  }

  /** Release everything the client held: streams, event callbacks, its driver connection. */
  private cleanup(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.closing = true;
    this.keepalive?.stop();
    if (this.anonTimer) { clearTimeout(this.anonTimer); this.anonTimer = null; }
    this.fdReader?.stop();
    this.closeFds(this.fdQueue.splice(0));
    this.inbox.length = 0;
    this.flushDrainWaiters();
    for (const s of [...this.streams.values()]) s.abortFromDisconnect();
    this.streams.clear();
    void this.releaseConnection().finally(() => this.host.clientClosed(this));
  }

  /** Deregister callbacks and close the driver connection (also used when an open races a close). */
  async releaseConnection(): Promise<void> {
    const r = this.conn;
    this.conn = null;
    const regs = this.registrations.splice(0);
    if (!r) return;
    for (const reg of regs) {
      const method = reg.family === 'domain' ? 'connectDomainEventCallbackDeregisterAny'
        : reg.family === 'network' ? 'connectNetworkEventDeregisterAny'
        : reg.family === 'nodedev' ? 'connectNodeDeviceEventDeregisterAny'
        : reg.family === 'secret' ? 'connectSecretEventDeregisterAny' : 'connectStoragePoolEventDeregisterAny';
      try { await r.conn.invoke(method, [reg.id]); } catch { /* already gone with the connection */ }
    }
    try { await r.conn.invoke('connectClose', []); } catch (e) {
      this.log.warn('closing driver connection failed', { error: (e as Error).message });
    }
  }
}

export function streamKey(proc: number, serial: number): string { return `${proc}:${serial}`; }

/** libvirt's error for calls needing a connection before CONNECT_OPEN. */
export function notOpenError(hypervisor: boolean): VirError {
  return virError(ErrorDomain.RPC, ErrorNumber.INTERNAL_ERROR, hypervisor ? 'hypervisor connection not open' : 'connection not open');
}
