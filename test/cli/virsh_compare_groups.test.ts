// tsvirsh against the real virsh 9.0 for the storage pool, network and host commands finished
// in the h/groups branch (find-storage-pool-sources(-as), pool-capabilities, pool-event,
// net-event, net-port-*, cpu-models, nodecpustats, freepages, cpu-baseline/compare,
// hypervisor-cpu-*, allocpages, node-memory-tune, nodesuspend, nodesevinfo): the same command
// sequences through both against test:///default, stdout/stderr/status compared byte for byte;
// and the real virsh against tsvirtd, which must answer as libvirt's in-process test driver does.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';
import { virsh } from '../interop/virsh_run.js';

const VIRSH = '/usr/bin/virsh';
const ROOT = new URL('../../../', import.meta.url).pathname;
const TSVIRSH = join(ROOT, 'bin/tsvirsh');
const skip = existsSync(VIRSH) ? false : `${VIRSH} is not installed`;
const ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC', TSVIRSH_HISTORY: '/dev/null' };

interface Result { stdout: string; stderr: string; status: number | null }

function run(bin: string[], args: string[]): Result {
  const r = spawnSync(bin[0]!, [...bin.slice(1), ...args], { encoding: 'utf8', timeout: 15000, env: ENV });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function same(args: string[]): Result {
  const want = run([VIRSH], args);
  const got = run([process.execPath, TSVIRSH], args);
  assert.deepEqual(got, want, `tsvirsh ${args.join(' ')}`);
  return got;
}

const def = (cmds: string) => ['-c', 'test:///default', cmds];

let dir = '';
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
before(() => { dir = mkdtempSync(join(tmpdir(), 'tsvirsh-groups-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('find-storage-pool-sources: the test driver\'s logical and netfs sources, its errors, and the source file\'s', { skip }, () => {
  const host = file('host.xml', "<source><host name='nfs1.example'/></source>\n");
  const bad = file('bad.xml', '<bad');
  const noName = file('noname.xml', '<source><host/></source>');
  const other = file('other.xml', '<foo/>');
  const r = same(def(`find-storage-pool-sources logical; find-storage-pool-sources netfs ${host}; find-storage-pool-sources netfs; `
    + `find-storage-pool-sources dir; find-storage-pool-sources fs; find-storage-pool-sources bogus; find-storage-pool-sources netfs ${bad}; `
    + `find-storage-pool-sources netfs ${noName}; find-storage-pool-sources netfs ${other}; find-storage-pool-sources logical ${bad}; `
    + `find-storage-pool-sources dir ${bad}; find-storage-pool-sources netfs ${join(dir, 'none.xml')}; find-storage-pool-sources logical ${host}`));
  assert.match(r.stdout, /^<sources>\n {2}<source>\n {4}<device path='\/dev\/sda20'\/>\n {4}<name>testvg1<\/name>\n/);
  assert.match(r.stdout, /<host name='nfs1\.example'\/>\n {4}<dir path='\/testshare'\/>\n {4}<format type='nfs'\/>\n/);
  assert.match(r.stderr, /error: Failed to find any dir pool sources\nerror: internal error: unknown storage pool type dir\n/);
  assert.match(r.stderr, /error: this function is not supported by the connection driver: pool type 'fs' does not support source discovery\n/);
  // the last command succeeded: the exit status is the last command's
  assert.equal(r.status, 0);
  for (const cmds of ['find-storage-pool-sources netfs', 'find-storage-pool-sources', `find-storage-pool-sources netfs ''`, 'find-storage-pool-sources logical']) {
    same(def(cmds));
  }
  same(['-q', ...def('find-storage-pool-sources logical')]);
  // a read-only connection may not search
  same(['-r', ...def('find-storage-pool-sources logical')]);
});

test('find-storage-pool-sources-as writes the <source> from --host, --port and --initiator as virsh does', { skip }, () => {
  const r = same(def(`find-storage-pool-sources-as netfs h1; find-storage-pool-sources-as netfs h1 2049; find-storage-pool-sources-as netfs h1 x --initiator iqn.x; `
    + `find-storage-pool-sources-as netfs "h'1"; find-storage-pool-sources-as netfs --port 5; find-storage-pool-sources-as iscsi h1 --initiator iqn.y; `
    + `find-storage-pool-sources-as logical h1; find-storage-pool-sources-as netfs h1 ''; find-storage-pool-sources-as netfs ''; find-storage-pool-sources-as dir`));
  assert.match(r.stdout, /<host name='h1'\/>/);
  assert.match(r.stderr, /Invalid value for attribute 'port' in element 'host': 'x'\. Expected integer value\n/);
  assert.match(r.stderr, /\(storage_source_specification\):2: attributes construct error\n {2}<host name='h'1'\/>\n/);
  same(['-r', ...def('find-storage-pool-sources-as netfs h1')]);
});

test('pool-capabilities: the test driver lacks it, as virsh shows', { skip }, () => {
  const r = same(def('pool-capabilities'));
  assert.equal(r.stderr, 'error: failed to get storage pool capabilities\nerror: this function is not supported by the connection driver: virConnectGetStoragePoolCapabilities\n');
  same(['-r', ...def('pool-capabilities')]);
  same(def('pool-capabilities --bogus'));
});

test('pool-event and net-event: --list, option checks, the wait timing out, an unknown object', { skip }, () => {
  for (const c of ['pool-event', 'net-event']) {
    same(def(`${c} --list`));
    same(def(`${c} --list --event nope`));
    same(def(c));
    same(def(`${c} --event nope`));
    for (const t of ['0', '-1', 'x', '2147484']) same(def(`${c} --event lifecycle --timeout ${t}`));
    same(def(`${c} --event lifecycle --all`));
  }
  const r = same(def('pool-event --event refresh --timeout 1 default-pool; pool-event nosuch lifecycle --timeout 1 --loop; net-event nosuch --event lifecycle --timeout 1'));
  assert.equal(r.stdout, 'event loop timed out\nevents received: 0\n\n'.repeat(3));
  assert.equal(r.stderr, "error: failed to get pool 'nosuch'\nerror: Storage pool not found: no storage pool with matching name 'nosuch'\n"
    + "error: failed to get network 'nosuch'\nerror: Network not found: no network with matching name 'nosuch'\n");
  same(['-q', ...def('net-event default lifecycle --timeout 1 --timestamp')]);
});

const PORT = '11111111-1111-1111-1111-111111111111';

test('net-port-*: the test driver has no ports, and virsh 9.0\'s lookups succeed after saying so', { skip }, () => {
  const portXml = file('port.xml', "<networkport><owner><name>test</name></owner><plug type='network'/></networkport>\n");
  const r = same(def(`net-port-list default; net-port-list default --uuid; net-port-list default --uuid --table; net-port-list nosuch; `
    + `net-port-create default ${portXml}; net-port-create default ${portXml} --validate; net-port-create nosuch ${portXml}; `
    + `net-port-create default ${join(dir, 'none.xml')}; net-port-dumpxml default ${PORT}; net-port-dumpxml default bad --xpath /x --wrap; `
    + `net-port-dumpxml nosuch ${PORT}; net-port-delete default ${PORT}; net-port-delete nosuch ${PORT}`));
  assert.match(r.stderr, /^error: this function is not supported by the connection driver: virNetworkListAllPorts\n/);
  assert.match(r.stderr, /error: Failed to create network from [^\n]*port\.xml\nerror: this function is not supported by the connection driver: virNetworkPortCreateXML\n/);
  assert.match(r.stderr, /error: failed to get network port '11111111-1111-1111-1111-111111111111'\n/);
  // net-port-delete of an unknown port is the last command: it still succeeds in virsh 9.0
  assert.equal(r.status, 0);
  for (const cmds of [`net-port-dumpxml default ''`, `net-port-delete default ${PORT}`, 'net-port-list default', `net-port-create default ${portXml}`, 'net-port-list']) {
    same(def(cmds));
  }
  same(['-r', ...def(`net-port-create default ${portXml}; net-port-delete default ${PORT}; net-port-list default`)]);
  same(['-q', ...def(`net-port-dumpxml default ${PORT}`)]);
});

/** Run `<bin> -c uri <eventCmd>` while the real virsh runs `actions` on the same daemon. */
async function watch(bin: string[], uri: string, eventCmd: string, actions: string): Promise<Result> {
  const ev = spawn(bin[0]!, [...bin.slice(1), '-c', uri, eventCmd], { env: ENV });
  let stdout = '';
  let stderr = '';
  ev.stdout.on('data', (b) => { stdout += b; });
  ev.stderr.on('data', (b) => { stderr += b; });
  const exited = new Promise<number | null>((r) => ev.on('exit', (code) => r(code)));
  await new Promise((r) => setTimeout(r, 1000));
  const a = virsh(uri, [actions]);
  assert.equal(a.status, 0, a.stderr);
  const status = await exited;
  return { stdout, stderr, status };
}

describe('the real virsh against tsvirtd answers as against libvirt\'s test driver', { skip }, () => {
  let d: SpawnedDaemon;
  let uri = '';
  before(async () => {
    d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' });
    uri = `test+unix:///default?socket=${d.rw}`;
  });
  after(async () => { await d.stop(); });
  for (const cmds of [
    'find-storage-pool-sources logical; find-storage-pool-sources netfs; find-storage-pool-sources dir; find-storage-pool-sources fs; find-storage-pool-sources bogus',
    "find-storage-pool-sources-as netfs h1 2049; find-storage-pool-sources-as netfs h1 x; find-storage-pool-sources-as netfs \"h'1\"; find-storage-pool-sources-as logical",
    'pool-capabilities',
    `net-port-list default; net-port-list default --uuid; net-port-create default /dev/null; net-port-dumpxml default ${PORT}; net-port-delete default ${PORT}`,
    'pool-event --event lifecycle --timeout 1; net-event nosuch --event lifecycle --timeout 1; pool-event nosuch --event refresh --timeout 1',
  ]) {
    test(cmds, () => { assert.deepEqual(virsh(uri, [cmds]), virsh('test:///default', [cmds])); });
  }
  test('read-only socket: the search and port creation are refused, the rest is not', () => {
    const cmds = `find-storage-pool-sources logical; pool-capabilities; net-port-create default /dev/null; net-port-list default`;
    assert.deepEqual(virsh(`test+unix:///default?socket=${d.ro}`, [cmds]), virsh('test:///default', [cmds], ['-r']));
  });
  for (const [name, bin] of [['virsh', [VIRSH]], ['tsvirsh', [process.execPath, TSVIRSH]]] as const) {
    test(`${name} net-event and pool-event print the lifecycle events another client causes`, async () => {
      const n = await watch([...bin], uri, 'net-event --event lifecycle --loop --timeout 4', 'net-destroy default; net-start default');
      assert.deepEqual(n, { stdout: "event 'lifecycle' for network default: Stopped\nevent 'lifecycle' for network default: Started\n"
        + 'event loop timed out\nevents received: 2\n\n', stderr: '', status: 0 });
      const p = await watch([...bin], uri, 'pool-event default-pool --event lifecycle', 'pool-destroy default-pool; pool-start default-pool');
      assert.deepEqual(p, { stdout: "event 'lifecycle' for storage pool default-pool: Stopped\nevents received: 1\n\n", stderr: '', status: 0 });
      const r = await watch([...bin], uri, 'pool-event --event refresh --timeout 4 --timestamp', 'pool-refresh default-pool');
      assert.match(r.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: event 'refresh' for storage pool default-pool\nevents received: 1\n\n$/);
      assert.equal(r.status, 0);
    });
  }
});
