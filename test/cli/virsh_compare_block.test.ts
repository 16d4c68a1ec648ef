// tsvirsh against the real virsh 9.0 for the domain_block commands (blockresize, change-media,
// detach-device-alias, domblkthreshold, domjobinfo, domjobabort, dompmsuspend, dompmwakeup):
// libvirt's test driver supports none of them, so what users meet is virsh's option checks in
// its order and the NO_SUPPORT error naming the right public API; change-media's rewritten disk
// element (--print-xml) is virsh's own work, compared byte for byte. The same command sequences
// run through both against test:///default, -r and -q, and the real virsh against tsvirtd.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { VIRSH, TSVIRSH, def, noVirsh, run as runIn, same as sameIn, type Result } from './compare_lib.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';

const skip = noVirsh;
/** stdin closed, as virsh's job watcher wants */
const run = (bin: readonly string[], args: readonly string[]): Result => runIn(bin, args, { closedStdin: true });
const same = (args: readonly string[]): Result => sameIn(args, { closedStdin: true });
const virsh = (uri: string, cmds: string, extra: string[] = []) => run([VIRSH], [...extra, '-c', uri, cmds]);

const NO_SUPPORT = 'error: this function is not supported by the connection driver: ';

let dir = '';
let cdXml = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-block-'));
  cdXml = join(dir, 'cd.xml');
  // a cdrom with media (and a startup policy), an empty floppy, an empty block cdrom, a plain disk
  writeFileSync(cdXml, `<domain type='test'><name>cd</name><memory>8192</memory><os><type>hvm</type></os><devices>
<disk type='file' device='cdrom'><source file='/tmp/a.iso' startupPolicy='optional'/><target dev='hdc' bus='ide'/><readonly/></disk>
<disk type='file' device='floppy'><target dev='fda' bus='fdc'/></disk>
<disk type='block' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdd' bus='ide'/><readonly/></disk>
<disk type='file' device='disk'><source file='/tmp/d.img'/><target dev='vda' bus='virtio'/></disk></devices></domain>\n`);
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('change-media: virsh\'s rewrite of the disk element, its checks, and the update it asks for', { skip }, () => {
  const r = same(def(`define ${cdXml}; change-media cd hdc --eject --print-xml; change-media cd hdc '/tmp/b&c.iso' --update --print-xml; `
    + 'change-media cd /tmp/a.iso /tmp/x.iso --block --print-xml --config; change-media cd fda --eject; change-media cd fda /tmp/f.img --insert --print-xml; '
    + 'change-media cd hdd /tmp/y --print-xml --block; change-media cd hdd --update; change-media cd hdc /tmp/z --insert; change-media cd vda --eject; '
    + "change-media cd hdc --eject --block; change-media cd hdc '' --insert; change-media nope hdc --eject; change-media cd hdc --eject --current --config; "
    + 'change-media cd hdc x --eject --live --force; change-media cd hdc --insert; change-media test hda --eject; change-media cd hdc /tmp/n.iso; '
    + 'change-media cd hdc --eject --insert; change-media cd hdc --insert --update'));
  // the source element goes before <target>, with a copy of the indentation in front of it
  assert.ok(r.stdout.includes('<disk type="block" device="cdrom">\n      \n      <source dev="/tmp/x.iso" startupPolicy="optional"/>\n      <target dev="hdc" bus="ide"/>'));
  assert.ok(r.stderr.includes(`error: Failed to complete action update on media\n${NO_SUPPORT}virDomainUpdateDeviceFlags\n`));
  assert.ok(r.stderr.includes("error: The disk device 'hdc' already has media\n"));
  same(['-r', '-c', 'test:///default', `define ${cdXml}; change-media cd hdc --eject; change-media cd hdc --eject --print-xml`]);
});

test('blockresize: path, scaled size (KiB by default), then the domain; the test driver has no virDomainBlockResize', { skip }, () => {
  const r = same(def("blockresize test hda 100; blockresize test hda 1000B; blockresize test hda 1.5M; blockresize test hda -1; "
    + "blockresize test hda abc; blockresize nope hda 1; blockresize test hda 0; blockresize test hda 18446744073709551615; "
    + "blockresize test hda 16E; blockresize test hda 99999999999999999999; blockresize test hda 18014398509481984; "
    + "blockresize test hda 18014398509481983; blockresize test '' 1; blockresize nope '' x; blockresize test hda 1bytes; blockresize test hda 17179869184G"));
  assert.match(r.stderr, /^error: Failed to resize block device 'hda'\nerror: this function is not supported by the connection driver: virDomainBlockResize\n/);
  assert.match(r.stderr, /error: Scaled numeric value '16E' for <size> option is malformed or out of range\nerror: numerical overflow: value too large: 16E\n/);
  assert.match(r.stderr, /error: invalid argument: unknown suffix '\.5M'\n/);
  same(['-c', 'test:///default', 'blockresize', 'test', 'hda', '10M']);
  same(['-r', '-c', 'test:///default', 'blockresize test hda 1']);
});

test('the scaled-size overflow line also follows setmem\'s (shared option parser)', { skip }, () => {
  same(def('setmem test 18446744073709551615; setmem test 99999999999999999999; setmem test 9223372036854775807'));
});

test('detach-device-alias, domblkthreshold: option checks in virsh\'s order, then NO_SUPPORT', { skip }, () => {
  const r = same(def("detach-device-alias test ua-x; detach-device-alias test x --current --live; detach-device-alias nope x; "
    + "detach-device-alias test ''; detach-device-alias nope ''; detach-device-alias test x --config --live; "
    + "domblkthreshold test hda 100; domblkthreshold test hda 1k; domblkthreshold nope hda x; domblkthreshold test '' 1; "
    + "domblkthreshold test hda -1; domblkthreshold nope '' x; domblkthreshold test vda[1] 1G"));
  assert.match(r.stderr, /^error: Failed to detach device with alias ua-x\nerror: this function is not supported by the connection driver: virDomainDetachDeviceAlias\n/);
  assert.ok(r.stderr.includes(`${NO_SUPPORT}virDomainSetBlockThreshold\n`));
  same(['-r', '-c', 'test:///default', 'detach-device-alias test x; domblkthreshold test hda 1']);
});

test('domjobinfo, domjobabort: GetJobStats falls back to GetJobInfo only without flags; AbortJobFlags only for --postcopy', { skip }, () => {
  const r = same(def('domjobinfo test; domjobinfo test --completed; domjobinfo test --rawstats; domjobinfo nope; '
    + 'domjobinfo test --keep-completed --anystats; domjobinfo test --anystats; domjobinfo test --completed --keep-completed; '
    + 'domjobabort test; domjobabort test --postcopy; domjobabort nope'));
  assert.ok(r.stderr.includes(`${NO_SUPPORT}virDomainGetJobInfo\n`));
  assert.ok(r.stderr.includes('error: Optional flags or --rawstats are not supported by the daemon\n'
    + `${NO_SUPPORT}virDomainGetJobStats\n`));
  assert.ok(r.stderr.includes(`${NO_SUPPORT}virDomainAbortJob\n`));
  assert.ok(r.stderr.includes(`${NO_SUPPORT}virDomainAbortJobFlags\n`));
  assert.ok(r.stderr.includes('error: Option --completed is required by option --keep-completed\n'));
  same(['-r', '-c', 'test:///default', 'domjobinfo test; domjobabort test; domjobabort test --postcopy']);
});

test('dompmsuspend, dompmwakeup: the domain, --duration, the target; virsh\'s failure lines', { skip }, () => {
  const r = same(def("dompmsuspend test mem; dompmsuspend test foo; dompmsuspend test mem --duration -1; dompmsuspend test mem --duration x; "
    + "dompmsuspend nope foo; dompmsuspend test disk --duration 5; dompmsuspend nope mem --duration x; dompmsuspend test foo --duration x; "
    + "dompmsuspend test ''; dompmsuspend test hybrid --duration 18446744073709551615; dompmwakeup test; dompmwakeup nope; dompmwakeup 1"));
  assert.match(r.stderr, /^error: Domain 'test' could not be suspended\nerror: this function is not supported by the connection driver: virDomainPMSuspendForDuration\n/);
  assert.ok(r.stderr.includes(`error: Domain 'test' could not be woken up\n${NO_SUPPORT}virDomainPMWakeup\n`));
  same(['-r', '-c', 'test:///default', 'dompmsuspend test mem; dompmwakeup test']);
  same(['-q', '-c', 'test:///default', 'dompmsuspend test mem; dompmwakeup test']);
});

describe('the real virsh against tsvirtd answers as against libvirt\'s test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  const all = () => `define ${cdXml}; change-media cd hdc --eject; change-media cd hdc /tmp/q.iso --config --print-xml; `
    + 'blockresize test hda 100; blockresize test hda 1000B; detach-device-alias test ua-x --live; domblkthreshold test hda 1k; '
    + 'domjobinfo test; domjobinfo test --completed; domjobabort test; domjobabort test --postcopy; dompmsuspend test mem --duration 3; dompmwakeup test';
  test('every command, read-write', () => {
    assert.deepEqual(virsh(`test+unix:///default?socket=${d.rw}`, all()), virsh('test:///default', all()));
  });
  test('read-only socket: the getters pass to NO_SUPPORT, the setters are refused', () => {
    assert.deepEqual(virsh(`test+unix:///default?socket=${d.ro}`, all()), virsh('test:///default', all(), ['-r']));
  });
  test('tsvirsh through tsvirtd', () => {
    assert.deepEqual(run([process.execPath, TSVIRSH], ['-c', `test+unix:///default?socket=${d.rw}`, all()]), virsh('test:///default', all()));
  });
});
