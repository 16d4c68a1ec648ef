// tsvirsh against the real virsh 9.0 for the storage pool, network and host commands finished
// in the h/groups branch (find-storage-pool-sources(-as), pool-capabilities, pool-event,
// net-event, net-port-*, cpu-models, nodecpustats, freepages, cpu-baseline/compare,
// hypervisor-cpu-*, allocpages, node-memory-tune, nodesuspend, nodesevinfo): the same command
// sequences through both against test:///default, stdout/stderr/status compared byte for byte;
// and the real virsh against tsvirtd, which must answer as libvirt's in-process test driver does.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { VIRSH, TSVIRSH, def, noVirsh, run as runIn, same as sameIn, type Result } from './compare_lib.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';
import { virsh } from '../interop/virsh_run.js';

const skip = noVirsh;
const ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC', TSVIRSH_HISTORY: '/dev/null' };
const run = (bin: readonly string[], args: readonly string[]): Result => runIn(bin, args, { timeout: 15000 });
const same = (args: readonly string[]): Result => sameIn(args, { timeout: 15000 });

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

test('cpu-models: x86 and POWER model lists, arches whose driver takes any model, unknown arches', { skip }, () => {
  const r = same(def('cpu-models x86_64; cpu-models i686; cpu-models ppc64le; cpu-models aarch64; cpu-models s390x; cpu-models mips; cpu-models foo'));
  assert.match(r.stdout, /^486\npentium\n[^]*\nDhyana\n\n486\n[^]*POWER6\nPOWER7\n[^]*POWERPC_e6500\n\nall CPU models are accepted\n\nall CPU models are accepted\n\n\n\n$/);
  assert.equal(r.stderr, "error: failed to get CPU model names\nerror: this function is not supported by the connection driver: 'mips' architecture is not supported by CPU driver\n"
    + 'error: failed to get CPU model names\nerror: invalid argument: cannot find architecture foo\n');
  same(['-q', ...def('cpu-models aarch64; cpu-models ppc64')]);
  same(['-r', ...def('cpu-models x86_64')]);
  same(def("cpu-models ''"));
  same(def('cpu-models'));
});

test('nodecpustats: the test driver\'s counters, any CPU, --percent sampled twice (0/0 is -nan as in C)', { skip }, () => {
  const r = same(def('nodecpustats; nodecpustats 3; nodecpustats --cpu -1; nodecpustats -2; nodecpustats x; nodecpustats --percent'));
  assert.match(r.stdout, /^user: {21}9797400000\nsystem: {15}34678723400000\nidle: {20}87264900000\niowait: {20}763600000\n\n/);
  assert.match(r.stdout, /usage: {11}-nan%\nuser: {12}-nan%\nsystem: {10}-nan%\nidle: {12}-nan%\niowait: {10}-nan%\n\n$/);
  assert.match(r.stderr, /error: Unable to get number of cpu stats\nerror: cpuNum in virNodeGetCPUStats only accepts -1 as a negative value\n/);
  same(['-r', ...def('nodecpustats 0')]);
});

test('freepages: one cell and size, --all over the capabilities\' cells and sizes, virsh\'s option errors', { skip }, () => {
  const r = same(def('freepages --all; freepages --all --pagesize 2M; freepages 0 4; freepages 1 3; freepages --cellno -1 --pagesize 1G; '
    + 'freepages; freepages 0; freepages --pagesize 4; freepages --cellno -2 --pagesize 4; freepages --all --cellno 0; '
    + 'freepages --cellno 0 --pagesize 4G; freepages --cellno 0 --pagesize 3x; freepages --cellno x --pagesize 4'));
  assert.match(r.stdout, /^Node 0:\n4KiB: 19\n8KiB: 45\n2048KiB: 97\n1048576KiB: 201\n\nNode 1:\n4KiB: 19\n[^]*Node 1:\n2048KiB: 19\n\n\n4KiB: 19\n\n3KiB: 19\n\n1048576KiB: 19\n/);
  assert.match(r.stderr, /error: Scaled numeric value '4G' for <pagesize> option is malformed or out of range\nerror: numerical overflow: value too large: 4G\n/);
  same(['-r', ...def('freepages --all')]);
});

test('allocpages, node-memory-tune, nodesuspend, nodesevinfo: virsh\'s checks, then NO_SUPPORT (read-only: denied first)', { skip }, () => {
  const cmds = 'allocpages 4 10; allocpages 2M 10 --all; allocpages 4 10 1 --add; allocpages 4 10 --all --cellno 0; allocpages 4 x; allocpages 8T 1; '
    + 'node-memory-tune; node-memory-tune 5; node-memory-tune --shm-sleep-millisecs 10 --shm-merge-across-nodes 1; node-memory-tune --shm-pages-to-scan -1; '
    + 'nodesuspend mem 60; nodesuspend disk 0; nodesuspend foo 60; nodesuspend mem -1; nodesuspend mem x; nodesevinfo';
  const r = same(def(cmds));
  assert.match(r.stderr, /^error: this function is not supported by the connection driver: virNodeAllocPages\n/);
  assert.match(r.stderr, /error: Unable to get number of memory parameters\nerror: this function is not supported by the connection driver: virNodeGetMemoryParameters\n/);
  assert.match(r.stderr, /error: The host was not suspended\nerror: this function is not supported by the connection driver: virNodeSuspendForDuration\n/);
  assert.match(r.stderr, /error: Unable to get host SEV information\nerror: this function is not supported by the connection driver: virNodeGetSEVInfo\n$/);
  const ro = same(['-r', ...def(cmds)]);
  assert.match(ro.stderr, /read only access prevents virNodeAllocPages\n[^]*read only access prevents virNodeSetMemoryParameters\n[^]*read only access prevents virNodeGetSEVInfo\n$/);
});

test('cpu-compare, cpu-baseline, hypervisor-cpu-*: the <cpu> taken from CPU, domain, capabilities and domain capabilities files', { skip }, () => {
  const caps = run([VIRSH], def('capabilities')).stdout;
  const capsFile = file('caps.xml', caps);
  const domFile = file('dom.xml', run([VIRSH], def('dumpxml test')).stdout);
  const cpu = file('cpu.xml', "<?xml version='1.0'?>\n<cpu>\n  <arch>x86_64</arch>\n  <model>Penryn</model>\n  <feature name='vmx'/>\n</cpu>\n<domain type='kvm'><cpu mode='host-model'/></domain>\n");
  const dcaps = file('dcaps.xml', "<domainCapabilities><cpu><mode name='host-model' supported='yes'><model>Skylake-Client</model></mode>"
    + "<mode name='custom' supported='yes'/></cpu></domainCapabilities>\n");
  const nodcaps = file('nodcaps.xml', "<domainCapabilities><cpu><mode name='host-model' supported='no'/></cpu></domainCapabilities>\n");
  const missing = join(dir, 'missing.xml');
  const r = same(def(`cpu-compare ${capsFile}; cpu-compare ${cpu} --error --validate; cpu-compare ${dcaps}; cpu-compare ${domFile}; cpu-compare ${nodcaps}; `
    + `cpu-compare ${missing}; hypervisor-cpu-compare ${capsFile}; hypervisor-cpu-compare ${cpu} kvm /usr/bin/qemu-system-x86_64 x86_64 pc --error; `
    + `hypervisor-cpu-compare ${domFile}; hypervisor-cpu-baseline ${capsFile}; hypervisor-cpu-baseline --model Penryn --features --migratable; `
    + `hypervisor-cpu-baseline; hypervisor-cpu-baseline ${cpu} --model x; hypervisor-cpu-baseline ${nodcaps}; cpu-baseline ${missing}; cpu-baseline ${domFile}`));
  assert.match(r.stderr, /^error: Failed to compare host CPU with [^\n]*caps\.xml\nerror: this function is not supported by the connection driver: virConnectCompareCPU\n/);
  assert.match(r.stderr, /error: File '[^']*dom\.xml' does not contain any <cpu> element or valid domain XML, host capabilities XML, or domain capabilities XML\n/);
  assert.match(r.stderr, /error: Either --file or --model must be provided\nerror: Options --file and --model are mutually exclusive\n/);
  same(['-r', ...def(`cpu-compare ${cpu}; hypervisor-cpu-compare ${cpu}; hypervisor-cpu-baseline ${cpu}`)]);
  // libxml2's wording for a malformed file: the attribute name position needs no blank before the first one
  for (const [name, text] of [['bad1.xml', '<bad'], ['bad2.xml', '<cpu a="1" <b/></cpu>'], ['bad3.xml', '<cpu a="1"b="2"/>'], ['bad4.xml', '<cpu "x"/>']]) {
    const bad = file(name!, text!);
    const b = same(def(`cpu-compare ${bad}; cpu-baseline ${bad}; hypervisor-cpu-compare ${bad}`));
    assert.match(b.stderr, /(error parsing attribute name|attributes construct error)\n/);
  }
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
    'cpu-models x86_64; cpu-models ppc64; cpu-models s390x; cpu-models mips; cpu-models foo',
    'nodecpustats; nodecpustats 1; nodecpustats -2; nodecpustats --percent',
    'freepages --all; freepages 1 2M; freepages --all --pagesize 4',
    'allocpages 4 10; allocpages 2M 1 --all; node-memory-tune; node-memory-tune 5; nodesuspend mem 60; nodesevinfo',
    'cpu-compare /dev/null',
    `net-port-list default; net-port-list default --uuid; net-port-create default /dev/null; net-port-dumpxml default ${PORT}; net-port-delete default ${PORT}`,
    'pool-event --event lifecycle --timeout 1; net-event nosuch --event lifecycle --timeout 1; pool-event nosuch --event refresh --timeout 1',
  ]) {
    test(cmds, () => { assert.deepEqual(virsh(uri, [cmds]), virsh('test:///default', [cmds])); });
  }
  test('tsvirsh through tsvirtd (our remote driver) answers as virsh on libvirt\'s test driver', () => {
    const cmds = 'find-storage-pool-sources logical; find-storage-pool-sources-as netfs h1; find-storage-pool-sources dir; pool-capabilities; '
      + `cpu-models x86_64; cpu-models s390x; cpu-models foo; nodecpustats; nodecpustats -2; freepages --all; freepages 0 2M; allocpages 4 1; `
      + `node-memory-tune; nodesuspend mem 60; nodesevinfo; net-port-list default; net-port-create default /dev/null; net-port-dumpxml default ${PORT}; `
      + 'pool-event --event lifecycle --timeout 1; cpu-compare /dev/null';
    assert.deepEqual(run([process.execPath, TSVIRSH], ['-c', uri, cmds]), run([VIRSH], def(cmds)));
  });
  test('read-only socket: the search and port creation are refused, the rest is not', () => {
    const cmds = `find-storage-pool-sources logical; pool-capabilities; net-port-create default /dev/null; net-port-list default; `
      + 'cpu-models x86_64; nodecpustats; freepages --all; allocpages 4 1; node-memory-tune; node-memory-tune 1; nodesuspend mem 60; nodesevinfo';
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
