// Host interfaces on test:///default through the library: lists and filters, lookups, define,
// start/stop, the change transaction, and libvirt's test driver errors (code, domain, message).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  open, ErrorDomain as D, ErrorNumber as E, ListAllInterfacesFlags as F, InterfaceXMLFlags, Interface,
} from '../../../src/api/index.js';
import { rejects } from './helpers.js';

const eth = (name: string, mac?: string) =>
  `<interface type='ethernet' name='${name}'>${mac ? `<mac address='${mac}'/>` : ''}</interface>`;

test('interfaces: the default eth1, lists, counts and filters', async () => {
  const c = await open('test:///default');
  try {
    const all = await c.listAllInterfaces();
    assert.ok(all[0] instanceof Interface);
    assert.deepEqual(all.map((i) => [i.name, i.mac]), [['eth1', 'aa:bb:cc:dd:ee:ff']]);
    assert.equal(await all[0]!.isActive(), true);
    const eth2 = await c.defineInterfaceXML(eth('eth2', '52:54:00:00:00:02'));
    assert.deepEqual([eth2.name, eth2.mac, await eth2.isActive()], ['eth2', '52:54:00:00:00:02', false]);
    const names = async (flags: number) => (await c.listAllInterfaces(flags)).map((i) => i.name);
    assert.deepEqual(await names(F.ACTIVE), ['eth1']);
    assert.deepEqual(await names(F.INACTIVE), ['eth2']);
    assert.deepEqual(await names(F.ACTIVE | F.INACTIVE), ['eth1', 'eth2']);
    assert.deepEqual([await c.numOfInterfaces(), await c.numOfDefinedInterfaces()], [1, 1]);
    assert.deepEqual([await c.listInterfaces(), await c.listDefinedInterfaces(), await c.listInterfaces(0)], [['eth1'], ['eth2'], []]);
    await rejects(c.listAllInterfaces(4), E.INVALID_ARG, D.TEST, 'unsupported flags (0x4) in function testConnectListAllInterfaces');
    await eth2.undefine();
    assert.deepEqual(await names(0), ['eth1']);
  } finally { await c.close(); }
});

test('interfaces: lookups by name and by MAC (any case), unknown and ambiguous ones', async () => {
  const c = await open('test:///default');
  try {
    assert.equal((await c.lookupInterfaceByName('eth1')).mac, 'aa:bb:cc:dd:ee:ff');
    assert.equal((await c.lookupInterfaceByMACString('AA:BB:CC:DD:EE:FF')).name, 'eth1');
    await rejects(c.lookupInterfaceByName('nope'), E.NO_INTERFACE, D.TEST, "Interface not found: no interface with matching name 'nope'");
    await rejects(c.lookupInterfaceByMACString('00:00:00:00:00:01'), E.NO_INTERFACE, D.TEST,
      "Interface not found: no interface with matching mac '00:00:00:00:00:01'");
    const dup = await c.defineInterfaceXML(eth('eth9', 'aa:bb:cc:dd:ee:ff'));
    await rejects(c.lookupInterfaceByMACString('aa:bb:cc:dd:ee:ff'), E.MULTIPLE_INTERFACES, D.TEST, 'multiple matching interfaces found');
    await dup.undefine();
    // libvirt 9.0 lets an interface without a MAC match any MAC string
    const bare = await c.defineInterfaceXML(eth('bare'));
    assert.equal(bare.mac, '');
    assert.equal((await c.lookupInterfaceByMACString('00:00:00:00:00:01')).name, 'bare');
    await bare.undefine();
    await rejects(bare.isActive(), E.NO_INTERFACE, D.TEST, "Interface not found: no interface with matching name 'bare'");
  } finally { await c.close(); }
});

test('interfaces: define replaces a known name and keeps its state; start and stop; XML flags', async () => {
  const c = await open('test:///default');
  try {
    const i = await c.defineInterfaceXML(eth('eth1', '00:11:22:33:44:55'), 1 /* VALIDATE */);
    assert.equal(i.mac, '00:11:22:33:44:55');
    assert.equal(await i.isActive(), true);
    assert.equal(await i.getXMLDesc(), "<interface type='ethernet' name='eth1'>\n  <mac address='00:11:22:33:44:55'/>\n</interface>\n");
    await rejects(i.getXMLDesc(InterfaceXMLFlags.INACTIVE), E.INVALID_ARG, D.TEST, 'unsupported flags (0x1) in function testInterfaceGetXMLDesc');
    await rejects(i.create(), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid');
    await i.destroy();
    await rejects(i.destroy(), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid');
    await rejects(i.create(1), E.INVALID_ARG, D.TEST, 'unsupported flags (0x1) in function testInterfaceCreate');
    await i.create();
    await rejects(c.defineInterfaceXML(eth('x'), 2), E.INVALID_ARG, D.TEST, 'unsupported flags (0x2) in function testInterfaceDefineXML');
    await rejects(c.defineInterfaceXML("<interface type='ethernet'/>"), E.XML_ERROR, D.INTERFACE, 'XML error: interface has no name');
  } finally { await c.close(); }
});

test('interfaces: change transaction (begin/commit/rollback) over the whole set', async () => {
  const c = await open('test:///default');
  try {
    await rejects(c.interfaceChangeCommit(), E.OPERATION_INVALID, D.TEST,
      'Requested operation is not valid: no transaction running, nothing to be committed.');
    await rejects(c.interfaceChangeRollback(), E.OPERATION_INVALID, D.TEST,
      'Requested operation is not valid: no transaction running, nothing to rollback.');
    await c.interfaceChangeBegin();
    await rejects(c.interfaceChangeBegin(), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: there is another transaction running.');
    await c.defineInterfaceXML(eth('tmp0'));
    await (await c.lookupInterfaceByName('eth1')).undefine();
    await c.interfaceChangeRollback();
    // the saved set comes back as libvirt's clone makes it: same definitions, all inactive
    const after = await c.listAllInterfaces();
    assert.deepEqual(after.map((i) => i.name), ['eth1']);
    assert.equal(await after[0]!.isActive(), false);
    await after[0]!.create();
    await c.interfaceChangeBegin();
    await c.defineInterfaceXML(eth('kept'));
    await c.interfaceChangeCommit();
    assert.deepEqual((await c.listAllInterfaces()).map((i) => i.name), ['eth1', 'kept']);
    assert.equal(await (await c.lookupInterfaceByName('eth1')).isActive(), true, 'commit leaves states alone');
    await (await c.lookupInterfaceByName('kept')).undefine();
    await rejects(c.interfaceChangeBegin(1), E.INVALID_ARG, D.TEST, 'unsupported flags (0x1) in function testInterfaceChangeBegin');
  } finally { await c.close(); }
});

test('interfaces: a read-only connection reads but changes nothing', async () => {
  const c = await open('test:///default', { readonly: true });
  try {
    const i = await c.lookupInterfaceByName('eth1');
    assert.match(await i.getXMLDesc(), /^<interface type='ethernet' name='eth1'>/);
    assert.equal((await c.listAllInterfaces()).length, await c.numOfInterfaces() + await c.numOfDefinedInterfaces());
    for (const [p, api] of [[i.destroy(), 'virInterfaceDestroy'], [i.undefine(), 'virInterfaceUndefine'],
      [c.defineInterfaceXML(eth('x')), 'virInterfaceDefineXML'], [c.interfaceChangeBegin(), 'virInterfaceChangeBegin']] as const) {
      await rejects(p, E.OPERATION_DENIED, D.INTERFACE, `operation forbidden: read only access prevents ${api}`);
    }
  } finally { await c.close(); }
});
