// Golden tests for the pure argv builder: test/data/qemu/argv/NAME.xml -> NAME.args (the command
// line) and NAME.live.xml (the live definition with aliases and PCI addresses). Set
// TSVIRT_REGENERATE=1 to rewrite the goldens, then review the diff.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDomainXml, formatDomainXml, type DomainDef } from '../../../src/conf/domain.js';
import { buildQemuArgvGroups, formatArgvGroups, type QemuBuildContext } from '../../../src/drivers/qemu/command.js';
import { qemuDomainDefPostParse, qemuDomainPrepareLive } from '../../../src/drivers/qemu/domain.js';
import type { QemuCaps } from '../../../src/drivers/qemu/capabilities.js';
import { ErrorNumber, VirError } from '../../../src/util/error.js';

const dataDir = fileURLToPath(new URL('../../../../test/data/qemu/', import.meta.url));
const caps = JSON.parse(fs.readFileSync(`${dataDir}caps/qemu-7.2-x86_64.json`, 'utf8')) as QemuCaps;
const regenerate = process.env['TSVIRT_REGENERATE'] === '1';

/** What process.ts does before building: complete, address, allocate ports, name taps. */
function prepare(xml: string): { def: DomainDef; ctx: QemuBuildContext } {
  const def = parseDomainXml(xml);
  qemuDomainDefPostParse(def, caps);
  qemuDomainPrepareLive(def);
  let vnc = 5900;
  for (const g of def.devices.graphics) if (g.autoport || g.port === undefined || g.port < 0) g.port = vnc++;
  const tapIfnames: Record<string, string> = {};
  let tap = 0;
  for (const n of def.devices.interfaces) if ((n.type === 'bridge' || n.type === 'network') && !n.target?.dev) tapIfnames[n.alias!] = `vnet${tap++}`;
  return {
    def,
    ctx: { caps, monitorPath: `/run/tsvirt/qemu/domain-${def.name}/monitor.sock`, accel: def.type === 'kvm' ? 'kvm' : 'tcg', tapIfnames },
  };
}

function golden(path: string, actual: string): void {
  if (regenerate || !fs.existsSync(path)) {
    fs.writeFileSync(path, actual);
    if (!regenerate) assert.fail(`golden ${path} did not exist; written — review and commit it`);
    return;
  }
  assert.equal(actual, fs.readFileSync(path, 'utf8'), `differs from ${path} (TSVIRT_REGENERATE=1 to rewrite)`);
}

for (const file of fs.readdirSync(`${dataDir}argv`).filter((f) => f.endsWith('.xml') && !f.endsWith('.live.xml')).sort()) {
  const name = file.slice(0, -4);
  test(`argv golden: ${name}`, () => {
    const { def, ctx } = prepare(fs.readFileSync(`${dataDir}argv/${file}`, 'utf8'));
    golden(`${dataDir}argv/${name}.args`, formatArgvGroups(buildQemuArgvGroups(def, ctx), { LC_ALL: 'C', PATH: '/usr/bin:/bin', HOME: '/' }));
    golden(`${dataDir}argv/${name}.live.xml`, formatDomainXml(def, { id: 1 }));
  });
}

test('the builder is pure: the same definition gives the same argv twice', () => {
  const xml = fs.readFileSync(`${dataDir}argv/q35-full.xml`, 'utf8');
  const a = prepare(xml);
  const b = prepare(xml);
  assert.deepEqual(buildQemuArgvGroups(a.def, a.ctx), buildQemuArgvGroups(b.def, b.ctx));
});

const base = (devices: string, extra = '') => `<domain type='qemu'><name>t</name><memory>65536</memory>
  <os><type machine='pc'>hvm</type></os>${extra}<devices>${devices}</devices></domain>`;

test('unsupported configurations fail with libvirt-style errors', () => {
  const cases: [string, number, RegExp][] = [
    [base('', '').replace("machine='pc'", "machine='no-such'"), ErrorNumber.CONFIG_UNSUPPORTED, /does not support machine type 'no-such'/],
    [base("<disk type='network' device='disk'><source protocol='nbd' name='x'><host name='h'/></source><target dev='vda' bus='virtio'/></disk>"),
      ErrorNumber.CONFIG_UNSUPPORTED, /unsupported disk type 'network'/],
    [base("<disk type='file' device='disk'><source file='/x'/><target dev='sda' bus='sata'/><readonly/></disk>"),
      ErrorNumber.CONFIG_UNSUPPORTED, /readonly sata disks are not supported/],
    [base('').replace("type='qemu'", "type='xen'"), ErrorNumber.CONFIG_UNSUPPORTED, /does not support virt type 'xen'/],
  ];
  for (const [xml, code, re] of cases) {
    assert.throws(() => prepare(xml), (e: VirError) => e.code === code && re.test(e.message), xml);
  }
  // ide on q35 is refused up front
  const q35ide = base("<disk type='file' device='disk'><source file='/x'/><target dev='hda' bus='ide'/></disk>").replace("machine='pc'", "machine='q35'");
  assert.throws(() => prepare(q35ide), /IDE controllers are unsupported/);
});

test('a disk without a source is refused (cdrom may be empty)', () => {
  const { def, ctx } = prepare(base("<disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>"));
  assert.throws(() => buildQemuArgvGroups(def, ctx), (e: VirError) => e.code === ErrorNumber.NO_SOURCE && /vda/.test(e.message));
});

test('PCI addresses never collide and user-given ones are kept', () => {
  const { def } = prepare(base(`
    <interface type='user'><model type='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>
    <interface type='user'><model type='virtio'/></interface>
    <disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><source file='/b'/><target dev='vdb' bus='virtio'/></disk>
    <graphics type='vnc'/>`));
  const d = def.devices;
  const addrs = [...d.interfaces, ...d.disks, ...d.videos, d.memballoon!, ...d.controllers]
    .filter((x) => x.address?.type === 'pci').map((x) => `${x.address!.attrs['bus']}:${x.address!.attrs['slot']}.${x.address!.attrs['function']}`);
  assert.equal(new Set(addrs).size, addrs.length, addrs.join(' '));
  assert.equal(d.interfaces[0]!.address!.attrs['slot'], '0x03');
  assert.equal(d.videos[0]!.address!.attrs['slot'], '0x02');
  assert.deepEqual([d.interfaces[0]!.alias, d.interfaces[1]!.alias, d.disks[0]!.alias, d.disks[1]!.alias, d.videos[0]!.alias, d.memballoon!.alias],
    ['net0', 'net1', 'virtio-disk0', 'virtio-disk1', 'video0', 'balloon0']);
});

const smbiosDom = (os: string, sysinfo: string) => `<domain type='qemu'><name>t</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory>65536</memory>${sysinfo}<os><type machine='pc'>hvm</type>${os}</os><devices/></domain>`;
const smbiosArgs = (groups: string[][]) => groups.filter((a) => a[0] === '-smbios' || a[0] === '-fw_cfg').map((a) => a.join(' '));

test('SMBIOS: refusals as libvirt 9.0 words them (its qemu driver, domxml-to-native)', () => {
  const cases: [string, number, string][] = [
    [smbiosDom("<smbios mode='host'/>", ''), ErrorNumber.CONFIG_UNSUPPORTED, 'unsupported configuration: Host SMBIOS information is not available'],
    [smbiosDom("<smbios mode='sysinfo'/>", ''), ErrorNumber.XML_ERROR, "XML error: Domain 't' sysinfo are not available"],
    // a fwcfg block is no SMBIOS source
    [smbiosDom("<smbios mode='sysinfo'/>", "<sysinfo type='fwcfg'><entry name='opt/a'>1</entry></sysinfo>"),
      ErrorNumber.XML_ERROR, "XML error: Domain 't' sysinfo are not available"],
    [smbiosDom("<smbios mode='sysinfo'/>", "<sysinfo type='smbios'><baseBoard><entry name='product'>a</entry></baseBoard><baseBoard><entry name='product'>b</entry></baseBoard></sysinfo>"),
      ErrorNumber.CONFIG_UNSUPPORTED, 'unsupported configuration: qemu does not support more than one entry to Type 2 in SMBIOS table'],
    [smbiosDom('', "<sysinfo type='fwcfg'><entry name='foo'>1</entry></sysinfo>"), ErrorNumber.CONFIG_UNSUPPORTED, 'unsupported configuration: Invalid firmware name'],
    [smbiosDom('', "<sysinfo type='fwcfg'><entry name='opt/ovmf/X-PciMmio64Mb'>1</entry></sysinfo>"), ErrorNumber.CONFIG_UNSUPPORTED, 'unsupported configuration: That firmware name is reserved'],
    [smbiosDom('', "<sysinfo type='fwcfg'><entry name='opt/org.qemu/x'>1</entry></sysinfo>"), ErrorNumber.CONFIG_UNSUPPORTED, 'unsupported configuration: That firmware name is reserved'],
  ];
  for (const [xml, code, message] of cases) {
    const { def, ctx } = prepare(xml);
    assert.throws(() => buildQemuArgvGroups(def, ctx), (e: VirError) => {
      assert.deepEqual({ code: e.code, message: e.message }, { code, message }, xml);
      return true;
    });
  }
});

test('SMBIOS: emulate or no mode passes no table even with a sysinfo block; a uuid-only system is type 1', () => {
  const si = "<sysinfo type='smbios'><bios><entry name='vendor'>v</entry></bios><system><entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1809</entry></system></sysinfo>";
  for (const os of ['', "<smbios mode='emulate'/>"]) {
    const { def, ctx } = prepare(smbiosDom(os, si));
    assert.deepEqual(smbiosArgs(buildQemuArgvGroups(def, ctx)), [], os);
  }
  const { def, ctx } = prepare(smbiosDom("<smbios mode='sysinfo'/>", "<sysinfo type='smbios'><system><entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1809</entry></system></sysinfo>"));
  assert.deepEqual(smbiosArgs(buildQemuArgvGroups(def, ctx)), ['-smbios type=1,uuid=c7a5fdbd-edaf-9455-926a-d65c16db1809']);
});

test("SMBIOS mode='host' copies the host's tables but never its system uuid", () => {
  const { def, ctx } = prepare(smbiosDom("<smbios mode='host'/>", "<sysinfo type='smbios'><bios><entry name='vendor'>ignored in host mode</entry></bios></sysinfo>"));
  const hostSysinfo = {
    type: 'smbios' as const,
    bios: { vendor: 'SeaBIOS, Inc', version: '1.16', date: '04/01/2014' },
    system: { manufacturer: 'QEMU', product: 'Standard PC', uuid: '11111111-2222-3333-4444-555555555555' },
    baseBoards: [{ manufacturer: 'Board Co', product: 'B1' }],
    chassis: { manufacturer: 'Chassis Co', serial: 'S1' },
  };
  assert.deepEqual(smbiosArgs(buildQemuArgvGroups(def, { ...ctx, hostSysinfo })), [
    '-smbios type=0,vendor=SeaBIOS,, Inc,version=1.16,date=04/01/2014',
    '-smbios type=1,manufacturer=QEMU,product=Standard PC',
    '-smbios type=2,manufacturer=Board Co,product=B1',
    '-smbios type=3,manufacturer=Chassis Co,serial=S1',
  ]);
  // a host system table with nothing but its uuid gives no type 1 at all
  const onlyUuid = { type: 'smbios' as const, system: { uuid: '11111111-2222-3333-4444-555555555555' }, baseBoards: [] };
  assert.deepEqual(smbiosArgs(buildQemuArgvGroups(def, { ...ctx, hostSysinfo: onlyUuid })), []);
});

test('fw_cfg: commas in values are doubled (QEMU refuses the value libvirt 9.0 passes unescaped)', () => {
  const { def, ctx } = prepare(smbiosDom('', "<sysinfo type='fwcfg'><entry name='opt/a'>x, y</entry><entry name='opt/b' file='/tmp/a,b'/></sysinfo>"));
  assert.deepEqual(smbiosArgs(buildQemuArgvGroups(def, ctx)), ['-fw_cfg name=opt/a,string=x,, y', '-fw_cfg name=opt/b,file=/tmp/a,,b']);
});
