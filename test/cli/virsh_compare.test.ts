// tsvirsh against the real virsh 9.0: the same command sequences through both, against
// test:///default and against a node file of our own, comparing stdout, stderr and the exit
// status byte for byte. Several commands share one process (`;`), so the state they build up
// (defines, starts, snapshots, ...) is compared too.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ROOT, VIRSH, TSVIRSH, def, noVirsh, run as runIn, same as sameIn, type Result } from './compare_lib.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DATA = join(ROOT, 'test/data/cli');
const NODE_URI = `test://${DATA}/node.xml`;
const skip = noVirsh;

/** Values that depend on the clock: CPU time (the test driver derives it from the time of day)
 * and snapshot creation times, which may fall in different seconds in the two runs. */
const mask = (s: string) => s.replace(/^(CPU time:\s+).*$/gm, '$1<time>')
  .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, '<date>')
  .replace(/<creationTime>\d+<\/creationTime>/g, '<creationTime/>');

const masked = (r: Result): Result => ({ ...r, stdout: mask(r.stdout) });
const run = (bin: readonly string[], args: readonly string[], input?: string): Result => masked(runIn(bin, args, { input }));
const same = (args: readonly string[], input?: string): void => { sameIn(args, { input }, masked); };

test('generic commands, help and the option grammar', { skip }, () => {
  same(def('echo a "b c" d\\ e \'f g\' h"i"j; echo --shell a \'b c\' "it\'s"; echo --xml "<a&b>"; echo --split a,,b,c d'));
  same(def('echo a # comment\necho b; echo -- --a -b; pwd'));
  same(def('help snapshot-create-as; help echo; help virsh; help quit; help capabilities; help dumpxml; help setvcpus; help vol-create-as'));
  same(def('dumpxml --help'));
  // listing/info commands add tsvirsh's --json; apart from that line their help is virsh's
  const want = run([VIRSH], def('help list; dominfo --help; help vol-list'));
  const got = run([process.execPath, TSVIRSH], def('help list; dominfo --help; help vol-list'));
  assert.equal(got.stdout.replace(/ \[--json\]| *--json {11}print machine-readable JSON \(tsvirsh extension\)\n/g, ''), want.stdout);
  same(['-c', 'test:///default', 'echo', 'a;b', 'c']);
  same(['-q', '-c', 'test:///default', 'echo a; list; dominfo test']);
  same(def('help nosuch'));
  same(def('cd /tmp'));
});

test('help lists every virsh command as virsh does; one tsvirsh lacks parses, then says so', () => {
  const r = run([process.execPath, TSVIRSH], ['-c', 'test:///default', 'help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Grouped commands:\n\n Domain Management \(help keyword 'domain'\):\n    attach-device {18}attach device from an XML file\n/);
  assert.match(r.stdout, /\n    domfsinfo {22}Get information of domain's mounted filesystems\.\n/);
  if (!skip) {
    assert.equal(r.stdout, run([VIRSH], ['-c', 'test:///default', 'help']).stdout, 'byte for byte');
    same(def('help domfsinfo; help numatune; help nodedev-list'));
    same(def('domfsinfo')); // a missing option: virsh's parse error
  }
  const lacking = run([process.execPath, TSVIRSH], ['-c', 'test:///default', 'blockpull test hda']);
  assert.equal(lacking.status, 1);
  assert.equal(lacking.stderr, "error: command 'blockpull' is not implemented by tsvirsh\n");
});

test('parse errors are reported before anything runs, with virsh exit codes', { skip }, () => {
  for (const cmds of ['foo', 'list --bogus', 'dominfo', 'vol-create-as', 'list --all=x', 'dominfo test --domain x',
    'dominfo --domain', 'dominfo a b', 'list; foo', 'echo "abc', 'echo abc\\', 'echo --shell --xml a', '', ' ']) {
    same(def(cmds));
  }
  same(['--bogus']);
  same(['-x']);
  same(['-c']);
  same(['-c', 'test:///default', '-k', 'abc', 'echo']);
  same(['-c', 'test:///default', '-d', 'x', 'echo']);
});

test('host commands', { skip }, () => {
  same(def('uri; hostname; version; nodeinfo; capabilities; sysinfo; freecell; freecell --all; freecell 0; nodecpumap; nodecpumap --pretty; maxvcpus; domcapabilities'));
});

test('domain listing and inspection', { skip }, () => {
  same(def('list; list --all; list --name; list --uuid; list --id --all; list --uuid --name --id --all; list --title; list --table --name; list --inactive; list --state-running --persistent'));
  same(def('dominfo test; domstate test --reason; domid test; domuuid test; domname 1; domname test; domuuid 6695eb01-f6a4-8304-79aa-97f2502e193f; domid nosuch'));
  same(def('dumpxml test; dumpxml test --inactive; dumpxml test --security-info; domiflist test; domblklist test; domblklist test --details'));
  same(def('vcpucount test; vcpucount test --maximum; vcpucount test --live --config; vcpucount test --current --live; dommemstat test; schedinfo test; memtune test'));
  same(def('domblkinfo test vda; domblkinfo test --all; domblkinfo test --all --human; domblkinfo test; domblkstat test; domifstat test vnet0; domhostname test; domifaddr test; domstats test; domstats --state --list-active'));
});

test('domain lifecycle, state errors and unknown objects', { skip }, () => {
  const d1 = join(DATA, 'dom1.xml');
  const dir = mkdtempSync(join(tmpdir(), 'tsvirsh-'));
  try {
    same(def(`define ${d1}; list --all; dominfo d1; vcpuinfo d1; dommemstat d1; start d1; start d1; list; suspend d1; suspend d1; ` +
      `domstate d1 --reason; resume d1; resume d1; reboot d1; reset d1; shutdown d1; start d1; destroy d1; destroy d1; ` +
      `autostart d1; list --autostart --all; autostart d1 --disable; managedsave d1; start d1; managedsave d1; list --all --managed-save; ` +
      `dominfo d1; managedsave-remove d1; managedsave-remove d1; start d1; save d1 ${dir}/d1.save; list --all; restore ${dir}/d1.save; ` +
      `domrename d1 d2; destroy d1; domrename d1 d2; list --all --name; undefine d2; create ${d1}; list --transient; destroy d1; list --all`));
    same(def('define /nonexist; create /nonexist; start nosuch; destroy nosuch; undefine nosuch; start --paused test; suspend nosuch'));
    same(['-r', ...def('destroy test; list')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('domain configuration changes', { skip }, () => {
  const nic = join(DATA, 'nic.xml');
  same(def('desc test; desc test --title; desc test --new-desc hello; desc test; desc test --title --new-desc "T 1"; list --title; ' +
    'desc test --config; desc test hello world; desc test; setvcpus test 1; vcpucount test; setvcpus test 9; setvcpus test 0; ' +
    'setmem test 1048576; setmem test abc; setmem test 1Q; setmaxmem test 4194304; setmem test 1G --config; dumpxml test --inactive'));
  same(def(`attach-device test ${nic}; domiflist test; detach-device test ${nic}; attach-device test ${nic} --config; ` +
    `domiflist test --inactive; attach-device test /nonexist; detach-device test ${nic} --persistent; domiflist test --inactive`));
});

test('snapshots', { skip }, () => {
  same(def('snapshot-list test; snapshot-create-as test s1 "first snap"; snapshot-create-as test s2; snapshot-create-as test --name s3 --print-xml; ' +
    'snapshot-list test --tree; snapshot-list test --parent; snapshot-list test --roots; snapshot-list test --leaves --name; ' +
    'snapshot-current test --name; snapshot-info test s1; snapshot-info test --current; snapshot-parent test s2; snapshot-parent test s1; ' +
    'snapshot-dumpxml test s1; snapshot-revert test s1; snapshot-current test --name; snapshot-delete test s1 --children-only; snapshot-list test --name; ' +
    'snapshot-delete test s1; snapshot-delete test nosuch; snapshot-info test nosuch; snapshot-list nosuch; list --with-snapshot'));
  same(def('snapshot-create-as test a; snapshot-create-as test b; snapshot-revert test a; snapshot-create-as test c; snapshot-create-as test d; ' +
    'snapshot-list test --tree; snapshot-list test --from a --name; snapshot-list test --from a --descendants --name; snapshot-list test --current --parent; ' +
    'snapshot-current test b; snapshot-current test --name; ' +
    'snapshot-create-as test e --diskspec vda,snapshot=external,file=/tmp/x.qcow2 --memspec /tmp/mem --print-xml; snapshot-delete test a --children; snapshot-list test --name'));
});

test('networks', { skip }, () => {
  const n1 = join(DATA, 'net1.xml');
  same(def('net-list; net-list --all --uuid; net-list --name; net-list --uuid --name; net-info default; net-uuid default; net-dumpxml default; ' +
    'net-destroy default; net-start default; net-start default; net-autostart default; net-list --autostart; net-autostart default --disable; ' +
    'net-dhcp-leases default; net-info nosuch; net-name dd0e1c2b-2d6a-4f3b-9a2d-0e1f2a3b4c5d'));
  same(def(`net-define ${n1}; net-list --all; net-start n1; net-update n1 add ip-dhcp-host "<host mac='00:11:22:33:44:55' ip='192.168.5.7'/>" --live --config; ` +
    `net-dumpxml n1; net-dumpxml n1 --inactive; net-update n1 delete ip-dhcp-host "<host mac='00:11:22:33:44:55' ip='192.168.5.7'/>"; ` +
    `net-destroy n1; net-undefine n1; net-create ${n1}; net-list --transient; net-destroy n1; net-undefine nosuch; net-update default bogus ip x`));
});

test('storage pools and volumes', { skip }, () => {
  same(def('pool-list; pool-list --all --details; pool-list --name; pool-list --uuid; pool-info default-pool; pool-uuid default-pool; pool-dumpxml default-pool; ' +
    'vol-list default-pool; vol-create-as default-pool v1 10M; vol-create-as default-pool v2 1G --allocation 512M --format qcow2 --print-xml; ' +
    'vol-list default-pool --details; vol-info v1 --pool default-pool; vol-info /default-pool/v1; vol-path v1 --pool default-pool; ' +
    'vol-key v1 --pool default-pool; vol-name /default-pool/v1; vol-pool /default-pool/v1; vol-dumpxml v1 default-pool; ' +
    'vol-clone v1 v1c --pool default-pool; vol-resize v1 20M --pool default-pool; vol-wipe v1 --pool default-pool; vol-delete v1c --pool default-pool; ' +
    'vol-list default-pool; vol-info nosuch; vol-info nosuch --pool default-pool; pool-info nosuch; vol-create-as default-pool x 1Q; vol-create-as default-pool x abc'));
  same(def('pool-define-as p1 dir --target /tmp/p1 --print-xml; pool-list --all --name; pool-create-as p2 dir --target /tmp/p2 --print-xml; ' +
    'pool-destroy default-pool; pool-list --all --details; pool-info default-pool; pool-start default-pool; pool-refresh default-pool; ' +
    'pool-autostart default-pool; pool-list --autostart; pool-autostart default-pool --disable'));
});

test('a node file of our own', { skip }, () => {
  same(['-c', NODE_URI, 'list --all; list --all --title; net-list --all; pool-list --all --details; vol-list store --details; nodeinfo; ' +
    'dominfo alpha; domstate Beta --reason; start alpha; list; destroy alpha; vol-info disk0.img --pool store; desc Beta --title']);
});

test('interactive mode on a pipe: prompt and line echo, errors, quit', { skip }, () => {
  // the banner and prompt name tsvirsh (a deliberate difference), so compare everything else
  const input = 'list\nfoo\necho "a\ndominfo nosuch\necho x; quit; echo y\n';
  const want = run([VIRSH], ['-c', 'test:///default'], input);
  const got = run([process.execPath, TSVIRSH], ['-c', 'test:///default'], input);
  const norm = (s: string) => s.replace(/virsh/g, 'PROG');
  assert.equal(norm(got.stdout.replace(/tsvirsh/g, 'virsh')), norm(want.stdout));
  assert.equal(got.stderr, want.stderr);
  assert.equal(got.status, want.status);
  const q = 'echo a\n';
  const wq = run([VIRSH], ['-q', '-c', 'test:///default'], q);
  const gq = run([process.execPath, TSVIRSH], ['-q', '-c', 'test:///default'], q);
  assert.equal(gq.stdout.replace(/tsvirsh/g, 'virsh'), wq.stdout);
});

test('-q hides the status lines virsh prints with vshPrintExtra, as virsh does', { skip }, () => {
  for (const cmds of [
    'shutdown test; reboot test; reset test; suspend test; resume test; destroy test; undefine test',
    'net-destroy default; net-start default; net-autostart default; net-undefine default',
    'pool-refresh default-pool; pool-autostart default-pool; pool-destroy default-pool',
    'vol-create-as default-pool qv.img 1M; vol-clone qv.img qv2.img --pool default-pool; vol-delete qv.img --pool default-pool',
    'snapshot-create-as test s1; snapshot-revert test s1; snapshot-delete test s1; autostart test; desc test hi',
  ]) same(['-q', '-c', 'test:///default', cmds]);
});
