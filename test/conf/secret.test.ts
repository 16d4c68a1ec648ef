import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatSecretXml, parseSecretXml } from '../../src/conf/secret.js';
import { VirError } from '../../src/util/error.js';

const U = '0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f';

test('secret XML: every usage type round-trips in libvirt\'s layout', () => {
  const cases: [string, string][] = [
    ['volume', 'volume'], ['ceph', 'name'], ['iscsi', 'target'], ['tls', 'name'], ['vtpm', 'name'],
  ];
  for (const [type, el] of cases) {
    const xml = `<secret ephemeral='yes' private='no'>\n  <uuid>${U}</uuid>\n  <description>a &amp; b</description>\n`
      + `  <usage type='${type}'>\n    <${el}>id-${type}</${el}>\n  </usage>\n</secret>\n`;
    const def = parseSecretXml(xml);
    assert.equal(def.usageID, `id-${type}`);
    assert.equal(def.description, 'a & b');
    assert.equal(formatSecretXml(def), xml, type);
  }
});

test('secret XML: defaults (no attributes, generated uuid, no usage) and usage type none', () => {
  const def = parseSecretXml('<secret><usage type="none"/></secret>');
  assert.equal(def.ephemeral, false);
  assert.equal(def.private, false);
  assert.equal(def.usageType, 0);
  assert.match(def.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(formatSecretXml(def), `<secret ephemeral='no' private='no'>\n  <uuid>${def.uuid}</uuid>\n</secret>\n`);
  // an empty uuid element is absent to libvirt too, and a UUID without dashes is accepted
  assert.notEqual(parseSecretXml('<secret><uuid></uuid></secret>').uuid, parseSecretXml('<secret><uuid></uuid></secret>').uuid);
  assert.equal(parseSecretXml(`<secret><uuid> ${U.replace(/-/g, '')} </uuid></secret>`).uuid, U);
});

test('secret XML: libvirt\'s errors and codes', () => {
  const bad: [string, string, number][] = [
    ['<secrets/>', 'XML error: unexpected root element <secrets>, expecting <secret>', 27],
    ["<secret ephemeral='maybe'/>", "XML error: invalid value of 'ephemeral'", 27],
    ["<secret private='1'/>", "XML error: invalid value of 'private'", 27],
    ['<secret><uuid>nope</uuid></secret>', 'internal error: malformed uuid element', 1],
    ['<secret><usage/></secret>', 'XML error: unknown secret usage type', 27],
    ["<secret><usage type='disk'/></secret>", 'unsupported configuration: unknown secret usage type disk', 67],
    ["<secret><usage type='volume'/></secret>", 'internal error: volume usage specified, but volume path is missing', 1],
    ["<secret><usage type='ceph'><name></name></usage></secret>", 'internal error: Ceph usage specified, but name is missing', 1],
    ["<secret><usage type='iscsi'><name>x</name></usage></secret>", 'internal error: iSCSI usage specified, but target is missing', 1],
    ["<secret><usage type='tls'/></secret>", 'internal error: TLS usage specified, but name is missing', 1],
    ["<secret><usage type='vtpm'/></secret>", 'internal error: vTPM usage specified, but name is missing', 1],
  ];
  for (const [xml, message, code] of bad) {
    assert.throws(() => parseSecretXml(xml), (e: unknown) => e instanceof VirError && e.message === message && e.code === code && e.domain === 30, xml);
  }
  assert.throws(() => parseSecretXml('<secret>'), (e: unknown) => e instanceof VirError && /definition_of_secret/.test(e.message));
});
