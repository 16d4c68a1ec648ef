// Volume streams through the remote driver against the REAL libvirtd 9.0: a session-mode daemon
// (run as nobody, storage driver loaded) serving a dir pool in a temporary directory. libvirt's
// test driver has no volume streams, so this is the real peer for upload/download/holes/abort.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { open, type Connection, type StoragePool, type StorageVol } from '../../../src/api/index.js';
import type { StreamChunk } from '../../../src/drivers/driver.js';
import { STREAM_HIGH_WATER } from '../../../src/drivers/remote/stream.js';
import { libvirtdSkipReason, removeDir, sleep, startLibvirtd, type Libvirtd } from './helpers.js';

const skip = libvirtdSkipReason({ session: true });
const MiB = 1024 * 1024;

/** Read a whole download: the bytes (holes filled with zeros) and what arrived. */
async function readAll(stream: AsyncIterable<StreamChunk>): Promise<{ data: Buffer; holes: number[]; packets: number }> {
  const parts: Buffer[] = [];
  const holes: number[] = [];
  let packets = 0;
  for await (const c of stream) {
    packets++;
    if (Buffer.isBuffer(c)) parts.push(c);
    else { holes.push(c.hole); parts.push(Buffer.alloc(c.hole)); }
  }
  return { data: Buffer.concat(parts), holes, packets };
}

describe('remote driver: volume streams against the real libvirtd 9.0 (storage driver)', { skip: skip ?? false }, () => {
  let d: Libvirtd;
  let conn: Connection;
  let pool: StoragePool;
  let poolDir: string;

  const volXML = (name: string, capacity: number, allocation = capacity) =>
    `<volume><name>${name}</name><capacity>${capacity}</capacity><allocation>${allocation}</allocation><target><format type='raw'/></target></volume>`;

  before(async () => {
    d = await startLibvirtd({ session: true });
    poolDir = path.join(d.dir, 'pool');
    fs.mkdirSync(poolDir);
    spawnSync('chown', ['nobody', poolDir]);
    conn = await open(`storage+unix:///session?socket=${d.sock}`);
    pool = await conn.createStoragePoolXML(`<pool type='dir'><name>rp</name><target><path>${poolDir}</path></target></pool>`);
  });
  after(async () => {
    await pool?.destroy().catch(() => undefined);
    await conn?.close().catch(() => undefined);
    await d?.stop();
    if (d) removeDir(d.dir);
  });

  it('uploads in chunks and downloads the same bytes back', async () => {
    const vol = await pool.createVolXML(volXML('up.img', MiB));
    const payload = randomBytes(300000);
    const up = await vol.upload(0, 0, 0);
    // uneven pieces: the driver re-chunks at libvirt's 262120-byte packet limit
    await up.send(payload.subarray(0, 1000));
    await up.send(payload.subarray(1000));
    await up.finish();
    assert.deepEqual(fs.readFileSync(path.join(poolDir, 'up.img')).subarray(0, payload.length), payload);

    const down = await vol.download(0, 0, 0);
    const got = await readAll(down);
    await down.finish();
    assert.equal(got.data.length, MiB);
    assert.deepEqual(got.data.subarray(0, payload.length), payload);
    assert.equal(got.holes.length, 0, 'no holes without the sparse flag');
    // offset/length select a window of the volume
    const part = await vol.download(1000, 5000, 0);
    const window = await readAll(part);
    assert.deepEqual(window.data, payload.subarray(1000, 6000));
    await vol.delete();
  });

  it('sparse download carries holes, sparse upload sends them', async () => {
    const vol = await pool.createVolXML(volXML('sparse.img', 4 * MiB, 0));
    const head = randomBytes(8192);
    const tail = randomBytes(4096);
    const up = await vol.upload(0, 0, 1 /* SPARSE_STREAM */);
    await up.send(head);
    await up.sendHole(2 * MiB);
    await up.send(tail);
    await up.finish();
    const file = fs.readFileSync(path.join(poolDir, 'sparse.img'));
    assert.deepEqual(file.subarray(0, head.length), head);
    assert.deepEqual(file.subarray(head.length + 2 * MiB, head.length + 2 * MiB + tail.length), tail);

    const down = await vol.download(0, 0, 1);
    const got = await readAll(down);
    await down.finish();
    assert.ok(got.holes.length >= 1, 'the daemon sent at least one hole');
    assert.ok(got.holes.reduce((a, b) => a + b, 0) >= 2 * MiB - 8192, 'the uploaded hole came back as holes');
    // (libvirt's sparse upload leaves the file ending where the data ended)
    assert.ok(got.data.equals(fs.readFileSync(path.join(poolDir, 'sparse.img'))), 'holes and data rebuild the volume');
    const dense = await vol.download(0, 0, 0);
    const denseGot = await readAll(dense);
    assert.equal(denseGot.holes.length, 0);
    assert.ok(denseGot.data.equals(got.data));
    // a hole without the sparse flag is refused locally, before anything reaches the wire
    const plain = await vol.upload(0, 0, 0);
    await assert.rejects(plain.sendHole(4096), /sparse/);
    plain.abort();
    await vol.delete();
  });

  it('an abandoned download is aborted and the connection keeps working', async () => {
    const vol = await pool.createVolXML(volXML('big.img', 8 * MiB));
    const down = await vol.download(0, 0, 0);
    let n = 0;
    for await (const c of down) {
      assert.ok(Buffer.isBuffer(c));
      if (++n === 2) break; // leaving the loop aborts the transfer (STREAM ERROR, answered OK)
    }
    assert.ok((await pool.listAllVolumes()).some((v) => v.name === 'big.img'));
    const again = await vol.download(0, 4096, 0);
    assert.equal((await readAll(again)).data.length, 4096);
    const explicit = await vol.download(0, 0, 0);
    explicit.abort();
    assert.equal(await (await pool.lookupVolByName('big.img')).getPath(), path.join(poolDir, 'big.img'));
    await vol.delete();
  });

  it('a slow reader stops the socket instead of buffering the whole volume', async () => {
    const size = 24 * MiB;
    const vol: StorageVol = await pool.createVolXML(volXML('slow.img', size));
    const down = await vol.download(0, 0, 0);
    const inner = (down as unknown as { inner: { queuedBytes: number; paused: boolean } }).inner;
    await sleep(700); // the daemon would have sent everything by now if we kept reading
    assert.equal(inner.paused, true);
    assert.ok(inner.queuedBytes < STREAM_HIGH_WATER + 2 * MiB, `queued ${inner.queuedBytes} bytes`);
    const got = await readAll(down);
    assert.equal(got.data.length, size);
    await down.finish();
    await vol.delete();
  });
});
