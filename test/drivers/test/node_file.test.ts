// test:///PATH.xml: a <node> document with files, test-namespace extras, snapshots, volumes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { open, ErrorDomain as D, ErrorNumber as E } from '../../../src/api/index.js';
import { rejects } from './helpers.js';

const dataDir = fileURLToPath(new URL('../../../../test/data/testnode/', import.meta.url));

test('custom node file: node info, domains with runstates, snapshots, network, pool and volumes', async () => {
  const c = await open(`test://${dataDir}node.xml`);
  try {
    assert.deepEqual(await c.nodeGetInfo(), { model: 'x86_64', memory: 8192000, cpus: 6, mhz: 2400, nodes: 1, sockets: 1, cores: 4, threads: 2 });
    const names = (await c.listAllDomains()).map((d) => d.name);
    assert.deepEqual(names, ['guest1', 'stopped', 'paused']);
    const g = await c.lookupDomainByName('guest1');
    assert.equal(g.id, 1);
    assert.deepEqual(await g.state(), { state: 1, reason: 0 });
    assert.equal((await g.snapshotCurrent()).name, 'base');
    const s = await c.lookupDomainByName('stopped');
    assert.equal(s.id, -1);
    assert.equal(await s.hasManagedSaveImage(), true);
    const p = await c.lookupDomainByName('paused');
    assert.deepEqual(await p.state(), { state: 3, reason: 0 });
    assert.equal(await p.isPersistent(), false);
    assert.equal(p.id, 2);
    assert.deepEqual((await c.listAllNetworks()).map((n) => n.name), ['lan']);
    const pool = await c.lookupStoragePoolByName('images');
    assert.deepEqual((await pool.listAllVolumes()).map((v) => v.key), ['/images/disk1.img', '/images/disk2.qcow2']);
    assert.equal((await pool.info()).allocation, 4096);
    assert.match(await (await pool.lookupVolByName('disk2.qcow2')).getXMLDesc(), /<capacity unit='bytes'>2097152<\/capacity>/);
    await rejects(c.nodeGetCellsFreeMemory(0, 1), E.INVALID_ARG, D.TEST, 'invalid argument: Range exceeds available cells');
    assert.match(await c.getCapabilities(), /<cells num='0'>\n      <\/cells>/);
  } finally { await c.close(); }
});

test('each file connection has private state', async () => {
  const a = await open(`test://${dataDir}node.xml`);
  const b = await open(`test://${dataDir}node.xml`);
  try {
    await (await a.lookupDomainByName('guest1')).destroy();
    assert.deepEqual(await (await b.lookupDomainByName('guest1')).state(), { state: 1, reason: 0 });
  } finally { await a.close(); await b.close(); }
});

test('missing and invalid node files fail as libvirt words it', async () => {
  await rejects(open('test:///nonexist.xml'), E.XML_ERROR, D.TEST, "XML error: failed to parse xml document '/nonexist.xml'");
  await rejects(open('test:///'), E.INVALID_ARG, D.TEST, 'invalid argument: testOpen: supply a path or use test:///default');
  await rejects(open(`test://${dataDir}bad-root.xml`), E.XML_ERROR, D.TEST, "XML error: expecting root element of 'node', not 'host'");
  await rejects(open(`test://${dataDir}bad-runstate.xml`), E.XML_ERROR, D.TEST, "XML error: transient domain cannot have runstate 'shutoff'");
});
