// Test helpers for tsvirtd: a temporary root, an in-process daemon serving a scripted fake
// hypervisor driver (so tests control timing, events and streams), and a raw protocol client
// that speaks packets directly (what a misbehaving or minimal client would send).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { registerDriver } from '../../src/drivers/registry.js';
import type {
  DomainEventCallback, DomainRef, DriverConnection, DriverStream, StreamChunk, VolRef,
} from '../../src/drivers/driver.js';
import { EventBus, type EventRegistrations } from '../../src/drivers/events.js';
import { PacketReader, encodePacket, type Header, type Packet } from '../../src/rpc/packet.js';
import { MessageStatus, MessageType, Program, PROGRAM_VERSION } from '../../src/rpc/protocol.js';
import { decodeError } from '../../src/rpc/types.js';
import { XdrReader, XdrWriter } from '../../src/rpc/xdr.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../src/util/error.js';
import { defaultConfig, type DaemonConfig } from '../../src/daemon/config.js';
import { daemonPaths } from '../../src/daemon/paths.js';
import { Daemon } from '../../src/daemon/server.js';
import { logger } from '../../src/util/log.js';

export function tmpRoot(prefix = 'tsvirtd-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// ------------------------------------------------------------------ fake driver

export const DOM_TEST: DomainRef = { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };

/** Everything the fake driver did, for assertions. */
export const fake = {
  opened: 0,
  closed: 0,
  /** highest number of domainGetInfo calls running at once */
  maxConcurrent: 0,
  running: 0,
  /** ms domainGetInfo takes */
  infoDelay: 0,
  deregistered: [] as number[],
  aborted: [] as string[],
  uploaded: [] as Buffer[],
  /** resolves the pending upload send() calls when set to false */
  uploadGate: null as Promise<void> | null,
  bus: new EventBus<{ dom: DomainRef; event?: number; detail?: number }>((p) => p.dom.uuid),
  reset(): void {
    this.opened = 0; this.closed = 0; this.maxConcurrent = 0; this.running = 0; this.infoDelay = 0;
    this.deregistered = []; this.aborted = []; this.uploaded = []; this.uploadGate = null;
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class FakeConnection implements DriverConnection {
  private regs: EventRegistrations<{ dom: DomainRef }> = fake.bus.scope();
  async connectClose() { fake.closed++; this.regs.close(); }
  async connectGetType() { return 'TEST'; }
  async connectGetVersion() { return 2; }
  async connectGetHostname() { return 'fakehost'; }
  async connectGetUri() { return 'test:///default'; }
  async connectListAllDomains() { return [DOM_TEST]; }
  async domainLookupByName(name: string) {
    if (name !== 'test') throw virError(ErrorDomain.TEST, ErrorNumber.NO_DOMAIN);
    return DOM_TEST;
  }
  async domainGetState() { return { state: 1, reason: 1 }; }
  async domainGetInfo() {
    fake.running++;
    fake.maxConcurrent = Math.max(fake.maxConcurrent, fake.running);
    try {
      if (fake.infoDelay) await sleep(fake.infoDelay);
      return { state: 1, maxMem: 8388608, memory: 2097152, nrVirtCpu: 2, cpuTime: 1000 };
    } finally { fake.running--; }
  }
  async domainDestroy() { /* allowed only read-write: the guard decides */ }
  async domainSuspend() { fake.bus.emit(0, { dom: DOM_TEST, event: 3, detail: 0 }); }
  async connectDomainEventCallbackRegisterAny(eventID: number, dom: DomainRef | null, cb: DomainEventCallback) {
    return this.regs.register(eventID, dom?.uuid ?? null, cb as never);
  }
  async connectDomainEventCallbackDeregisterAny(id: number) {
    if (!this.regs.deregister(id)) throw virError(ErrorDomain.RPC, ErrorNumber.INVALID_ARG, `callback ${id} not registered`);
    fake.deregistered.push(id);
  }
  /** Download: 3 data chunks and, with the sparse flag, a hole in between. */
  async storageVolDownload(_v: VolRef, _o: number, length: number, flags: number): Promise<DriverStream> {
    const total = length || 300000;
    let stopped = false;
    async function* gen(): AsyncGenerator<StreamChunk> {
      yield Buffer.alloc(Math.min(total, 200000), 0x61);
      if (flags & 1) yield { hole: 1048576 };
      if (total > 200000 && !stopped) yield Buffer.alloc(total - 200000, 0x62);
    }
    return {
      incoming: gen(),
      async finish() { /* nothing to commit */ },
      abort() { stopped = true; fake.aborted.push('download'); },
    };
  }
  async storageVolUpload(): Promise<DriverStream> {
    const got: Buffer[] = [];
    return {
      async send(chunk: StreamChunk) {
        if (fake.uploadGate) await fake.uploadGate;
        got.push(Buffer.isBuffer(chunk) ? chunk : Buffer.alloc(0));
      },
      async finish() { fake.uploaded.push(Buffer.concat(got)); },
      abort() { fake.aborted.push('upload'); },
    };
  }
}

let registered = false;
/** Register the fake driver as the hypervisor behind test:///default (in this process only). */
export function registerFakeDriver(): void {
  if (registered) return;
  registered = true;
  registerDriver({
    name: 'fake',
    kind: 'hypervisor',
    claims: (uri) => uri.scheme === 'test',
    async open() { fake.opened++; return new FakeConnection(); },
  });
}

// ------------------------------------------------------------------ in-process daemon

export interface TestDaemon { daemon: Daemon; root: string; rw: string; ro: string; stop(): Promise<void> }

export async function startDaemon(over: Partial<DaemonConfig> = {}): Promise<TestDaemon> {
  registerFakeDriver();
  logger.configure({ level: 4, outputs: '4:stderr' });
  const root = tmpRoot();
  const config = { ...defaultConfig(), drivers: [], ...over };
  const paths = daemonPaths(root);
  const daemon = new Daemon({ paths, config });
  await daemon.start();
  return {
    daemon, root, rw: paths.sockRw, ro: paths.sockRo,
    async stop() {
      await daemon.shutdown('test end');
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ raw client

export const REMOTE = Program.REMOTE;

export function callHeader(proc: number, serial: number, over: Partial<Header> = {}): Header {
  return { prog: REMOTE, vers: PROGRAM_VERSION, proc, type: MessageType.CALL, serial, status: MessageStatus.OK, ...over };
}

export function xdr(build: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter();
  build(w);
  return w.finish();
}

/** CONNECT_OPEN args: optional name, flags. */
export function openArgs(name: string | null, flags = 0): Buffer {
  return xdr((w) => { if (name === null) w.uint(0); else { w.uint(1); w.string(name, 1 << 22); } w.uint(flags); });
}

export function domArgs(d: DomainRef, ...ints: number[]): Buffer {
  return xdr((w) => {
    w.string(d.name, 1 << 22);
    w.fixedOpaque(Buffer.from(d.uuid.replace(/-/g, ''), 'hex'), 16);
    w.int(d.id);
    for (const i of ints) w.uint(i);
  });
}

export class RawClient {
  readonly packets: Packet[] = [];
  private readonly reader = new PacketReader({ skipFdBytes: false });
  private waiters: { match: (p: Packet) => boolean; resolve: (p: Packet) => void }[] = [];
  private serial = 0;
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (b) => {
      for (const p of this.reader.push(b)) {
        const i = this.waiters.findIndex((w) => w.match(p));
        if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(p);
        else this.packets.push(p);
      }
    });
    sock.on('error', () => { /* closed by the daemon */ });
    this.closedPromise = new Promise((r) => sock.on('close', () => { this.closed = true; r(); }));
  }

  static connect(sockPath: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(sockPath, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(buf: Buffer): void { this.sock.write(buf); }

  /** Wait for a packet matching `match` (already received or future). */
  next(match: (p: Packet) => boolean, timeoutMs = 5000): Promise<Packet> {
    const i = this.packets.findIndex(match);
    if (i >= 0) return Promise.resolve(this.packets.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (p: Packet) => { clearTimeout(t); resolve(p); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error('timed out waiting for a packet'));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Send a CALL and wait for its REPLY. */
  async call(proc: number, payload: Buffer = Buffer.alloc(0), over: Partial<Header> = {}): Promise<Packet> {
    const serial = over.serial ?? this.serial++;
    this.send(encodePacket(callHeader(proc, serial, over), payload));
    return this.next((p) => p.header.type === MessageType.REPLY && p.header.serial === serial && p.header.proc === (over.proc ?? proc));
  }

  /** AUTH_LIST, optional keepalive feature, CONNECT_OPEN as virsh does. */
  async handshake(uri: string | null = 'test:///default', flags = 0): Promise<void> {
    await this.call(66);
    const r = await this.call(1, openArgs(uri, flags));
    if (r.header.status !== 0) throw errorOf(r);
  }

  close(): void { this.sock.destroy(); }
}

export function errorOf(p: Packet): VirError {
  return decodeError(new XdrReader(p.payload));
}

export function intOf(p: Packet): number { return new XdrReader(p.payload).int(); }

export function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}
