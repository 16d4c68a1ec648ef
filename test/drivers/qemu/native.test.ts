// domxml-to-native: the QEMU command line a start would run, without starting anything.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ErrorNumber, VirError } from '../../../src/util/error.js';
import { KERNEL, guestXml, setup, uniq } from './guest.js';

const haveQemu = (await import('node:fs')).existsSync('/usr/bin/qemu-system-x86_64');

test('domxml-to-native qemu-argv prints the command line start would run', { skip: haveQemu ? false : 'no QEMU' }, async () => {
  const { root, conn } = await setup();
  const name = uniq('native');
  const xml = guestXml({ name, root, devices: "<interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>" });
  const out = await conn.connectDomainXmlToNative('qemu-argv', xml, 0);
  const lines = out.trimEnd().split(' \\\n');
  assert.deepEqual(lines.slice(0, 2), ['LC_ALL=C', 'PATH=/usr/bin:/bin']);
  assert.match(lines[2]!, /^\/usr\/bin\/qemu-system-x86_64$/);
  assert.ok(lines.includes(`-name guest=${name},debug-threads=on`) || lines.some((l) => l.startsWith(`-name guest=${name}`)), out);
  assert.ok(lines.includes(`-kernel ${KERNEL}`), out);
  assert.ok(lines.includes('-S'), out);
  assert.ok(lines.some((l) => l.includes('52:54:00:12:34:56')), 'the NIC with its MAC');
  // nothing was defined or started
  assert.deepEqual(await conn.connectListAllDomains(0), []);

  await assert.rejects(conn.connectDomainXmlToNative('xen-xm', xml, 0), (e: VirError) =>
    e.code === ErrorNumber.INVALID_ARG && e.message === 'invalid argument: unsupported config type xen-xm');
  await assert.rejects(conn.connectDomainXmlToNative('qemu-argv', '<domain', 0), (e: VirError) => e.code === ErrorNumber.XML_DETAIL);
});
