import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Keepalive, isKeepalive, keepaliveResponse, pingPacket, pongPacket, type TimerApi } from '../../src/rpc/keepalive.js';
import { decodePacket } from '../../src/rpc/packet.js';
import { hex } from './captures.js';

/** A fake clock: timers fire only when the test advances time. */
class FakeTime implements TimerApi {
  t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void { this.timers.delete(h as number); }
  get pending(): number { return this.timers.size; }
  /** advance to `ms` later, firing due timers in order */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e;
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

function setup(interval = 5, count = 5) {
  const time = new FakeTime();
  const sent: number[] = [];
  let deadAt: number | null = null;
  const ka = new Keepalive({
    interval, count, timers: time,
    send: (b) => { assert.deepEqual(b, pingPacket()); sent.push(time.now()); },
    onDead: () => { deadAt = time.now(); },
  });
  return { time, sent, ka, dead: () => deadAt };
}

test('PING/PONG packets are the captured ones', () => {
  assert.deepEqual(pingPacket(), hex('0000001c 6b656570 00000001 00000001 00000002 00000000 00000000'));
  assert.deepEqual(pongPacket(), hex('0000001c 6b656570 00000001 00000002 00000002 00000000 00000000'));
  const ping = decodePacket(pingPacket()).header;
  assert.equal(isKeepalive(ping), true);
  assert.deepEqual(keepaliveResponse(ping), pongPacket());
  assert.equal(keepaliveResponse(decodePacket(pongPacket()).header), null);
});

test('silent peer: a PING every interval, dead after interval * (count + 1)', () => {
  const { time, sent, ka, dead } = setup(5, 5);
  ka.start();
  time.advance(4999);
  assert.deepEqual(sent, []);
  time.advance(1);
  assert.deepEqual(sent, [5000]);
  time.advance(20000);
  assert.deepEqual(sent, [5000, 10000, 15000, 20000, 25000]);
  assert.equal(ka.remaining, 0);
  assert.equal(dead(), null);
  time.advance(5000);
  assert.equal(dead(), 30000);
  assert.equal(ka.isDead, true);
  assert.equal(time.pending, 0, 'no timer left after death');
});

test('any packet received resets the idle clock and the miss counter', () => {
  const { time, sent, ka, dead } = setup(5, 2);
  ka.start();
  time.advance(12000); // PINGs at 5 s and 10 s, counter now 0
  assert.deepEqual(sent, [5000, 10000]);
  assert.equal(ka.remaining, 0);
  ka.received(); // e.g. the PONG, or any reply
  assert.equal(ka.remaining, 2);
  time.advance(2999); // 14999: the 15 s timer sees only 3 s of silence and waits
  time.advance(1);
  assert.deepEqual(sent, [5000, 10000]);
  time.advance(2000); // 17000 = 12000 + 5000: idle for a full interval
  assert.deepEqual(sent, [5000, 10000, 17000]);
  // traffic keeps it alive indefinitely
  for (let i = 0; i < 20; i++) { time.advance(3000); ka.received(); }
  assert.equal(dead(), null);
  assert.equal(sent.length, 3);
});

test('stop() cancels the timer; a stopped keepalive never reports', () => {
  const { time, sent, ka, dead } = setup(1, 0);
  ka.start();
  ka.stop();
  assert.equal(time.pending, 0);
  time.advance(10000);
  assert.deepEqual(sent, []);
  assert.equal(dead(), null);
  // count 0: dead at the first timeout without any PING
  ka.start();
  time.advance(1000);
  assert.equal(dead(), 11000);
  assert.deepEqual(sent, []);
});
