// Every memory unit libvirt accepts, normalised to KiB (rounded up), on <memory>,
// <currentMemory> and <maxMemory>.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDomainXml, parseDomainXml } from '../../src/conf/domain.js';

const KiB = 1024;
// unit -> bytes per unit
const UNITS: [string, bigint][] = [
  ['b', 1n], ['bytes', 1n],
  ['KB', 1000n], ['k', 1024n], ['KiB', 1024n],
  ['MB', 1000n ** 2n], ['M', 1024n ** 2n], ['MiB', 1024n ** 2n],
  ['GB', 1000n ** 3n], ['G', 1024n ** 3n], ['GiB', 1024n ** 3n],
  ['TB', 1000n ** 4n], ['T', 1024n ** 4n], ['TiB', 1024n ** 4n],
  ['PB', 1000n ** 5n], ['P', 1024n ** 5n], ['PiB', 1024n ** 5n],
  ['EB', 1000n ** 6n], ['E', 1024n ** 6n], ['EiB', 1024n ** 6n],
];

const doc = (tag: string, unit: string, value: string) => `<domain type='test'><name>u</name>
  ${tag === 'memory' ? '' : "<memory unit='EiB'>7</memory>"}
  <${tag}${tag === 'maxMemory' ? " slots='1'" : ''} unit='${unit}'>${value}</${tag}><os><type>hvm</type></os></domain>`;

for (const [unit, bytes] of UNITS) {
  test(`memory unit '${unit}'`, () => {
    // 3 units, except for the exa units where 3 would overflow; values not a multiple of
    // 1 KiB are rounded up
    const n = unit.startsWith('E') ? 7n : 3n;
    const want = Number((n * bytes + 1023n) / 1024n);
    const def = parseDomainXml(doc('memory', unit, String(n)));
    assert.equal(def.memory, want);
    assert.ok(formatDomainXml(def).includes(`<memory unit='KiB'>${want}</memory>`));
  });
}

test('units are case-insensitive and default to KiB', () => {
  assert.equal(parseDomainXml(doc('memory', 'gib', '1')).memory, 1024 * 1024);
  assert.equal(parseDomainXml(doc('memory', 'kB', '2')).memory, 2);
  const plain = parseDomainXml(`<domain type='test'><name>u</name><memory>512</memory><os><type>hvm</type></os></domain>`);
  assert.equal(plain.memory, 512);
});

test('currentMemory and maxMemory are scaled the same way', () => {
  const cur = parseDomainXml(doc('currentMemory', 'MB', '5'));
  assert.equal(cur.currentMemory, Math.ceil(5_000_000 / KiB));
  const max = parseDomainXml(doc('maxMemory', 'EiB', '7'));
  assert.deepEqual(max.maxMemory, { size: 7 * 1024 ** 5, slots: 1 });
  assert.ok(formatDomainXml(max).includes(`<maxMemory slots='1' unit='KiB'>${7 * 1024 ** 5}</maxMemory>`));
});
