// Where interface calls go: a hypervisor connection is completed with an interface driver's
// methods when one is registered (as with network and storage drivers); with none, every
// interface call is libvirt's NO_SUPPORT from VIR_FROM_INTERFACE, as libvirtd answers.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { openConnection, registerDriver } from '../../src/drivers/registry.js';
import type { DriverConnection, InterfaceRef } from '../../src/drivers/driver.js';
import { ErrorDomain, ErrorNumber, VirError } from '../../src/util/error.js';

const hv = (scheme: string) => ({
  name: `hv-${scheme}`, kind: 'hypervisor' as const,
  claims: (uri: { scheme: string }) => uri.scheme === scheme,
  async open(): Promise<DriverConnection> { return { connectGetType: async () => 'FAKE' }; },
});

test('without an interface driver the calls are NO_SUPPORT; with one they reach it', async () => {
  registerDriver(hv('ifacehv'));
  const bare = await openConnection('ifacehv:///system');
  await assert.rejects(bare.conn.invoke('connectListAllInterfaces', [0]), (e: unknown) => {
    assert.ok(e instanceof VirError);
    assert.equal(e.code, ErrorNumber.NO_SUPPORT);
    assert.equal(e.domain, ErrorDomain.INTERFACE);
    assert.equal(e.message, 'this function is not supported by the connection driver: virConnectListAllInterfaces');
    return true;
  });

  const eth0: InterfaceRef = { name: 'eth0', mac: '52:54:00:00:00:01' };
  registerDriver({
    name: 'fake-iface', kind: 'interface',
    async open(): Promise<DriverConnection> {
      return { connectListAllInterfaces: async () => [eth0], interfaceLookupByName: async (n: string) => ({ ...eth0, name: n }) };
    },
  });
  const c = await openConnection('ifacehv:///system');
  assert.equal(await c.conn.invoke('connectGetType', []), 'FAKE');
  assert.deepEqual(await c.conn.invoke('connectListAllInterfaces', [0]), [eth0]);
  assert.deepEqual(await c.conn.invoke('interfaceLookupByName', ['br9']), { name: 'br9', mac: eth0.mac });
  // what the interface driver lacks is still NO_SUPPORT; read-only rules apply above it
  await assert.rejects(c.conn.invoke('interfaceChangeBegin', [0]), /not supported by the connection driver: virInterfaceChangeBegin/);
  const ro = await openConnection('ifacehv:///system', { readonly: true });
  assert.deepEqual(await ro.conn.invoke('connectListAllInterfaces', [0]), [eth0]);
  await assert.rejects(ro.conn.invoke('interfaceDefineXml', ['<interface/>', 0]), /read only access prevents virInterfaceDefineXML/);
});
