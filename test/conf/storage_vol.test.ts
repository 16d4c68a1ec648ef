// Storage volume XML: goldens from libvirt 9.0's test driver (test/data/storage/vol, created in
// its dir pool "default-pool"; see test/data/regen.sh), idempotence and validation errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parseStoragePoolXml } from '../../src/conf/storage_pool.js';
import { formatStorageVolXml, parseStorageVolXml } from '../../src/conf/storage_vol.js';
import { ErrorDomain, ErrorNumber, VirError } from '../../src/util/error.js';

const dir = new URL('../../../test/data/storage/vol/', import.meta.url);
const inputs = readdirSync(dir).filter((f) => f.endsWith('.xml') && !f.endsWith('.out.xml'));
const pool = parseStoragePoolXml("<pool type='dir'><name>default-pool</name><target><path>/default-pool</path></target></pool>");

for (const f of inputs) {
  test(`volume golden: ${f}`, () => {
    const def = parseStorageVolXml(readFileSync(new URL(f, dir), 'utf8'), pool);
    // what the test driver does on create: key and path are the pool path plus the name
    def.key = def.target.path = `${pool.target!.path}/${def.name}`;
    const out = formatStorageVolXml(def, pool);
    assert.equal(out, readFileSync(new URL(f.replace(/\.xml$/, '.out.xml'), dir), 'utf8'));
    assert.equal(formatStorageVolXml(parseStorageVolXml(out, pool), pool), out, 'format(parse(x)) is idempotent');
  });
}

test('volume: allocation defaults to capacity; units scale to bytes', () => {
  const d = parseStorageVolXml("<volume><name>v</name><capacity unit='T'>2</capacity></volume>", pool);
  assert.equal(d.capacity, 2 * 1024 ** 4);
  assert.equal(d.allocation, d.capacity);
  assert.equal(d.target.format, 'raw');
});

test('volume: the pool type decides the format vocabulary', () => {
  const disk = parseStoragePoolXml("<pool type='disk'><name>d</name><source><device path='/dev/sdz'/></source><target><path>/dev</path></target></pool>");
  const logical = parseStoragePoolXml("<pool type='logical'><name>vg</name></pool>");
  const xml = "<volume><name>p1</name><capacity>1024</capacity><target><format type='linux-swap'/></target></volume>";
  assert.match(formatStorageVolXml(parseStorageVolXml(xml, disk), disk), /<format type='linux-swap'\/>/);
  assert.doesNotMatch(formatStorageVolXml(parseStorageVolXml(xml, logical), logical), /<format/);
  assert.throws(() => parseStorageVolXml(xml, pool), /unknown volume format type linux-swap/);
});

test('volume: capacity may be omitted with a backing store when the caller allows it', () => {
  const xml = '<volume><name>v</name><backingStore><path>/b</path></backingStore></volume>';
  assert.equal(parseStorageVolXml(xml, pool, { optCapacity: true }).backingStore?.path, '/b');
  assert.throws(() => parseStorageVolXml(xml, pool), /missing capacity element/);
});

const invalid: [string, number, number, string][] = [
  ['<volume><name>v3</name></volume>', ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing capacity element'],
  ['<volume><capacity>1</capacity></volume>', ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing volume name element'],
  ["<volume><name>v4</name><capacity unit='zz'>1</capacity></volume>", ErrorNumber.INVALID_ARG, ErrorDomain.NONE, "invalid argument: unknown suffix 'zz'"],
  ['<volume><name>v4</name><capacity>abc</capacity></volume>', ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: malformed capacity element'],
  ['<volume><name>v4</name><capacity> 12 </capacity></volume>', ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: malformed capacity element'],
  ['<volume><name>v5</name><capacity>1</capacity><allocation>abc</allocation></volume>', ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: malformed capacity element'],
  ["<volume><name>v4</name><capacity>1</capacity><target><format type='bogus'/></target></volume>", ErrorNumber.CONFIG_UNSUPPORTED, ErrorDomain.STORAGE, 'unsupported configuration: unknown volume format type bogus'],
  ["<volume type='bogus'><name>v4</name><capacity>1</capacity></volume>", ErrorNumber.CONFIG_UNSUPPORTED, ErrorDomain.STORAGE, "unsupported configuration: unknown volume type 'bogus'"],
  ['<volume><name>v8</name><capacity>9223372036854775808</capacity></volume>', ErrorNumber.OVERFLOW, ErrorDomain.NONE, 'numerical overflow: value too large: 9223372036854775808'],
  ["<volume><name>v8</name><capacity unit='E'>15</capacity></volume>", ErrorNumber.OVERFLOW, ErrorDomain.NONE, 'numerical overflow: value too large: 15E'],
  ["<volume><name>v8</name><capacity>1</capacity><target><format type='qcow2'/><features><bogus/></features></target></volume>", ErrorNumber.CONFIG_UNSUPPORTED, ErrorDomain.STORAGE, 'unsupported configuration: unsupported feature bogus'],
  ["<volume><name>v8</name><capacity>1</capacity><target><format type='qcow2'/><compat>bogus</compat></target></volume>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, "XML error: forbidden characters in 'compat' attribute"],
  ["<volume><name>v8</name><capacity>1</capacity><backingStore><path>/b</path><format type='qcow7'/></backingStore></volume>", ErrorNumber.CONFIG_UNSUPPORTED, ErrorDomain.STORAGE, 'unsupported configuration: unknown volume format type qcow7'],
  ['<vol><name>x</name></vol>', ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: expecting root element of 'volume', not 'vol'"],
];

for (const [xml, code, domain, message] of invalid) {
  test(`volume invalid: ${message}`, () => {
    assert.throws(() => parseStorageVolXml(xml, pool), (e: unknown) => {
      if (!(e instanceof VirError)) throw e;
      assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
      return true;
    });
  });
}
