// The remote driver's other transports against the REAL libvirtd 9.0: TCP, TLS (with a
// throw-away PKI), ext (a command whose stdio is the connection) and ssh (driven through a
// stand-in for the ssh binary that runs the remote command locally — no sshd needed).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open } from '../../../src/api/index.js';
import { ErrorDomain, ErrorNumber, VirError } from '../../../src/util/error.js';
import { freePort, libvirtdSkipReason, makePki, removeDir, startLibvirtd, type Libvirtd } from './helpers.js';

const skip = libvirtdSkipReason();

async function rejectsWith(p: Promise<unknown>, code: number, msg?: RegExp): Promise<VirError> {
  try {
    await p;
  } catch (e: unknown) {
    assert.ok(e instanceof VirError, `expected VirError, got ${e}`);
    assert.equal(e.code, code, `code ${e.code}: ${e.message}`);
    if (msg) assert.match(e.message, msg);
    return e;
  }
  return assert.fail('expected a rejection');
}

function script(file: string, body: string): string {
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('remote driver transports against the real libvirtd 9.0', { skip: skip ?? false }, () => {
  let d: Libvirtd;
  let tcpPort: number;
  let tlsPort: number;
  let pki: string;
  let work: string;

  before(async () => {
    tcpPort = await freePort();
    tlsPort = await freePort();
    const dir = fs.mkdtempSync('/tmp/tsvirt-remote-tx-');
    pki = path.join(dir, 'pki');
    makePki(pki);
    d = await startLibvirtd({ dir, tcpPort, tls: { port: tlsPort, pki } });
    work = path.join(d.dir, 'work');
    fs.mkdirSync(work);
  });
  after(async () => {
    await d?.stop();
    if (d) removeDir(d.dir);
  });

  it('tcp: plain TCP to port tcp_port; not reported secure', async () => {
    const c = await open(`test+tcp://127.0.0.1:${tcpPort}/default`);
    try {
      assert.equal(await c.getType(), 'TEST');
      assert.deepEqual((await c.listAllDomains(0)).map((x) => x.name), ['test']);
      assert.equal(await c.isSecure(), false);
    } finally {
      await c.close();
    }
  });

  it('tls: certificates from pkipath, server name checked, reported secure', async () => {
    const c = await open(`test+tls://localhost:${tlsPort}/default?pkipath=${pki}`);
    try {
      assert.equal(await c.getType(), 'TEST');
      assert.equal(await c.isSecure(), true);
    } finally {
      await c.close();
    }
  });

  it('tls: a server certificate from an unknown CA is refused unless no_verify=1', async () => {
    const other = path.join(work, 'otherca');
    makePki(other);
    const mixed = path.join(work, 'mixed');
    fs.mkdirSync(mixed);
    fs.copyFileSync(path.join(other, 'cacert.pem'), path.join(mixed, 'cacert.pem'));
    fs.copyFileSync(path.join(pki, 'clientcert.pem'), path.join(mixed, 'clientcert.pem'));
    fs.copyFileSync(path.join(pki, 'clientkey.pem'), path.join(mixed, 'clientkey.pem'));
    const e = await rejectsWith(open(`test+tls://localhost:${tlsPort}/default?pkipath=${mixed}`), ErrorNumber.GNUTLS_ERROR, /TLS handshake failed/);
    assert.equal(e.domain, ErrorDomain.RPC);
    const c = await open(`test+tls://localhost:${tlsPort}/default?pkipath=${mixed}&no_verify=1`);
    try {
      assert.equal(await c.getHostname(), (await import('node:os')).hostname());
    } finally {
      await c.close();
    }
    await rejectsWith(open(`test+tls://localhost:${tlsPort}/default?pkipath=${path.join(work, 'nope')}`), ErrorNumber.SYSTEM_ERROR,
      /^Cannot read CA certificate '.*\/nope\/cacert.pem': No such file or directory$/);
  });

  it('ext: the connection is the stdio of the given command', async () => {
    const cmd = script(path.join(work, 'ext.sh'), `exec nc -U '${d.sock}'`);
    const c = await open(`test+ext:///default?command=${cmd}`);
    try {
      assert.equal(await c.getType(), 'TEST');
      assert.equal((await c.lookupDomainByName('test')).id, 1);
    } finally {
      await c.close();
    }
    await rejectsWith(open('test+ext:///default'), ErrorNumber.INVALID_ARG, /command is required/);
  });

  it('ssh: runs ssh with the netcat command line; errors carry what ssh printed', async () => {
    const argvFile = path.join(work, 'ssh-argv');
    // Stand-in for ssh: record the argv, drop the options and host, run the remote command here.
    const fakeSsh = script(path.join(work, 'fake-ssh'),
      `printf '%s\\n' "$@" > '${argvFile}'\nwhile [ "$1" != "--" ]; do shift; done\nshift; shift\nexec sh -c "$*"`);
    const c = await open(`test+ssh://admin@localhost:2200/default?socket=${d.sock}&command=${fakeSsh}`);
    try {
      assert.equal(await c.getType(), 'TEST');
      assert.deepEqual((await c.listAllNetworks(0)).map((n) => n.name), ['default']);
    } finally {
      await c.close();
    }
    const argv = fs.readFileSync(argvFile, 'utf8').split('\n');
    assert.deepEqual(argv.slice(0, 10), ['-p', '2200', '-l', 'admin', '-T', '-e', 'none', '--', 'localhost', 'sh']);

    const failing = script(path.join(work, 'failing-ssh'), `echo 'ssh: connect to host nowhere port 22: Connection refused' >&2\nexit 255`);
    await rejectsWith(open(`test+ssh://nowhere/default?command=${failing}`), ErrorNumber.SYSTEM_ERROR,
      /^End of file while reading data: ssh: connect to host nowhere port 22: Connection refused: Input\/output error$/);
  });
});
