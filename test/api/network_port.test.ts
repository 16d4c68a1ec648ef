// The NetworkPort handle: ports created, listed, read and deleted through the library reach a
// driver that keeps them (a fake hypervisor module here: libvirt's test driver has no ports),
// read-only connections may read but not create or delete, and the port calls cross the wire
// byte for byte (remote_nonnull_network_port = network + port UUID).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { open } from '../../src/api/connection.js';
import { registerDriver } from '../../src/drivers/registry.js';
import type { DriverConnection, NetworkPortRef, NetworkRef } from '../../src/drivers/driver.js';
import { decodeCall, decodeReturn, encodeCallArgs, encodeReturn, procedureByMethod } from '../../src/rpc/procedures.js';
import { XdrReader } from '../../src/rpc/xdr.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../src/util/error.js';

const NET: NetworkRef = { name: 'default', uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df' };

function portDriver(): DriverConnection {
  const ports = new Map<string, string>();
  let next = 1;
  const find = (uuid: string): string => {
    const x = ports.get(uuid);
    if (x === undefined) throw virError(ErrorDomain.NETWORK, ErrorNumber.NO_NETWORK_PORT, `network port with uuid ${uuid} not found`);
    return x;
  };
  return {
    networkLookupByName: async (name: string) => ({ ...NET, name }),
    networkListAllPorts: async (net: NetworkRef) => [...ports.keys()].map((uuid) => ({ net, uuid })),
    networkPortLookupByUuid: async (net: NetworkRef, uuid: string) => { find(uuid); return { net, uuid }; },
    networkPortCreateXml: async (net: NetworkRef, xml: string) => {
      const uuid = `00000000-0000-0000-0000-${String(next++).padStart(12, '0')}`;
      ports.set(uuid, xml.replace('<networkport>', `<networkport>\n  <uuid>${uuid}</uuid>`));
      return { net, uuid };
    },
    networkPortGetXmlDesc: async (port: NetworkPortRef) => find(port.uuid),
    networkPortDelete: async (port: NetworkPortRef) => { find(port.uuid); ports.delete(port.uuid); },
  };
}

test('NetworkPort: create, list, look up, read and delete through the library', async () => {
  const drv = portDriver();
  registerDriver({ name: 'porthv', kind: 'hypervisor', claims: (u) => u.scheme === 'porthv', open: async () => drv });
  const conn = await open('porthv:///system');
  const net = await conn.lookupNetworkByName('default');
  assert.deepEqual(await net.listAllPorts(), []);
  const p1 = await net.createPortXML('<networkport>\n</networkport>\n');
  const p2 = await net.createPortXML('<networkport>\n</networkport>\n');
  assert.equal(p1.network, net);
  assert.deepEqual((await net.listAllPorts()).map((p) => p.uuid), [p1.uuid, p2.uuid]);
  assert.equal(await (await net.lookupPortByUUID(p2.uuid)).getXMLDesc(), `<networkport>\n  <uuid>${p2.uuid}</uuid>\n</networkport>\n`);
  await p1.delete();
  assert.deepEqual((await net.listAllPorts()).map((p) => p.uuid), [p2.uuid]);
  await assert.rejects(p1.getXMLDesc(), (e: unknown) => e instanceof VirError && e.code === ErrorNumber.NO_NETWORK_PORT);

  const ro = await open('porthv:///system', { readonly: true });
  const rnet = await ro.lookupNetworkByName('default');
  assert.deepEqual((await rnet.listAllPorts()).map((p) => p.uuid), [p2.uuid]);
  assert.match(await (await rnet.lookupPortByUUID(p2.uuid)).getXMLDesc(), /<uuid>/);
  await assert.rejects(rnet.createPortXML('<networkport/>'), /read only access prevents virNetworkPortCreateXML/);
  await assert.rejects((await rnet.lookupPortByUUID(p2.uuid)).delete(), /read only access prevents virNetworkPortDelete/);
  await conn.close();
  await ro.close();
});

test('a driver without ports answers NO_SUPPORT from VIR_FROM_NETWORK, as libvirt\'s test driver', async () => {
  const conn = await open('test:///default');
  const net = await conn.lookupNetworkByName('default');
  await assert.rejects(net.listAllPorts(), (e: unknown) => {
    assert.ok(e instanceof VirError);
    assert.equal(e.code, ErrorNumber.NO_SUPPORT);
    assert.equal(e.domain, ErrorDomain.NETWORK);
    assert.equal(e.message, 'this function is not supported by the connection driver: virNetworkListAllPorts');
    return true;
  });
  await assert.rejects(net.createPortXML('<networkport/>'), /virNetworkPortCreateXML/);
  await conn.close();
});

test('port procedures: the reference is the network then the port UUID, and round-trips', () => {
  const port: NetworkPortRef = { net: NET, uuid: '11111111-2222-3333-4444-555555555555' };
  const def = procedureByMethod('networkPortGetXmlDesc')!;
  assert.equal(def.proc, 409);
  const bytes = encodeCallArgs(def, [port, 0], true);
  // name (4 + 7 + 1 pad), network uuid 16, port uuid 16, flags 4
  assert.equal(bytes.length, 12 + 16 + 16 + 4);
  assert.deepEqual(decodeCall(def, new XdrReader(bytes)).args, [port, 0]);
  const list = procedureByMethod('networkListAllPorts')!;
  assert.equal(list.proc, 404);
  const ret = encodeReturn(list, [port, port]);
  assert.deepEqual(decodeReturn(list, new XdrReader(ret)), [port, port]);
  assert.equal(procedureByMethod('networkPortCreateXml')!.readonly, false);
  assert.equal(procedureByMethod('networkPortLookupByUuid')!.readonly, true);
});
