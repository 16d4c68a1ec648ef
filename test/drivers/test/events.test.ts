// Domain, network and pool events through the driver's bus, with libvirt's event/detail codes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { open, DomainEventID, NetworkEventID, StoragePoolEventID, ErrorDomain as D, ErrorNumber as E } from '../../../src/api/index.js';
import { domXml, rejects, settle } from './helpers.js';

test('domain lifecycle events seen by another connection, with per-connection callback IDs', async () => {
  const a = await open('test:///default');
  const b = await open('test:///default');
  try {
    const seen: string[] = [];
    const id0 = await b.domainEventRegisterAny(null, DomainEventID.LIFECYCLE, (d, p) => { seen.push(`${d.name}:${p.event}/${p.detail}`); });
    const id1 = await b.domainEventRegisterAny(null, DomainEventID.METADATA_CHANGE, (d, p) => { seen.push(`${d.name}:meta${p['type']}`); });
    assert.deepEqual([id0, id1], [0, 1]);
    const d = await a.defineDomainXML(domXml('ev1'));
    await a.defineDomainXML(domXml('ev1', d.uuid));
    await d.create();
    await d.suspend();
    await d.resume();
    await d.setMetadata(0, 'desc', null, null, 3);
    await d.destroy();
    await d.undefine();
    await a.createDomainXML(domXml('ev2'));
    await settle();
    assert.deepEqual(seen, ['ev1:0/0', 'ev1:0/1', 'ev1:2/0', 'ev1:3/0', 'ev1:4/0', 'ev1:meta0', 'ev1:5/1', 'ev1:1/0', 'ev2:2/0']);
    await b.domainEventDeregisterAny(id0);
    await rejects(b.domainEventDeregisterAny(id0), E.INVALID_ARG, D.NONE, 'invalid argument: could not find event callback 0 for deletion');
  } finally { await a.close(); await b.close(); }
});

test('events filtered to one domain; network and pool events', async () => {
  const c = await open('test:///default');
  try {
    const seen: string[] = [];
    const t = await c.lookupDomainByName('test');
    await c.domainEventRegisterAny(t, DomainEventID.LIFECYCLE, (d, p) => { seen.push(`dom ${d.name} ${p.event}`); });
    await c.networkEventRegisterAny(null, NetworkEventID.LIFECYCLE, (n, p) => { seen.push(`net ${n.name} ${p.event}`); });
    await c.storagePoolEventRegisterAny(null, StoragePoolEventID.LIFECYCLE, (p, e) => { seen.push(`pool ${p.name} ${e.event}`); });
    await c.storagePoolEventRegisterAny(null, StoragePoolEventID.REFRESH, (p) => { seen.push(`refresh ${p.name}`); });
    await (await c.createDomainXML(domXml('other'))).destroy();
    await t.destroy();
    const n = await c.lookupNetworkByName('default');
    await n.destroy();
    await n.create();
    const p = await c.lookupStoragePoolByName('default-pool');
    await p.refresh();
    await p.destroy();
    await settle();
    assert.deepEqual(seen, ['dom test 5', 'net default 3', 'net default 2', 'refresh default-pool', 'pool default-pool 3']);
  } finally { await c.close(); }
});
