// Storage pool XML: goldens from libvirt 9.0's test driver (test/data/storage/pool, see
// test/data/regen.sh), idempotence and validation errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { formatStoragePoolXml, parseStoragePoolXml } from '../../src/conf/storage_pool.js';
import { ErrorDomain, ErrorNumber, VirError } from '../../src/util/error.js';

const dir = new URL('../../../test/data/storage/pool/', import.meta.url);
const inputs = readdirSync(dir).filter((f) => f.endsWith('.xml') && !f.endsWith('.out.xml'));
const GiB100 = 100 * 1024 ** 3;

for (const f of inputs) {
  test(`pool golden: ${f}`, () => {
    const def = parseStoragePoolXml(readFileSync(new URL(f, dir), 'utf8'));
    // what libvirt's test driver does on define: a 100 GiB, empty pool
    def.capacity = GiB100; def.allocation = 0; def.available = GiB100;
    const out = formatStoragePoolXml(def);
    assert.equal(out, readFileSync(new URL(f.replace(/\.xml$/, '.out.xml'), dir), 'utf8'));
    assert.equal(formatStoragePoolXml(parseStoragePoolXml(out)), out, 'format(parse(x)) is idempotent');
  });
}

test('pool: sizes are kept in bytes whatever the unit, and a uuid is generated', () => {
  const d = parseStoragePoolXml("<pool type='dir'><name>p</name><capacity unit='GiB'>2</capacity><allocation unit='KB'>3</allocation><target><path>/p</path></target></pool>");
  assert.equal(d.capacity, 2 * 1024 ** 3);
  assert.equal(d.allocation, 3000);
  assert.match(d.uuid, /^[0-9a-f-]{36}$/);
  assert.match(formatStoragePoolXml(d), /<capacity unit='bytes'>2147483648<\/capacity>\n {2}<allocation unit='bytes'>3000<\/allocation>/);
});

const invalid: [string, number, number, string][] = [
  ["<pool type='dir'><name>p1</name></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing storage pool target path'],
  ["<pool type='dir'><name>p1</name><target><path></path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing storage pool target path'],
  ["<pool type='dir'><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing pool source name element'],
  ["<pool><name>p1</name><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: Missing required attribute 'type' in element 'pool'"],
  ["<pool type='bogus'><name>p1</name><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: Invalid value for attribute 'type' in element 'pool': 'bogus'."],
  ["<pool type='fs'><name>p1</name><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing storage pool source device name'],
  ["<pool type='fs'><name>p1</name><source><device path='/dev/sdb'/><format type='zz'/></source><target><path>/x</path></target></pool>", ErrorNumber.CONFIG_UNSUPPORTED, ErrorDomain.STORAGE, 'unsupported configuration: unknown pool format type zz'],
  ["<pool type='netfs'><name>p1</name><source><dir path='/e'/></source><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing storage pool source host name'],
  ["<pool type='netfs'><name>p1</name><source><host name='h'/></source><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing storage pool source path'],
  ["<pool type='iscsi'><name>p1</name><source><device path='iqn.x'/></source><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing storage pool source host name'],
  ["<pool type='scsi'><name>p1</name><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: missing storage pool source adapter'],
  ["<pool type='rbd'><name>p1</name><source><host name='h'/></source></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, "XML error: element 'name' is mandatory for RBD pool"],
  ["<pool type='dir'><name>p1</name><uuid>bad</uuid><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: malformed uuid element'],
  ["<pool type='dir'><name>p/1</name><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, "XML error: name p/1 cannot contain '/'"],
  ["<pool type='dir'><name>p1</name><target><path>/x</path><permissions><mode>999</mode></permissions></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: malformed octal mode'],
  ["<pool type='dir'><name>p1</name><target><path>/x</path><permissions><owner>abc</owner></permissions></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.STORAGE, 'XML error: malformed owner element'],
  ["<pool type='netfs'><name>p1</name><source><host name='h' port='x'/><dir path='/e'/></source><target><path>/x</path></target></pool>", ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: Invalid value for attribute 'port' in element 'host': 'x'. Expected integer value"],
  ["<pool type='iscsi'><name>p1</name><source><host name='h'/><auth type='foo' username='u'><secret usage='x'/></auth></source><target><path>/x</path></target></pool>", ErrorNumber.CONFIG_UNSUPPORTED, ErrorDomain.STORAGE, "unsupported configuration: unknown auth type 'foo'"],
  ['<pol/>', ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: expecting root element of 'pool', not 'pol'"],
];

for (const [xml, code, domain, message] of invalid) {
  test(`pool invalid: ${message}`, () => {
    assert.throws(() => parseStoragePoolXml(xml), (e: unknown) => {
      if (!(e instanceof VirError)) throw e;
      assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
      return true;
    });
  });
}

test('pool: malformed XML is VIR_ERR_XML_DETAIL from the storage domain', () => {
  assert.throws(() => parseStoragePoolXml("<pool type='dir'>"), (e: unknown) =>
    e instanceof VirError && e.code === ErrorNumber.XML_DETAIL && e.domain === ErrorDomain.STORAGE);
});
