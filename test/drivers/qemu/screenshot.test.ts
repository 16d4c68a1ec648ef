// virDomainScreenshot on the QEMU driver with real QEMU (TCG) and the test guest: QMP screendump
// to a temporary file streamed back as a PPM of the VGA screen, the file gone afterwards; the
// errors for no video device, a screen that does not exist and an inactive domain.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorNumber, VirError } from '../../../src/util/error.js';
import { guestXml, setup, skip, trackGuest, uniq, waitFor } from './guest.js';

async function readAll(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) if (Buffer.isBuffer(c)) parts.push(c);
  return Buffer.concat(parts);
}

test('screenshot: a PPM of the guest\'s VGA screen through screendump, nothing left behind', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('shot');
  const dom = await conn.domainDefineXml(guestXml({ name, root, devices: "<graphics type='vnc' port='-1'/><video><model type='vga'/></video>" }));
  await assert.rejects(conn.domainScreenshot!(dom, 0, 0),
    (e: VirError) => e.code === ErrorNumber.OPERATION_INVALID && /domain is not running/.test(e.message));
  await conn.domainCreate(dom);
  trackGuest(root, name);
  const st = await conn.domainScreenshot!(dom, 0, 0);
  assert.equal(st.result, 'image/x-portable-pixmap');
  const img = await readAll(st.incoming!);
  await st.finish();
  // P6 header "P6\nW H\n255\n", then W*H*3 bytes of pixels
  const m = /^P6\n(\d+) (\d+)\n255\n/.exec(img.subarray(0, 32).toString('latin1'));
  assert.ok(m, `PPM header: ${JSON.stringify(img.subarray(0, 16).toString('latin1'))}`);
  assert.equal(img.length, m[0].length + Number(m[1]) * Number(m[2]) * 3);
  assert.ok(Number(m[1]) >= 320 && Number(m[2]) >= 200, `a VGA-sized screen, got ${m[1]}x${m[2]}`);
  const run = path.join(root, 'run/tsvirt/qemu');
  await waitFor('no screendump file left', () => fs.readdirSync(run).every((f) => !f.startsWith('qemu.screendump.')), 5000);
  await assert.rejects(conn.domainScreenshot!(dom, 3, 0), (e: VirError) => e.code === ErrorNumber.INVALID_ARG && /no such screen ID/.test(e.message));
  await assert.rejects(conn.domainScreenshot!(dom, 0, 1), /unsupported flags \(0x1\) in function qemuDomainScreenshot/);
  await conn.domainDestroy(dom);

  const bare = uniq('novideo');
  const d2 = await conn.domainDefineXml(guestXml({ name: bare, root }));
  await conn.domainCreate(d2);
  trackGuest(root, bare);
  await assert.rejects(conn.domainScreenshot!(d2, 0, 0),
    (e: VirError) => e.code === ErrorNumber.OPERATION_INVALID && /no screens to take screenshot from/.test(e.message));
  await conn.domainDestroy(d2);
});
