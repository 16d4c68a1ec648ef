// Checkpoint XML: goldens from libvirt 9.0's test driver (checkpoint-create --redefine on domain
// "test", then checkpoint-dumpxml; test/data/checkpoint, see test/data/regen.sh), disk
// alignment, the schema's refusals and the redefine cycle checks, worded as libvirt.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import {
  checkpointAlignDisks, checkpointAssignBitmapNames, checkpointCheckCycles, formatCheckpointXml, parseCheckpointXml,
  type CheckpointDomainDisk,
} from '../../src/conf/checkpoint.js';
import { domainDefParseNode, formatDomainXml, testDriverDomainDefPostParse, type DomainDef } from '../../src/conf/domain.js';
import { ErrorDomain, ErrorNumber, VirError } from '../../src/util/error.js';

const dir = new URL('../../../test/data/checkpoint/', import.meta.url);
const inputs = readdirSync(dir).filter((f) => f.endsWith('.xml') && !f.endsWith('.out.xml'));

const disksOf = (d: DomainDef): CheckpointDomainDisk[] => d.devices.disks.map((k) => ({
  dst: k.target.dev, src: k.source?.file, emptyOrReadonly: !k.source?.file || k.readonly,
}));

function rejects(fn: () => unknown, code: number, message: string, domain?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof VirError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    if (domain !== undefined) assert.equal(e.domain, domain);
    return true;
  });
}

for (const f of inputs) {
  test(`checkpoint golden: ${f}`, () => {
    const def = parseCheckpointXml(readFileSync(new URL(f, dir), 'utf8'), { redefine: true });
    // as the test driver's redefine: with a domain, align the disks to it; else only name bitmaps
    if (def.domainXml) {
      const dom = domainDefParseNode(def.domainXml, { errDomain: ErrorDomain.DOMAIN });
      testDriverDomainDefPostParse(dom);
      def.domain = dom;
      checkpointAlignDisks(def, disksOf(dom));
    } else {
      checkpointAssignBitmapNames(def);
    }
    const fmt = (d: unknown) => formatDomainXml(d as DomainDef, { inactive: true });
    const out = formatCheckpointXml(def, { formatDomain: fmt });
    assert.equal(out, readFileSync(new URL(f.replace(/\.xml$/, '.out.xml'), dir), 'utf8'));
    const again = parseCheckpointXml(out, { redefine: true });
    assert.equal(formatCheckpointXml(again, { noDomain: true }), formatCheckpointXml(def, { noDomain: true }), 'format(parse(x)) keeps the checkpoint');
  });
}

test('checkpoint: a new one is named after its creation time; parent and creationTime of the XML are ignored', () => {
  const def = parseCheckpointXml('<domaincheckpoint><description>d</description><creationTime>5</creationTime>'
    + '<parent><name>p</name></parent></domaincheckpoint>', { now: 1700000000 });
  assert.equal(def.name, '1700000000');
  assert.equal(def.creationTime, 1700000000);
  assert.equal(def.parent, undefined);
  checkpointAlignDisks(def, [{ dst: 'vda', src: '/a', emptyOrReadonly: false }, { dst: 'hdc', emptyOrReadonly: true }]);
  assert.equal(formatCheckpointXml(def), ['<domaincheckpoint>', '  <name>1700000000</name>', '  <description>d</description>',
    '  <creationTime>1700000000</creationTime>', '  <disks>', "    <disk name='vda' checkpoint='bitmap' bitmap='1700000000'/>",
    "    <disk name='hdc' checkpoint='no'/>", '  </disks>', '</domaincheckpoint>', ''].join('\n'));
});

test('checkpoint: --no-domain leaves the domain out; --size prints a size only where one is known', () => {
  const def = parseCheckpointXml("<domaincheckpoint><name>c</name><disks><disk name='vda'/><disk name='vdb' checkpoint='no'/></disks></domaincheckpoint>", { now: 9 });
  checkpointAlignDisks(def, [{ dst: 'vda', emptyOrReadonly: false }, { dst: 'vdb', emptyOrReadonly: false }]);
  def.domain = { name: 'x' };
  const formatDomain = () => "<domain type='test'>\n  <name>x</name>\n</domain>\n";
  assert.match(formatCheckpointXml(def, { formatDomain }), /<domain type='test'>\n {4}<name>x<\/name>\n {2}<\/domain>\n<\/domaincheckpoint>\n$/);
  assert.doesNotMatch(formatCheckpointXml(def, { formatDomain, noDomain: true }), /<domain /);
  def.disks[0]!.size = 1024;
  def.disks[1]!.size = 1024;
  const sized = formatCheckpointXml(def, { noDomain: true, size: true });
  assert.match(sized, /<disk name='vda' checkpoint='bitmap' bitmap='c' size='1024'\/>/);
  assert.match(sized, /<disk name='vdb' checkpoint='no'\/>/, 'no bitmap, no size');
  assert.doesNotMatch(formatCheckpointXml(def, { noDomain: true }), /size=/);
});

test('checkpoint: disk alignment refusals as libvirt words them', () => {
  const disks: CheckpointDomainDisk[] = [{ dst: 'vda', src: '/a.img', emptyOrReadonly: false }, { dst: 'vdb', src: '/b.img', emptyOrReadonly: true }];
  const align = (xml: string, d = disks) => checkpointAlignDisks(parseCheckpointXml(xml, { now: 1 }), d);
  const U = ErrorNumber.CONFIG_UNSUPPORTED;
  rejects(() => align("<domaincheckpoint><disks><disk name='vdz'/></disks></domaincheckpoint>"), U, "unsupported configuration: no disk named 'vdz'", ErrorDomain.DOMAIN_CHECKPOINT);
  rejects(() => align("<domaincheckpoint><disks><disk name='vda'/><disk name='/a.img'/></disks></domaincheckpoint>"), U, "unsupported configuration: disk '/a.img' specified twice");
  rejects(() => align("<domaincheckpoint><disks><disk name='vdb'/></disks></domaincheckpoint>"), U, "unsupported configuration: disk 'vdb' is empty or readonly");
  rejects(() => align("<domaincheckpoint><disks><disk name='vda'/><disk name='vdb'/></disks></domaincheckpoint>", disks.slice(0, 1)), U,
    'unsupported configuration: too many disk checkpoint requests for domain');
  rejects(() => align('<domaincheckpoint/>', []), U, 'unsupported configuration: domain must have at least one disk to perform checkpoints');
  // a disk named by its source path is stored under its target; a read-only one may say 'no'
  const def = parseCheckpointXml("<domaincheckpoint><name>n</name><disks><disk name='/a.img' bitmap='b'/><disk name='vdb' checkpoint='no'/></disks></domaincheckpoint>");
  checkpointAlignDisks(def, disks);
  assert.deepEqual(def.disks, [{ name: 'vda', type: 'bitmap', bitmap: 'b' }, { name: 'vdb', type: 'no' }]);
});

test('checkpoint: parse errors and schema refusals as libvirt 9.0 reports them', () => {
  const rng = 'XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\n';
  const S = ErrorNumber.XML_INVALID_SCHEMA;
  rejects(() => parseCheckpointXml('<domainsnapshot/>'), ErrorNumber.XML_ERROR, "XML error: expecting root element of 'domaincheckpoint', not 'domainsnapshot'");
  rejects(() => parseCheckpointXml('<domaincheckpoint><foo/></domaincheckpoint>'), S, `${rng}Element domaincheckpoint has extra content: foo\n`);
  const interleave = (el: string) => `${rng}Extra element ${el} in interleave\nElement domaincheckpoint failed to validate content\n`;
  rejects(() => parseCheckpointXml("<domaincheckpoint><disks><disk name='vda' checkpoint='bogus'/></disks></domaincheckpoint>"), S, interleave('disks'));
  rejects(() => parseCheckpointXml("<domaincheckpoint><disks><disk name='vda,x'/></disks></domaincheckpoint>"), S, interleave('disks'));
  rejects(() => parseCheckpointXml('<domaincheckpoint><creationTime>abc</creationTime></domaincheckpoint>', { redefine: true }), S, interleave('creationTime'));
  rejects(() => parseCheckpointXml('<domaincheckpoint><description>x</description></domaincheckpoint>', { redefine: true }),
    ErrorNumber.XML_ERROR, 'XML error: a redefined checkpoint must have a name');
  rejects(() => parseCheckpointXml('<domaincheckpoint><name>r</name></domaincheckpoint>', { redefine: true }),
    ErrorNumber.INTERNAL_ERROR, 'internal error: missing creationTime from existing checkpoint');
});

test('checkpoint: a redefined parent must exist and must not close a cycle', () => {
  // tree: a <- b <- c
  const tree = new Map<string, string | null>([['a', null], ['b', 'a'], ['c', 'b']]);
  const parentOf = (n: string) => tree.get(n);
  const redefined = (name: string, parent: string) => parseCheckpointXml(
    `<domaincheckpoint><name>${name}</name><creationTime>5</creationTime><parent><name>${parent}</name></parent></domaincheckpoint>`, { redefine: true });
  const I = ErrorNumber.INVALID_ARG;
  rejects(() => checkpointCheckCycles(redefined('a', 'a'), parentOf), I, 'invalid argument: cannot set moment a as its own parent');
  rejects(() => checkpointCheckCycles(redefined('a', 'nope'), parentOf), I, 'invalid argument: parent nope for moment a not found');
  rejects(() => checkpointCheckCycles(redefined('a', 'c'), parentOf), I, 'invalid argument: parent b would create cycle to a');
  checkpointCheckCycles(redefined('c', 'a'), parentOf);
  checkpointCheckCycles(redefined('d', 'c'), parentOf);
});
