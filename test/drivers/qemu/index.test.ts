// The module as the daemon loads it: registered by name, claiming qemu:///system only inside
// tsvirtd, and served through the registry's guarded connection.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadDriverModule, openConnection, registeredDrivers } from '../../../src/drivers/registry.js';
import { parseURI } from '../../../src/drivers/uri.js';
import { claims } from '../../../src/drivers/qemu/index.js';
import { tmpRoot } from './helpers.js';

const root = tmpRoot('tsq-reg-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('qemu:/// URIs are claimed only inside the daemon', () => {
  for (const u of ['qemu:///system', 'qemu:///session']) {
    assert.equal(claims(parseURI(u), { inDaemon: true }), true, u);
    assert.equal(claims(parseURI(u), { inDaemon: false }), false, u);
  }
  for (const u of ['qemu+unix:///system', 'qemu://host/system', 'test:///default', 'qemu:///embed']) {
    assert.equal(claims(parseURI(u), { inDaemon: true }), false, u);
  }
});

test('loaded by name and opened through the registry in the daemon', async () => {
  process.env['TSVIRT_ROOT'] = root;
  try {
    await loadDriverModule('qemu');
    assert.ok(registeredDrivers().some((m) => m.name === 'qemu'));
    const { conn, driverName } = await openConnection('qemu:///system', { inDaemon: true });
    assert.equal(driverName, 'qemu');
    assert.equal(await conn.invoke('connectGetType', []), 'QEMU');
    assert.equal(await conn.invoke('connectGetUri', []), 'qemu:///system');
    assert.ok((await conn.invoke('connectGetVersion', [])) as number >= 7_000_000);
    const caps = await conn.invoke('connectGetCapabilities', []) as string;
    assert.match(caps, /<os_type>hvm<\/os_type>\s*<arch name='x86_64'>/);
    assert.match(caps, /<domain type='qemu'\/>/);
    assert.deepEqual(await conn.invoke('connectListAllDomains', [0]), []);
    assert.ok(fs.existsSync(`${root}/etc/tsvirt/qemu`), 'state lives under the daemon root');
    await conn.invoke('connectClose', []);
    const ro = await openConnection('qemu:///system', { inDaemon: true, readonly: true });
    await assert.rejects(ro.conn.invoke('domainDefineXml', ['<domain/>']), /read only access prevents virDomainDefineXML/);
    await ro.conn.invoke('connectClose', []);
  } finally {
    delete process.env['TSVIRT_ROOT'];
  }
});
