// Read-only connections are refused changes; 10,000 domains list quickly.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, ErrorDomain as D, ErrorNumber as E } from '../../../src/api/index.js';
import { domXml, rejects } from './helpers.js';

test('read-only connection can look but not touch', async () => {
  const c = await open('test:///default', { readonly: true });
  try {
    const d = await c.lookupDomainByName('test');
    assert.equal((await d.state()).state, 1);
    await rejects(d.destroy(), E.OPERATION_DENIED, D.DOMAIN, 'operation forbidden: read only access prevents virDomainDestroy');
    await rejects(c.defineDomainXML(domXml('x')), E.OPERATION_DENIED, D.DOMAIN, 'operation forbidden: read only access prevents virDomainDefineXML');
  } finally { await c.close(); }
});

test('10,000 domains: define, list and look up without quadratic cost', async () => {
  const N = 10000;
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-scale-'));
  try {
    const doms: string[] = [];
    for (let i = 0; i < N; i++) {
      doms.push(`<domain type='test'><name>d${i}</name><uuid>${(0x10000000 + i).toString(16)}-0000-4000-8000-000000000000</uuid><memory>65536</memory><os><type>hvm</type></os></domain>`);
    }
    writeFileSync(join(dir, 'node.xml'), `<node>${doms.join('')}</node>`);
    const c = await open(`test://${dir}/node.xml`);
    try {
      const t0 = performance.now();
      const all = await c.listAllDomains(3);
      await Promise.all(all.map((d) => d.state()));
      const ms = performance.now() - t0;
      assert.equal(all.length, N);
      assert.ok(ms < 1000, `listing took ${ms} ms`);
      assert.equal((await c.lookupDomainByName('d9999')).name, 'd9999');
      assert.equal((await c.lookupDomainById(5000)).name, 'd4999');
      await c.defineDomainXML(domXml('one-more'));
      assert.equal(await c.numOfDefinedDomains(), 1);
      assert.equal(await c.numOfDomains(), N);
    } finally { await c.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
