// <metadata> kept verbatim as libvirt keeps it, and get/set as `virsh metadata` / `desc` do.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { domainDefGetMetadata, domainDefSetMetadata, formatDomainXml, parseDomainXml } from '../../src/conf/domain.js';

const input = readFileSync(new URL('../../../test/data/domain/metadata.xml', import.meta.url), 'utf8');

test('element metadata is returned without its namespace (virsh metadata URI)', () => {
  const def = parseDomainXml(input);
  assert.equal(domainDefGetMetadata(def, 2, 'http://b.org/'), '<b>\n  <c>  text </c>\n  <d/>\n</b>');
  assert.equal(domainDefGetMetadata(def, 2, 'http://m.org/'), '<mixed>some <i>mixed</i> content\n      <j k="v"/></mixed>');
  assert.throws(() => domainDefGetMetadata(def, 2, 'http://nope/'),
    { code: 80, domain: 20, message: 'metadata not found: Requested metadata element is not present' });
});

test('setting element metadata stores it under the key prefix', () => {
  const def = parseDomainXml(input);
  domainDefSetMetadata(def, 2, '<root a="1"><kid/></root>', 'zz', 'http://z.org/');
  assert.equal(domainDefGetMetadata(def, 2, 'http://z.org/'), '<root a="1">\n  <kid/>\n</root>');
  const xml = formatDomainXml(def);
  assert.ok(xml.includes('    <zz:root xmlns:zz="http://z.org/" a="1">\n      <zz:kid/>\n    </zz:root>\n  </metadata>\n'), xml);
  // replacing keeps one element per namespace; null removes it
  domainDefSetMetadata(def, 2, '<other/>', 'zz', 'http://z.org/');
  assert.equal(domainDefGetMetadata(def, 2, 'http://z.org/'), '<other/>');
  domainDefSetMetadata(def, 2, null, null, 'http://z.org/');
  assert.throws(() => domainDefGetMetadata(def, 2, 'http://z.org/'), { code: 80 });
});

test('title and description', () => {
  const def = parseDomainXml(input);
  assert.throws(() => domainDefGetMetadata(def, 1, null), { code: 80 });
  domainDefSetMetadata(def, 1, 'My VM', null, null);
  domainDefSetMetadata(def, 0, 'line 1\nline 2 & more', null, null);
  assert.equal(domainDefGetMetadata(def, 1, null), 'My VM');
  assert.equal(domainDefGetMetadata(def, 0, null), 'line 1\nline 2 & more');
  const xml = formatDomainXml(def);
  assert.ok(xml.includes('  <title>My VM</title>\n  <description>line 1\nline 2 &amp; more</description>\n  <metadata'));
  assert.throws(() => domainDefSetMetadata(def, 1, 'a\nb', null, null), { code: 8 });
  domainDefSetMetadata(def, 0, '', null, null);
  assert.ok(!formatDomainXml(def).includes('<description>'));
});
