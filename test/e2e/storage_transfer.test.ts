// Volume upload/download through tsvirtd with files that have holes: the real virsh's
// vol-upload/vol-download --sparse, tsvirsh's, and the library's sparse streams. The bytes come
// back identical, the holes stay holes on both ends and never travel as data.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Connection } from '../../src/api/index.js';
import { E2E, skipNoNetns, skipNoVirsh } from './helpers.js';

const MiB = 1024 * 1024;
const SIZE = 32 * MiB;
/** Data extents of the test file; everything else is a hole. */
const EXTENTS: [number, number][] = [[0, MiB], [8 * MiB, 4096], [20 * MiB, MiB + 12345], [SIZE - 4096, 4096]];
const DATA_BYTES = EXTENTS.reduce((a, [, n]) => a + n, 0);
/** VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM = VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM */
const SPARSE = 1;

function makeSparseFile(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const [off, n] of EXTENTS) fs.writeSync(fd, crypto.randomBytes(n), 0, n, off);
    fs.ftruncateSync(fd, SIZE);
  } finally { fs.closeSync(fd); }
}

/** Bytes the filesystem really holds for a file (holes are not counted). */
const allocated = (file: string) => fs.statSync(file).blocks * 512;

describe('e2e: sparse volume upload/download through tsvirtd', { skip: skipNoNetns || skipNoVirsh, timeout: 60_000 }, () => {
  let e: E2E;
  let conn: Connection;
  let src: string;

  before(async () => {
    e = new E2E();
    await e.start();
    conn = await open(e.uri);
    src = path.join(e.root, 'src.img');
    makeSparseFile(src);
    const r = await e.virsh(`pool-create-as xfer dir --target ${path.join(e.root, 'pool')} --build`,
      'vol-create-as xfer a.raw 32M --allocation 0 --format raw', 'vol-create-as xfer b.raw 32M --allocation 0 --format raw',
      'vol-create-as xfer c.raw 32M --allocation 0 --format raw');
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await conn?.close().catch(() => undefined);
    await e?.destroy();
  });

  it('virsh vol-upload --sparse then vol-download --sparse: identical bytes, holes kept', async () => {
    const out = path.join(e.root, 'out-virsh.img');
    const r = await e.virsh(`vol-upload --sparse a.raw ${src} --pool xfer`, `vol-download --sparse a.raw ${out} --pool xfer`);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(src)), 'downloaded bytes differ');
    const vol = path.join(e.root, 'pool/a.raw');
    assert.ok(allocated(vol) < 8 * MiB, `volume holds ${allocated(vol)} bytes: holes were written as data`);
    assert.ok(allocated(out) < 8 * MiB, `download holds ${allocated(out)} bytes: holes were written as data`);
  });

  it('tsvirsh vol-upload/vol-download --sparse round trip', async () => {
    const out = path.join(e.root, 'out-tsvirsh.img');
    const r = await e.tsvirsh(`vol-upload --sparse b.raw ${src} --pool xfer`, `vol-download --sparse b.raw ${out} --pool xfer`);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(src)));
    assert.ok(allocated(out) < 8 * MiB);
  });

  it('library sparse streams: holes travel as holes, only the data extents as bytes', async () => {
    const vol = await (await conn.lookupStoragePoolByName('xfer')).lookupVolByName('c.raw');
    const up = await vol.upload(0, 0, SPARSE);
    const data = fs.readFileSync(src);
    let pos = 0;
    for (const [off, n] of EXTENTS) {
      if (off > pos) await up.sendHole(off - pos);
      await up.send(data.subarray(off, off + n));
      pos = off + n;
    }
    if (pos < SIZE) await up.sendHole(SIZE - pos);
    await up.finish();

    const down = await vol.download(0, 0, SPARSE);
    let dataBytes = 0;
    let holeBytes = 0;
    const back = Buffer.alloc(SIZE);
    let at = 0;
    for await (const c of down) {
      if (Buffer.isBuffer(c)) { c.copy(back, at); at += c.length; dataBytes += c.length; } else { at += c.hole; holeBytes += c.hole; }
    }
    assert.equal(at, SIZE);
    assert.ok(back.equals(data), 'library round trip differs');
    // Allocation granularity may round extents up to whole blocks, never more.
    assert.ok(dataBytes >= DATA_BYTES && dataBytes <= DATA_BYTES + EXTENTS.length * 2 * 65536, `data bytes on the stream: ${dataBytes}`);
    assert.equal(dataBytes + holeBytes, SIZE);
  });
});
