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
