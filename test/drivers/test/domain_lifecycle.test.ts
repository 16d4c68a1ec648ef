// Domain lifecycles and invalid operations on test:///default; codes, domains and messages as
// libvirt 9.0 reports them (checked against virsh -c test:///default and libvirt.so).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, ErrorDomain as D, ErrorNumber as E, ListAllDomainsFlags as L } from '../../../src/api/index.js';
import { domXml, rejects } from './helpers.js';

const U1 = '11111111-2222-3333-4444-555555555555';

test('persistent domain: define, start, suspend, resume, shutdown, undefine', async () => {
  const c = await open('test:///default');
  try {
    const d = await c.defineDomainXML(domXml('a1', U1));
    assert.equal(d.id, -1);
    assert.deepEqual(await d.state(), { state: 5, reason: 0 });
    assert.deepEqual(await c.listDefinedDomains(), ['a1']);
    await d.create();
    assert.ok(d.id > 1);
    assert.deepEqual(await d.state(), { state: 1, reason: 1 });
    assert.deepEqual((await c.lookupDomainById(d.id)).name, 'a1');
    await rejects(d.create(), E.INTERNAL_ERROR, D.TEST, "internal error: Domain 'a1' is already running");
    await rejects(d.resume(), E.INTERNAL_ERROR, D.TEST, "internal error: domain 'a1' not paused");
    await d.suspend();
    assert.deepEqual(await d.state(), { state: 3, reason: 1 });
    await rejects(d.suspend(), E.INTERNAL_ERROR, D.TEST, "internal error: domain 'a1' not running");
    await d.resume();
    assert.deepEqual(await d.state(), { state: 1, reason: 5 });
    await d.shutdown();
    assert.deepEqual(await d.state(), { state: 5, reason: 1 });
    await rejects(d.shutdown(), E.INTERNAL_ERROR, D.TEST, "internal error: domain 'a1' not running");
    await rejects(d.destroy(), E.OPERATION_INVALID, D.DOMAIN, 'Requested operation is not valid: domain is not running');
    await rejects(d.reboot(), E.OPERATION_INVALID, D.DOMAIN, 'Requested operation is not valid: domain is not running');
    await rejects(d.getVcpus(2, 1), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: cannot list vcpus for an inactive domain');
    await d.undefine();
    await rejects(d.state(), E.NO_DOMAIN, D.TEST, `Domain not found: no domain with matching uuid '${U1}' (a1)`);
    await rejects(c.lookupDomainByName('a1'), E.NO_DOMAIN, D.TEST, 'Domain not found');
  } finally { await c.close(); }
});

test('transient domain: created running, gone when stopped', async () => {
  const c = await open('test:///default');
  try {
    const d = await c.createDomainXML(domXml('t1'));
    assert.equal(await d.isPersistent(), false);
    assert.equal(await d.isActive(), true);
    assert.ok((await c.listAllDomains(L.TRANSIENT)).some((x) => x.name === 't1'));
    await rejects(d.managedSave(), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: cannot do managed save for transient domain');
    await d.destroy();
    await rejects(c.lookupDomainByName('t1'), E.NO_DOMAIN, D.TEST, 'Domain not found');
  } finally { await c.close(); }
});

test('duplicate names and UUIDs', async () => {
  const c = await open('test:///default');
  try {
    await c.defineDomainXML(domXml('a1', U1));
    await rejects(c.defineDomainXML(domXml('a2', U1)), E.OPERATION_FAILED, D.DOMAIN,
      `operation failed: domain 'a1' is already defined with uuid ${U1}`);
    await rejects(c.defineDomainXML(domXml('a1', '11111111-2222-3333-4444-555555555556')), E.OPERATION_FAILED, D.DOMAIN,
      `operation failed: domain 'a1' already exists with uuid ${U1}`);
    await c.createDomainXML(domXml('a1', U1));
    await rejects(c.createDomainXML(domXml('a1', U1)), E.OPERATION_INVALID, D.DOMAIN,
      "Requested operation is not valid: domain 'a1' is already active");
  } finally { await c.close(); }
});

test('vcpu and memory rules (LIVE/CONFIG/MAXIMUM)', async () => {
  const c = await open('test:///default');
  try {
    const d = await c.lookupDomainByName('test');
    await rejects(d.setVcpusFlags(40, 0), E.INVALID_ARG, D.TEST, 'invalid argument: requested cpu amount exceeds maximum supported amount (40 > 32)');
    await rejects(d.setVcpusFlags(3, 1), E.INVALID_ARG, D.TEST, 'invalid argument: requested cpu amount exceeds maximum (3 > 2)');
    await rejects(d.setVcpusFlags(3, 4), E.INVALID_ARG, D.DOMAIN, "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'");
    await rejects(d.getVcpusFlags(3), E.INVALID_ARG, D.DOMAIN, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
    await d.setVcpusFlags(4, 2 | 4);
    assert.equal(await d.getVcpusFlags(2 | 4), 4);
    assert.equal(await d.getVcpusFlags(1 | 4), 2);
    await d.setVcpusFlags(1, 1);
    assert.equal((await d.info()).nrVirtCpu, 1);
    assert.equal(await d.getVcpusFlags(2), 2);
    await rejects(d.setMemoryFlags(512, 4), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: cannot resize the maximum memory on an active domain');
    await rejects(d.setMemory(99999999), E.INVALID_ARG, D.TEST, 'invalid argument: cannot set memory higher than max memory');
    await d.setMemory(1000);
    assert.equal((await d.info()).memory, 1000);
    await d.setMemoryFlags(512, 2 | 4);
    assert.match(await d.getXMLDesc(2), /<memory unit='KiB'>512<\/memory>\n  <currentMemory unit='KiB'>512<\/currentMemory>/);
    assert.equal(await d.getMaxMemory(), 8388608);
  } finally { await c.close(); }
});

test('save/restore through the test driver\'s image file; managed save', async () => {
  const c = await open('test:///default');
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-test-'));
  try {
    const d = await c.lookupDomainByName('test');
    const img = join(dir, 'test.sav');
    await d.save(img);
    assert.deepEqual(await d.state(), { state: 5, reason: 5 });
    assert.match(await c.domainSaveImageGetXMLDesc(img), /^<domain type='test'>\n  <name>test<\/name>/);
    await c.restoreDomain(img);
    assert.deepEqual(await d.state(), { state: 1, reason: 3 });
    writeFileSync(join(dir, 'bad'), 'NotTheMagic!!!!xxxxxxxx');
    await rejects(c.restoreDomain(join(dir, 'bad')), E.INTERNAL_ERROR, D.TEST, 'internal error: mismatched header magic');
    await rejects(c.restoreDomain(join(dir, 'none')), E.SYSTEM_ERROR, D.TEST, `cannot read domain image '${join(dir, 'none')}': No such file or directory`);
    await d.managedSave();
    assert.equal(await d.hasManagedSaveImage(), true);
    assert.equal((await c.listAllDomains(L.MANAGEDSAVE)).length, 1);
    await rejects(d.undefine(), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: Refusing to undefine while domain managed save image exists');
    await d.create();
    assert.equal(await d.hasManagedSaveImage(), false);
  } finally { await c.close(); rmSync(dir, { recursive: true, force: true }); }
});

test('listAllDomains filters', async () => {
  const c = await open('test:///default');
  try {
    const off = await c.defineDomainXML(domXml('off1'));
    const p = await c.defineDomainXML(domXml('paused1'));
    await p.create(); await p.suspend();
    await off.setAutostart(true);
    const names = async (f: number) => (await c.listAllDomains(f)).map((d) => d.name).sort();
    assert.deepEqual(await names(L.ACTIVE), ['paused1', 'test']);
    assert.deepEqual(await names(L.INACTIVE), ['off1']);
    assert.deepEqual(await names(L.PAUSED), ['paused1']);
    assert.deepEqual(await names(L.RUNNING | L.SHUTOFF), ['off1', 'test']);
    assert.deepEqual(await names(L.AUTOSTART), ['off1']);
    assert.deepEqual(await names(L.NO_AUTOSTART | L.ACTIVE), ['paused1', 'test']);
    assert.deepEqual(await names(L.ACTIVE | L.INACTIVE), ['off1', 'paused1', 'test']);
    await rejects(c.listAllDomains(1 << 20), E.INVALID_ARG, D.TEST, 'unsupported flags (0x100000) in function testConnectListAllDomains');
  } finally { await c.close(); }
});

test('stats, scheduler, metadata, rename and interface addresses', async () => {
  const c = await open('test:///default');
  try {
    const d = await c.lookupDomainByName('test');
    const bs = await d.blockStats('vda');
    assert.ok(bs.rd_req > 0 && bs.rd_req >= bs.rd_bytes);
    await rejects(d.blockStats('vdz'), E.INVALID_ARG, D.TEST, 'invalid argument: invalid path: vdz');
    const is = await d.interfaceStats('testnet0');
    assert.ok(is.rx_bytes > is.rx_packets);
    const ms = await d.memoryStats();
    assert.deepEqual(ms[0], { tag: 6, val: 2097152 });
    assert.equal(ms.length, 13);
    assert.deepEqual(await d.getBlockInfo('vda'), { capacity: 1099506450432, allocation: 1099511627776, physical: 1099511627776 });
    assert.deepEqual(await d.getSchedulerType(), { type: 'fair', nparams: 1 });
    assert.deepEqual(await d.getSchedulerParameters(1), [{ field: 'weight', type: 2, value: 50 }]);
    await rejects(d.getMetadata(0), E.NO_DOMAIN_METADATA, D.DOMAIN, 'metadata not found: Requested metadata element is not present');
    await d.setMetadata(1, 'My title');
    assert.equal(await d.getMetadata(1), 'My title');
    await d.setMetadata(2, '<foo a="1"><b/></foo>', 'k', 'http://x/');
    assert.equal(await d.getMetadata(2, 'http://x/'), '<foo a="1">\n  <b/>\n</foo>');
    assert.deepEqual(await d.interfaceAddresses(), [{ name: 'testnet0', hwaddr: 'aa:bb:cc:dd:ee:ff', addrs: [{ type: 0, addr: '192.168.122.3', prefix: 24 }] }]);
    await rejects(d.rename('x'), E.OPERATION_INVALID, D.TEST, 'Requested operation is not valid: cannot rename active domain');
    await d.destroy();
    await d.rename('renamed');
    assert.equal((await c.lookupDomainByUUID('6695eb01-f6a4-8304-79aa-97f2502e193f')).name, 'renamed');
    const stats = await c.getAllDomainStats([], 0, 0);
    assert.deepEqual(stats[0]!.params, [{ field: 'state.state', type: 1, value: 5 }, { field: 'state.reason', type: 1, value: 2 }]);
    await rejects(c.getAllDomainStats([], 8, 0x80000000), E.ARGUMENT_UNSUPPORTED, D.TEST, 'argument unsupported: Stats types bits 0x8 are not supported by this daemon');
  } finally { await c.close(); }
});

test('flags and arguments the test driver refuses', async () => {
  const c = await open('test:///default');
  try {
    const d = await c.lookupDomainByName('test');
    await rejects(d.state(1), E.INVALID_ARG, D.TEST, 'unsupported flags (0x1) in function testDomainGetState');
    await rejects(d.undefine(4), E.INVALID_ARG, D.TEST, 'unsupported flags (0x4) in function testDomainUndefineFlags');
    await rejects(d.setVcpusFlags(0, 0), E.INVALID_ARG, D.DOMAIN, 'nvcpus in virDomainSetVcpusFlags must not be zero');
    await rejects(d.interfaceStats('eth9'), E.INVALID_ARG, D.DOMAIN, "invalid argument: 'eth9' is not a known interface");
    await rejects(d.setMetadata(1, 'x', null, 'http://u/'), E.INVALID_ARG, D.DOMAIN, 'uri in virDomainSetMetadata must be NULL');
    await d.destroy();
    await rejects(d.create(1), E.INVALID_ARG, D.TEST, 'unsupported flags (0x1) in function testDomainCreateWithFlags');
    await rejects(d.getMaxVcpus(), E.OPERATION_INVALID, D.DOMAIN, 'Requested operation is not valid: domain is not running');
    await c.defineDomainXML("<domain type='test'><name>b1</name><memory>1024</memory><os><type>hvm</type></os></domain>");
    await rejects(d.rename('b1'), E.OPERATION_INVALID, D.DOMAIN, "Requested operation is not valid: domain with name 'b1' already exists");
    await rejects(d.rename('a/b'), E.XML_ERROR, D.TEST, "XML error: name a/b cannot contain '/'");
  } finally { await c.close(); }
});
