// Where node device calls go: a hypervisor connection is completed with a node device driver's
// methods when one is registered (as with network, storage and interface drivers); with none,
// every node device call is libvirt's NO_SUPPORT from VIR_FROM_NODEDEV, as libvirtd answers.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { openConnection, registerDriver } from '../../src/drivers/registry.js';
import type { DriverConnection, NodeDeviceRef } from '../../src/drivers/driver.js';
import { ErrorDomain, ErrorNumber, VirError } from '../../src/util/error.js';

const hv = (scheme: string) => ({
  name: `hv-${scheme}`, kind: 'hypervisor' as const,
  claims: (uri: { scheme: string }) => uri.scheme === scheme,
  async open(): Promise<DriverConnection> { return { connectGetType: async () => 'FAKE' }; },
});

test('without a node device driver the calls are NO_SUPPORT; with one they reach it', async () => {
  registerDriver(hv('nodedevhv'));
  const bare = await openConnection('nodedevhv:///system');
  for (const [m, api] of [['nodeNumOfDevices', 'virNodeNumOfDevices'], ['connectListAllNodeDevices', 'virConnectListAllNodeDevices']]) {
    await assert.rejects(bare.conn.invoke(m!, m === 'nodeNumOfDevices' ? [null, 0] : [0]), (e: unknown) => {
      assert.ok(e instanceof VirError);
      assert.deepEqual([e.code, e.domain, e.message], [ErrorNumber.NO_SUPPORT, ErrorDomain.NODEDEV,
        `this function is not supported by the connection driver: ${api}`]);
      return true;
    });
  }

  const dev: NodeDeviceRef = { name: 'pci_0000_00_02_0' };
  registerDriver({
    name: 'fake-nodedev', kind: 'nodedev',
    async open(): Promise<DriverConnection> {
      return { connectListAllNodeDevices: async () => [dev], nodeDeviceLookupByName: async (n: string) => ({ name: n }) };
    },
  });
  const c = await openConnection('nodedevhv:///system');
  assert.equal(await c.conn.invoke('connectGetType', []), 'FAKE');
  assert.deepEqual(await c.conn.invoke('connectListAllNodeDevices', [0]), [dev]);
  assert.deepEqual(await c.conn.invoke('nodeDeviceLookupByName', ['usb_1_1']), { name: 'usb_1_1' });
  // what the node device driver lacks is still NO_SUPPORT; read-only rules apply above it
  await assert.rejects(c.conn.invoke('nodeDeviceReset', ['x']), /not supported by the connection driver: virNodeDeviceReset/);
  const ro = await openConnection('nodedevhv:///system', { readonly: true });
  assert.deepEqual(await ro.conn.invoke('connectListAllNodeDevices', [0]), [dev]);
  await assert.rejects(ro.conn.invoke('nodeDeviceCreateXml', ['<device/>', 0]), /read only access prevents virNodeDeviceCreateXML/);
});
