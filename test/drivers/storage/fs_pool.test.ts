// fs and netfs pools: the mount/mkfs argv (libvirt's storagepoolxml2argv facts), mountinfo
// parsing, and real mounts as root: an ext4 file system on a loop device built, mounted,
// filled, unmounted and deleted through the in-process storage driver; failures that must leave
// nothing mounted; a restarted driver that must not mount twice. netfs can only be shown failing
// here (no NFS server).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createStorageDriver } from '../../../src/drivers/storage/index.js';
import { fsMountArgv, mkfsArgv, parseMountInfo } from '../../../src/drivers/storage/backend_fs.js';
import { parseStoragePoolXml } from '../../../src/conf/storage_pool.js';
import { ErrorNumber } from '../../../src/util/error.js';
import { rejects } from '../../util/virerror_assert.js';

const SBIN = { env: { ...process.env, PATH: `/usr/sbin:/sbin:${process.env['PATH'] ?? '/usr/bin:/bin'}` } };
const canMount = process.getuid?.() === 0 && fs.existsSync('/dev/loop-control')
  && ['losetup', 'mkfs.ext4', 'blkid'].every((p) => ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].some((d) => fs.existsSync(path.join(d, p))));
const needsRoot = canMount ? {} : { skip: 'needs root, loop devices, mkfs.ext4 and blkid' };

const BUILD_NO_OVERWRITE = 4;
const BUILD_OVERWRITE = 8;


// ---------------------------------------------------------------- pure: argv and mountinfo

const argvCases: [string, string, string[]][] = [
  ['fs ext3', `<pool type='fs'><name>a</name><source><device path='/dev/sda6'/><format type='ext3'/></source><target><path>/mnt</path></target></pool>`,
    ['mount', '-o', 'nodev,nosuid,noexec', '-t', 'ext3', '/dev/sda6', '/mnt']],
  ['fs auto', `<pool type='fs'><name>a</name><source><device path='/dev/sda6'/></source><target><path>/mnt</path></target></pool>`,
    ['mount', '-o', 'nodev,nosuid,noexec', '-t', 'auto', '/dev/sda6', '/mnt']],
  ['netfs auto (no -t: mount -t auto does not find nfs)', `<pool type='netfs'><name>a</name><source><host name='localhost'/><dir path='/var/lib/libvirt/images'/></source><target><path>/mnt</path></target></pool>`,
    ['mount', '-o', 'nodev,nosuid,noexec', 'localhost:/var/lib/libvirt/images', '/mnt']],
  ['netfs nfs', `<pool type='netfs'><name>a</name><source><host name='localhost'/><dir path='/var/lib/libvirt/images'/><format type='nfs'/></source><target><path>/mnt</path></target></pool>`,
    ['mount', '-o', 'nodev,nosuid,noexec', '-t', 'nfs', 'localhost:/var/lib/libvirt/images', '/mnt']],
  ['netfs nfs protocol ver', `<pool type='netfs'><name>a</name><source><host name='localhost'/><dir path='/var/lib/libvirt/images'/><format type='nfs'/><protocol ver='3'/></source><target><path>/mnt</path></target></pool>`,
    ['mount', '-o', 'nodev,nosuid,noexec,nfsvers=3', '-t', 'nfs', 'localhost:/var/lib/libvirt/images', '/mnt']],
  ['netfs cifs', `<pool type='netfs'><name>a</name><source><host name='example.com'/><dir path='samba_share'/><format type='cifs'/></source><target><path>/mnt/cifs</path></target></pool>`,
    ['mount', '-o', 'nodev,nosuid,noexec,guest', '-t', 'cifs', '//example.com/samba_share', '/mnt/cifs']],
  ['netfs glusterfs', `<pool type='netfs'><name>a</name><source><host name='example.com'/><dir path='/volume'/><format type='glusterfs'/></source><target><path>/mnt/gluster</path></target></pool>`,
    ['mount', '-o', 'nodev,nosuid,noexec,direct-io-mode=1', '-t', 'glusterfs', 'example.com:/volume', '/mnt/gluster']],
];
for (const [name, xml, argv] of argvCases) {
  test(`mount argv: ${name}`, () => assert.deepEqual(fsMountArgv(parseStoragePoolXml(xml)), argv));
}

test('mkfs argv: each format gets the switch that lets it overwrite', () => {
  assert.deepEqual(mkfsArgv('/dev/x', 'ext4'), ['mkfs', '-t', 'ext4', '-F', '/dev/x']);
  assert.deepEqual(mkfsArgv('/dev/x', 'xfs'), ['mkfs', '-t', 'xfs', '-f', '/dev/x']);
  assert.deepEqual(mkfsArgv('/dev/x', 'vfat'), ['mkfs', '-t', 'vfat', '-I', '/dev/x']);
  assert.deepEqual(mkfsArgv('/dev/x', 'gfs2'), ['mkfs', '-t', 'gfs2', '/dev/x']);
});

test('mountinfo: optional fields are skipped and \\040 escapes decoded', () => {
  const text = '72 27 7:0 / /tmp/a\\040b rw,nosuid - ext4 /dev/loop0 rw\n'
    + '73 27 0:50 / /mnt/n rw shared:5 master:1 - nfs4 srv:/export rw,vers=4.2\n';
  assert.deepEqual(parseMountInfo(text), [
    { target: '/tmp/a b', fstype: 'ext4', source: '/dev/loop0' },
    { target: '/mnt/n', fstype: 'nfs4', source: 'srv:/export' },
  ]);
});

// ---------------------------------------------------------------- real mounts

function mountsAt(target: string): { source: string; fstype: string; opts: string }[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '))
    .filter((f) => f[4] === target).map((f) => { const d = f.indexOf('-', 6); return { source: f[d + 2]!, fstype: f[d + 1]!, opts: f[5]! }; });
}

/** A temp dir with an image attached to a loop device; always detached and unmounted. */
async function withLoop(fn: (ctx: { dir: string; dev: string; img: string }) => Promise<void>, opts: { mkfs?: boolean } = {}): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-fspool-'));
  const img = path.join(dir, 'disk.img');
  fs.writeFileSync(img, '');
  fs.truncateSync(img, 64 * 1024 * 1024);
  if (opts.mkfs) execFileSync('mkfs.ext4', ['-q', '-F', img], SBIN);
  const dev = execFileSync('losetup', ['-f', '--show', img], { ...SBIN, encoding: 'utf8' }).trim();
  try {
    await fn({ dir, dev, img });
  } finally {
    // whatever the test left mounted under dir goes, innermost first
    const inside = parseMountInfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
      .filter((m) => m.target.startsWith(dir + '/')).reverse();
    for (const m of inside) { try { execFileSync('umount', ['-l', m.target], SBIN); } catch { /* already gone */ } }
    execFileSync('losetup', ['-d', dev], SBIN);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function fsPoolXml(name: string, dev: string, target: string, format = 'ext4'): string {
  return `<pool type='fs'><name>${name}</name><source><device path='${dev}'/><format type='${format}'/></source>`
    + `<target><path>${target}</path></target></pool>`;
}
const uniq = (p: string) => `${p}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const blkidUuid = (dev: string) => execFileSync('blkid', ['-p', '-s', 'UUID', '-o', 'value', dev], { ...SBIN, encoding: 'utf8' }).trim();

test('fs pool on a loop device: build (mkfs), start (mounted), volumes, info, destroy (unmounted), restart, delete', needsRoot, async () => {
  await withLoop(async ({ dir, dev }) => {
    const root = path.join(dir, 'root');
    const target = path.join(dir, 'mnt');
    const h = await createStorageDriver({ root });
    const c = h.connect();
    const name = uniq('fsp');
    const pool = await c.storagePoolDefineXml(fsPoolXml(name, dev, target), 0);

    // no-overwrite on a blank device makes the file system; a second one is refused
    await c.storagePoolBuild(pool, BUILD_NO_OVERWRITE);
    assert.ok(fs.statSync(target).isDirectory());
    const uuid1 = blkidUuid(dev);
    assert.match(uuid1, /^[0-9a-f-]{36}$/);
    await rejects(c.storagePoolBuild(pool, BUILD_NO_OVERWRITE), ErrorNumber.STORAGE_POOL_BUILT,
      new RegExp(`Storage pool already built: Device '${dev}' already formatted using 'ext4'`));
    assert.equal(blkidUuid(dev), uuid1, 'refused build left the file system alone');
    // overwrite always runs mkfs: a new file system
    await c.storagePoolBuild(pool, BUILD_OVERWRITE);
    assert.notEqual(blkidUuid(dev), uuid1);

    await c.storagePoolCreate(pool, 0);
    const m = mountsAt(target);
    assert.equal(m.length, 1, 'mounted once');
    assert.deepEqual([m[0]!.source, m[0]!.fstype], [dev, 'ext4']);
    for (const o of ['nodev', 'nosuid', 'noexec']) assert.ok(m[0]!.opts.split(',').includes(o), `mounted ${o}`);

    // volumes live on the mounted file system; lost+found shows up as libvirt shows it
    const vol = await c.storageVolCreateXml(pool, `<volume><name>v1.img</name><capacity unit='MiB'>4</capacity><target><format type='raw'/></target></volume>`, 0);
    assert.equal(await c.storageVolGetPath(vol), path.join(target, 'v1.img'));
    fs.writeFileSync(path.join(target, 'added.raw'), Buffer.alloc(4096, 1));
    await c.storagePoolRefresh(pool, 0);
    assert.deepEqual((await c.storagePoolListVolumes(pool, 10)).sort(), ['added.raw', 'lost+found', 'v1.img']);

    // sizes are the file system's (64 MiB image), not the host's
    const info = await c.storagePoolGetInfo(pool);
    const st = fs.statfsSync(target);
    assert.equal(info.state, 2);
    assert.equal(info.capacity, st.blocks * st.bsize);
    assert.equal(info.available, st.bavail * st.bsize);
    assert.ok(info.capacity > 40 * 1024 * 1024 && info.capacity <= 64 * 1024 * 1024, `capacity ${info.capacity}`);
    const hostSt = fs.statfsSync(dir);
    assert.notEqual(info.capacity, hostSt.blocks * hostSt.bsize);

    // a file held open keeps the mount busy: destroy fails with umount's message, pool stays up
    const fd = fs.openSync(path.join(target, 'v1.img'), 'r');
    try {
      await rejects(c.storagePoolDestroy(pool), ErrorNumber.INTERNAL_ERROR, /Child process \(\S*umount .*\) unexpected exit status \d+: .*busy/);
      assert.equal(await c.storagePoolIsActive(pool), 1);
      assert.equal(mountsAt(target).length, 1);
    } finally { fs.closeSync(fd); }

    await c.storagePoolDestroy(pool);
    assert.equal(mountsAt(target).length, 0, 'unmounted');
    assert.deepEqual(fs.readdirSync(target), [], 'the volume is on the device, not in the directory');
    assert.ok(!fs.existsSync(path.join(root, 'run/tsvirt/storage', `${name}.xml`)));

    // the volume is still on the device when it is mounted again
    await c.storagePoolCreate(pool, 0);
    assert.ok((await c.storagePoolListVolumes(pool, 10)).includes('v1.img'));
    assert.equal((await c.storageVolGetInfo(await c.storageVolLookupByName(pool, 'v1.img'))).capacity, 4 * 1024 * 1024);

    // a restarted driver finds the pool mounted and active, and does not mount it again
    const h2 = await createStorageDriver({ root });
    const c2 = h2.connect();
    const p2 = await c2.storagePoolLookupByName(name);
    assert.equal(await c2.storagePoolIsActive(p2), 1);
    assert.equal(mountsAt(target).length, 1, 'not mounted twice after a restart');
    assert.ok((await c2.storagePoolListVolumes(p2, 10)).includes('v1.img'));

    await c2.storagePoolDestroy(p2);
    assert.equal(mountsAt(target).length, 0);
    await c2.storagePoolDelete(p2, 0);
    assert.ok(!fs.existsSync(target), 'delete removes the target directory');
    await c2.storagePoolUndefine(p2);
  });
});

test('fs pool autostart mounts at driver start, once, and a restart with it active keeps one mount', needsRoot, async () => {
  await withLoop(async ({ dir, dev }) => {
    const root = path.join(dir, 'root');
    const target = path.join(dir, 'mnt');
    const name = uniq('fsa');
    const h = await createStorageDriver({ root });
    const c = h.connect();
    const pool = await c.storagePoolDefineXml(fsPoolXml(name, dev, target), 0);
    await c.storagePoolBuild(pool, 0);
    await c.storagePoolSetAutostart(pool, 1);
    assert.equal(mountsAt(target).length, 0);

    const h2 = await createStorageDriver({ root });
    const c2 = h2.connect();
    assert.equal(await c2.storagePoolIsActive(await c2.storagePoolLookupByName(name)), 1);
    assert.equal(mountsAt(target).length, 1, 'autostart mounted it');

    const h3 = await createStorageDriver({ root });
    const c3 = h3.connect();
    const p3 = await c3.storagePoolLookupByName(name);
    assert.equal(await c3.storagePoolIsActive(p3), 1);
    assert.equal(mountsAt(target).length, 1, 'still one mount');
    await c3.storagePoolDestroy(p3);
    assert.equal(mountsAt(target).length, 0);

    // mounted behind the driver's back: start takes the mount as it is, destroy removes it
    execFileSync('mount', ['-t', 'ext4', dev, target], SBIN);
    await c3.storagePoolCreate(p3, 0);
    assert.equal(mountsAt(target).length, 1, 'start did not stack a second mount');
    await c3.storagePoolDestroy(p3);
    assert.equal(mountsAt(target).length, 0);
  }, { mkfs: true });
});

test('fs pool whose device is an image file: mount attaches a loop device, destroy still finds and unmounts it', needsRoot, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-fsimg-'));
  const target = path.join(dir, 'mnt');
  try {
    const img = path.join(dir, 'fs.img');
    fs.writeFileSync(img, '');
    fs.truncateSync(img, 32 * 1024 * 1024);
    execFileSync('mkfs.ext4', ['-q', '-F', img], SBIN);
    const h = await createStorageDriver({ root: path.join(dir, 'root') });
    const c = h.connect();
    const pool = await c.storagePoolDefineXml(fsPoolXml(uniq('fsi'), img, target), 0);
    await c.storagePoolBuild(pool, 0);
    await c.storagePoolCreate(pool, 0);
    const m = mountsAt(target);
    assert.equal(m.length, 1);
    assert.match(m[0]!.source, /^\/dev\/loop\d+$/, 'the kernel shows the loop device, not the file');
    await c.storagePoolDestroy(pool);
    assert.equal(mountsAt(target).length, 0, 'unmounted although mountinfo names the loop device');
  } finally {
    for (const _ of mountsAt(target)) { try { execFileSync('umount', [target], SBIN); } catch { /* gone */ } }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fs pool failures carry the helper\'s message and leave nothing mounted or half-made', needsRoot, async () => {
  await withLoop(async ({ dir, dev }) => {
    const root = path.join(dir, 'root');
    const h = await createStorageDriver({ root });
    const c = h.connect();

    // missing device: build refuses before making anything; start fails with mount's message
    const target = path.join(dir, 'missing');
    const missingDev = path.join(dir, 'no-such-device');
    const miss = await c.storagePoolDefineXml(fsPoolXml(uniq('fsm'), missingDev, target), 0);
    await rejects(c.storagePoolBuild(miss, BUILD_OVERWRITE), ErrorNumber.OPERATION_INVALID,
      /Source device does not exist when formatting pool 'fsm-/);
    assert.ok(!fs.existsSync(target), 'a refused build made no directory');
    await c.storagePoolBuild(miss, 0);
    const e = await rejects(c.storagePoolCreate(miss, 0), ErrorNumber.INTERNAL_ERROR,
      /^internal error: Child process \(\S*mount -o nodev,nosuid,noexec -t ext4 .*no-such-device .*\/missing\) unexpected exit status \d+: mount: /);
    assert.match(e.message, /does not exist|No such file/);
    assert.equal(await c.storagePoolIsActive(miss), 0);
    assert.equal(mountsAt(target).length, 0);
    assert.deepEqual(fs.readdirSync(path.join(root, 'run/tsvirt/storage')), [], 'no run state left');

    // wrong file system type: mount refuses, nothing mounted
    const t2 = path.join(dir, 'wrong');
    const wrong = await c.storagePoolDefineXml(fsPoolXml(uniq('fsw'), dev, t2, 'vfat'), 0);
    await c.storagePoolBuild(wrong, 0);
    await rejects(c.storagePoolCreate(wrong, 0), ErrorNumber.INTERNAL_ERROR, /-t vfat .* unexpected exit status \d+: mount: /);
    assert.equal(mountsAt(t2).length, 0);
    assert.equal(await c.storagePoolIsActive(wrong), 0);

    // no-overwrite on a device holding another file system: refused, device untouched
    const uuid = blkidUuid(dev);
    await rejects(c.storagePoolBuild(wrong, BUILD_NO_OVERWRITE), ErrorNumber.STORAGE_POOL_BUILT,
      /Format of device '.*' does not match the expected format 'vfat', forced overwrite is necessary/);
    // the same through pool-start --build --no-overwrite (VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)
    await rejects(c.storagePoolCreate(wrong, 4), ErrorNumber.STORAGE_POOL_BUILT, /forced overwrite is necessary/);
    assert.equal(mountsAt(t2).length, 0);
    assert.equal(blkidUuid(dev), uuid);
  }, { mkfs: true });
});

test('netfs pool: XML round trip, build makes the target, start fails with mount\'s message and mounts nothing', needsRoot, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-netfs-'));
  try {
    const h = await createStorageDriver({ root: path.join(dir, 'root') });
    const c = h.connect();
    const target = path.join(dir, 'mnt');
    const name = uniq('nfs');
    const xml = `<pool type='netfs'><name>${name}</name><uuid>4b1f0c2a-2222-4c5d-8e9f-0a1b2c3d4e20</uuid>`
      + `<source><host name='nfs.example.invalid'/><dir path='/export/vms/'/><format type='nfs'/><protocol ver='4'/></source>`
      + `<target><path>${target}</path></target></pool>`;
    const pool = await c.storagePoolDefineXml(xml, 0);
    assert.equal(await c.storagePoolGetXmlDesc(pool, 1), [
      "<pool type='netfs'>", `  <name>${name}</name>`, '  <uuid>4b1f0c2a-2222-4c5d-8e9f-0a1b2c3d4e20</uuid>',
      "  <capacity unit='bytes'>0</capacity>", "  <allocation unit='bytes'>0</allocation>", "  <available unit='bytes'>0</available>",
      '  <source>', "    <host name='nfs.example.invalid'/>", "    <dir path='/export/vms'/>", "    <format type='nfs'/>", "    <protocol ver='4'/>",
      '  </source>', '  <target>', `    <path>${target}</path>`, '  </target>', '</pool>', ''].join('\n'));
    await rejects(c.storagePoolBuild(pool, BUILD_OVERWRITE), ErrorNumber.OPERATION_INVALID,
      new RegExp(`No source device specified when formatting pool '${name}'`));
    await c.storagePoolBuild(pool, 0);
    assert.ok(fs.statSync(target).isDirectory());
    await rejects(c.storagePoolCreate(pool, 0), ErrorNumber.INTERNAL_ERROR,
      /Child process \(\S*mount -o nodev,nosuid,noexec,nfsvers=4 -t nfs nfs\.example\.invalid:\/export\/vms \S+\) unexpected exit status \d+: mount/);
    assert.equal(mountsAt(target).length, 0);
    assert.equal(await c.storagePoolIsActive(pool), 0);
    await c.storagePoolDelete(pool, 0);
    assert.ok(!fs.existsSync(target));
    await c.storagePoolUndefine(pool);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
