// The library's DomainCheckpoint on the test driver: in-process (test:///default) and through a
// spawned tsvirtd (the remote driver speaking the checkpoint procedures), the same scenario with
// the same answers, codes and error domains; and a read-only connection refusing the changes.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  open, type Connection, DomainCheckpointCreateFlags as C, DomainCheckpointDeleteFlags as Del, DomainCheckpointListFlags as L,
  DomainCheckpointXMLFlags as X, ErrorDomain as D, ErrorNumber as E,
} from '../../src/api/index.js';
import { rejects } from '../drivers/test/helpers.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';

const ckpt = (name: string, extra = '') => `<domaincheckpoint><name>${name}</name>${extra}</domaincheckpoint>`;
const names = (cs: { name: string }[]) => cs.map((c) => c.name);

async function scenario(c: Connection): Promise<void> {
  const d = await c.lookupDomainByName('test');
  await rejects(d.checkpointLookupByName('a'), E.NO_DOMAIN_CHECKPOINT, D.TEST, "Domain checkpoint not found: no domain checkpoint with matching name 'a'");
  const a = await d.checkpointCreateXML(ckpt('a', '<description>first</description>'));
  const b = await d.checkpointCreateXML(ckpt('b'));
  assert.equal(b.name, 'b');
  assert.equal((await b.getParent()).name, 'a');
  await rejects(a.getParent(), E.NO_DOMAIN_CHECKPOINT, D.TEST, "Domain checkpoint not found: checkpoint 'a' does not have a parent");
  // an unnamed checkpoint is named after its creation time (and follows the current one, b)
  const t = await d.checkpointCreateXML('<domaincheckpoint/>');
  assert.match(t.name, /^\d+$/);
  assert.match(await t.getXMLDesc(X.NO_DOMAIN), new RegExp(`<creationTime>${t.name}</creationTime>`));
  assert.equal((await t.getParent()).name, 'b');
  // a redefined sibling of b goes in front of it
  await d.checkpointCreateXML(ckpt('s', '<creationTime>1700000000</creationTime><parent><name>a</name></parent>'), C.REDEFINE);
  assert.deepEqual(names(await a.listAllChildren()), ['s', 'b']);
  assert.deepEqual(names(await a.listAllChildren(L.DESCENDANTS)), ['s', 'b', t.name]);
  assert.deepEqual(names(await d.listAllCheckpoints(L.TOPOLOGICAL)), ['a', 's', 'b', t.name]);
  assert.deepEqual(names(await d.listAllCheckpoints(L.ROOTS)), ['a']);
  assert.deepEqual(names(await d.listAllCheckpoints(L.LEAVES)).sort(), ['s', t.name].sort());
  assert.deepEqual(names(await d.listAllCheckpoints(L.NO_LEAVES)).sort(), ['a', 'b']);
  assert.equal((await d.checkpointLookupByName('s')).name, 's');

  const xml = await a.getXMLDesc();
  assert.match(xml, /^<domaincheckpoint>\n {2}<name>a<\/name>\n {2}<description>first<\/description>\n {2}<creationTime>\d+<\/creationTime>\n {2}<disks>\n {4}<disk name='vda' checkpoint='bitmap' bitmap='a'\/>\n {2}<\/disks>\n {2}<domain type='test'>\n/);
  assert.doesNotMatch(await a.getXMLDesc(X.NO_DOMAIN), /<domain /);
  await rejects(a.getXMLDesc(8), E.INVALID_ARG, D.TEST, 'unsupported flags (0x8) in function testDomainCheckpointGetXMLDesc');

  await rejects(d.checkpointCreateXML(ckpt('b')), E.OPERATION_FAILED, D.DOMAIN, 'operation failed: domain moment b already exists');
  await rejects(d.checkpointCreateXML(ckpt('a', '<creationTime>5</creationTime><parent><name>b</name></parent>'), C.REDEFINE),
    E.INVALID_ARG, D.DOMAIN, 'invalid argument: parent b would create cycle to a');
  await rejects(d.checkpointCreateXML(ckpt('x'), C.REDEFINE_VALIDATE), E.INVALID_ARG, D.TEST,
    'unsupported flags (0x4) in function testDomainCheckpointCreateXML');
  await rejects(d.snapshotCreateXML('<domainsnapshot/>'), E.OPERATION_UNSUPPORTED, D.TEST,
    'Operation not supported: cannot create snapshot while checkpoint exists');

  // deleting b hands its child to a; --children-only keeps a, drops the rest
  await b.delete();
  assert.equal((await (await d.checkpointLookupByName(t.name)).getParent()).name, 'a');
  await a.delete(Del.CHILDREN_ONLY);
  assert.deepEqual(names(await d.listAllCheckpoints()), ['a']);
  // the current checkpoint went with the children: a is current again, so a new one follows it
  assert.equal((await (await d.checkpointCreateXML(ckpt('n'))).getParent()).name, 'a');
  await a.delete(Del.CHILDREN | Del.METADATA_ONLY);
  assert.deepEqual(names(await d.listAllCheckpoints()), []);

  // checkpoints need a running domain; the size estimate too
  const k = await d.checkpointCreateXML(ckpt('k'));
  await d.destroy();
  await rejects(d.checkpointCreateXML(ckpt('z')), E.OPERATION_UNSUPPORTED, D.TEST, 'Operation not supported: cannot create checkpoint for inactive domain');
  await rejects(k.getXMLDesc(X.SIZE), E.OPERATION_INVALID, D.DOMAIN, 'Requested operation is not valid: domain is not running');
  await k.delete();
  await d.create();
}

test('DomainCheckpoint on test:///default: tree, lists, XML, refusals', async () => {
  const c = await open('test:///default');
  try { await scenario(c); } finally { await c.close(); }
});

test('a read-only connection lists and reads checkpoints but refuses to change them or show secure XML', async () => {
  const rw = await open('test:///default');
  const ro = await open('test:///default', { readonly: true });
  try {
    await (await rw.lookupDomainByName('test')).checkpointCreateXML(ckpt('r'));
    const d = await ro.lookupDomainByName('test');
    const r = await d.checkpointLookupByName('r');
    assert.deepEqual(names(await d.listAllCheckpoints()), ['r']);
    assert.match(await r.getXMLDesc(X.NO_DOMAIN), /<name>r<\/name>/);
    await rejects(r.getXMLDesc(X.SECURE), E.OPERATION_DENIED, D.DOMAIN_CHECKPOINT, 'operation forbidden: virDomainCheckpointGetXMLDesc with secure flag');
    await rejects(d.checkpointCreateXML(ckpt('z')), E.OPERATION_DENIED, D.DOMAIN_CHECKPOINT,
      'operation forbidden: read only access prevents virDomainCheckpointCreateXML');
    await rejects(r.delete(), E.OPERATION_DENIED, D.DOMAIN_CHECKPOINT, 'operation forbidden: read only access prevents virDomainCheckpointDelete');
  } finally {
    await ro.close();
    await rw.close();
  }
});

describe('DomainCheckpoint through tsvirtd', () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  test('the same scenario over the wire', async () => {
    const c = await open(`test+unix:///default?socket=${d.rw}`);
    try { await scenario(c); } finally { await c.close(); }
  });
});
