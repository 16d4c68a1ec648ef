// Node devices on test:///default through the library: the default devices, capability
// filters, parent and capabilities, the vHBA create/destroy with their lifecycle events (all
// devices, one device), and libvirt 9.0's test driver errors (code, domain, message).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  open, ErrorDomain as D, ErrorNumber as E, ListAllNodeDevicesFlags as F, NodeDevice, NodeDeviceEventID, NodeDeviceEventType,
} from '../../../src/api/index.js';
import { rejects } from './helpers.js';

const VHBA = "<device><parent>scsi_host2</parent><capability type='scsi_host'><capability type='fc_host'>"
  + '<wwnn>2001001b32a9da4e</wwnn><wwpn>2101001b32a9da4e</wwpn></capability></capability></device>';

test('node devices: the default four, counts and lists by capability, list-all filters', async () => {
  const c = await open('test:///default');
  try {
    const all = await c.listAllDevices();
    assert.ok(all[0] instanceof NodeDevice);
    assert.deepEqual(all.map((d) => d.name), ['computer', 'scsi_host1', 'scsi_host2', 'scsi_host11']);
    assert.deepEqual([await c.numOfDevices(), await c.numOfDevices('vports'), await c.numOfDevices('net')], [4, 2, 0]);
    assert.deepEqual(await c.listDevices('fc_host'), ['scsi_host1', 'scsi_host2', 'scsi_host11']);
    assert.deepEqual(await c.listDevices(null, 2), ['computer', 'scsi_host1']);
    const names = async (flags: number) => (await c.listAllDevices(flags)).map((d) => d.name);
    assert.deepEqual(await names(F.CAP_SYSTEM | F.CAP_VPORTS), ['computer', 'scsi_host1', 'scsi_host2']);
    assert.deepEqual(await names(F.CAP_PCI_DEV), []);
    // 9.0's test driver takes no ACTIVE/INACTIVE filter, which virsh always sends
    await rejects(c.listAllDevices(F.ACTIVE), E.INVALID_ARG, D.TEST, 'unsupported flags (0x80000000) in function testConnectListAllNodeDevices');
    await rejects(c.numOfDevices(null, 1), E.INVALID_ARG, D.TEST, 'unsupported flags (0x1) in function testNodeNumOfDevices');
  } finally { await c.close(); }
});

test('node devices: parent, capabilities, XML, and what the test driver does not implement', async () => {
  const c = await open('test:///default');
  try {
    const h11 = await c.lookupNodeDeviceByName('scsi_host11');
    assert.deepEqual([await h11.getParent(), await h11.numOfCaps(), await h11.listCaps()], ['scsi_host1', 1, ['scsi_host']]);
    assert.match(await h11.getXMLDesc(), /^<device>\n {2}<name>scsi_host11<\/name>\n {2}<parent>scsi_host1<\/parent>\n/);
    const computer = await c.lookupNodeDeviceByName('computer');
    await rejects(computer.getParent(), E.INTERNAL_ERROR, D.TEST, 'internal error: no parent for this device');
    await rejects(computer.getXMLDesc(1), E.INVALID_ARG, D.TEST, 'unsupported flags (0x1) in function testNodeDeviceGetXMLDesc');
    await rejects(c.lookupNodeDeviceByName('nope'), E.NO_NODE_DEVICE, D.TEST, "Node device not found: no node device with matching name 'nope'");
    for (const [p, api] of [[computer.isActive(), 'virNodeDeviceIsActive'], [computer.getAutostart(), 'virNodeDeviceGetAutostart'],
      [computer.detach(), 'virNodeDeviceDettach'], [computer.detach('vfio'), 'virNodeDeviceDetachFlags'], [computer.reset(), 'virNodeDeviceReset'],
      [c.lookupSCSIHostByWWN('2000000012341234', '1000000012341234'), 'virNodeDeviceLookupSCSIHostByWWN'],
      [c.defineNodeDeviceXML(VHBA), 'virNodeDeviceDefineXML']] as const) {
      await rejects(p, E.NO_SUPPORT, D.NODEDEV, `this function is not supported by the connection driver: ${api}`);
    }
  } finally { await c.close(); }
});

test('node devices: a vHBA is created and destroyed with lifecycle events; other devices are left alone', async () => {
  const c = await open('test:///default');
  const seen: string[] = [];
  try {
    const id = await c.nodeDeviceEventRegisterAny(null, NodeDeviceEventID.LIFECYCLE, (d, p) => seen.push(`${d.name} ${p.event}`));
    const h2 = await c.lookupNodeDeviceByName('scsi_host2');
    const only2 = await c.nodeDeviceEventRegisterAny(h2, NodeDeviceEventID.LIFECYCLE, (d) => seen.push(`filtered ${d.name}`));
    const v = await c.createNodeDeviceXML(VHBA);
    assert.equal(v.name, 'scsi_host12');
    const xml = await v.getXMLDesc();
    assert.match(xml, /<parent>scsi_host1<\/parent>/, 'the copy of scsi_host11 keeps its parent');
    assert.match(xml, /<wwnn>2001001b32a9da4e<\/wwnn>\n {6}<wwpn>2101001b32a9da4e<\/wwpn>/);
    assert.equal(await c.numOfDevices(), 5);
    await v.destroy();
    await rejects(v.destroy(), E.NO_NODE_DEVICE, D.TEST, "Node device not found: no node device with matching name 'scsi_host12'");
    await (await c.lookupNodeDeviceByName('computer')).destroy();
    assert.equal(await c.numOfDevices(), 4, 'destroying a device that is no vHBA succeeds and does nothing');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, [`scsi_host12 ${NodeDeviceEventType.CREATED}`, `scsi_host12 ${NodeDeviceEventType.DELETED}`]);
    await c.nodeDeviceEventDeregisterAny(id);
    await c.nodeDeviceEventDeregisterAny(only2);
    await rejects(c.nodeDeviceEventRegisterAny(null, 2, () => undefined), E.INVALID_ARG, D.NODEDEV, /unsupported event ID 2/);
    await rejects(c.createNodeDeviceXML(VHBA.replace('scsi_host2', 'computer')), E.INTERNAL_ERROR, D.NODEDEV,
      'internal error: Parent device computer is not capable of vport operations');
  } finally { await c.close(); }
});

test('node devices: a read-only connection reads but neither creates nor destroys', async () => {
  const c = await open('test:///default', { readonly: true });
  try {
    assert.equal((await c.listAllDevices()).length, 4);
    await rejects(c.createNodeDeviceXML(VHBA), E.OPERATION_DENIED, D.NODEDEV, 'operation forbidden: read only access prevents virNodeDeviceCreateXML');
    await rejects((await c.lookupNodeDeviceByName('scsi_host11')).destroy(), E.OPERATION_DENIED, D.NODEDEV,
      'operation forbidden: read only access prevents virNodeDeviceDestroy');
  } finally { await c.close(); }
});
