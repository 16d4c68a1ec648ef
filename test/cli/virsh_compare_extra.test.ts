// tsvirsh against the real virsh 9.0 for the domain_extra commands (domcontrol, domblkerror,
// domtime, inject-nmi, send-key): the same command sequences through both against
// test:///default, stdout/stderr/status compared byte for byte; and the real virsh against
// tsvirtd, which must answer as libvirt's in-process test driver does.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TSVIRSH, def, noVirsh, run, same } from './compare_lib.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';
import { virsh } from '../interop/virsh_run.js';

const skip = noVirsh;

let dir = '';
let offXml = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-extra-'));
  offXml = join(dir, 'off.xml');
  // two disks: the test driver reports a different error for each
  writeFileSync(offXml, `<domain type='test'><name>off</name><memory>8192</memory><os><type>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/tmp/a.img'/><target dev='vda'/></disk>
<disk type='file' device='disk'><source file='/tmp/b.img'/><target dev='vdb'/></disk></devices></domain>\n`);
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('setvcpu: option checks in virsh\'s order, then the test driver\'s lack of virDomainSetVcpu', { skip }, () => {
  const cmds = "setvcpu test 1 --disable; setvcpu test 1; setvcpu nope 1 --enable; setvcpu test 1 --enable --disable; setvcpu test 1 --enable --current --live; "
    + "setvcpu nope '' --enable; setvcpu test 1 --enable --disable --current --live; setvcpu test 1-3,^2 --enable --config";
  const r = same(def(cmds));
  assert.match(r.stderr, /error: this function is not supported by the connection driver: virDomainSetVcpu\n/);
  assert.match(r.stderr, /error: one of --enable, --disable is required\n/);
  same(['-c', 'test:///default', 'setvcpu', 'test', '1', '--enable']);
});

test('cpu-stats: per-CPU and total figures, ranges and errors as virsh', { skip }, () => {
  const cmds = 'cpu-stats test; cpu-stats test --total; cpu-stats test --start 1 --count 1; cpu-stats test 1; cpu-stats test --count 5; '
    + 'cpu-stats test --start 0 --count 1 --total; cpu-stats test --count 0; cpu-stats test --start 9; cpu-stats test --start -1; '
    + 'cpu-stats test --count -1; cpu-stats test --start x; cpu-stats nope; destroy test; cpu-stats test; cpu-stats test --total';
  const r = same(def(cmds));
  assert.match(r.stdout, /CPU1:\n\tcpu_time {12}24\.386308518 seconds\n\tvcpu_time {11}23\.151740628 seconds\n/);
  assert.match(r.stdout, /Only 2 CPUs available to show\n/);
  assert.match(r.stderr, /Start CPU 9 is out of range \(min: 0, max: 1\)/);
  same(['-c', 'test:///default', 'cpu-stats', 'test', '--total']);
});

test('perf: every event listed, set ones printed and kept in <perf>, errors as libvirt', { skip }, () => {
  const cmds = "perf test; perf test --enable cmt,mbmt; perf test; perf test --disable cmt --config; perf test --config; dumpxml test --inactive; "
    + "perf test --enable bogus; perf nope; perf test --enable cmt --live --config; perf test --enable ''; perf test --enable cmt --disable cmt; "
    + 'perf test cpu_clock,,mbml page_faults; dumpxml test; perf test --enable cmt,; destroy test; perf test --live; perf test --current --live';
  const r = same(def(cmds));
  assert.match(r.stdout, /cpu_clock {6}: enabled\nmbml {11}: enabled\npage_faults {4}: disabled\n/);
  assert.match(r.stdout, /<perf>\n {4}<event name='cmt' enabled='yes'\/>\n {4}<event name='mbmt' enabled='yes'\/>\n {4}<event name='mbml' enabled='yes'\/>\n/);
  // the perf lines are virsh's vshPrintExtra: nothing left under -q
  assert.equal(same(['-q', ...def('perf test; perf test --enable cmt')]).stdout, '');
  same(['-c', 'test:///default', 'perf', 'test', '--enable', 'cmt']);
});

test('iothreadinfo: one row per <iothreads> id with the domain cpuset, or none', { skip }, () => {
  const io = join(dir, 'io.xml');
  writeFileSync(io, `<domain type='test'><name>io</name><uuid>e7a33182-fb29-4b5a-b671-b31082c5aca9</uuid><memory>8192</memory>
<vcpu cpuset='2-3'>2</vcpu><iothreads>3</iothreads><os><type>hvm</type></os></domain>\n`);
  const cmds = `define ${io}; iothreadinfo io; start io; iothreadinfo io; iothreadinfo io --config; iothreadinfo io --live --config; `
    + 'dumpxml io --inactive; destroy io; iothreadinfo io --live; iothreadinfo test --current --live; iothreadinfo test; iothreadinfo nope';
  const r = same(def(cmds));
  assert.match(r.stdout, / IOThread ID {3}CPU Affinity\n-+\n 1 {13}2-3\n 2 {13}2-3\n 3 {13}2-3\n/);
  same(['-q', ...def(cmds)]);
  same(['-c', 'test:///default', 'iothreadinfo', 'test']);
});

test('emulatorpin: query and pin the live or persistent definition as virsh', { skip }, () => {
  const r = same(def('emulatorpin test; emulatorpin test 1-2; emulatorpin test; emulatorpin test 5 --config; emulatorpin test --config; '
    + 'dumpxml test; dumpxml test --inactive; destroy test; emulatorpin test; emulatorpin test 1; emulatorpin test --live'));
  assert.match(r.stdout, /emulator: CPU Affinity\n-{34}\n {7}\*: 1-2\n/);
  for (const cmds of ['emulatorpin test abc', "emulatorpin test ''", 'emulatorpin test ^1', 'emulatorpin test 9', 'emulatorpin nope',
    'emulatorpin test r; emulatorpin test', 'emulatorpin test --live --config', 'emulatorpin test --current --live',
    'emulatorpin test 1 --current']) same(def(cmds));
  // -q keeps only the cpuset, with no line end of its own
  assert.equal(same(['-q', ...def('emulatorpin test')]).stdout, '0-7\n');
});

test('vcpupin: query and pin as virsh, pinnings kept in the live <cputune> only', { skip }, () => {
  const v3 = join(dir, 'v3.xml');
  // three vcpus, one online, a domain-wide cpuset and one vcpu already pinned in the definition
  writeFileSync(v3, `<domain type='test'><name>v3</name><uuid>59ceaf01-47a4-4088-9999-6114fc60c0e5</uuid><memory>8192</memory><vcpu current='1' cpuset='1-2'>3</vcpu>
<cputune><vcpupin vcpu='2' cpuset='4,5,6'/></cputune><os><type>hvm</type></os></domain>\n`);
  const r = same(def(`vcpupin test; vcpupin test 1 2,3; vcpupin test; vcpupin test 1; vcpuinfo test; dumpxml test; destroy test; vcpupin test; `
    + `vcpupin test 0 1; vcpupin test --live; start test; vcpupin test --config`));
  assert.match(r.stdout, / 0 {6}0-7\n 1 {6}2-3\n/);
  same(def(`define ${v3}; vcpupin v3; vcpupin v3 2; vcpupin v3 3; start v3; vcpupin v3 1; vcpupin v3 1 3; vcpupin v3 0 r; `
    + `vcpupin v3 0 3; vcpupin v3 --vcpu 0; vcpuinfo v3; dumpxml v3; dumpxml v3 --inactive`));
  for (const bad of ['abc', "''", '1,,2', '^0', '0-8', '1024', "' 1'"]) same(def(`vcpupin test 0 ${bad}`));
  for (const cmds of ['vcpupin test --live --config', 'vcpupin nope 0 1', 'vcpupin nope -1', 'vcpupin nope --cpulist 1',
    'vcpupin test 0 1 --config', 'vcpupin test 0 1 --current', 'vcpupin test --current --live']) same(def(cmds));
  same(['-q', ...def('vcpupin test')]);
});

test('domcontrol follows the guest clock through job, occupied and error states', { skip }, () => {
  const r = same(def('domcontrol test; domtime test --time 5; domcontrol test; domtime test --time 10005; domcontrol test; '
    + 'domtime test --time 30001; domcontrol test; domtime test --time 30002; domcontrol test; domtime test --time 30003; '
    + 'domcontrol test; domtime test --time 30004; domcontrol test; domtime test --time -5; domcontrol test'));
  assert.match(r.stdout, /^ok\n\n[^]*background job \(0\.005s\)\n[^]*error: monitor failure\n/);
  same(def('domcontrol nosuch'));
  same(def(`define ${offXml}; domcontrol off`));
});

test('domblkerror: one entry per disk of a running domain, errors otherwise', { skip }, () => {
  const r = same(def(`domblkerror test; define ${offXml}; domblkerror off; start off; domblkerror off`));
  assert.match(r.stdout, /vda: unspecified error\nvdb: no space\n/);
  same(def('domblkerror nosuch'));
});

test('domtime gets and sets the guest clock', { skip }, () => {
  const r = same(def('domtime test; domtime test --pretty; domtime test --time 1234; domtime test; domtime test --sync; domtime test'));
  assert.match(r.stdout, /^Time: 627319920\nTime: 1989-11-17 15:32:00\n\nTime: 1234\n\nTime: 0\n$/);
  same(['-q', '-c', 'test:///default', 'domtime test; domtime test --pretty']);
  // --now sets the host's time; compared through a later --pretty read only up to the minute
  const now = run([process.execPath, TSVIRSH], def('domtime test --now; domtime test --pretty'));
  assert.equal(now.status, 0);
  assert.equal(now.stdout.slice(0, 17), `\nTime: ${new Date().toISOString().slice(0, 10)}`);
  for (const cmds of ['domtime test --time abc', 'domtime test --sync --time 4', 'domtime test --now --time 4',
    'domtime test --now --sync', 'domtime nosuch', 'suspend test; domtime test', `define ${offXml}; domtime off; domtime off --sync`]) {
    same(def(cmds));
  }
  same(['-r', '-c', 'test:///default', 'domtime test; domtime test --time 3']);
});

test('inject-nmi and send-key', { skip }, () => {
  same(def("inject-nmi test; send-key test 37 0x25 010 +5 ' 5'; send-key test --codeset usb --holdtime 100 4"));
  same(def('send-key test --codeset rfb 4; send-key test --codeset win32 4; send-key test --codeset atset1 4'));
  for (const cmds of ['inject-nmi nosuch', `define ${offXml}; inject-nmi off; send-key off 3`, 'send-key test',
    'send-key test foo', 'send-key test 70000', 'send-key test -1', 'send-key test 08', "send-key test '5 '",
    'send-key test --codeset xx 1', 'send-key test --codeset osx 1', 'send-key test --holdtime abc 4', 'send-key test --holdtime -4 4',
    'send-key test 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17', 'send-key nosuch 4']) {
    same(def(cmds));
  }
  same(['-r', '-c', 'test:///default', 'inject-nmi test; send-key test 4; domcontrol test; domblkerror test']);
});

test('domif-getlink and domif-setlink find interfaces by MAC or device, and print or apply the change', { skip }, () => {
  const netsXml = join(dir, 'nets.xml');
  writeFileSync(netsXml, `<domain type='test'><name>nets</name><memory>8192</memory><os><type>hvm</type></os><devices>
<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><target dev='vnet1'/><link state='down'/></interface>
<interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/><target dev='vnet2'/><model type='virtio'/></interface>
<interface type='network'><mac address='52:54:00:00:00:03'/><source network='default'/><target dev='vnet2'/></interface>
</devices></domain>\n`);
  const r = same(def('domif-getlink test testnet0; domif-getlink test AA:BB:CC:DD:EE:FF --config; domif-getlink test testnet0 --persistent'));
  assert.equal(r.stdout, 'testnet0 up\nAA:BB:CC:DD:EE:FF up\ntestnet0 up\n');
  const p = same(def('domif-setlink test testnet0 down --print-xml'));
  assert.match(p.stdout, /^<interface type="network">\n[^]*<link state="down"\/><\/interface>\n$/);
  same(def(`define ${netsXml}; domif-getlink nets vnet1; domif-getlink nets 52:54:0:0:0:1; domif-getlink nets vnet2; `
    + 'domif-setlink nets vnet1 up --print-xml; domif-setlink nets vnet2 down --print-xml; '
    + 'domif-setlink nets 52:54:00:00:00:03 down --print-xml --config'));
  for (const cmds of ['domif-getlink test vnet0', 'domif-getlink test 00:11:22:33:44:55', 'domif-getlink nosuch x',
    'domif-setlink test vnet0 down --print-xml', 'domif-setlink test testnet0 bogus', 'domif-setlink nosuch a up',
    // the test driver has no UpdateDeviceFlags: virsh's error, both for live and --persistent
    'domif-setlink test testnet0 up', 'domif-setlink test testnet0 down --persistent', 'domif-setlink test testnet0 down --current']) {
    same(def(cmds));
  }
  same(['-q', '-c', 'test:///default', 'domif-getlink test testnet0; domif-setlink test testnet0 down --print-xml']);
});

test('set-lifecycle-action changes the live and persistent definitions', { skip }, () => {
  const lcXml = join(dir, 'lc.xml');
  writeFileSync(lcXml, `<domain type='test'><name>lc</name><uuid>4f0c2c5e-1d7b-4c56-9a53-2a1f3c0d9e11</uuid><memory>8192</memory><os><type>hvm</type></os></domain>\n`);
  const r = same(def('set-lifecycle-action test reboot preserve --config; dumpxml test --inactive; set-lifecycle-action test crash coredump-restart; '
    + 'dumpxml test; set-lifecycle-action test poweroff restart --live --config; dumpxml test; dumpxml test --inactive'));
  assert.match(r.stdout, /<on_reboot>preserve<\/on_reboot>[^]*<on_crash>coredump-restart<\/on_crash>/);
  same(def(`define ${lcXml}; set-lifecycle-action lc poweroff restart; set-lifecycle-action lc crash rename-restart --live; `
    + 'set-lifecycle-action lc crash rename-restart --config; dumpxml lc; set-lifecycle-action lc reboot coredump-restart --live'));
  for (const cmds of ['set-lifecycle-action test poweroff coredump-destroy', 'set-lifecycle-action test bogus destroy',
    'set-lifecycle-action test poweroff bogus', 'set-lifecycle-action nosuch poweroff destroy', 'set-lifecycle-action nosuch bogus destroy',
    'set-lifecycle-action test poweroff destroy --current --live']) {
    same(def(cmds));
  }
  same(['-r', '-c', 'test:///default', 'set-lifecycle-action test crash preserve']);
});

test('metadata sets, reads and removes a namespaced element per definition', { skip }, () => {
  const r = same(def(`metadata test http://x/ --key k --set '<a b="1"><c/></a>'; metadata test http://x/; metadata test http://x/ --config; `
    + `metadata test http://x/ k '<d/>' --config; metadata test http://x/ --config; metadata test http://y/; metadata test http://x/ --remove; metadata test http://x/`));
  assert.match(r.stdout, /^Metadata modified\n\n<a b="1">\n  <c\/>\n<\/a>\n\n[^]*<d\/>\n[^]*Metadata removed\n/);
  for (const cmds of [`metadata test http://x/ --set '<a/>'`, 'metadata nosuch http://x/', `metadata test http://x/ --edit --set x`,
    `metadata test http://x/ --remove --set x`, `metadata test http://x/ k '<bad'`, 'metadata test http://x/ --current --live',
    `metadata test http://x/ k '<a/><b/>'`, `metadata test '' k '<a/>'`]) {
    same(def(cmds));
    same(['-q', ...def(cmds)]);
  }
  same(['-r', '-c', 'test:///default', `metadata test http://x/ k '<a/>'`]);
});

test('domfsinfo lists the fake guest file systems on the first disk; domfsfreeze/domfsthaw count changed states', { skip }, () => {
  const nodXml = join(dir, 'nod.xml');
  writeFileSync(nodXml, `<domain type='test'><name>nod</name><memory>8192</memory><os><type>hvm</type></os></domain>\n`);
  const r = same(def(`domfsinfo test; define ${offXml}; domfsinfo off; start off; domfsinfo off; define ${nodXml}; start nod; domfsinfo nod`));
  assert.match(r.stdout, /^ Mountpoint   Name   Type   Target\n-+\n \/            vda1   ext4   vda\n \/boot        vda2   ext4   vda\n/);
  assert.match(r.stdout, /No filesystems are mounted in the domain\n/);
  same(['-q', ...def('domfsinfo test')]);
  const f = same(def('domfsfreeze test --mountpoint /boot; domfsfreeze test; domfsfreeze test --mountpoint /; domfsthaw test --mountpoint /; '
    + 'domfsthaw test; domfsthaw test; domfsfreeze test --mountpoint / --mountpoint /boot --mountpoint /boot; domfsthaw test /boot /boot; '
    + 'domfsfreeze test --mountpoint /boot --mountpoint /x; domfsthaw test; destroy test; start test; domfsfreeze test; destroy test; start test; domfsfreeze test'));
  assert.match(f.stdout, /^Froze 1 filesystem\(s\)\n\nFroze 1 filesystem\(s\)\n\nFroze 0 filesystem\(s\)\n\nThawed 1 filesystem\(s\)\n/);
  same(['-q', ...def('domfsfreeze test; domfsthaw test')]);
  same(def('domfstrim test; domfstrim test --minimum 10 --mountpoint /; domfstrim test --mountpoint /boot; domfstrim test --mountpoint /x; '
    + 'domfstrim test --minimum x; domfstrim test --minimum -1; domfstrim nosuch --minimum x'));
  for (const c of ['domfsinfo', 'domfsfreeze', 'domfsthaw', 'domfstrim']) {
    same(def(`${c} nosuch`));
    same(def(`destroy test; ${c} test`));
    same(['-r', '-c', 'test:///default', `${c} test`]);
  }
});

test('numatune reads and sets the memory mode and nodeset of each definition', { skip }, () => {
  const r = same(def('numatune test; numatune test --config; numatune test --mode strict --nodeset 0; dumpxml test; numatune test --mode preferred; '
    + 'numatune test; numatune test --nodeset 0-1 --config; dumpxml test --inactive; numatune test --mode bogus; numatune test --nodeset x; '
    + 'numatune test --mode restrictive --nodeset 0 --config; numatune test --config; numatune test --mode strict --config; '
    + 'numatune test --mode 2 --nodeset 1 --config; numatune test --config; numatune test --nodeset 0,1,3; numatune test; '
    + 'destroy test; numatune test --mode 1; numatune test; dumpxml test; numatune test --live'));
  assert.match(r.stdout, /^numa_mode      : strict\nnuma_nodeset   : \n/);
  assert.match(r.stdout, /<numatune>\n    <memory mode='strict' nodeset='0'\/>\n  <\/numatune>/);
  assert.match(r.stdout, /numa_mode      : preferred\nnuma_nodeset   : 1\n/);
  for (const cmds of ['numatune nosuch --mode bogus', 'numatune test --mode preferred --nodeset 0 --current --live', 'numatune test --mode 4 --nodeset 0', 'numatune test --mode -1 --nodeset 0', "numatune test --mode ' 2' --nodeset 0", 'numatune test --mode 2x', 'numatune test --nodeset 0 --live --config']) {
    same(def(cmds));
  }
  same(['-r', '-c', 'test:///default', 'numatune test; numatune test --nodeset 0']);
});

describe('the real virsh against tsvirtd answers as against libvirt\'s test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  for (const cmds of [
    'domcontrol test; domblkerror test; domtime test; domtime test --time 10007; domcontrol test; domtime test --pretty',
    'inject-nmi test; send-key test --codeset usb 4 5; suspend test; domtime test; domcontrol nosuch',
    `destroy test; domcontrol test; domblkerror test; inject-nmi test; domtime test --sync`,
    'set-lifecycle-action test crash preserve; set-lifecycle-action test reboot coredump-destroy; dumpxml test; domif-getlink test testnet0',
    'numatune test --nodeset 0-2,^1 --live --config; numatune test --mode interleave; numatune test --config; dumpxml test --inactive; numatune test --nodeset y',
    'emulatorpin test 3-4 --live; emulatorpin test; emulatorpin test --config; emulatorpin test 0 --config; dumpxml test --inactive',
    'perf test --enable cmt,cpu_clock; perf test --disable cmt --config; perf test; perf test --config; perf test --enable nope; dumpxml test',
    'setvcpu test 1 --enable; setvcpu test 0 --disable --config; setvcpu nope 1 --enable',
    'cpu-stats test; cpu-stats test --start 1 --total; cpu-stats test --count 3; cpu-stats test --start 2; destroy test; cpu-stats test',
    'iothreadinfo test; iothreadinfo test --config; iothreadinfo test --live --config; iothreadinfo nope',
    'vcpupin test 1 1-3,^2; vcpupin test 0 r; vcpupin test; vcpupin test 0 1 --live; vcpuinfo test; destroy test; vcpupin test --config',
    'domfsinfo test; domfsfreeze test --mountpoint /boot; domfsfreeze test; domfsthaw test / /x; domfsthaw test; domfstrim test --mountpoint /boot --minimum 4096; domfstrim test --mountpoint /y',
    `metadata test http://x/ k '<a b="1"><c/></a>' --live --config; metadata test http://x/ --config; metadata test http://x/ --remove; metadata test http://x/; dumpxml test`,
  ]) {
    test(cmds, () => {
      const want = virsh('test:///default', [cmds]);
      assert.deepEqual(virsh(`test+unix:///default?socket=${d.rw}`, [cmds]), want);
    });
  }
  test('read-only socket: the getters pass, the setters are refused', () => {
    const cmds = 'domcontrol test; domblkerror test; domtime test; inject-nmi test; send-key test 4; vcpupin test; vcpupin test 0 1; emulatorpin test; emulatorpin test 1; iothreadinfo test; perf test; perf test --enable cmt; cpu-stats test; setvcpu test 1 --enable';
    assert.deepEqual(virsh(`test+unix:///default?socket=${d.ro}`, [cmds]), virsh('test:///default', [cmds], ['-r']));
  });
});
