// Golden round trips of domain XML against what the real libvirt 9.0 prints
// (test/data/domain/NAME.expected.xml, made by test/data/domain/regen.sh), plus the
// behaviours the goldens cannot show (generated ids, secrets, live form, clone, devices).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import {
  cloneDomainDef, formatDomainXml, generateMac, parseDomainDeviceXml, parseDomainXml,
  testDriverDomainDefPostParse,
} from '../../src/conf/domain.js';

const dataDir = new URL('../../../test/data/domain/', import.meta.url);
const inputs = readdirSync(dataDir).filter((f) => f.endsWith('.xml') && !f.endsWith('.expected.xml') && !f.endsWith('.redefined.xml')).sort();

test('golden inputs exist', () => {
  assert.ok(inputs.length >= 8, `only ${inputs.length} inputs`);
});

for (const file of inputs) {
  const base = file.slice(0, -4);
  // testdriver-* goldens include what libvirt's test driver adds at define time
  const withTestDriver = base.startsWith('testdriver-');
  const load = (xml: string) => {
    const def = parseDomainXml(xml);
    if (withTestDriver) testDriverDomainDefPostParse(def);
    return def;
  };
  test(`golden ${base}: parse + format matches libvirt`, () => {
    const input = readFileSync(new URL(file, dataDir), 'utf8');
    const expected = readFileSync(new URL(`${base}.expected.xml`, dataDir), 'utf8');
    assert.equal(formatDomainXml(load(input), { inactive: true }), expected);
  });
  test(`golden ${base}: formatting its own output gives what libvirt gives`, () => {
    const expected = readFileSync(new URL(`${base}.expected.xml`, dataDir), 'utf8');
    // the same document, unless libvirt itself changes it when defined again (NAME.redefined.xml)
    const again = new URL(`${base}.redefined.xml`, dataDir);
    const want = existsSync(again) ? readFileSync(again, 'utf8') : expected;
    assert.equal(formatDomainXml(load(expected), { inactive: true }), want);
  });
}

const MINIMAL = `<domain type='test'><name>vm</name><memory>1024</memory><os><type>hvm</type></os>
  <devices>
    <interface type='network'><source network='default'/></interface>
    <interface type='network'><source network='default'/></interface>
    <graphics type='vnc' passwd='s3cret'/>
  </devices></domain>`;

test('missing uuid and MACs are generated', () => {
  const a = parseDomainXml(MINIMAL);
  const b = parseDomainXml(MINIMAL);
  assert.match(a.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a.uuid, b.uuid);
  for (const n of a.devices.interfaces) assert.match(n.mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
  assert.notEqual(a.devices.interfaces[0]!.mac, a.devices.interfaces[1]!.mac);
  // the generated values are kept in the formatted document
  const xml = formatDomainXml(a);
  assert.ok(xml.includes(`<uuid>${a.uuid}</uuid>`));
  assert.ok(xml.includes(`<mac address='${a.devices.interfaces[0]!.mac}'/>`));
});

test('generateMac gives unicast 52:54:00 addresses', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const m = generateMac();
    assert.match(m, /^52:54:00(:[0-9a-f]{2}){3}$/);
    seen.add(m);
  }
  assert.ok(seen.size > 40);
});

test('graphics password is shown only with secure', () => {
  const def = parseDomainXml(MINIMAL);
  assert.ok(!formatDomainXml(def).includes('passwd'));
  assert.ok(formatDomainXml(def, { secure: true }).includes("autoport='yes' passwd='s3cret'"));
});

test('live form carries the id', () => {
  const def = parseDomainXml(MINIMAL);
  assert.ok(formatDomainXml(def, { id: 7 }).startsWith("<domain type='test' id='7'>\n"));
  assert.ok(formatDomainXml(def, { inactive: true }).startsWith("<domain type='test'>\n"));
});

test('generated host interface names are dropped from persistent definitions', () => {
  const def = parseDomainXml(`<domain type='test'><name>vm</name><memory>1024</memory><os><type>hvm</type></os><devices>
    <interface type='bridge'><source bridge='br0'/><target dev='vnet3'/></interface>
    <interface type='direct'><source dev='eth0'/><target dev='macvtap1'/></interface>
    <interface type='ethernet'><target dev='vnet5' managed='no'/></interface>
    <interface type='bridge'><source bridge='br0'/><target dev='mytap'/></interface>
  </devices></domain>`);
  assert.deepEqual(def.devices.interfaces.map((n) => n.target?.dev), [undefined, undefined, 'vnet5', 'mytap']);
});

test('test driver names interfaces testnetN skipping names in use', () => {
  const def = parseDomainXml(`<domain type='test'><name>vm</name><memory>1024</memory><os><type>hvm</type></os><devices>
    <interface type='user'/><interface type='user'><target dev='testnet0'/></interface><interface type='user'/>
  </devices></domain>`);
  testDriverDomainDefPostParse(def);
  assert.deepEqual(def.devices.interfaces.map((n) => n.target?.dev), ['testnet1', 'testnet0', 'testnet2']);
  assert.equal(def.os.arch, 'i686');
});

test('cloneDomainDef is deep', () => {
  const input = readFileSync(new URL('full.xml', dataDir), 'utf8');
  const def = parseDomainXml(input);
  const copy = cloneDomainDef(def);
  assert.deepEqual(copy, def);
  copy.devices.disks[0]!.target.dev = 'vdq';
  copy.metadata!.children.pop();
  assert.equal(def.devices.disks[0]!.target.dev, 'vda');
  assert.equal(formatDomainXml(def), formatDomainXml(parseDomainXml(input)));
});

test('parseDomainDeviceXml parses a device for attach', () => {
  const def = parseDomainXml(MINIMAL);
  const disk = parseDomainDeviceXml(`<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>
    <source file='/var/lib/x.qcow2'/><target dev='vdb' bus='virtio'/><readonly/><shareable/><boot order='3'/></disk>`, def);
  assert.equal(disk.kind, 'disk');
  if (disk.kind !== 'disk') return;
  assert.equal(disk.disk.target.dev, 'vdb');
  assert.equal(disk.disk.target.bus, 'virtio');
  assert.equal(disk.disk.source?.file, '/var/lib/x.qcow2');
  assert.deepEqual(disk.disk.driver, { name: 'qemu', type: 'qcow2', cache: 'none' });
  assert.equal(disk.disk.readonly, true);
  assert.equal(disk.disk.shareable, true);
  assert.equal(disk.disk.boot, 3);

  const nic = parseDomainDeviceXml(`<interface type='bridge'><mac address='52:54:00:01:02:03'/><source bridge='br1'/><model type='virtio'/></interface>`, def);
  assert.equal(nic.kind, 'interface');
  if (nic.kind === 'interface') {
    assert.equal(nic.interface.mac, '52:54:00:01:02:03');
    assert.equal(nic.interface.source?.bridge, 'br1');
    assert.equal(nic.interface.model, 'virtio');
  }
  // device defaults are filled as for a whole definition
  const cd = parseDomainDeviceXml(`<disk type='file' device='cdrom'><target dev='hdc'/></disk>`, def);
  assert.ok(cd.kind === 'disk' && cd.disk.readonly && cd.disk.target.bus === 'ide');
  assert.deepEqual(cd.kind === 'disk' && cd.disk.address,
    { type: 'drive', attrs: { controller: '0', bus: '1', target: '0', unit: '0' } });
  const nic2 = parseDomainDeviceXml(`<interface type='user'/>`, def);
  assert.match(nic2.kind === 'interface' ? nic2.interface.mac : '', /^52:54:00:/);
  assert.throws(() => parseDomainDeviceXml(`<bogus/>`, def), { code: 27, domain: 20, message: "XML error: unknown device type 'bogus'" });
});

test('unknown elements are dropped', () => {
  const def = parseDomainXml(`<domain type='test'><name>vm</name><memory>1024</memory><bogus><x/></bogus>
    <os><type>hvm</type></os><devices><frobnicator/></devices></domain>`);
  const xml = formatDomainXml(def);
  assert.ok(!xml.includes('bogus') && !xml.includes('frobnicator'));
});
