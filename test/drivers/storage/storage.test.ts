// Storage driver on real directory pools in a temporary root: pool lifecycle and persistence,
// qcow2 volumes with backing files (checked against qemu-img's own view), refresh of files
// added behind the driver's back, sparse upload/download, clone, wipe, resize, delete in use.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createStorageDriver } from '../../../src/drivers/storage/index.js';
import type { DriverStream, PoolEventPayload, StreamChunk } from '../../../src/drivers/driver.js';
import { ErrorNumber } from '../../../src/util/error.js';
import { rejects } from '../../util/virerror_assert.js';

function tmpRoot(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-storage-')); }

function poolXml(name: string, target: string, type = 'dir'): string {
  return `<pool type='${type}'><name>${name}</name><target><path>${target}</path></target></pool>`;
}
function volXml(name: string, capacity: number, opts: { format?: string; allocation?: number; backing?: string; backingFmt?: string } = {}): string {
  return `<volume><name>${name}</name><capacity>${capacity}</capacity>`
    + (opts.allocation !== undefined ? `<allocation>${opts.allocation}</allocation>` : '')
    + `<target><format type='${opts.format ?? 'raw'}'/></target>`
    + (opts.backing ? `<backingStore><path>${opts.backing}</path>${opts.backingFmt ? `<format type='${opts.backingFmt}'/>` : ''}</backingStore>` : '')
    + '</volume>';
}


async function setup(opts: { start?: boolean } = {}) {
  const root = tmpRoot();
  const target = path.join(root, 'images');
  const h = await createStorageDriver({ root });
  const c = h.connect();
  const pool = await c.storagePoolDefineXml(poolXml('p', target), 0);
  if (opts.start ?? true) {
    await c.storagePoolBuild(pool, 0);
    await c.storagePoolCreate(pool, 0);
  }
  return { root, target, h, c, pool };
}

function qemuImgInfo(file: string): { 'virtual-size': number; 'actual-size': number; format: string; 'full-backing-filename'?: string } {
  return JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', file], { encoding: 'utf8' }));
}

async function drain(s: DriverStream): Promise<{ data: number; holes: number; chunks: StreamChunk[] }> {
  const chunks: StreamChunk[] = [];
  let data = 0, holes = 0;
  for await (const c of s.incoming!) {
    chunks.push(c);
    if (Buffer.isBuffer(c)) data += c.length; else holes += c.hole;
  }
  await s.finish();
  return { data, holes, chunks };
}

test('dir pool: define, build, start, info, xml, autostart, list filters, destroy, delete, undefine', async () => {
  const { root, target, c, pool } = await setup({ start: false });
  const events: PoolEventPayload[] = [];
  await c.connectStoragePoolEventRegisterAny(0, null, (_id, p) => events.push(p));
  assert.equal(await c.storagePoolIsActive(pool), 0);
  assert.equal(await c.storagePoolIsPersistent(pool), 1);
  assert.ok(fs.existsSync(path.join(root, 'etc/tsvirt/storage/p.xml')));
  await rejects(c.storagePoolCreate(pool, 0), ErrorNumber.SYSTEM_ERROR, /cannot open directory '.*images': No such file or directory/);
  await c.storagePoolBuild(pool, 0);
  assert.ok(fs.statSync(target).isDirectory());
  assert.equal(fs.statSync(target).mode & 0o777, 0o711);
  await c.storagePoolCreate(pool, 0);
  await rejects(c.storagePoolCreate(pool, 0), ErrorNumber.OPERATION_INVALID, /storage pool 'p' is already active/);
  assert.ok(fs.existsSync(path.join(root, 'run/tsvirt/storage/p.xml')), 'run state recorded');
  const info = await c.storagePoolGetInfo(pool);
  const sfs = fs.statfsSync(target);
  assert.equal(info.state, 2);
  assert.equal(info.capacity, sfs.blocks * sfs.bsize);
  assert.ok(info.available > 0 && info.available <= info.capacity);
  assert.match(await c.storagePoolGetXmlDesc(pool, 0), new RegExp(`<capacity unit='bytes'>${info.capacity}</capacity>`));

  await c.storagePoolSetAutostart(pool, 1);
  assert.equal(fs.readlinkSync(path.join(root, 'etc/tsvirt/storage/autostart/p.xml')), path.join(root, 'etc/tsvirt/storage/p.xml'));
  assert.equal(await c.storagePoolGetAutostart(pool), 1);
  const tr = await c.storagePoolCreateXml(poolXml('t', path.join(root, 'tdir')), 1 /* WITH_BUILD */);
  const names = async (f: number) => (await c.connectListAllStoragePools(f)).map((p) => p.name).sort();
  assert.deepEqual(await names(0), ['p', 't']);
  assert.deepEqual(await names(8 /* TRANSIENT */), ['t']);
  assert.deepEqual(await names(16 /* AUTOSTART */), ['p']);
  assert.deepEqual(await names(32 | 2 /* NO_AUTOSTART|ACTIVE */), ['t']);
  assert.deepEqual(await names(128 /* FS */), []);
  assert.equal(await c.connectNumOfStoragePools(), 2);
  assert.equal((await c.storagePoolLookupByTargetPath(target + '/')).name, 'p');
  await rejects(c.storagePoolLookupByName('nope'), ErrorNumber.NO_STORAGE_POOL, /no storage pool with matching name 'nope'/);

  await c.storagePoolDestroy(tr);
  await rejects(c.storagePoolLookupByName('t'), ErrorNumber.NO_STORAGE_POOL);
  await rejects(c.storagePoolUndefine(pool), ErrorNumber.OPERATION_INVALID, /storage pool 'p' is still active/);
  await rejects(c.storagePoolDelete(pool, 0), ErrorNumber.OPERATION_INVALID, /still active/);
  await c.storagePoolDestroy(pool);
  assert.ok(!fs.existsSync(path.join(root, 'run/tsvirt/storage/p.xml')));
  await c.storagePoolDelete(pool, 0);
  assert.ok(!fs.existsSync(target));
  await c.storagePoolUndefine(pool);
  assert.ok(!fs.existsSync(path.join(root, 'etc/tsvirt/storage/p.xml')));
  assert.ok(!fs.existsSync(path.join(root, 'etc/tsvirt/storage/autostart/p.xml')));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events.filter((e) => e.pool.name === 'p').map((e) => e.event), [4, 2, 3, 5, 1]); // CREATED STARTED STOPPED DELETED UNDEFINED
});

test('dir pool: a target that is a file is refused; fs pools are refused on a host that cannot mount', async () => {
  const root = tmpRoot();
  const file = path.join(root, 'plainfile');
  fs.writeFileSync(file, 'x');
  const h = await createStorageDriver({ root, mountPools: false });
  const c = h.connect();
  const pool = await c.storagePoolDefineXml(poolXml('f', file), 0);
  await rejects(c.storagePoolCreate(pool, 0), ErrorNumber.SYSTEM_ERROR, /cannot open directory '.*plainfile': Not a directory/);
  assert.equal(await c.storagePoolIsActive(pool), 0);
  await rejects(c.storagePoolDefineXml(`<pool type='fs'><name>x</name><source><device path='/dev/vdz'/></source><target><path>/mnt/x</path></target></pool>`, 0),
    ErrorNumber.CONFIG_UNSUPPORTED, /storage pool type 'fs' is not supported on this host \(supported: dir\)/);
  await rejects(c.storagePoolDefineXml(poolXml('f2', file), 0), ErrorNumber.OPERATION_FAILED, /Storage source conflict with pool: 'f'/);
  assert.ok(!fs.existsSync(path.join(root, 'etc/tsvirt/storage/x.xml')));
});

test('volumes: raw and qcow2 with a backing file, sizes as qemu-img and stat see them', async () => {
  const { target, c, pool } = await setup();
  const base = await c.storageVolCreateXml(pool, volXml('base.raw', 10 << 20, { allocation: 0 }), 0);
  assert.equal(base.key, path.join(target, 'base.raw'));
  await rejects(c.storageVolCreateXml(pool, volXml('base.raw', 1 << 20), 0), ErrorNumber.STORAGE_VOL_EXIST, /^storage volume 'base.raw' exists already$/);
  const top = await c.storageVolCreateXml(pool, volXml('top.qcow2', 20 << 20, { format: 'qcow2', backing: base.key }), 0);
  const qi = qemuImgInfo(top.key);
  assert.equal(qi.format, 'qcow2');
  assert.equal(qi['full-backing-filename'], base.key);
  const info = await c.storageVolGetInfo(top);
  assert.equal(info.type, 0);
  assert.equal(info.capacity, qi['virtual-size']);
  assert.equal(info.allocation, fs.statSync(top.key).blocks * 512);
  const xml = await c.storageVolGetXmlDesc(top, 0);
  assert.match(xml, /<format type='qcow2'\/>/);
  assert.match(xml, new RegExp(`<backingStore>\\n    <path>${base.key}</path>\\n    <format type='raw'/>`));
  assert.match(xml, /<compat>1\.1<\/compat>/);
  // a preallocated raw volume: allocation = capacity by default
  const full = await c.storageVolCreateXml(pool, volXml('full.raw', 1 << 20), 0);
  assert.equal((await c.storageVolGetInfo(full)).allocation, 1 << 20);
  assert.equal((await c.storageVolGetInfo(base)).allocation, 0);
  assert.equal(await c.storageVolGetPath(top), top.key);
  assert.deepEqual(await c.storageVolLookupByPath(top.key), top);
  assert.deepEqual(await c.storageVolLookupByKey(base.key), base);
  assert.equal((await c.storagePoolLookupByVolume(top)).name, 'p');
  assert.deepEqual((await c.storagePoolListVolumes(pool, 10)).sort(), ['base.raw', 'full.raw', 'top.qcow2']);
  // raw with a backing store is refused and leaves no file
  await rejects(c.storageVolCreateXml(pool, volXml('bad.raw', 1024, { backing: base.key }), 0), ErrorNumber.NO_SUPPORT, /backing storage not supported for raw volumes/);
  assert.ok(!fs.existsSync(path.join(target, 'bad.raw')));
  await rejects(c.storageVolCreateXml(pool, volXml('bad.qcow2', 1024, { format: 'qcow2', backing: '/nonexistent/img' }), 0), ErrorNumber.INTERNAL_ERROR, /inaccessible backing store/);
  assert.ok(!fs.existsSync(path.join(target, 'bad.qcow2')));
  assert.equal(await c.storagePoolNumOfVolumes(pool), 3);
});

test('refresh picks up files added and removed behind the driver', async () => {
  const { target, c, pool } = await setup();
  const refreshes: string[] = [];
  await c.connectStoragePoolEventRegisterAny(1, pool, (_id, p) => refreshes.push(p.pool.name));
  fs.writeFileSync(path.join(target, 'added.img'), Buffer.alloc(3000, 1));
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(target, 'q.qcow2'), '5M']);
  await rejects(c.storageVolLookupByName(pool, 'added.img'), ErrorNumber.NO_STORAGE_VOL, /no storage vol with matching name 'added.img'/);
  await c.storagePoolRefresh(pool, 0);
  const v = await c.storageVolLookupByName(pool, 'added.img');
  assert.equal((await c.storageVolGetInfo(v)).capacity, 3000);
  assert.equal((await c.storageVolGetInfo(await c.storageVolLookupByName(pool, 'q.qcow2'))).capacity, 5 << 20);
  fs.unlinkSync(path.join(target, 'added.img'));
  await c.storagePoolRefresh(pool, 0);
  await rejects(c.storageVolLookupByName(pool, 'added.img'), ErrorNumber.NO_STORAGE_VOL);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(refreshes, ['p', 'p']);
});

test('refresh of 1,000 volumes stays fast (no qemu-img per file)', async () => {
  const { target, c, pool } = await setup();
  for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(target, `v${i}.img`), 'x');
  const t0 = performance.now();
  await c.storagePoolRefresh(pool, 0);
  const ms = performance.now() - t0;
  assert.equal(await c.storagePoolNumOfVolumes(pool), 1000);
  // the target is 1 s; leave head-room for a loaded CI machine
  assert.ok(ms < 3000, `refresh took ${ms.toFixed(0)} ms`);
});

test('upload and download keep holes: byte-for-byte round trip, holes not transferred', async () => {
  const { target, c, pool } = await setup();
  const size = 8 << 20;
  const vol = await c.storageVolCreateXml(pool, volXml('sparse.raw', size, { allocation: 0 }), 0);
  // the source image: data islands in a sea of zeros
  const src = Buffer.alloc(size);
  const islands = [[0, 5000], [1 << 20, 70000], [(5 << 20) + 123, 4096], [size - 100, 100]] as const;
  for (const [off, len] of islands) for (let i = 0; i < len; i++) src[off + i] = (i * 7 + off) % 251 + 1;
  // send it as a sparse client would: data runs and holes (4 KiB granularity)
  const up = await c.storageVolUpload(vol, 0, 0, 1);
  let sent = 0;
  for (let off = 0; off < size;) {
    const end = Math.min(size, off + 65536);
    const piece = src.subarray(off, end);
    if (piece.every((b) => b === 0)) await up.send!({ hole: end - off });
    else { await up.send!(Buffer.from(piece)); sent += piece.length; }
    off = end;
  }
  await up.finish();
  assert.ok(sent < size / 2, 'holes were not sent as data');
  assert.deepEqual(fs.readFileSync(path.join(target, 'sparse.raw')), src);
  const allocated = fs.statSync(path.join(target, 'sparse.raw')).blocks * 512;
  assert.ok(allocated < size / 2, `holes stayed holes on disk (allocated ${allocated})`);

  const down = await drain(await c.storageVolDownload(vol, 0, 0, 1));
  const back = Buffer.alloc(size);
  let pos = 0;
  for (const ch of down.chunks) { if (Buffer.isBuffer(ch)) { ch.copy(back, pos); pos += ch.length; } else pos += ch.hole; }
  assert.equal(pos, size);
  assert.deepEqual(back, src);
  const islandBytes = islands.reduce((n, [, l]) => n + l, 0);
  assert.ok(down.data >= islandBytes && down.data < islandBytes + 6 * 4096, `data bytes ${down.data}`);
  assert.equal(down.data + down.holes, size);

  // a non-sparse download sends every byte; a ranged one only the range
  const plain = await drain(await c.storageVolDownload(vol, 0, 0, 0));
  assert.equal(plain.data, size);
  const ranged = await drain(await c.storageVolDownload(vol, 1 << 20, 1000, 0));
  assert.deepEqual(Buffer.concat(ranged.chunks as Buffer[]), src.subarray(1 << 20, (1 << 20) + 1000));

  // uploading holes over old data zeroes it
  const up2 = await c.storageVolUpload(vol, 0, 0, 1);
  await up2.send!({ hole: size });
  await up2.finish();
  assert.ok(fs.readFileSync(path.join(target, 'sparse.raw')).every((b) => b === 0));
});

test('clone keeps content and holes; wipe zeroes; resize grows, refuses shrinking without the flag', async () => {
  const { target, c, pool } = await setup();
  const vol = await c.storageVolCreateXml(pool, volXml('a.raw', 4 << 20, { allocation: 0 }), 0);
  const fd = fs.openSync(vol.key, 'r+');
  fs.writeSync(fd, Buffer.alloc(8192, 0xab), 0, 8192, 2 << 20);
  fs.closeSync(fd);
  const clone = await c.storageVolCreateXmlFrom(pool, '<volume><name>b.raw</name></volume>', vol, 0);
  assert.deepEqual(fs.readFileSync(clone.key), fs.readFileSync(vol.key));
  assert.equal((await c.storageVolGetInfo(clone)).capacity, 4 << 20);
  assert.ok(fs.statSync(clone.key).blocks * 512 < 1 << 20, 'clone is sparse');
  const q = await c.storageVolCreateXmlFrom(pool, "<volume><name>c.qcow2</name><target><format type='qcow2'/></target></volume>", vol, 0);
  assert.equal(qemuImgInfo(q.key).format, 'qcow2');
  assert.equal((await c.storageVolGetInfo(q)).capacity, 4 << 20);

  await c.storageVolWipe(clone, 0);
  assert.ok(fs.readFileSync(clone.key).every((b) => b === 0));
  assert.equal(fs.statSync(clone.key).size, 4 << 20);

  await c.storageVolResize(clone, 6 << 20, 0);
  assert.equal((await c.storageVolGetInfo(clone)).capacity, 6 << 20);
  await c.storageVolResize(clone, 1 << 20, 2 /* DELTA */);
  assert.equal(fs.statSync(clone.key).size, 7 << 20);
  await rejects(c.storageVolResize(clone, 2 << 20, 0), ErrorNumber.INVALID_ARG, /Can't shrink capacity below current capacity unless shrink flag explicitly specified/);
  await c.storageVolResize(clone, 2 << 20, 4 /* SHRINK */);
  assert.equal(fs.statSync(clone.key).size, 2 << 20);
  const full = await c.storageVolCreateXml(pool, volXml('full.raw', 2 << 20), 0);
  await rejects(c.storageVolResize(full, 1 << 20, 4), ErrorNumber.INVALID_ARG, /can't shrink capacity below existing allocation/);
  await c.storageVolResize(q, 8 << 20, 0);
  assert.equal(qemuImgInfo(q.key)['virtual-size'], 8 << 20);
  assert.ok(fs.existsSync(path.join(target, 'c.qcow2')));
});

test('delete: a volume used by a running guest or an open stream is refused; otherwise the file goes', async () => {
  const { c, pool, h } = await setup();
  const vol = await c.storageVolCreateXml(pool, volXml('disk.raw', 1 << 20, { allocation: 0 }), 0);
  h.driver.inUseCheck = (p) => (p === vol.key ? 'vm1' : null);
  await rejects(c.storageVolDelete(vol, 0), ErrorNumber.OPERATION_INVALID, /volume 'disk.raw' is still in use\./);
  h.driver.inUseCheck = null;
  const s = await c.storageVolDownload(vol, 0, 0, 0);
  await rejects(c.storageVolDelete(vol, 0), ErrorNumber.OPERATION_INVALID, /still in use/);
  s.abort();
  await new Promise((r) => setImmediate(r));
  await c.storageVolDelete(vol, 0);
  assert.ok(!fs.existsSync(vol.key));
  await rejects(c.storageVolLookupByName(pool, 'disk.raw'), ErrorNumber.NO_STORAGE_VOL);
});

test('driver restart: persistent and transient active pools come back with their volumes; autostart starts', async () => {
  const { root, c, pool } = await setup();
  await c.storageVolCreateXml(pool, volXml('keep.raw', 4096), 0);
  await c.storagePoolCreateXml(poolXml('tr', path.join(root, 'tr')), 1);
  const auto = await c.storagePoolDefineXml(poolXml('auto', path.join(root, 'auto')), 0);
  await c.storagePoolBuild(auto, 0);
  await c.storagePoolSetAutostart(auto, 1);
  const h2 = await createStorageDriver({ root });
  const c2 = h2.connect();
  assert.equal(await c2.storagePoolIsActive(await c2.storagePoolLookupByName('p')), 1);
  assert.deepEqual(await c2.storagePoolListVolumes(pool, 10), ['keep.raw']);
  const tr = await c2.storagePoolLookupByName('tr');
  assert.equal(await c2.storagePoolIsPersistent(tr), 0);
  assert.equal(await c2.storagePoolIsActive(tr), 1);
  assert.equal(await c2.storagePoolIsActive(auto), 1);
  assert.equal((await c2.connectListAllStoragePools(0)).length, 3);
});
