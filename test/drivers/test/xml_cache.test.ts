// The test driver caches a domain's formatted XML between changes (DomainObj.xmlCache): every
// kind of change, made on this or another connection to the shared test:///default, must show
// in the very next GET_XML_DESC.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { open } from '../../../src/api/index.js';
import { domXml } from './helpers.js';

const U = 'aaaaaaaa-2222-3333-4444-555555555555';

test('GET_XML_DESC shows each change right after it, whichever connection made it', async () => {
  const a = await open('test:///default');
  const b = await open('test:///default');
  try {
    const d = await a.defineDomainXML(domXml('xc1', U));
    const other = await b.lookupDomainByName('xc1');
    const xml = () => d.getXMLDesc(0);
    assert.match(await xml(), /<memory unit='KiB'>1048576<\/memory>/);
    assert.equal(await xml(), await xml());

    // Redefinition through the other connection.
    await b.defineDomainXML(domXml('xc1', U).replace('1048576', '524288'));
    assert.match(await xml(), /<memory unit='KiB'>524288<\/memory>/);

    await other.setMemoryFlags(262144, 2 /* CONFIG */);
    assert.match(await xml(), /<currentMemory unit='KiB'>262144<\/currentMemory>/);

    await other.setMetadata(1 /* TITLE */, 'titled', null, null, 0);
    assert.match(await xml(), /<title>titled<\/title>/);

    // Start: the live XML gains an id; --inactive keeps its own cached form apart.
    await other.create();
    assert.match(await xml(), new RegExp(`<domain type='test' id='${other.id}'>`));
    assert.doesNotMatch(await d.getXMLDesc(2 /* INACTIVE */), /id='/);
    assert.match(await xml(), / id='/);
    await other.destroy();
    assert.match(await xml(), /^<domain type='test'>/);

    await other.rename('xc2', 0);
    assert.match(await (await a.lookupDomainByName('xc2')).getXMLDesc(0), /<name>xc2<\/name>/);
  } finally {
    for (const n of ['xc1', 'xc2']) {
      try { await (await a.lookupDomainByName(n)).undefine(); } catch { /* not there */ }
    }
    await b.close();
    await a.close();
  }
});
