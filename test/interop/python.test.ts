// python3-libvirt 9.0.0 (the C library's remote driver) against tsvirtd: one script run twice,
// once through tsvirtd and once on libvirt's in-process test driver; the printed results must
// be equal. Covers the calls, the error codes/domains/messages, read-only opens and events.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PY_PRELUDE, noPythonLibvirt, runPython, sameThroughTsvirtd } from './python_lib.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';

const skip = noPythonLibvirt;

const SCRIPT = PY_PRELUDE + String.raw`
import threading, time
uri = sys.argv[1]

libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(uri)
# the URI is the client's own string (no RPC), so only its scheme/path are compared
p('uri', c.getURI().split('?')[0].replace('+unix', ''), 'type', c.getType(), 'ver', c.getVersion(), 'lib', c.getLibVersion())
p('alive', c.isAlive(), 'secure', c.isSecure())
p('domains', sorted(d.name() for d in c.listAllDomains(0)))
d = c.lookupByName('test')
info = d.info(); info[4] = 'cpu'
p('info', info, 'state', d.state(), 'id', d.ID(), 'uuid', d.UUIDString())
p('xml', d.XMLDesc(0).count('\n'), 'persistent', d.isPersistent(), 'active', d.isActive())
err(lambda: c.lookupByName('nosuch'))
err(lambda: c.lookupByUUIDString('00000000-0000-0000-0000-000000000001'))
err(lambda: d.create())
err(lambda: c.defineXML('<domain><name>x'))
events = []
cb = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lambda conn, dom, ev, det, opaque: events.append((dom.name(), ev, det)), None)
x = c.defineXML("<domain type='test'><name>py1</name><uuid>5d1f3a2e-8a57-4f2b-9c1e-3b0c7a6d9e11</uuid><memory>1048576</memory><os><type>hvm</type></os></domain>")
x.create(); x.suspend(); x.resume(); x.destroy(); x.undefine()
deadline = time.time() + 3
while len(events) < 6 and time.time() < deadline:
    libvirt.virEventRunDefaultImpl()
p('events', events)
c.domainEventDeregisterAny(cb)
p('nets', [n.name() for n in c.listAllNetworks(0)], c.networkLookupByName('default').isActive())
pool = c.storagePoolLookupByName('default-pool')
p('pool', pool.info(), [v.name() for v in pool.listAllVolumes(0)])
v = pool.createXML("<volume><name>p.img</name><capacity>1048576</capacity></volume>", 0)
p('vol', v.name(), v.key(), v.info())
v.delete(0)
s = d.snapshotCreateXML('<domainsnapshot><name>s1</name></domainsnapshot>', 0)
p('snap', s.getName(), [x.getName() for x in d.listAllSnapshots(0)], d.hasCurrentSnapshot(0))
s.delete(0)
p('memparams', sorted(d.memoryParameters(0).keys()))
err(lambda: len(d.blockStats('vda')))  # values follow the wall clock
c.close()

ro = libvirt.openReadOnly(uri)
rd = ro.lookupByName('test')
p('ro info', rd.state())
err(lambda: rd.destroy())
err(lambda: rd.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))
err(lambda: ro.networkLookupByName('default').setAutostart(1))
ro.close()
print('\n'.join(out))
`;


describe('python3-libvirt against tsvirtd vs. libvirt\'s in-process test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });

  it('the same script prints the same results', () => {
    const ours = sameThroughTsvirtd(SCRIPT, d.rw);
    assert.match(ours.stdout, /^events \[\('py1', 0, 0\), \('py1', 2, 0\), \('py1', 3, 0\), \('py1', 4, 0\), \('py1', 5, 1\), \('py1', 1, 0\)\]$/m);
    assert.match(ours.stdout, /^error 29 20 operation forbidden: read only access prevents virDomainDestroy$/m);
  });

  it('the read-only socket behaves as openReadOnly whatever the client asks', () => {
    const script = String.raw`
import sys, libvirt
libvirt.registerErrorHandler(lambda ctx, err: None, None)
c = libvirt.open(sys.argv[1])
try:
    c.lookupByName('test').destroy(); print('destroyed')
except libvirt.libvirtError as e:
    print(e.get_error_code(), e.get_error_domain(), e.get_error_message())
`;
    const r = runPython(script, [`test+unix:///default?socket=${d.ro}`], 30000);
    assert.equal(r.stdout, '29 20 operation forbidden: read only access prevents virDomainDestroy\n');
  });
});
