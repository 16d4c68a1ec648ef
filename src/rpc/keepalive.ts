// Keepalive (program 0x6b656570): PING/PONG packets and the per-connection timer state machine.
// libvirt counterpart: virkeepalive.c. Pure: time and timers are injected, so tests use a fake
// clock; the transport calls received() for every packet and send()s what this asks for.
//
// Rule (§4.1): any packet received resets the idle clock and the miss counter. After `interval`
// seconds with nothing received, send PING and decrement the counter, every `interval` seconds;
// when the counter is already 0 at the next timeout the peer is dead — about
// interval * (count + 1) seconds of silence.

import { encodePacket, type Header } from './packet.js';
import { KeepaliveProc, MessageStatus, MessageType, Program, PROGRAM_VERSION } from './protocol.js';

function keepalivePacket(proc: KeepaliveProc): Buffer {
  return encodePacket({
    prog: Program.KEEPALIVE, vers: PROGRAM_VERSION, proc,
    type: MessageType.MESSAGE, serial: 0, status: MessageStatus.OK,
  });
}

export function pingPacket(): Buffer { return keepalivePacket(KeepaliveProc.PING); }
export function pongPacket(): Buffer { return keepalivePacket(KeepaliveProc.PONG); }

export function isKeepalive(h: Header): boolean {
  return h.prog === Program.KEEPALIVE;
}

/**
 * What to answer to a keepalive packet: PONG for a PING (even when keepalive was never
 * negotiated, as libvirtd does), nothing otherwise.
 */
export function keepaliveResponse(h: Header): Buffer | null {
  if (h.prog === Program.KEEPALIVE && h.type === MessageType.MESSAGE && h.proc === KeepaliveProc.PING) return pongPacket();
  return null;
}

export interface TimerApi {
  now(): number; // milliseconds
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: TimerApi = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    h.unref?.(); // a keepalive timer must never keep the process alive by itself
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface KeepaliveOptions {
  /** seconds of silence before the first PING (libvirtd keepalive_interval, default 5) */
  interval: number;
  /** unanswered PINGs tolerated (libvirtd keepalive_count 5; virsh -K default 6) */
  count: number;
  /** send one packet to the peer (a PING) */
  send(packet: Buffer): void;
  /** the peer is gone: close the connection ("connection closed due to keepalive timeout") */
  onDead(): void;
  timers?: TimerApi;
}

export class Keepalive {
  private readonly intervalMs: number;
  private readonly count: number;
  private readonly timers: TimerApi;
  private lastReceived: number;
  private countToDeath: number;
  private timer: unknown = null;
  private running = false;
  private dead = false;

  constructor(private readonly opts: KeepaliveOptions) {
    if (!(opts.interval > 0)) throw new RangeError('keepalive interval must be > 0');
    if (!(opts.count >= 0)) throw new RangeError('keepalive count must be >= 0');
    this.intervalMs = opts.interval * 1000;
    this.count = opts.count;
    this.timers = opts.timers ?? realTimers;
    this.lastReceived = this.timers.now();
    this.countToDeath = this.count;
  }

  get isRunning(): boolean { return this.running; }
  get isDead(): boolean { return this.dead; }
  /** PINGs still allowed to go unanswered. */
  get remaining(): number { return this.countToDeath; }

  start(): void {
    if (this.running || this.dead) return;
    this.running = true;
    this.lastReceived = this.timers.now();
    this.countToDeath = this.count;
    this.arm(this.intervalMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Call for every packet received from the peer, of any program. */
  received(): void {
    this.lastReceived = this.timers.now();
    this.countToDeath = this.count;
  }

  private arm(ms: number): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.fire(), ms);
  }

  private fire(): void {
    this.timer = null;
    if (!this.running) return;
    const idle = this.timers.now() - this.lastReceived;
    if (idle < this.intervalMs) {
      // Something arrived since the timer was armed: wait out the rest of the interval.
      this.arm(this.intervalMs - idle);
      return;
    }
    if (this.countToDeath === 0) {
      this.dead = true;
      this.stop();
      this.opts.onDead();
      return;
    }
    this.countToDeath--;
    this.opts.send(pingPacket());
    this.arm(this.intervalMs);
  }
}
