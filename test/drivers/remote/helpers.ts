// Test helpers for the remote driver: a real libvirtd 9.0 started in a temporary directory with
// its own config and sockets (system mode as root: test driver and -ro socket; or session mode
// as `nobody` with the storage driver loaded, for real volume streams), and a scripted fake
// peer for the cases a real daemon cannot be made to show (garbage, SASL, legacy events).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { PacketReader, encodePacket, type Header, type Packet } from '../../../src/rpc/packet.js';
import { MessageStatus, MessageType, Program, PROGRAM_VERSION } from '../../../src/rpc/protocol.js';
import { encodeError } from '../../../src/rpc/types.js';
import { XdrWriter } from '../../../src/rpc/xdr.js';
import type { VirError } from '../../../src/util/error.js';

export const LIBVIRTD = '/usr/sbin/libvirtd';
const DRIVER_MODULES = '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver';

/** Why the real-libvirtd tests cannot run here, or null. */
export function libvirtdSkipReason(opts: { session?: boolean } = {}): string | null {
  if (!fs.existsSync(LIBVIRTD)) return `${LIBVIRTD} is not installed`;
  if (process.getuid?.() !== 0) return 'starting libvirtd with its own config needs root';
  if (opts.session) {
    if (!fs.existsSync(path.join(DRIVER_MODULES, 'libvirt_driver_storage.so'))) return 'libvirt storage driver module not installed';
    if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv is not available to run libvirtd as nobody';
  }
  return null;
}

export interface Libvirtd {
  dir: string;
  sock: string;
  sockRo: string;
  proc: ChildProcess;
  /** The URI of libvirt's test driver through this daemon's read-write socket. */
  testURI(extra?: string): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  log(): string;
}

function waitFor(cond: () => boolean, ms: number, what: string, log: () => string): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > until) return reject(new Error(`timed out waiting for ${what}\n${log()}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

/**
 * Start libvirtd in `dir` (created if absent). System mode (root): only the in-library test
 * driver is available (LIBVIRT_DRIVER_DIR points at an empty directory, so the qemu driver —
 * which wants the libvirt-qemu user — is not loaded). Session mode: runs as nobody with only
 * the storage driver module, sockets under `dir`.
 */
export interface LibvirtdOptions {
  dir?: string;
  session?: boolean;
  /** Also listen on TCP (auth none) and/or TLS (auth none; pki = dir with the server's files) on 127.0.0.1. */
  tcpPort?: number;
  tls?: { port: number; pki: string };
}

export async function startLibvirtd(opts: LibvirtdOptions = {}): Promise<Libvirtd> {
  // System-mode daemons share /run/libvirt/common (the identity token): one starting at the same
  // moment elsewhere on the machine can make start-up fail once. Try again before giving up.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLibvirtdOnce(opts);
    } catch (e) {
      if (attempt >= 3) throw e;
      await sleep(300 * attempt);
    }
  }
}

async function startLibvirtdOnce(opts: LibvirtdOptions): Promise<Libvirtd> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-remote-'));
  const runDir = path.join(dir, 'run');
  const drvDir = path.join(dir, 'drivers');
  fs.mkdirSync(runDir, { recursive: true });
  fs.mkdirSync(drvDir, { recursive: true });
  const sock = path.join(runDir, 'libvirt-sock');
  const sockRo = path.join(runDir, 'libvirt-sock-ro');
  // a daemon killed earlier in the same directory leaves its socket files behind
  for (const f of fs.readdirSync(runDir)) fs.rmSync(path.join(runDir, f), { force: true });
  const conf = path.join(dir, 'libvirtd.conf');
  fs.writeFileSync(conf, [
    `unix_sock_dir = "${runDir}"`,
    'unix_sock_ro_perms = "0777"',
    'unix_sock_rw_perms = "0700"',
    'auth_unix_rw = "none"',
    'auth_unix_ro = "none"',
    `listen_tls = ${opts.tls ? 1 : 0}`,
    `listen_tcp = ${opts.tcpPort ? 1 : 0}`,
    'listen_addr = "127.0.0.1"',
    ...(opts.tcpPort ? [`tcp_port = "${opts.tcpPort}"`, 'auth_tcp = "none"'] : []),
    ...(opts.tls ? [`tls_port = "${opts.tls.port}"`, 'auth_tls = "none"',
      `ca_file = "${opts.tls.pki}/cacert.pem"`, `cert_file = "${opts.tls.pki}/servercert.pem"`, `key_file = "${opts.tls.pki}/serverkey.pem"`] : []),
    'log_outputs = "3:stderr"',
    '',
  ].join('\n'));
  const listen = opts.tcpPort || opts.tls ? ['--listen'] : [];
  const logFile = path.join(dir, 'libvirtd.log');
  const out = fs.openSync(logFile, 'a');
  let proc: ChildProcess;
  if (opts.session) {
    fs.rmSync(path.join(drvDir, 'libvirt_driver_storage.so'), { force: true });
    fs.symlinkSync(path.join(DRIVER_MODULES, 'libvirt_driver_storage.so'), path.join(drvDir, 'libvirt_driver_storage.so'));
    const home = path.join(dir, 'home');
    fs.mkdirSync(home, { recursive: true });
    spawnSync('chown', ['-R', 'nobody', dir]);
    fs.chmodSync(dir, 0o755);
    proc = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', LIBVIRTD, '--config', conf, '--timeout', '600'], {
      stdio: ['ignore', out, out],
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home, LIBVIRT_DRIVER_DIR: drvDir,
        XDG_RUNTIME_DIR: path.join(dir, 'xdg-run'), XDG_CONFIG_HOME: path.join(home, '.config'),
        XDG_CACHE_HOME: path.join(home, '.cache'), XDG_DATA_HOME: path.join(home, '.local', 'share'),
      },
    });
  } else {
    proc = spawn(LIBVIRTD, [...listen, '--config', conf, '--pid-file', path.join(dir, 'libvirtd.pid'), '--timeout', '600'], {
      stdio: ['ignore', out, out],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, LIBVIRT_DRIVER_DIR: drvDir },
    });
  }
  fs.closeSync(out);
  const log = () => { try { return fs.readFileSync(logFile, 'utf8'); } catch { return ''; } };
  let exited = false;
  proc.once('exit', () => { exited = true; });
  try {
    await waitFor(() => exited || fs.existsSync(sock), 15000, 'libvirtd socket', log);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  if (exited) throw new Error(`libvirtd exited during start-up:\n${log()}`);
  return {
    dir, sock, sockRo, proc, log,
    testURI: (extra = '') => `test+unix:///default?socket=${sock}${extra}`,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => new Promise<void>((resolve) => {
      if (exited) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(signal);
      if (proc.exitCode !== null) resolve();
    }),
  };
}

/** Remove a daemon's temporary directory. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

// ------------------------------------------------------------------ scripted fake peer

export interface PeerConn {
  socket: net.Socket;
  /** Every packet the client sent, in order. */
  received: Packet[];
  reply(call: Header, body?: Buffer): void;
  replyError(call: Header, err: VirError): void;
  send(h: Partial<Header> & Pick<Header, 'proc' | 'type'>, body?: Buffer): void;
  raw(bytes: Buffer): void;
}

/** What the peer does with each packet; return true when handled, false for the default. */
export type PeerScript = (p: Packet, c: PeerConn) => boolean | void;

export const int = (v: number) => new XdrWriter(4).int(v).finish();
export const str = (s: string) => new XdrWriter(16).string(s, 1 << 22).finish();

/**
 * A fake daemon on a Unix socket: answers the handshake like libvirtd (AUTH_LIST [none],
 * features 1, CONNECT_OPEN ok) unless the script handles a packet first.
 */
export async function startFakePeer(dir: string, script: PeerScript): Promise<{ sock: string; conns: PeerConn[]; close(): Promise<void> }> {
  const sock = path.join(dir, `fake-${Math.random().toString(36).slice(2)}.sock`);
  const conns: PeerConn[] = [];
  const server = net.createServer((socket) => {
    const reader = new PacketReader();
    const send = (h: Partial<Header> & Pick<Header, 'proc' | 'type'>, body: Buffer = Buffer.alloc(0)) => {
      socket.write(encodePacket({ prog: Program.REMOTE, vers: PROGRAM_VERSION, serial: 0, status: MessageStatus.OK, ...h }, body));
    };
    const c: PeerConn = {
      socket, received: [],
      reply: (call, body) => send({ ...call, type: MessageType.REPLY, status: MessageStatus.OK }, body),
      replyError: (call, err) => send({ ...call, type: MessageType.REPLY, status: MessageStatus.ERROR }, encodeError(err)),
      send,
      raw: (b) => socket.write(b),
    };
    conns.push(c);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      let pkts: Packet[];
      try { pkts = reader.push(chunk); } catch { socket.destroy(); return; }
      for (const p of pkts) {
        c.received.push(p);
        if (script(p, c)) continue;
        defaultAnswer(p, c);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  return {
    sock, conns,
    close: () => new Promise<void>((resolve) => {
      for (const c of conns) c.socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** libvirtd's answers to the handshake procedures; other calls get an empty OK reply. */
export function defaultAnswer(p: Packet, c: PeerConn): void {
  const h = p.header;
  if (h.prog === Program.KEEPALIVE) return;
  if (h.type !== MessageType.CALL) return;
  switch (h.proc) {
    case 66: c.reply(h, Buffer.concat([int(1), int(0)])); return; // AUTH_LIST [NONE]
    case 60: c.reply(h, int(1)); return; // every feature supported
    case 3: c.reply(h, str('FAKE')); return; // CONNECT_GET_TYPE
    case 59: c.reply(h, str('fakehost')); return; // CONNECT_GET_HOSTNAME
    default: c.reply(h); return;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A throw-away PKI in `dir` with openssl: CA, server certificate for localhost/127.0.0.1 and a
 * client certificate, with the key usages libvirt's TLS checks insist on. Files are named as
 * libvirt expects them (cacert.pem, servercert.pem, serverkey.pem, clientcert.pem, clientkey.pem).
 */
export function makePki(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  fs.writeFileSync(path.join(dir, 'server.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'cakey.pem', '-out', 'cacert.pem', '-days', '2',
    '-subj', '/CN=tsvirt test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  for (const who of ['server', 'client']) {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}key.pem`, '-out', `${who}.csr`, '-subj', `/O=tsvirt/CN=${who === 'server' ? 'localhost' : 'tsvirt-client'}`);
    run('x509', '-req', '-in', `${who}.csr`, '-CA', 'cacert.pem', '-CAkey', 'cakey.pem', '-CAcreateserial', '-out', `${who}cert.pem`,
      '-days', '2', '-extfile', `${who}.ext`);
  }
}
