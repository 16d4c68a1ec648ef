// Device hotplug on a real guest: a virtio disk and a NIC plugged and unplugged (seen by QEMU
// and by the guest's kernel), cdrom media change, link state, LIVE/CONFIG/CURRENT rules and
// libvirt's errors, the DEVICE_ADDED/REMOVED events, and a restarted driver keeping the aliases.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { qemuDriverForget, openQemuDriver, type QemuConnection } from '../../../src/drivers/qemu/index.js';
import type { DomainRef, DomainEventPayload } from '../../../src/drivers/driver.js';
import { ErrorNumber, VirError } from '../../../src/util/error.js';
import { DomainEventID } from '../../../src/api/constants.js';
import { guestXml, openShell, setup, skip, trackGuest, uniq, waitFor } from './guest.js';

/** One line per guest virtio disk: name, size in sectors, serial. */
const LIST_DISKS = 'for d in /sys/block/vd*; do [ -e $d ] && echo ${d##*/} $(cat $d/size) $(cat $d/serial); done';
const LIVE = 1;
const CONFIG = 2;

function image(root: string, name: string, size: string): string {
  const f = path.join(root, name);
  execFileSync('qemu-img', ['create', '-f', 'raw', f, size], { stdio: 'ignore' });
  return f;
}

const diskXml = (file: string, dev: string, serial?: string) =>
  `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${file}'/><target dev='${dev}' bus='virtio'/>${serial ? `<serial>${serial}</serial>` : ''}</disk>`;

async function qmp<T>(conn: QemuConnection, dom: DomainRef, execute: string, args?: Record<string, unknown>): Promise<T> {
  const reply = JSON.parse(await conn.domainQemuMonitorCommand(dom, JSON.stringify({ execute, arguments: args }), 0)) as { return: T };
  return reply.return;
}

interface PciDev { qdev_id: string; slot: number; id: { vendor: number; device: number } }
const pciDevices = async (conn: QemuConnection, dom: DomainRef) =>
  (await qmp<{ devices: PciDev[] }[]>(conn, dom, 'query-pci')).flatMap((b) => b.devices);

function events(conn: QemuConnection, id: number): Promise<string[]> {
  const list: string[] = [];
  return conn.connectDomainEventCallbackRegisterAny(id, null, (_i, p: DomainEventPayload) => { list.push(String(p['devAlias'])); }).then(() => list);
}

test('virtio disk hot-plug and unplug: QMP and the guest see it, LIVE and CONFIG kept apart', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('hpdisk');
  const dom = await conn.domainDefineXml(guestXml({ name, root }));
  const added = await events(conn, DomainEventID.DEVICE_ADDED);
  const removed = await events(conn, DomainEventID.DEVICE_REMOVED);
  const disk = image(root, 'hot.img', '32M');

  // Not running: LIVE is refused, CURRENT means CONFIG.
  await assert.rejects(conn.domainAttachDeviceFlags(dom, diskXml(disk, 'vdb'), LIVE), (e: VirError) =>
    e.code === ErrorNumber.OPERATION_INVALID && e.message === 'Requested operation is not valid: domain is not running');
  await conn.domainAttachDeviceFlags(dom, diskXml(disk, 'vdc', 'cold1'), 0);
  assert.match(await conn.domainGetXmlDesc(dom, 2), /<target dev='vdc' bus='virtio'\/>/);
  assert.match(fs.readFileSync(path.join(root, 'etc/tsvirt/qemu', `${name}.xml`), 'utf8'), /<source file='[^']*hot\.img'\/>/);
  await assert.rejects(conn.domainAttachDeviceFlags(dom, diskXml(disk, 'vdc'), CONFIG), (e: VirError) =>
    e.code === ErrorNumber.OPERATION_INVALID && e.message === 'Requested operation is not valid: target vdc already exists');
  await conn.domainDetachDeviceFlags(dom, diskXml(disk, 'vdc'), 0);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 2), /vdc/);
  await assert.rejects(conn.domainDetachDeviceFlags(dom, diskXml(disk, 'vdc'), CONFIG), (e: VirError) =>
    e.code === ErrorNumber.DEVICE_MISSING && e.message === 'device not found: no target device vdc');

  await conn.domainCreate(dom);
  trackGuest(root, name);
  const sh = await openShell(conn, dom);
  await sh.ready();
  assert.equal(await sh.run(LIST_DISKS), '');

  // LIVE only: the guest gets it, the next boot does not.
  await conn.domainAttachDeviceFlags(dom, diskXml(disk, 'vdb', 'hot1'), LIVE);
  const xml = await conn.domainGetXmlDesc(dom, 0);
  const m = /<target dev='vdb' bus='virtio'\/>[\s\S]*?<alias name='(virtio-disk1)'\/>\s*<address type='pci' domain='0x0000' bus='0x00' slot='(0x[0-9a-f]+)' function='0x0'\/>/.exec(xml);
  assert.ok(m, xml);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 2), /vdb/);
  const pci = (await pciDevices(conn, dom)).find((d) => d.qdev_id === 'virtio-disk1');
  assert.ok(pci, 'QEMU has the device on the PCI bus');
  assert.equal(pci.slot, Number(m[2]));
  assert.equal(pci.id.vendor, 0x1af4);
  const blocks = await qmp<{ qdev?: string; inserted?: { file: string } }[]>(conn, dom, 'query-block');
  assert.equal(blocks.find((b) => b.qdev?.includes('virtio-disk1'))?.inserted?.file, disk);
  // The guest kernel saw the PCI hotplug and bound virtio-blk: 32 MiB = 65536 sectors, serial as
  // given. (The guest names disks in probe order: our vdb is its first virtio disk, vda.)
  assert.match(await sh.until(LIST_DISKS, (o) => /hot1/.test(o)), /^vda 65536 hot1$/m);
  assert.match(await sh.run('cat /proc/partitions'), /\s32768 vda$/m);
  assert.deepEqual(added, ['virtio-disk1']);
  const status = fs.readFileSync(path.join(root, 'run/tsvirt/qemu', `${name}.status.json`), 'utf8');
  assert.match(status, /virtio-disk1/, 'the status file records the new device');
  assert.deepEqual(await conn.domainGetMessages(dom, 0), ['tainted: custom monitor control commands issued']);

  await assert.rejects(conn.domainAttachDeviceFlags(dom, diskXml(disk, 'vdb'), LIVE), (e: VirError) =>
    e.code === ErrorNumber.OPERATION_FAILED && e.message === 'operation failed: target vdb already exists');
  await assert.rejects(conn.domainAttachDeviceFlags(dom, `<disk type='file' device='cdrom'><source file='${disk}'/><target dev='hdd' bus='ide'/></disk>`, LIVE),
    (e: VirError) => e.code === ErrorNumber.OPERATION_UNSUPPORTED && /cdrom\/floppy device hotplug isn't supported/.test(e.message));
  await assert.rejects(conn.domainAttachDeviceFlags(dom, diskXml('/nonexistent.img', 'vdd'), LIVE), /Cannot access storage file '\/nonexistent.img'/);
  await assert.rejects(conn.domainDetachDeviceFlags(dom, diskXml(disk, 'vdz'), LIVE), (e: VirError) =>
    e.code === ErrorNumber.DEVICE_MISSING && e.message === 'device not found: disk vdz not found');

  // Unplug: the guest lets go, the block nodes are deleted, the event names the alias.
  await conn.domainDetachDeviceFlags(dom, diskXml(disk, 'vdb'), LIVE);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 0), /vdb/);
  assert.deepEqual(removed, ['virtio-disk1']);
  assert.equal((await pciDevices(conn, dom)).some((d) => d.qdev_id === 'virtio-disk1'), false);
  const nodes = await qmp<{ 'node-name': string }[]>(conn, dom, 'query-named-block-nodes');
  assert.deepEqual(nodes.map((n) => n['node-name']), [], 'blockdev-del removed both nodes');
  await sh.until(LIST_DISKS, (o) => o === '');

  // LIVE|CONFIG together: both get it.
  await conn.domainAttachDeviceFlags(dom, diskXml(disk, 'vdb', 'both'), LIVE | CONFIG);
  assert.match(await conn.domainGetXmlDesc(dom, 0), /<target dev='vdb'/);
  assert.match(await conn.domainGetXmlDesc(dom, 2), /<target dev='vdb'/);
  await sh.until(LIST_DISKS, (o) => / both$/m.test(o));
  await sh.close();
  await conn.domainDestroy(dom);
});

test('NIC hot-plug (user networking), link state, unplug; transient domains have no config', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('hpnic');
  const dom = await conn.domainCreateXml(guestXml({ name, root }), 0);
  trackGuest(root, name);
  const sh = await openShell(conn, dom);
  await sh.ready();
  const nic = `<interface type='user'><mac address='52:54:00:aa:bb:01'/><model type='virtio'/></interface>`;
  await assert.rejects(conn.domainAttachDeviceFlags(dom, nic, CONFIG), (e: VirError) =>
    e.code === ErrorNumber.OPERATION_INVALID && e.message === 'Requested operation is not valid: transient domains do not have any persistent config');
  await conn.domainAttachDevice(dom, nic);
  const xml = await conn.domainGetXmlDesc(dom, 0);
  assert.match(xml, /<mac address='52:54:00:aa:bb:01'\/>[\s\S]*<alias name='net0'\/>/);
  assert.ok((await pciDevices(conn, dom)).some((d) => d.qdev_id === 'net0' && d.id.device === 0x1000));
  assert.match(await sh.until('cat /sys/class/net/eth0/address', (o) => /52:54/.test(o)), /52:54:00:aa:bb:01/);

  await conn.domainUpdateDeviceFlags(dom, nic.replace('<model', `<link state='down'/><model`), LIVE);
  assert.match(await conn.domainGetXmlDesc(dom, 0), /<link state='down'\/>/);
  await sh.run('ip link set eth0 up');
  assert.match(await sh.until('cat /sys/class/net/eth0/carrier', (o) => /^0/m.test(o)), /^0/m);
  await conn.domainUpdateDeviceFlags(dom, nic, LIVE);
  assert.match(await sh.until('cat /sys/class/net/eth0/carrier', (o) => /^1/m.test(o)), /^1/m);
  await assert.rejects(conn.domainUpdateDeviceFlags(dom, nic.replace('virtio', 'e1000'), LIVE), (e: VirError) => e.code === ErrorNumber.OPERATION_UNSUPPORTED);

  await assert.rejects(conn.domainDetachDevice(dom, nic.replace('aa:bb:01', 'aa:bb:02')), (e: VirError) =>
    e.code === ErrorNumber.DEVICE_MISSING && e.message === 'device not found: no device matching MAC address 52:54:00:aa:bb:02 found');
  await conn.domainDetachDevice(dom, nic);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 0), /52:54:00:aa:bb:01/);
  await sh.until('ls /sys/class/net', (o) => !/eth0/.test(o));
  await assert.rejects(conn.domainAttachDeviceFlags(dom, `<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`, LIVE),
    (e: VirError) => e.code === ErrorNumber.OPERATION_UNSUPPORTED && e.message === "Operation not supported: live attach of device 'rng' is not supported");
  await sh.close();
  await conn.domainDestroy(dom);
});

test('cdrom media change through update-device and attach-device; eject', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('cd');
  const iso1 = image(root, 'one.iso', '2M');
  const iso2 = image(root, 'two.iso', '4M');
  const cd = (src?: string) => `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>${src ? `<source file='${src}'/>` : ''}<target dev='hdc' bus='ide'/><readonly/></disk>`;
  const dom = await conn.domainCreateXml(guestXml({ name, root, devices: cd() }), 0);
  trackGuest(root, name);
  const inserted = async () => (await qmp<{ qdev?: string; inserted?: { file: string } }[]>(conn, dom, 'query-block'))
    .find((b) => b.qdev?.includes('ide0-1-0'))?.inserted?.file;
  assert.equal(await inserted(), undefined);
  await conn.domainUpdateDeviceFlags(dom, cd(iso1), 0);
  assert.equal(await inserted(), iso1);
  assert.match(await conn.domainGetXmlDesc(dom, 0), new RegExp(`<source file='${iso1}'/>`));
  // attach-device of an existing removable drive is a media change too (libvirt's overload).
  await conn.domainAttachDeviceFlags(dom, cd(iso2), LIVE);
  assert.equal(await inserted(), iso2);
  const nodes = (await qmp<{ 'node-name': string }[]>(conn, dom, 'query-named-block-nodes')).map((n) => n['node-name']);
  assert.equal(nodes.length, 2, `old media nodes deleted: ${nodes.join(' ')}`);
  await conn.domainUpdateDeviceFlags(dom, cd(), LIVE);
  assert.equal(await inserted(), undefined);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 0), /one\.iso|two\.iso/);
  await assert.rejects(conn.domainDetachDeviceFlags(dom, cd(), LIVE), (e: VirError) => e.code === ErrorNumber.OPERATION_UNSUPPORTED);
  await conn.domainDestroy(dom);
});

test('a restarted driver keeps hot-plugged aliases and can still unplug', { skip }, async () => {
  const { root, conn } = await setup({ unplugTimeoutMs: 10_000 });
  const name = uniq('hprec');
  const dom = await conn.domainCreateXml(guestXml({ name, root }), 0);
  trackGuest(root, name);
  const sh = await openShell(conn, dom);
  await sh.ready();
  const d1 = image(root, 'a.img', '16M');
  const d2 = image(root, 'b.img', '16M');
  await conn.domainAttachDeviceFlags(dom, diskXml(d1, 'vdb', 'aaa'), LIVE);
  await conn.domainAttachDeviceFlags(dom, diskXml(d2, 'vdc', 'bbb'), LIVE);
  await sh.until(LIST_DISKS, (o) => /aaa/.test(o) && /bbb/.test(o));
  await sh.close();
  const before = await conn.domainGetXmlDesc(dom, 0);

  await qemuDriverForget(root);
  const conn2 = await openQemuDriver({ root, shutdownGraceMs: 3000, unplugTimeoutMs: 10_000 });
  try {
    const again = await conn2.domainLookupByName(name);
    assert.equal(await conn2.domainGetXmlDesc(again, 0), before);
    await conn2.domainDetachDeviceFlags(again, diskXml(d1, 'vdb'), LIVE);
    const after = await conn2.domainGetXmlDesc(again, 0);
    assert.doesNotMatch(after, /vdb/);
    assert.match(after, /<alias name='virtio-disk2'\/>/);
    // The remaining disk's nodes are the ones QEMU has (they were recorded, not recomputed).
    const nodes = JSON.parse(await conn2.domainQemuMonitorCommand(again, '{"execute":"query-named-block-nodes"}', 0)) as { return: { 'node-name': string }[] };
    assert.deepEqual(nodes.return.map((n) => n['node-name']).sort(), ['libvirt-2-format', 'libvirt-2-storage']);
    await waitFor('device_del done', async () => !(await conn2.domainGetXmlDesc(again, 0)).includes('vdb'));
    await conn2.domainDestroy(again);
  } finally { await conn2.connectClose(); }
});
