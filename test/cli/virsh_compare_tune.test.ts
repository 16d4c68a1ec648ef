// tsvirsh against the real virsh 9.0 for the tuning commands (blkiotune, domiftune,
// blkdeviotune): the same command sequences through both against test:///default,
// stdout/stderr/status compared byte for byte; then the real virsh and tsvirsh against tsvirtd,
// which must answer as libvirt's in-process test driver does.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIRSH, TSVIRSH, def, noVirsh, run, same } from './compare_lib.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';
import { virsh } from '../interop/virsh_run.js';

const skip = noVirsh;

let dir = '';
let tunedXml = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-tune-'));
  tunedXml = join(dir, 'tuned.xml');
  // tuning already in the definition, two disks and two interfaces (one found by MAC only)
  writeFileSync(tunedXml, `<domain type='test'><name>tuned</name><uuid>0c1d9e7e-2b1a-4f4e-8a55-7a0f3c9d2e61</uuid><memory>8192</memory>
<blkiotune><weight>300</weight><device><path>/dev/sda</path><read_bytes_sec>1000</read_bytes_sec><weight>20</weight></device></blkiotune>
<os><type>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/tmp/a.img'/><target dev='vda'/><iotune><read_bytes_sec>10</read_bytes_sec><read_bytes_sec_max>20</read_bytes_sec_max><group_name>g1</group_name></iotune></disk>
<disk type='file' device='disk'><source file='/tmp/b.img'/><target dev='vdb'/></disk>
<disk type='file' device='disk'><source file='/tmp/c.img'/><target dev='vdc'/><iotune><size_iops_sec>18446744073709551615</size_iops_sec><read_bytes_sec>9007199254740993</read_bytes_sec></iotune></disk>
<interface type='network'><mac address='52:54:00:aa:00:01'/><source network='default'/><target dev='tap1'/><bandwidth><inbound average='100' floor='50'/></bandwidth></interface>
<interface type='bridge'><mac address='52:54:00:aa:00:02'/><source bridge='br0'/><bandwidth><outbound average='7' burst='9'/></bandwidth></interface>
</devices></domain>\n`);
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('blkiotune: weight and per-device lists read, merged and kept in <blkiotune> per definition', { skip }, () => {
  const r = same(def('blkiotune test; blkiotune test --weight 500; blkiotune test --device-weights /dev/sda,100,/dev/sdb,200; '
    + 'blkiotune test --device-read-iops-sec /dev/sdb,5,/dev/sdc,7 --device-write-bytes-sec /dev/sda,1000; blkiotune test; dumpxml test; '
    + 'blkiotune test --device-weights /dev/sda,0; blkiotune test --device-weights /dev/sdc,5; blkiotune test --device-weights /dev/sda,1; blkiotune test; '
    + 'blkiotune test --weight 5 --config; blkiotune test --config; dumpxml test --inactive; blkiotune test 7 /x,1; blkiotune test'));
  assert.match(r.stdout, /^weight {9}: 0\ndevice_weight  : \ndevice_read_iops_sec: \n/);
  assert.match(r.stdout, /device_weight  : \/dev\/sda,1,\/dev\/sdb,200,\/dev\/sdc,5\n/);
  assert.match(r.stdout, /<blkiotune>\n {4}<weight>500<\/weight>\n {4}<device>\n {6}<path>\/dev\/sda<\/path>\n {6}<weight>100<\/weight>\n {6}<write_bytes_sec>1000<\/write_bytes_sec>\n/);
  same(def(`define ${tunedXml}; blkiotune tuned; start tuned; blkiotune tuned --device-read-bytes-sec /dev/sda,0 --live; blkiotune tuned; dumpxml tuned; blkiotune tuned --config`));
  // virsh's own refusals, then the driver's (a failing list does not stop the others)
  for (const bad of ['--weight -1', '--weight x', '--weight 0', "--device-weights ''", '--device-weights x', '--device-weights /a,x,/b,1',
    '--device-weights /a,1,', '--device-read-bytes-sec /a,1x', '--device-weights /a,-1', '--device-read-iops-sec /a,4294967296',
    '--device-write-bytes-sec /a,18446744073709551616', '--weight 3 --device-weights x --device-read-iops-sec y,']) {
    same(def(`blkiotune test ${bad}; blkiotune test`));
  }
  for (const cmds of ['blkiotune nosuch --weight x', 'blkiotune test --live --config', 'blkiotune test --weight 3 --live --config',
    'blkiotune test --current --live', 'destroy test; blkiotune test --live; blkiotune test --weight 4 --live',
    "blkiotune test --device-weights ' /a, 4,/b,+5,/a,6'; blkiotune test"]) same(def(cmds));
  same(['-q', ...def('blkiotune test; blkiotune test --weight 9')]);
  same(['-r', '-c', 'test:///default', 'blkiotune test; blkiotune test --weight 5']);
});

test('domiftune: inbound/outbound rates by target name or MAC, kept in <bandwidth>, cleared by a zero average', { skip }, () => {
  const r = same(def('domiftune test testnet0; domiftune test testnet0 --inbound 100,200,300,400 --outbound 10,20,30; domiftune test aa:bb:cc:dd:ee:ff; '
    + 'dumpxml test; domiftune test testnet0 --inbound 0; domiftune test testnet0 --config; domiftune test testnet0 --outbound 0 --live; '
    + 'domiftune test testnet0; dumpxml test; domiftune test testnet0 --inbound 5,,,6; domiftune test testnet0 --inbound 1,,3 --outbound 2 --config; '
    + 'domiftune test testnet0 --config; dumpxml test --inactive'));
  assert.match(r.stdout, /^inbound.average: 0\ninbound.peak {3}: 0\n/);
  assert.match(r.stdout, /<bandwidth>\n {8}<inbound average='100' peak='200' floor='400' burst='300'\/>\n {8}<outbound average='10' peak='20' burst='30'\/>\n {6}<\/bandwidth>/);
  // both directions cleared: libvirt keeps an empty <bandwidth>
  assert.match(r.stdout, /<source network='default'\/>\n {6}<bandwidth>\n {6}<\/bandwidth>\n/);
  same(def(`define ${tunedXml}; domiftune tuned tap1; domiftune tuned 52:54:00:aa:00:02; domiftune tuned 52:54:00:aa:00:02 --outbound 8; `
    + 'domiftune tuned 52:54:00:aa:00:02 --inbound 1,2,3,4; dumpxml tuned'));
  // rates past UINT in the XML travel truncated, as C assigns them
  const bwXml = join(dir, 'bw.xml');
  writeFileSync(bwXml, `<domain type='test'><name>bw</name><uuid>2d3c1a0e-8f6b-4b7d-9c2e-1a4f6e8b0c93</uuid><memory>8192</memory><os><type>hvm</type></os><devices>
<interface type='network'><mac address='52:54:00:aa:00:09'/><source network='default'/><bandwidth><inbound average='4294967297' floor='18446744073709551615'/></bandwidth></interface></devices></domain>\n`);
  same(def(`define ${bwXml}; domiftune bw 52:54:00:aa:00:09; dumpxml bw`));
  for (const bad of ['x', '1,2,3,4,5', ',2', '0,2', '0,0,0,5', '4294967296', "''", '1k', '-1', "' 7'", '0,0,0,0']) {
    same(def(`domiftune test testnet0 --inbound ${bad}; domiftune test testnet0`));
  }
  for (const bad of ['1,2,3,4', '0,0,3', '4294967296', '1,2,3']) same(def(`domiftune test testnet0 --outbound ${bad}; domiftune test testnet0`));
  for (const cmds of ['domiftune test nonet --inbound 1', 'domiftune test nonet', 'domiftune nosuch x', 'domiftune test 00:11:22:33:44:55',
    'domiftune test testnet0 --live --current', 'domiftune test testnet0 --live --config', 'domiftune test testnet0 --inbound 3 --live --config',
    'destroy test; domiftune test testnet0 --live; domiftune test testnet0 --inbound 1 --live; domiftune test testnet0 --inbound 1 --outbound 2,3 --current; domiftune test testnet0']) {
    same(def(cmds));
  }
  same(['-q', ...def('domiftune test testnet0; domiftune test testnet0 --inbound 9')]);
  same(['-r', '-c', 'test:///default', 'domiftune test testnet0; domiftune test testnet0 --inbound 5']);
});

test('blkdeviotune: every throttle read and set per disk, kept in <iotune>, refused as libvirt\'s test driver', { skip }, () => {
  const r = same(def('blkdeviotune test vda; blkdeviotune test vda --total-bytes-sec 100 --total-bytes-sec-max 200 --read-iops-sec 5 --read-iops-sec-max 6 '
    + '--size-iops-sec 7 --group-name grp --total-bytes-sec-max-length 9 --write-iops-sec-max-length 3; blkdeviotune test vda; dumpxml test; '
    + 'blkdeviotune test /guest/diskimage1 --config; blkdeviotune test vda --total-bytes-sec 1k --total-bytes-sec-max 1M; '
    + "blkdeviotune test vda --group-name 'a&b'; blkdeviotune test vda; dumpxml test; blkdeviotune test vda 1 2"));
  assert.match(r.stdout, /^total_bytes_sec: 0\nread_bytes_sec : 0\n/);
  assert.match(r.stdout, /size_iops_sec  : 7\ngroup_name {5}: grp\ntotal_bytes_sec_max_length: 9\n/);
  assert.match(r.stdout, /<target dev='vda' bus='virtio'\/>\n {6}<iotune>\n {8}<total_bytes_sec>1024<\/total_bytes_sec>\n/);
  assert.match(r.stdout, /<group_name>a&amp;b<\/group_name>/);
  same(def(`define ${tunedXml}; blkdeviotune tuned vda; blkdeviotune tuned vdc; blkdeviotune tuned /tmp/b.img; blkdeviotune tuned vdb --write-iops-sec 4 --write-iops-sec-max 5; `
    + 'blkdeviotune tuned vda --read-bytes-sec 30; blkdeviotune tuned vda --read-bytes-sec-max 40 --read-bytes-sec 30; dumpxml tuned'));
  for (const bad of ['--total-iops-sec -1', '--total-iops-sec x', '--total-bytes-sec 1x', '--total-bytes-sec -1', '--total-bytes-sec 16E',
    "--total-bytes-sec ' 17179869184G'", '--total-bytes-sec 18446744073709551616', '--total-iops-sec 1000000000000001',
    '--total-iops-sec 18446744073709551615', '--total-iops-sec 5 --total-iops-sec-max 4', '--read-iops-sec 5 --read-iops-sec-max 5 --total-iops-sec 1',
    '--total-iops-sec 5', '--total-bytes-sec-max 9 --write-bytes-sec-max 1', "--group-name ''", '--group-name g --size-iops-sec 1000000000000001',
    '--total-bytes-sec 1000000000000000 --total-bytes-sec-max 1000000000000000']) {
    same(def(`blkdeviotune test vda ${bad}; blkdeviotune test vda`));
  }
  for (const cmds of ['blkdeviotune nosuch vda --total-bytes-sec x', 'blkdeviotune nosuch vda', 'blkdeviotune test nosuch --config',
    'blkdeviotune test nosuch --total-iops-sec 1', 'blkdeviotune test /dev/vda', 'blkdeviotune test vda --live --config',
    'blkdeviotune test vda --total-iops-sec 1 --live --config', "blkdeviotune test ''",
    'destroy test; blkdeviotune test vda --live; blkdeviotune test vda --read-iops-sec 0 --read-iops-sec-max 0 --config; '
    + 'blkdeviotune test vda --total-bytes-sec 0 --total-bytes-sec-max 0 --size-iops-sec 3; blkdeviotune test vda; dumpxml test --inactive']) {
    same(def(cmds));
  }
  // a name with a leading '/' is a source path (the first disk using it), any other a target
  const twoXml = join(dir, 'two.xml');
  writeFileSync(twoXml, `<domain type='test'><name>two</name><uuid>5d3c1a0e-8f6b-4b7d-9c2e-1a4f6e8b0c93</uuid><memory>8192</memory><os><type>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/tmp/same.img'/><target dev='vda'/></disk>
<disk type='file' device='disk'><source file='/tmp/same.img'/><target dev='vdb'/><iotune><read_iops_sec>4</read_iops_sec></iotune></disk>
<disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='sdz'/></disk></devices></domain>\n`);
  same(def(`define ${twoXml}; blkdeviotune two /tmp/same.img; blkdeviotune two /tmp/same.img --total-iops-sec 3; blkdeviotune two vdb; `
    + 'blkdeviotune two /dev/sdz --size-iops-sec 3; blkdeviotune two sdz; blkdeviotune two /dev/vda; blkdeviotune two /; dumpxml two'));
  same(['-q', ...def('blkdeviotune test vda; blkdeviotune test vda --size-iops-sec 1')]);
  same(['-r', '-c', 'test:///default', 'blkdeviotune test vda; blkdeviotune test vda --total-iops-sec 3']);
});

describe('tuning through tsvirtd answers as libvirt\'s test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  const sequences = [
    'blkiotune test --weight 500 --device-weights /dev/sda,100,/dev/sdb,200; blkiotune test --device-weights /dev/sda,0 --config; blkiotune test; '
      + 'blkiotune test --config; blkiotune test --device-weights /a,x; blkiotune test --weight 3 --live --config; dumpxml test',
    'domiftune test testnet0 --inbound 100,200,300,400 --outbound 10,20,30; domiftune test aa:bb:cc:dd:ee:ff; domiftune test testnet0 --inbound 0 --config; '
      + 'domiftune test testnet0 --config; domiftune test nonet; domiftune test testnet0 --live --config; dumpxml test --inactive',
    'blkdeviotune test vda --total-bytes-sec 100 --total-bytes-sec-max 200 --group-name g; blkdeviotune test vda; blkdeviotune test vdb; '
      + 'blkdeviotune test vda --total-iops-sec 1000000000000001; blkdeviotune test vda --read-bytes-sec 1; blkdeviotune test vda --live --config; '
      + 'blkdeviotune test vda --total-bytes-sec 18446744073709551615; dumpxml test',
  ];
  for (const cmds of sequences) {
    test(`real virsh: ${cmds}`, () => {
      assert.deepEqual(virsh(`test+unix:///default?socket=${d.rw}`, [cmds]), virsh('test:///default', [cmds]));
    });
  }
  test('tsvirsh over the unix socket prints what the real virsh prints in-process', () => {
    // test:///default's state lives as long as a connection to it: each run starts afresh
    const all = sequences.join('; ');
    const got = run([process.execPath, TSVIRSH], ['-c', `test+unix:///default?socket=${d.rw}`, all]);
    assert.deepEqual(got, run([VIRSH], def(all)));
    assert.match(got.stdout, /<weight>500<\/weight>/);
  });
  test('values from the definition past 2^53 travel exactly to the real virsh', () => {
    const cmds = `define ${tunedXml}; blkdeviotune tuned vdc; blkdeviotune tuned vdc --read-bytes-sec 5; domiftune tuned tap1; blkiotune tuned; dumpxml tuned`;
    const got = virsh(`test+unix:///default?socket=${d.rw}`, [cmds]);
    assert.deepEqual(got, virsh('test:///default', [cmds]));
    assert.match(got.stdout, /size_iops_sec  : 18446744073709551615\n/);
    // tsvirsh through the remote driver too: typed parameter values stay bigint past 2^53
    const ours = run([process.execPath, TSVIRSH], ['-c', `test+unix:///default?socket=${d.rw}`, cmds]);
    assert.deepEqual(ours, run([VIRSH], def(cmds)));
  });
  test('read-only socket: the getters pass, the setters are refused', () => {
    const cmds = 'blkiotune test; blkiotune test --weight 5; domiftune test testnet0; domiftune test testnet0 --inbound 5; blkdeviotune test vda; blkdeviotune test vda --total-iops-sec 3';
    assert.deepEqual(virsh(`test+unix:///default?socket=${d.ro}`, [cmds]), virsh('test:///default', [cmds], ['-r']));
  });
});
