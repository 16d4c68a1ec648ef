// Networks, pools and volumes on test:///default.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { open, ErrorDomain as D, ErrorNumber as E, ListAllNetworksFlags as N, ListAllStoragePoolsFlags as P } from '../../../src/api/index.js';
import { rejects } from './helpers.js';

test('network lifecycle and errors', async () => {
  const c = await open('test:///default');
  try {
    const def = await c.lookupNetworkByName('default');
    await rejects(def.create(), E.OPERATION_INVALID, D.TEST, "Requested operation is not valid: Network 'default' is already running");
    await rejects(def.undefine(), E.OPERATION_INVALID, D.TEST, "Requested operation is not valid: Network 'default' is still running");
    await rejects(c.lookupNetworkByName('nonet'), E.NO_NETWORK, D.TEST, "Network not found: no network with matching name 'nonet'");
    await rejects(c.defineNetworkXML("<network><name>default</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5d1</uuid></network>"),
      E.OPERATION_FAILED, D.NETWORK, "operation failed: network 'default' already exists with uuid dd8fe884-6c02-601e-7551-cca97df1c5df");
    const n2 = await c.defineNetworkXML("<network><name>n2</name><bridge name='br2'/></network>");
    assert.equal(await n2.isActive(), false);
    assert.deepEqual((await c.listAllNetworks(N.INACTIVE)).map((n) => n.name), ['n2']);
    await n2.create();
    assert.equal(await n2.getBridgeName(), 'br2');
    await n2.setAutostart(true);
    assert.deepEqual((await c.listAllNetworks(N.AUTOSTART)).map((n) => n.name), ['n2']);
    await n2.destroy();
    await n2.undefine();
    const t = await c.createNetworkXML('<network><name>n3</name></network>');
    assert.equal(await t.isPersistent(), false);
    await rejects(t.getBridgeName(), E.INTERNAL_ERROR, D.TEST, "internal error: network 'n3' does not have a bridge name.");
    await t.destroy();
    await rejects(t.isActive(), E.NO_NETWORK, D.TEST, `Network not found: no network with matching uuid '${t.uuid}'`);
    // dhcp host update on the live definition
    await def.update(3, 4, -1, "<host mac='00:11:22:33:44:55' ip='192.168.122.10'/>");
    assert.match(await def.getXMLDesc(), /<host mac='00:11:22:33:44:55' ip='192.168.122.10'\/>/);
    await rejects(def.getXMLDesc(1), E.INVALID_ARG, D.TEST, 'unsupported flags (0x1) in function testNetworkGetXMLDesc');
  } finally { await c.close(); }
});

test('pools and volumes', async () => {
  const c = await open('test:///default');
  try {
    const p = await c.lookupStoragePoolByName('default-pool');
    await rejects(p.create(), E.OPERATION_INVALID, D.TEST, "Requested operation is not valid: storage pool 'default-pool' is active");
    const v1 = await p.createVolXML('<volume><name>v1</name><capacity>1000</capacity><allocation>500</allocation></volume>');
    assert.equal(v1.key, '/default-pool/v1');
    await rejects(p.createVolXML('<volume><name>v1</name><capacity>1000</capacity></volume>'), E.OPERATION_FAILED, D.TEST,
      'operation failed: storage vol already exists');
    await rejects(p.createVolXML('<volume><name>v2</name><capacity>1000</capacity><allocation>999999999999999</allocation></volume>'),
      E.INTERNAL_ERROR, D.TEST, "internal error: Not enough free space in pool for volume 'v2'");
    const v3 = await p.createVolXMLFrom('<volume><name>v3</name><capacity>1000</capacity></volume>', v1);
    assert.equal(await v3.getPath(), '/default-pool/v3');
    assert.deepEqual(await v1.info(), { type: 0, capacity: 1000, allocation: 500 });
    assert.equal((await p.info()).allocation, 1500);
    assert.equal((await c.lookupStorageVolByPath('/default-pool/v3')).name, 'v3');
    assert.equal((await c.lookupStorageVolByKey('/default-pool/v1')).name, 'v1');
    assert.equal((await v1.lookupPool()).name, 'default-pool');
    await rejects(c.lookupStorageVolByKey('/x'), E.NO_STORAGE_VOL, D.TEST, "Storage volume not found: no storage vol with matching key '/x'");
    await rejects(v1.resize(2000), E.NO_SUPPORT, D.STORAGE, 'this function is not supported by the connection driver: virStorageVolResize');
    await v3.delete();
    assert.deepEqual(await p.listVolumes(), ['v1']);
    await p.destroy();
    await rejects(p.numOfVolumes(), E.OPERATION_INVALID, D.TEST, "Requested operation is not valid: storage pool 'default-pool' is not active");
    await rejects(p.listAllVolumes(), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: storage pool is not active');
    await p.build();
    await p.create();
    await rejects(c.defineStoragePoolXML("<pool type='dir'><name>p8</name><target><path>/default-pool</path></target></pool>"),
      E.OPERATION_FAILED, D.STORAGE, "operation failed: Storage source conflict with pool: 'default-pool'");
    const t = await c.createStoragePoolXML("<pool type='dir'><name>p7</name><target><path>/p7</path></target></pool>");
    await rejects(t.setAutostart(true), E.INVALID_ARG, D.TEST, 'invalid argument: pool has no config file');
    assert.deepEqual((await c.listAllStoragePools(P.TRANSIENT)).map((x) => x.name), ['p7']);
    await t.destroy();
    await rejects(c.lookupStoragePoolByName('p7'), E.NO_STORAGE_POOL, D.TEST, "Storage pool not found: no storage pool with matching name 'p7'");
  } finally { await c.close(); }
});
