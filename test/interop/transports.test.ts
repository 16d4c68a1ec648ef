// TCP and TLS listeners (--listen) with the real virsh: plain TCP with auth "none", and TLS with
// a test CA, client certificate verification and tls_allowed_dn_list (re-read on SIGHUP).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tmpRoot, waitFor } from '../daemon/helpers.js';
import { TSVIRTD, spawnDaemon, writeConfig, type SpawnedDaemon } from '../daemon/spawn.js';
import { VIRSH, virsh } from './virsh_run.js';

const OPENSSL = '/usr/bin/openssl';
const skip = !fs.existsSync(VIRSH) ? `${VIRSH} is not installed` : !fs.existsSync(OPENSSL) ? `${OPENSSL} is not installed` : false;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync(OPENSSL, args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA, a server certificate for localhost, and a client certificate, in libvirt's pkipath layout. */
function makePki(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'cacert.pem', '-days', '2', '-subj', '/C=GB/O=tsvirt test/CN=tsvirt CA');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'serverkey.pem', '-out', 'server.csr', '-subj', '/C=GB/O=tsvirt test/CN=localhost');
  fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'cacert.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'servercert.pem', '-days', '2', '-extfile', 'ext');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'clientkey.pem', '-out', 'client.csr', '-subj', '/C=GB/O=tsvirt test/CN=client1');
  openssl(dir, 'x509', '-req', '-in', 'client.csr', '-CA', 'cacert.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'clientcert.pem', '-days', '2');
}

describe('TCP and TLS listeners with the real virsh', { skip }, () => {
  let d: SpawnedDaemon;
  let root: string;
  let pki: string;
  let tcpPort: number;
  let tlsPort: number;
  const conf = (dn: string) => `drivers = [ "test" ]
listen_tcp = 1
listen_tls = 1
listen_addr = "127.0.0.1"
tcp_port = "${tcpPort}"
tls_port = "${tlsPort}"
key_file = "${pki}/serverkey.pem"
cert_file = "${pki}/servercert.pem"
ca_file = "${pki}/cacert.pem"
tls_allowed_dn_list = [ "${dn}" ]
`;
  before(async () => {
    root = tmpRoot();
    pki = path.join(root, 'pki');
    makePki(pki);
    tcpPort = await freePort();
    tlsPort = await freePort();
    d = await spawnDaemon({ root, config: conf('C=GB,O=tsvirt test,CN=client*'), args: ['--listen'] });
  });
  after(async () => { await d.stop(); });

  it('plain TCP serves virsh like the Unix socket', () => {
    const r = virsh(`test+tcp://127.0.0.1:${tcpPort}/default`, ['list --all']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ 1 +test +running$/m);
  });

  it('TLS with a verified client certificate in the allowed DN list', () => {
    const r = virsh(`test+tls://localhost:${tlsPort}/default?pkipath=${pki}`, ['list --all']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ 1 +test +running$/m);
  });

  it('a DN outside tls_allowed_dn_list is refused (after SIGHUP re-reads the list)', async () => {
    writeConfig(root, conf('C=GB,O=tsvirt test,CN=nobody'));
    d.proc.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    let r = virsh(`test+tls://localhost:${tlsPort}/default?pkipath=${pki}`, ['list --all']);
    await waitFor(() => d.stderr().includes('tls_allowed_dn_list'), 3000, 'rejection logged');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Unable to read TLS confirmation/);
    writeConfig(root, conf('C=GB,O=tsvirt test,CN=client*'));
    d.proc.kill('SIGHUP');
    await new Promise((r2) => setTimeout(r2, 300));
    r = virsh(`test+tls://localhost:${tlsPort}/default?pkipath=${pki}`, ['version']);
    assert.equal(r.status, 0, r.stderr);
  });

  it('missing TLS files are a clear start-up error', () => {
    const r2 = tmpRoot();
    writeConfig(r2, 'drivers = [ "test" ]\nlisten_tls = 1\nca_file = "/nonexistent/ca.pem"\n');
    const run = spawnSync(process.execPath, [TSVIRTD, '--root', r2, '--listen'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Cannot read (server key|server certificate|CA certificate) '/);
    fs.rmSync(r2, { recursive: true, force: true });
  });
});
