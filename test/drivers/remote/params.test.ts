// Which URIs the remote driver claims, how it reads them (transport, socket, client-only
// parameters), the ssh command it runs, and the name it sends in CONNECT_OPEN.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseURI } from '../../../src/drivers/uri.js';
import { claims } from '../../../src/drivers/remote/index.js';
import { serverNameFor } from '../../../src/drivers/remote/connection.js';
import {
  remoteParams, sshArgv, sshRemoteCommand, tlsFiles, unixSocketPath,
} from '../../../src/drivers/remote/transport.js';
import { ErrorNumber, VirError } from '../../../src/util/error.js';

const lib = { inDaemon: false };
const params = (uri: string, readonly = false, uid = 0) => remoteParams(parseURI(uri), { readonly, uid, env: {} });

describe('remote driver: claims', () => {
  it('takes transports, hosts and daemon-only hypervisors in the library', () => {
    for (const u of ['test+unix:///default', 'test+tcp://h/default', 'qemu+ssh://root@h/system', 'qemu+tls://h/system',
      'test+ext:///default?command=/bin/x', 'qemu:///system', 'qemu:///session', 'network:///', 'storage:///',
      'lxc:///', 'remote:///', 'test://host/default', 'qemu://host/system']) {
      assert.equal(claims(parseURI(u), lib), true, u);
    }
  });
  it('leaves in-process URIs alone, and never claims inside the daemon', () => {
    assert.equal(claims(parseURI('test:///default'), lib), false);
    assert.equal(claims(parseURI('test:///tmp/node.xml'), lib), false);
    for (const u of ['qemu:///system', 'test+unix:///default', 'qemu+ssh://h/system']) {
      assert.equal(claims(parseURI(u), { inDaemon: true }), false, u);
    }
  });
});

describe('remote driver: URI parameters', () => {
  it('picks transports like libvirt (a host alone means TLS)', () => {
    assert.equal(params('qemu:///system').transport, 'unix');
    assert.equal(params('qemu://h/system').transport, 'tls');
    assert.equal(params('qemu+libssh2://h/system').transport, 'ssh');
    assert.throws(() => params('qemu+carrierpigeon://h/system'),
      (e: unknown) => e instanceof VirError && e.code === ErrorNumber.INVALID_ARG && /transport in URL not recognised/.test(e.message));
  });

  it('chooses the Unix socket: explicit, system rw/ro, per-user', () => {
    assert.equal(unixSocketPath(params('qemu:///system?socket=/x/y')), '/x/y');
    assert.equal(unixSocketPath(params('qemu:///system')), '/run/tsvirt/tsvirt-sock');
    assert.equal(unixSocketPath(params('qemu:///system', true)), '/run/tsvirt/tsvirt-sock-ro');
    assert.equal(unixSocketPath(params('qemu:///session', false, 1000), { XDG_RUNTIME_DIR: '/run/user/1000' }),
      '/run/user/1000/tsvirt/tsvirt-sock');
    assert.equal(unixSocketPath(params('qemu:///session', true, 1000), { XDG_RUNTIME_DIR: '/run/user/1000' }),
      '/run/user/1000/tsvirt/tsvirt-sock', 'the session daemon has no read-only socket');
    assert.equal(params('qemu:///system', false, 1000).session, false, 'a non-root user can still ask for /system');
  });

  it('reads deadline and keepalive knobs from the URI, then the environment', () => {
    const p = params('test+unix:///default?call_timeout=2.5&keepalive_interval=0&keepalive_count=3');
    assert.equal(p.callTimeoutMs, 2500);
    assert.equal(p.keepaliveInterval, 0);
    assert.equal(p.keepaliveCount, 3);
    assert.equal(params('test+unix:///default').callTimeoutMs, 300000);
    assert.equal(remoteParams(parseURI('test+unix:///default'), { readonly: false, env: { TSVIRT_CALL_TIMEOUT: '7' } }).callTimeoutMs, 7000);
    assert.throws(() => params('test+unix:///default?call_timeout=soon'), /call_timeout must be a number/);
  });

  it('sends the URI without transport, host, libvirt client params or ours', () => {
    const name = (u: string) => serverNameFor(parseURI(u));
    assert.equal(name('test+unix:///default?socket=/tmp/s&call_timeout=5&keepalive_count=1'), 'test:///default');
    assert.equal(name('qemu+ssh://root@host:2222/system?keyfile=/k&no_verify=1'), 'qemu:///system');
    assert.equal(name('remote+unix:///?socket=/s'), '');
    assert.equal(name('qemu+tcp://h/system?name=qemu:///embed'), 'qemu:///embed');
  });

  it('uses libvirt\'s TLS file locations, or pkipath', () => {
    assert.deepEqual(tlsFiles(params('qemu+tls://h/system'), 0),
      { ca: '/etc/pki/CA/cacert.pem', cert: '/etc/pki/libvirt/clientcert.pem', key: '/etc/pki/libvirt/private/clientkey.pem' });
    assert.deepEqual(tlsFiles(params('qemu+tls://h/system?pkipath=/p'), 0), { ca: '/p/cacert.pem', cert: '/p/clientcert.pem', key: '/p/clientkey.pem' });
  });
});

describe('remote driver: ssh command', () => {
  it('runs the system ssh with netcat to the daemon socket on the remote side', () => {
    const argv = sshArgv(params('qemu+ssh://alice@example.org:2222/system?keyfile=/k/id&no_tty=1&known_hosts_verify=ignore'));
    assert.deepEqual(argv.slice(0, -1), ['ssh', '-p', '2222', '-l', 'alice', '-i', '/k/id', '-T', '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no', '-e', 'none', '--', 'example.org', 'sh', '-c']);
    assert.equal(argv.at(-1), `'if '\\''nc'\\'' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'\\''nc'\\'' $ARG -U '\\''/run/tsvirt/tsvirt-sock'\\'''`);
  });
  it('targets the read-only, explicit or per-user socket and a custom netcat', () => {
    assert.match(sshRemoteCommand(params('qemu+ssh://h/system', true)), /-U '\/run\/tsvirt\/tsvirt-sock-ro'$/);
    assert.match(sshRemoteCommand(params('qemu+ssh://h/system?socket=/a b&netcat=/opt/nc')), /^if '\/opt\/nc' .* -U '\/a b'$/);
    assert.match(sshRemoteCommand(params('qemu+ssh://h/session')), /-U "\$\{XDG_RUNTIME_DIR:-\$HOME\/.config\/tsvirt\}\/tsvirt\/tsvirt-sock"$/);
    assert.deepEqual(sshArgv(params('qemu+ssh://h/system?command=/usr/local/bin/ssh')).slice(0, 2), ['/usr/local/bin/ssh', '-T']);
  });
});

describe('remote driver: coverage of the driver contract', () => {
  it('implements every DriverConnection method (generated from the procedure table or local)', async () => {
    const { readFileSync } = await import('node:fs');
    const { RemoteConnection } = await import('../../../src/drivers/remote/connection.js');
    const src = readFileSync(new URL('../../../../src/drivers/driver.ts', import.meta.url), 'utf8');
    const body = src.slice(src.indexOf('export interface DriverConnection {'));
    const block = body.slice(0, body.indexOf('\n}\n'));
    const methods = [...block.matchAll(/^ {2}([a-z][A-Za-z]+)\?\(/gm)].map((m) => m[1]!);
    assert.ok(methods.length > 150, `found ${methods.length} methods`);
    const proto = RemoteConnection.prototype as unknown as Record<string, unknown>;
    assert.deepEqual(methods.filter((m) => typeof proto[m] !== 'function'), []);
  });
});
