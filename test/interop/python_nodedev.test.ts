// python3-libvirt 9.0.0 (the C library's remote driver) listing, creating and destroying node
// devices through tsvirtd, with node device events: one script run twice, once through tsvirtd
// and once on libvirt's in-process test driver; the printed results (values, error codes,
// domains, messages and events) must be equal.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PY_PRELUDE, noPythonLibvirt, sameThroughTsvirtd } from './python_lib.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';

const skip = noPythonLibvirt;

const SCRIPT = PY_PRELUDE + String.raw`
uri = sys.argv[1]
libvirt.virEventRegisterDefaultImpl()

c = libvirt.open(uri)
events = []
cb = c.nodeDeviceEventRegisterAny(None, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
    lambda conn, dev, event, detail, opaque: events.append((dev.name(), event, detail)), None)
cb2 = c.nodeDeviceEventRegisterAny(c.nodeDeviceLookupByName('scsi_host2'), libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
    lambda conn, dev, event, detail, opaque: events.append(('filtered', dev.name())), None)
# libvirt lists in its hash table's order, which is random per process: compare sorted
p('all', c.numOfDevices(None, 0), sorted(c.listDevices(None, 0)))
for cap in ['system', 'scsi_host', 'fc_host', 'vports', 'net', 'bogus']:
    p('cap', cap, c.numOfDevices(cap, 0), sorted(c.listDevices(cap, 0)))
for fl in [0, libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM, libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPORTS,
           libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_FC_HOST | libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV]:
    p('listAll', fl, sorted(d.name() for d in c.listAllDevices(fl)))
err(lambda: c.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE))
err(lambda: c.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE))
err(lambda: c.numOfDevices(None, 1))
err(lambda: c.listDevices('system', 1))
for n in ['computer', 'scsi_host1', 'scsi_host11']:
    d = c.nodeDeviceLookupByName(n)
    p('dev', n, d.numOfCaps(), d.listCaps())
    err(d.parent)
    err(d.isActive)
    err(d.isPersistent)
    err(d.autostart)
p('xml', c.nodeDeviceLookupByName('scsi_host1').XMLDesc(0))
err(lambda: c.nodeDeviceLookupByName('scsi_host1').XMLDesc(1))
err(lambda: c.nodeDeviceLookupByName('nosuch'))
err(lambda: c.nodeDeviceLookupSCSIHostByWWN('2000000012341234', '1000000012341234', 0))
err(lambda: c.nodeDeviceDefineXML('<device/>', 0))
err(lambda: c.nodeDeviceLookupByName('scsi_host1').dettach())
err(lambda: c.nodeDeviceLookupByName('scsi_host1').setAutostart(1))
vhba = "<device><parent>scsi_host1</parent><capability type='scsi_host'><capability type='fc_host'><wwnn>2001001b32a9da4e</wwnn><wwpn>2101001b32a9da4e</wwpn></capability></capability></device>"
n = c.nodeDeviceCreateXML(vhba, 0)
p('created', n.name(), n.XMLDesc(0))
err(lambda: c.nodeDeviceCreateXML("<device><parent>computer</parent><capability type='scsi_host'><capability type='fc_host'><wwnn>1</wwnn><wwpn>2</wwpn></capability></capability></device>", 0))
err(lambda: c.nodeDeviceCreateXML('<device', 0))
p('destroy', n.destroy())
err(lambda: c.nodeDeviceLookupByName('scsi_host12'))
p('destroy computer', c.nodeDeviceLookupByName('computer').destroy(), c.numOfDevices(None, 0))
for i in range(20):
    if len(events) >= 2: break
    libvirt.virEventRunDefaultImpl()
p('events', events)
c.nodeDeviceEventDeregisterAny(cb)
c.nodeDeviceEventDeregisterAny(cb2)
c.close()

ro = libvirt.openReadOnly(uri)
p('ro', sorted(ro.listDevices(None, 0)), ro.nodeDeviceLookupByName('scsi_host11').parent())
err(lambda: ro.nodeDeviceCreateXML(vhba, 0))
err(lambda: ro.nodeDeviceLookupByName('scsi_host11').destroy())
err(lambda: ro.nodeDeviceLookupByName('scsi_host11').reset())
ro.close()
print('\n'.join(out))
`;


describe('python3-libvirt node devices through tsvirtd vs. libvirt\'s in-process test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });

  it('the same script prints the same results', () => {
    const ours = sameThroughTsvirtd(SCRIPT, d.rw);
    assert.match(ours.stdout, /^all 4 \['computer', 'scsi_host1', 'scsi_host11', 'scsi_host2'\]$/m);
    assert.match(ours.stdout, /^cap vports 2 \['scsi_host1', 'scsi_host2'\]$/m);
    assert.match(ours.stdout, /^error 8 12 unsupported flags \(0x80000000\) in function testConnectListAllNodeDevices$/m);
    assert.match(ours.stdout, /^events \[\('scsi_host12', 0, 0\), \('scsi_host12', 1, 0\)\]$/m);
    assert.match(ours.stdout, /^error 29 22 operation forbidden: read only access prevents virNodeDeviceCreateXML$/m);
  });
});
