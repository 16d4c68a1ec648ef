// Volume upload/download of a 1 GiB sparse-ish file through tsvirtd (library client, sparse
// streams) against a local `cp` of the same file in the same run. Goal: >= 70% of cp's speed
// each way, and holes never cross the wire (stream data bytes = the file's data extents).
// Also times the real virsh's vol-upload/vol-download --sparse against the same daemon.
//   node bench/storage_transfer.mjs [--size-mib 1024] [--reps 3]
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { fmt, verdict } from './lib.mjs';
import { startStorageDaemon } from './storage_lib.mjs';
const { fileDataExtents } = await import('../dist/src/util/file_extents.js');
const { BatchedFileWriter } = await import('../dist/src/util/file_writer.js');

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const MiB = 1024 * 1024;
const SIZE = opt('--size-mib', 1024) * MiB;
const REPS = opt('--reps', 3);
/** 1 MiB of data every 4 MiB: a quarter of the file is data, the rest holes. */
const EXTENT = MiB;
const STRIDE = 4 * MiB;
const DATA_BYTES = Math.ceil(SIZE / STRIDE) * EXTENT;

const d = await startStorageDaemon();
const { open } = await import('../dist/src/api/index.js');
const conn = await open(d.uri);
try {
  const src = path.join(d.root, 'src.img');
  {
    const fd = fs.openSync(src, 'w');
    const block = crypto.randomBytes(EXTENT);
    for (let off = 0; off < SIZE; off += STRIDE) { block[0] = off / STRIDE; fs.writeSync(fd, block, 0, EXTENT, off); }
    fs.ftruncateSync(fd, SIZE);
    fs.closeSync(fd);
  }
  const pool = await conn.lookupStoragePoolByName('bench');

  /**
   * The client side of `vol-upload --sparse`, as virsh does it: the file's data extents
   * (virsh: SEEK_DATA/SEEK_HOLE; here FIEMAP) go as data, the gaps as holes, never read.
   */
  async function upload(vol) {
    const st = await vol.upload(0, 0, 1);
    const fh = await fsp.open(src, 'r');
    const extents = (await fileDataExtents(src)) ?? [[0, SIZE]];
    let data = 0;
    let at = 0;
    const CHUNK = 4 * MiB;
    for (const [s, e] of extents) {
      if (s > at) await st.sendHole(s - at);
      // Read ahead: the next read runs while this chunk is being sent.
      let next = fh.read(Buffer.allocUnsafe(Math.min(CHUNK, e - s)), 0, Math.min(CHUNK, e - s), s);
      for (let pos = s; pos < e;) {
        const { bytesRead, buffer } = await next;
        if (bytesRead === 0) break;
        const np = pos + bytesRead;
        if (np < e) next = fh.read(Buffer.allocUnsafe(Math.min(CHUNK, e - np)), 0, Math.min(CHUNK, e - np), np);
        await st.send(buffer.subarray(0, bytesRead));
        data += bytesRead;
        pos = np;
      }
      at = e;
    }
    if (at < SIZE) await st.sendHole(SIZE - at);
    await st.finish();
    await fh.close();
    return data;
  }

  /**
   * The client side of `vol-download --sparse`, as tsvirsh does it: batched positioned writes
   * (one in flight while the next chunks arrive), holes skipped.
   */
  async function download(vol, out) {
    const st = await vol.download(0, 0, 1);
    const fh = await fsp.open(out, 'w');
    const w = new BatchedFileWriter(fh);
    let data = 0;
    for await (const c of st) {
      if (Buffer.isBuffer(c)) { await w.write(c); data += c.length; } else await w.skip(c.hole);
    }
    await w.drain();
    const pos = w.position;
    await fh.truncate(pos);
    await fh.close();
    return data;
  }

  /**
   * The ceiling for any user-space stream on this machine: the same number of data bytes
   * through a unix socket from one Node process to another, 1 MiB writes, nothing framed, read
   * or written to a file. A volume transfer adds the file I/O on both ends to this.
   */
  async function socketFloor() {
    const sock = path.join(d.root, 'floor.sock');
    const child = `const s = require('net').connect(process.argv[1]); let n = 0; s.on('data', (c) => { n += c.length; if (n >= ${DATA_BYTES}) { s.end(); } });`;
    const server = net.createServer();
    await new Promise((r) => server.listen(sock, r));
    const peer = spawn(process.execPath, ['-e', child, sock], { stdio: 'ignore' });
    const s = await new Promise((r) => server.once('connection', r));
    const block = Buffer.alloc(MiB, 1);
    const t0 = performance.now();
    const closed = new Promise((r) => s.once('end', r));
    for (let sent = 0; sent < DATA_BYTES; sent += MiB) if (!s.write(block)) await new Promise((r) => s.once('drain', r));
    await closed;
    const ms = performance.now() - t0;
    s.destroy(); server.close(); peer.kill();
    return ms;
  }

  const time = async (fn) => { const t0 = performance.now(); const r = await fn(); return { ms: performance.now() - t0, r }; };
  const rows = { cp: [], floor: [], up: [], down: [], virshUp: [], virshDown: [] };
  let upData = 0;
  let downData = 0;
  let identical = true;
  // Warm the page cache once, as every measured run below reads a cached source.
  spawnSync('cp', [src, path.join(d.root, 'warm.img')]);
  for (let i = 0; i < REPS; i++) {
    const dst = path.join(d.root, `cp-${i}.img`);
    rows.cp.push((await time(async () => { const r = spawnSync('cp', [src, dst]); if (r.status !== 0) throw new Error(String(r.stderr)); })).ms);
    fs.rmSync(dst);
    rows.floor.push(await socketFloor());
    const vol = await pool.createVolXML(`<volume><name>v${i}.raw</name><capacity>${SIZE}</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>`);
    const u = await time(() => upload(vol));
    rows.up.push(u.ms); upData = u.r;
    const out = path.join(d.root, `down-${i}.img`);
    const dn = await time(() => download(vol, out));
    rows.down.push(dn.ms); downData = dn.r;
    if (i === 0) identical = spawnSync('cmp', ['-s', src, out]).status === 0;
    fs.rmSync(out);
    // The real virsh as a client of the same daemon (for reference).
    const vout = path.join(d.root, `virsh-${i}.img`);
    rows.virshUp.push((await time(async () => d.virsh(`vol-upload --sparse v${i}.raw ${src} --pool bench`))).ms);
    rows.virshDown.push((await time(async () => d.virsh(`vol-download --sparse v${i}.raw ${vout} --pool bench`))).ms);
    fs.rmSync(vout);
    await vol.delete(0);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cp = med(rows.cp);
  const gib = SIZE / (1024 * MiB);
  console.log(`file: ${fmt(SIZE / MiB, 0)} MiB, ${fmt(DATA_BYTES / MiB, 0)} MiB data in ${SIZE / STRIDE} extents; ${REPS} reps, medians`);
  console.log('| path | ms | GiB/s (file size) | vs cp |');
  console.log('|---|---|---|---|');
  for (const [k, label] of [['cp', 'cp (coreutils 9.1, local)'], ['floor', 'floor: data bytes over a unix socket, Node to Node, no file I/O'], ['up', 'upload, library, sparse'], ['down', 'download, library, sparse'],
    ['virshUp', 'virsh vol-upload --sparse'], ['virshDown', 'virsh vol-download --sparse']]) {
    const m = med(rows[k]);
    console.log(`| ${label} | ${fmt(m)} | ${fmt(gib / (m / 1000), 2)} | ${fmt((cp / m) * 100, 0)}% |`);
  }
  console.log(`stream data bytes: upload ${upData} (${fmt(upData / MiB, 1)} MiB), download ${downData} (${fmt(downData / MiB, 1)} MiB); file data ${DATA_BYTES}`);
  const floor = med(rows.floor);
  console.log(`the socket floor alone is ${fmt((cp / floor) * 100, 0)}% of cp: no user-space stream can go above that here`);
  let ok = true;
  ok = verdict('upload speed', cp / med(rows.up) >= 0.7, `${fmt((cp / med(rows.up)) * 100, 0)}% of cp (goal >= 70%)`) && ok;
  ok = verdict('download speed', cp / med(rows.down) >= 0.7, `${fmt((cp / med(rows.down)) * 100, 0)}% of cp (goal >= 70%)`) && ok;
  ok = verdict('holes not transferred', upData === DATA_BYTES && downData === DATA_BYTES,
    `upload ${upData} / download ${downData} data bytes for ${DATA_BYTES} bytes of data in a ${SIZE}-byte file`) && ok;
  ok = verdict('round trip identical', identical, identical ? 'cmp: same bytes' : 'cmp: files differ') && ok;
  process.exitCode = ok ? 0 : 1;
} finally {
  await conn.close().catch(() => undefined);
  await d.stop();
}
