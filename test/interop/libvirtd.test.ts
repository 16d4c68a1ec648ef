// tsvirtd against the real libvirtd 9.0.0: the same raw packets (handshake, the §1.5 table of
// malformed and unexpected input, ordinary calls and errors) sent to both daemons must get the
// same answers. libvirtd runs unprivileged (as nobody, session mode) with its own config and
// socket directory in a temporary root, so it touches nothing of the machine's.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodePacket, type Packet } from '../../src/rpc/packet.js';
import { MessageType } from '../../src/rpc/protocol.js';
import {
  DOM_TEST, RawClient, callHeader, domArgs, errorOf, openArgs, tmpRoot, waitFor, xdr,
} from '../daemon/helpers.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';

const LIBVIRTD = '/usr/sbin/libvirtd';
const RUNUSER = '/usr/sbin/runuser';
const skip = !fs.existsSync(LIBVIRTD) ? `${LIBVIRTD} is not installed`
  : process.getuid?.() !== 0 || !fs.existsSync(RUNUSER) ? 'needs root and runuser to start libvirtd as an unprivileged user'
    : false;

interface Real { proc: ChildProcess; root: string; sock: string }

async function startLibvirtd(): Promise<Real> {
  const root = tmpRoot('tsvirt-libvirtd-');
  fs.chmodSync(root, 0o777);
  const home = path.join(root, 'home');
  const sockDir = path.join(root, 'sock');
  fs.mkdirSync(home);
  fs.mkdirSync(sockDir);
  fs.chmodSync(home, 0o777);
  fs.chmodSync(sockDir, 0o777);
  const conf = path.join(root, 'libvirtd.conf');
  fs.writeFileSync(conf, `unix_sock_dir = "${sockDir}"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\nunix_sock_rw_perms = "0777"\n`, { mode: 0o644 });
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, XDG_RUNTIME_DIR: path.join(home, 'run'),
    XDG_CONFIG_HOME: path.join(home, 'cfg'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_DATA_HOME: path.join(home, 'data'),
  };
  const proc = spawn(RUNUSER, ['-u', 'nobody', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), LIBVIRTD, '-f', conf, '--timeout', '120'],
    { stdio: 'ignore' });
  const sock = path.join(sockDir, 'libvirt-sock');
  await waitFor(() => fs.existsSync(sock), 15000, 'libvirtd socket');
  return { proc, root, sock };
}

/** What a client can observe of a reply: header, and the error fields or the raw payload. */
function observe(p: Packet): unknown {
  const h = { prog: p.header.prog, vers: p.header.vers, proc: p.header.proc, type: p.header.type, serial: p.header.serial, status: p.header.status };
  if (p.header.status === 1 && p.header.type === MessageType.REPLY) {
    const e = errorOf(p);
    return { ...h, code: e.code, domain: e.domain, message: e.message, level: e.level };
  }
  return { ...h, payload: p.payload.toString('hex') };
}

type Step = { name: string; pkt: Buffer; serial: number };
let serial = 0;
const step = (name: string, proc: number, payload: Buffer = Buffer.alloc(0), over: Parameters<typeof callHeader>[2] = {}): Step => {
  const s = serial++;
  return { name, pkt: encodePacket(callHeader(proc, s, over), payload), serial: s };
};

/** The conversation: before open, the handshake, then calls; every step expects one REPLY. */
const SCRIPT: Step[] = [
  step('call before AUTH_LIST needing the hypervisor', 3),
  step('AUTH_LIST', 66),
  step('unknown program', 3, Buffer.alloc(0), { prog: 0x12345678 }),
  step('wrong version', 3, Buffer.alloc(0), { vers: 2 }),
  step('CALL with status 2', 3, Buffer.alloc(0), { status: 2 }),
  step('procedure 0', 0),
  step('procedure -1', -1),
  step('procedure 444', 444),
  step('event-only procedure 318', 318),
  step('undecodable args', 60),
  step('feature 14 before open', 60, xdr((w) => w.int(14))),
  step('feature 10 before open', 60, xdr((w) => w.int(10))),
  step('network call before open', 283, xdr((w) => w.int(1).uint(3))),
  step('SASL init without SASL', 67),
  step('CONNECT_OPEN test:///default', 1, openArgs('test:///default')),
  ...Array.from({ length: 18 }, (_, f) => step(`feature ${f}`, 60, xdr((w) => w.int(f)))),
  step('CONNECT_GET_TYPE', 3),
  step('CONNECT_GET_VERSION', 4),
  step('CONNECT_GET_LIB_VERSION', 157),
  step('CONNECT_IS_SECURE', 149),
  step('CONNECT_GET_URI', 110),
  step('CONNECT_LIST_ALL_DOMAINS', 273, xdr((w) => w.int(1).uint(3))),
  step('CONNECT_LIST_ALL_DOMAINS without results', 273, xdr((w) => w.int(0).uint(3))),
  step('DOMAIN_LOOKUP_BY_NAME test', 23, xdr((w) => w.string('test', 100))),
  step('DOMAIN_LOOKUP_BY_NAME nosuch', 23, xdr((w) => w.string('nosuch', 100))),
  step('DOMAIN_GET_STATE', 212, domArgs(DOM_TEST, 0)),
  step('DOMAIN_GET_XML_DESC with bad flags', 14, domArgs(DOM_TEST, 0x40000000)),
  step('NODE_GET_INFO', 6),
  step('NODE_GET_SECURITY_MODEL', 122),
  step('DOMAIN_GET_SECURITY_LABEL', 121, domArgs(DOM_TEST)),
  step('trailing bytes after args', 60, Buffer.concat([xdr((w) => w.int(10)), Buffer.alloc(1024)])),
  step('event registration', 316, xdr((w) => w.int(0).uint(0))),
  step('event registration with a bad ID', 316, xdr((w) => w.int(27).uint(0))),
  step('second event registration', 316, xdr((w) => w.int(1).uint(0))),
  step('event deregistration', 317, xdr((w) => w.int(0))),
  step('CONNECT_REGISTER_CLOSE_CALLBACK', 360),
  step('CONNECT_UNREGISTER_CLOSE_CALLBACK', 361),
  // libvirtd's failed second open also drops the open connection (its error path unrefs it).
  step('second CONNECT_OPEN', 1, openArgs('test:///default')),
  step('a call after the failed second open', 3),
  step('CONNECT_CLOSE', 2),
];

async function converse(sock: string): Promise<Map<string, unknown>> {
  const c = await RawClient.connect(sock);
  const out = new Map<string, unknown>();
  try {
    for (const s of SCRIPT) {
      c.send(s.pkt);
      const r = await c.next((p) => p.header.serial === s.serial && p.header.type === MessageType.REPLY, 10000);
      out.set(s.name, observe(r));
    }
    await c.closedPromise;
    out.set('closed after CONNECT_CLOSE', c.closed);
  } finally { c.close(); }
  return out;
}

describe('tsvirtd and the real libvirtd answer the same packets the same way', { skip }, () => {
  let real: Real;
  let ours: SpawnedDaemon;
  before(async () => {
    real = await startLibvirtd();
    ours = await spawnDaemon({ config: 'drivers = [ "test" ]\n' });
  });
  after(async () => {
    real?.proc.kill('SIGTERM');
    await ours?.stop();
    if (real) {
      await new Promise((r) => { if (real.proc.exitCode !== null) r(null); else real.proc.on('exit', r); });
      spawnSync('rm', ['-rf', real.root]);
    }
  });

  it('every step of the scripted conversation', async () => {
    const theirs = await converse(real.sock);
    const mine = await converse(ours.rw);
    const diffs: string[] = [];
    for (const [k, v] of theirs) {
      try { assert.deepEqual(mine.get(k), v); } catch { diffs.push(`${k}:\n  libvirtd ${JSON.stringify(v)}\n  tsvirtd  ${JSON.stringify(mine.get(k))}`); }
    }
    assert.deepEqual(diffs, []);
  });

  it('a bad length word closes the connection without a reply, on both', async () => {
    for (const sock of [real.sock, ours.rw]) {
      const c = await RawClient.connect(sock);
      const b = Buffer.alloc(28);
      b.writeUInt32BE(33554440, 0);
      c.send(b);
      await c.closedPromise;
      assert.equal(c.packets.length, 0, sock);
    }
  });
});
