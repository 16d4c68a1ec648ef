// The XML tokenizer and writer on their own: what the fast paths (typed-array scanning, the
// name vocabulary, the attribute chain of the writer) must keep exactly as before.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { VirError } from '../../src/util/error.js';
import { parseXml, XmlWriter, escapeXml, type XmlElement } from '../../src/conf/xml.js';

function detail(xml: string): string {
  try {
    parseXml(xml);
  } catch (e) {
    assert.ok(e instanceof VirError);
    return e.message;
  }
  assert.fail('parsed without error');
}

test('names outside the built-in vocabulary parse like the known ones', () => {
  const root = parseXml("<domain type='kvm'><devicesx typo='1' type2='2'/><devices><disk type='file'/></devices></domain>");
  const [odd, devs] = root.children as XmlElement[];
  assert.equal(odd!.name, 'devicesx');
  assert.deepEqual(odd!.attrs, { typo: '1', type2: '2' });
  assert.equal(devs!.name, 'devices');
  assert.deepEqual((devs!.children[0] as XmlElement).attrs, { type: 'file' });
});

test('characters beyond Latin-1 are kept whole (no truncation to a byte that looks like markup)', () => {
  // U+013C's low byte is '<', U+0127's is "'", U+013E's is '>': a byte-wise scanner would trip
  const v = 'a\u013Cb\u0127c\u013E\u{1F600}';
  const root = parseXml(`<domain type='${v}' n\u00E9='1'><title>${v}</title><x\u0127/></domain>`);
  assert.equal(root.attrs['type'], v);
  assert.equal(root.attrs['n\u00E9'], '1');
  assert.deepEqual(root.children[0], { name: 'title', attrs: {}, children: [v] });
  assert.equal((root.children[1] as XmlElement).name, 'x\u0127');
});

test('a repeated attribute is reported where libxml2 reports it', () => {
  assert.equal(detail("<domain type='test' type='qemu'><name>x</name></domain>"),
    "(domain_definition):1: Attribute type redefined\n<domain type='test' type='qemu'><name>x</name></domain>\n-------------------------------^");
  // also for names outside the vocabulary, and not only for the first attribute
  assert.match(detail("<a one='1' two='2' two='3'/>"), /Attribute two redefined/);
});

test('an end tag must match its start tag, not just begin like it', () => {
  assert.equal(detail("<domain type='test'><name>x</nam></domain>"),
    "(domain_definition):1: Opening and ending tag mismatch: name line 1 and nam\n<domain type='test'><name>x</nam></domain>\n---------------------------------^");
  assert.match(detail("<domain type='test'><name>x</namex></domain>"), /mismatch: name line 1 and namex/);
  assert.deepEqual(parseXml('<a><b>x</b ></a>').children[0], { name: 'b', attrs: {}, children: ['x'] });
});

test('attribute values: references decoded, whitespace normalised, either quote', () => {
  const root = parseXml(`<a x='1&amp;2&lt;&#65;&#x42;' y="it's" z='a\tb\nc'/>`);
  assert.deepEqual(root.attrs, { x: '1&2<AB', y: "it's", z: 'a b c' });
});

test('escapeXml changes only the five specials', () => {
  assert.equal(escapeXml(`/a/b c-1.2:3_x`), '/a/b c-1.2:3_x');
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
});

test('writer: open/empty/text/wrap keep libvirt layout', () => {
  const w = new XmlWriter();
  w.open('domain', { type: 'kvm', id: undefined });
  w.text('name', 'a<b');
  w.wrap('clock', { offset: 'utc' }, () => {});
  w.wrap('cpu', undefined, () => { w.empty('feature', { policy: 'require', name: 'x' }); });
  w.close();
  assert.equal(w.toString(), [
    "<domain type='kvm'>",
    '  <name>a&lt;b</name>',
    "  <clock offset='utc'/>",
    '  <cpu>',
    "    <feature policy='require' name='x'/>",
    '  </cpu>',
    '</domain>',
    '',
  ].join('\n'));
});
