// Snapshot XML: goldens from libvirt 9.0's test driver (snapshot-create --redefine on domain
// "test"; test/data/snapshot, see test/data/regen.sh), disk alignment and validation errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { formatSnapshotXml, parseSnapshotXml, snapshotAlignDisks } from '../../src/conf/snapshot.js';
import { ErrorDomain, ErrorNumber, VirError } from '../../src/util/error.js';

const dir = new URL('../../../test/data/snapshot/', import.meta.url);
const inputs = readdirSync(dir).filter((f) => f.endsWith('.xml') && !f.endsWith('.out.xml'));
// the disks of the test driver's domain "test"
const testDisks = [{ dst: 'vda', src: '/guest/diskimage1' }];

for (const f of inputs) {
  test(`snapshot golden: ${f}`, () => {
    const def = parseSnapshotXml(readFileSync(new URL(f, dir), 'utf8'), { redefine: true });
    // as the test driver's redefine does: align disks, external when memory is external
    snapshotAlignDisks(def, testDisks, def.memory?.snapshot === 'external' ? 'external' : 'internal', false);
    const out = formatSnapshotXml(def);
    assert.equal(out, readFileSync(new URL(f.replace(/\.xml$/, '.out.xml'), dir), 'utf8'));
    assert.equal(formatSnapshotXml(parseSnapshotXml(out, { redefine: true })), out, 'format(parse(x)) is idempotent');
  });
}

test('snapshot: a new snapshot is named after its creation time; formatDomain supplies the domain', () => {
  const def = parseSnapshotXml('<domainsnapshot><description>d</description></domainsnapshot>', { now: 1700000000 });
  assert.equal(def.name, '1700000000');
  assert.equal(def.creationTime, 1700000000);
  snapshotAlignDisks(def, testDisks, 'internal', true);
  def.state = 'running';
  def.memory = { snapshot: 'internal' };
  def.domain = { name: 'test' };
  const out = formatSnapshotXml(def, { formatDomain: (d) => `<domain type='test'>\n  <name>${(d as { name: string }).name}</name>\n</domain>\n` });
  assert.equal(out, [
    '<domainsnapshot>', '  <name>1700000000</name>', '  <description>d</description>', '  <state>running</state>',
    '  <creationTime>1700000000</creationTime>', "  <memory snapshot='internal'/>", '  <disks>',
    "    <disk name='vda' snapshot='internal'/>", '  </disks>', "  <domain type='test'>", '    <name>test</name>',
    '  </domain>', '</domainsnapshot>', ''].join('\n'));
});

test('snapshot: the test driver insists on its default mode; unknown disks are refused', () => {
  const def = parseSnapshotXml("<domainsnapshot><name>s</name><disks><disk name='vda' snapshot='no'/></disks></domainsnapshot>");
  assert.throws(() => snapshotAlignDisks(def, testDisks, 'internal', true), (e: unknown) =>
    e instanceof VirError && e.code === ErrorNumber.CONFIG_UNSUPPORTED && e.domain === ErrorDomain.DOMAIN_SNAPSHOT
    && e.message === "unsupported configuration: disk 'vda' must use snapshot mode 'internal'");
  const other = parseSnapshotXml("<domainsnapshot><disks><disk name='vdz'/></disks></domainsnapshot>");
  assert.throws(() => snapshotAlignDisks(other, testDisks, 'internal', true), /no disk named 'vdz'/);
});

const invalid: [string, boolean, number, number, string][] = [
  ["<domainsnapshot><memory snapshot='bogus'/></domainsnapshot>", false, ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: Invalid value for attribute 'snapshot' in element 'memory': 'bogus'."],
  ["<domainsnapshot><memory snapshot='internal' file='/x'/></domainsnapshot>", false, ErrorNumber.XML_ERROR, ErrorDomain.DOMAIN_SNAPSHOT, "XML error: memory filename '/x' requires external snapshot"],
  ["<domainsnapshot><memory snapshot='external' file='x'/></domainsnapshot>", false, ErrorNumber.XML_ERROR, ErrorDomain.DOMAIN_SNAPSHOT, 'XML error: memory snapshot file path (x) must be absolute'],
  ["<domainsnapshot><memory snapshot='external'/></domainsnapshot>", false, ErrorNumber.XML_ERROR, ErrorDomain.DOMAIN_SNAPSHOT, 'XML error: external memory snapshots require a filename'],
  ['<domainsnapshot><disks><disk/></disks></domainsnapshot>', false, ErrorNumber.INTERNAL_ERROR, ErrorDomain.DOMAIN_SNAPSHOT, 'internal error: missing name from disk snapshot element'],
  ["<domainsnapshot><disks><disk name='vda' type='bogus'/></disks></domainsnapshot>", false, ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: Invalid value for attribute 'type' in element 'disk': 'bogus'."],
  ["<domainsnapshot><disks><disk name='vda'><source file='rel'/></disk></disks></domainsnapshot>", false, ErrorNumber.XML_ERROR, ErrorDomain.DOMAIN_SNAPSHOT, "XML error: disk snapshot image path 'rel' must be absolute"],
  ["<domainsnapshot><disks><disk name='vda'><driver type='bogus'/></disk></disks></domainsnapshot>", false, ErrorNumber.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN_SNAPSHOT, "unsupported configuration: unknown disk snapshot driver 'bogus'"],
  ['<snapshot><name>x</name></snapshot>', false, ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: expecting root element of 'domainsnapshot', not 'snapshot'"],
];

for (const [xml, redefine, code, domain, message] of invalid) {
  test(`snapshot invalid: ${message}`, () => {
    assert.throws(() => parseSnapshotXml(xml, { redefine }), (e: unknown) => {
      if (!(e instanceof VirError)) throw e;
      assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
      return true;
    });
  });
}
