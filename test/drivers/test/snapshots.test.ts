// Snapshot tree, current snapshot, revert and delete on test:///default.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { open, ErrorDomain as D, ErrorNumber as E, DomainSnapshotListFlags as S, DomainEventID } from '../../../src/api/index.js';
import { rejects, settle } from './helpers.js';

const snap = (name: string, desc = '') => `<domainsnapshot><name>${name}</name>${desc ? `<description>${desc}</description>` : ''}</domainsnapshot>`;

test('snapshot tree: parents, current, children, filters', async () => {
  const c = await open('test:///default');
  try {
    const d = await c.lookupDomainByName('test');
    await rejects(d.snapshotCurrent(), E.NO_DOMAIN_SNAPSHOT, D.TEST, 'Domain snapshot not found: the domain does not have a current snapshot');
    const s1 = await d.snapshotCreateXML(snap('s1', 'hello'));
    await d.destroy();
    const s2 = await d.snapshotCreateXML(snap('s2'));
    const s3 = await d.snapshotCreateXML(snap('s3'));
    assert.equal((await s2.getParent()).name, 's1');
    assert.equal((await s3.getParent()).name, 's2');
    await rejects(s1.getParent(), E.NO_DOMAIN_SNAPSHOT, D.TEST, "Domain snapshot not found: snapshot 's1' does not have a parent");
    assert.equal((await d.snapshotCurrent()).name, 's3');
    assert.equal(await s3.isCurrent(), true);
    assert.equal(await s1.hasMetadata(), true);
    assert.equal(await d.snapshotNum(), 3);
    assert.deepEqual(await d.snapshotListNames(S.ROOTS), ['s1']);
    assert.deepEqual(await d.snapshotListNames(S.LEAVES), ['s3']);
    assert.deepEqual((await d.snapshotListNames(S.INACTIVE)).sort(), ['s2', 's3']);
    assert.deepEqual(await d.snapshotListNames(S.ACTIVE), ['s1']);
    assert.deepEqual((await s1.listAllChildren()).map((s) => s.name), ['s2']);
    assert.equal(await s1.numChildren(S.DESCENDANTS), 2);
    const xml = await s1.getXMLDesc();
    assert.match(xml, /^<domainsnapshot>\n  <name>s1<\/name>\n  <description>hello<\/description>\n  <state>running<\/state>/);
    assert.match(xml, /<memory snapshot='internal'\/>\n  <disks>\n    <disk name='vda' snapshot='internal'\/>/);
    assert.match(xml, /\n  <domain type='test'>\n    <name>test<\/name>/);
    await rejects(d.snapshotCreateXML(snap('s2')), E.OPERATION_FAILED, D.DOMAIN, 'operation failed: domain moment s2 already exists');
    await rejects(d.snapshotLookupByName('nope'), E.NO_DOMAIN_SNAPSHOT, D.TEST, "Domain snapshot not found: no domain snapshot with matching name 'nope'");
    await rejects(d.undefine(), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: cannot delete inactive domain with 3 snapshots');
    await rejects(s2.delete(2), E.INVALID_ARG, D.TEST, 'unsupported flags (0x2) in function testDomainSnapshotDelete');
    // deleting s2 hands s3 to s1
    await s2.delete();
    assert.equal((await s3.getParent()).name, 's1');
    await s1.delete(4);
    assert.deepEqual(await d.snapshotListNames(), ['s1']);
    assert.equal((await d.snapshotCurrent()).name, 's1');
    await d.undefine(2);
  } finally { await c.close(); }
});

test('revert: running snapshot starts the domain; FROM_SNAPSHOT events', async () => {
  const c = await open('test:///default');
  try {
    const d = await c.lookupDomainByName('test');
    const s1 = await d.snapshotCreateXML(snap('s1'));
    await d.destroy();
    const off = await d.snapshotCreateXML(snap('off'));
    const seen: [number, number][] = [];
    await c.domainEventRegisterAny(d, DomainEventID.LIFECYCLE, (_dom, p) => { seen.push([p.event!, p.detail!]); });
    await s1.revert();
    assert.deepEqual(await d.state(), { state: 1, reason: 4 });
    await s1.revert(2);
    assert.deepEqual(await d.state(), { state: 3, reason: 7 });
    await off.revert();
    assert.deepEqual(await d.state(), { state: 5, reason: 7 });
    assert.equal((await d.snapshotCurrent()).name, 'off');
    await settle();
    // started(from snapshot), suspended(from snapshot), stopped(from snapshot)
    assert.deepEqual(seen, [[2, 3], [3, 5], [5, 6]]);
  } finally { await c.close(); }
});

test('snapshot with HALT stops the domain; transient domains refuse it', async () => {
  const c = await open('test:///default');
  try {
    const d = await c.lookupDomainByName('test');
    await d.snapshotCreateXML(snap('h'), 8);
    assert.deepEqual(await d.state(), { state: 5, reason: 7 });
    const t = await c.createDomainXML("<domain type='test'><name>tr</name><memory>1024</memory><os><type>hvm</type></os></domain>");
    await rejects(t.snapshotCreateXML(snap('x'), 8), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: cannot halt after transient domain snapshot');
  } finally { await c.close(); }
});
