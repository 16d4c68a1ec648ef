// test:///default holds libvirt 9.0's default objects (compare: virsh -c test:///default ...).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { open, ListAllDomainsFlags } from '../../../src/api/index.js';

test('default domain "test" is running with id 1 and libvirt\'s UUID and XML', async () => {
  const c = await open('test:///default');
  try {
    const doms = await c.listAllDomains();
    assert.deepEqual(doms.map((d) => d.name), ['test']);
    const d = await c.lookupDomainById(1);
    assert.equal(d.name, 'test');
    assert.equal(d.uuid, '6695eb01-f6a4-8304-79aa-97f2502e193f');
    assert.deepEqual(await d.state(), { state: 1, reason: 0 });
    assert.equal(await d.isPersistent(), true);
    assert.equal(await d.getOSType(), 'linux');
    const info = await d.info();
    assert.equal(info.maxMem, 8388608);
    assert.equal(info.memory, 2097152);
    assert.equal(info.nrVirtCpu, 2);
    const xml = await d.getXMLDesc();
    assert.match(xml, /^<domain type='test' id='1'>\n  <name>test<\/name>/);
    assert.match(xml, /<source network='default'\/>\n      <target dev='testnet0'\/>/);
    assert.match(xml, /<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'\/>/);
    assert.doesNotMatch(await d.getXMLDesc(2), /id='1'/);
    assert.deepEqual(await d.getSecurityLabel(), { label: 'libvirt-test', enforcing: 1 });
    assert.equal(await d.getHostname(), 'testhost');
    assert.deepEqual((await c.listAllDomains(ListAllDomainsFlags.INACTIVE)).length, 0);
  } finally { await c.close(); }
});

test('node info, versions, security model, sysinfo and capabilities', async () => {
  const c = await open('test:///default');
  try {
    assert.deepEqual(await c.nodeGetInfo(), { model: 'i686', memory: 3145728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2 });
    assert.equal(await c.getType(), 'TEST');
    assert.equal(await c.getVersion(), 2);
    assert.equal(await c.getLibVersion(), 9000000);
    assert.equal(await c.getMaxVcpus(), 32);
    assert.deepEqual(await c.nodeGetSecurityModel(), { model: 'testSecurity', doi: '' });
    assert.deepEqual(await c.nodeGetCellsFreeMemory(0, 8), [2097152, 4194304]);
    assert.equal(await c.nodeGetFreeMemory(), 3145728);
    const map = await c.nodeGetCPUMap();
    assert.equal(map.ret, 8); assert.equal(map.online, 3); assert.equal(map.cpumap[0], 0x15);
    assert.match(await c.getSysinfo(), /<entry name='version'>G4ETA1WW \(2\.61 \)<\/entry>/);
    const caps = await c.getCapabilities();
    assert.match(caps, /<cells num='2'>/);
    assert.match(caps, /<model>testSecurity<\/model>/);
    assert.equal((caps.match(/<guest>/g) ?? []).length, 2);
  } finally { await c.close(); }
});

test('default network, pool and their XML', async () => {
  const c = await open('test:///default');
  try {
    const nets = await c.listAllNetworks();
    assert.deepEqual(nets.map((n) => n.name), ['default']);
    const n = nets[0]!;
    assert.equal(await n.isActive(), true);
    assert.equal(await n.isPersistent(), true);
    assert.equal(await n.getBridgeName(), 'virbr0');
    assert.match(await n.getXMLDesc(), /<forward mode='nat'\/>\n  <bridge name='virbr0' stp='on' delay='0'\/>/);
    const pools = await c.listAllStoragePools();
    assert.deepEqual(pools.map((p) => p.name), ['default-pool']);
    assert.deepEqual(await pools[0]!.info(), { state: 2, capacity: 107374182400, allocation: 0, available: 107374182400 });
    assert.deepEqual(await pools[0]!.listVolumes(), []);
  } finally { await c.close(); }
});

test('state is shared between connections and discarded with the last one', async () => {
  const a = await open('test:///default');
  const b = await open('test:///default');
  await (await a.lookupDomainByName('test')).destroy();
  assert.deepEqual(await (await b.lookupDomainByName('test')).state(), { state: 5, reason: 2 });
  await a.close();
  await b.close();
  const c = await open('test:///default');
  try {
    assert.deepEqual(await (await c.lookupDomainByName('test')).state(), { state: 1, reason: 0 });
  } finally { await c.close(); }
});
