// python3-libvirt 9.0.0 (the C library's remote driver) listing and changing host interfaces
// through tsvirtd: one script run twice, once through tsvirtd and once on libvirt's in-process
// test driver; the printed results (values, error codes, domains and messages) must be equal.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PY_PRELUDE, noPythonLibvirt, sameThroughTsvirtd } from './python_lib.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';

const skip = noPythonLibvirt;

const SCRIPT = PY_PRELUDE + String.raw`
uri = sys.argv[1]

c = libvirt.open(uri)
p('all', [(i.name(), i.MACString(), i.isActive()) for i in c.listAllInterfaces(0)])
p('counts', c.numOfInterfaces(), c.numOfDefinedInterfaces(), c.listInterfaces(), c.listDefinedInterfaces())
e1 = c.interfaceLookupByName('eth1')
p('xml', e1.XMLDesc(0))
p('bymac', c.interfaceLookupByMACString('AA:BB:CC:DD:EE:FF').name())
err(lambda: e1.XMLDesc(libvirt.VIR_INTERFACE_XML_INACTIVE))
err(lambda: c.interfaceLookupByName('nosuch'))
err(lambda: c.interfaceLookupByMACString('00:11:22:33:44:55'))
err(lambda: c.listAllInterfaces(4))
err(lambda: c.interfaceDefineXML("<interface type='ethernet'/>", 0))
err(lambda: c.interfaceDefineXML("<interface type='bogus' name='x'/>", 0))
err(lambda: c.interfaceDefineXML("<interface type='ethernet' name='x'><mtu size='0x1'/></interface>", 0))
err(lambda: c.interfaceDefineXML("<interface", 0))
err(lambda: c.interfaceDefineXML("<network/>", 0))
b = c.interfaceDefineXML("<interface type='bond' name='bond0'><bond mode='802.3ad'><miimon freq='100'/><interface type='ethernet' name='eth2'><mac address='52:54:00:00:00:02'/></interface></bond></interface>", 0)
p('bond', b.name(), repr(b.MACString()), b.isActive(), b.XMLDesc(0))
p('active', [i.name() for i in c.listAllInterfaces(libvirt.VIR_CONNECT_LIST_INTERFACES_ACTIVE)])
p('inactive', [i.name() for i in c.listAllInterfaces(libvirt.VIR_CONNECT_LIST_INTERFACES_INACTIVE)])
err(lambda: c.changeCommit(0))
c.changeBegin(0)
err(lambda: c.changeBegin(0))
b.create(0)
err(lambda: b.create(0))
e1.destroy(0)
err(lambda: e1.destroy(0))
b.undefine()
c.changeRollback(0)
# libvirt lists in its hash table's order, tsvirt in definition order: compare sorted
p('rolled back', sorted((i.name(), i.isActive()) for i in c.listAllInterfaces(0)))
c.changeBegin(0)
c.changeCommit(0)
c.interfaceLookupByName('bond0').undefine()
c.close()

ro = libvirt.openReadOnly(uri)
p('ro', [i.name() for i in ro.listAllInterfaces(0)], ro.interfaceLookupByName('eth1').isActive())
err(lambda: ro.interfaceLookupByName('eth1').destroy(0))
err(lambda: ro.changeBegin(0))
err(lambda: ro.interfaceDefineXML("<interface type='ethernet' name='x'/>", 0))
ro.close()
print('\n'.join(out))
`;


describe('python3-libvirt host interfaces through tsvirtd vs. libvirt\'s in-process test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });

  it('the same script prints the same results', () => {
    const ours = sameThroughTsvirtd(SCRIPT, d.rw);
    assert.match(ours.stdout, /^all \[\('eth1', 'aa:bb:cc:dd:ee:ff', 1\)\]$/m);
    assert.match(ours.stdout, /^rolled back \[\('bond0', 0\), \('eth1', 0\)\]$/m);
    assert.match(ours.stdout, /^error 29 26 operation forbidden: read only access prevents virInterfaceDestroy$/m);
  });
});
