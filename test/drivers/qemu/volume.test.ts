// Disks of type='volume': resolution through VolumeHooks (file, block, format, errors), the
// blockdev the command line gets, what the status file keeps, and the storage driver's side
// (storageTranslateVolume with libvirt's errors; the in-use check sees running guests).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDomainXml } from '../../../src/conf/domain.js';
import { diskBlockdevProps } from '../../../src/drivers/qemu/command.js';
import {
  qemuDomainTranslateVolumes, qemuRestoreVolumeSources, qemuVolumeSources, type VolumeHooks,
} from '../../../src/drivers/qemu/volume.js';
import { createStorageDriver, storageTranslateVolume } from '../../../src/drivers/storage/index.js';
import { ErrorNumber, VirError } from '../../../src/util/error.js';
import { tmpRoot } from './helpers.js';

const DOM = (disks: string) => `<domain type='qemu'><name>v</name><memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os><devices>${disks}</devices></domain>`;
const VOLDISK = (pool: string, vol: string, dev: string, driver = '') =>
  `<disk type='volume' device='disk'>${driver}<source pool='${pool}' volume='${vol}'/><target dev='${dev}' bus='virtio'/></disk>`;

const hooks: VolumeHooks = {
  async translate(pool, volume) {
    if (volume === 'blk') return { path: '/dev/fake0', type: 'block' };
    if (volume === 'd') return { path: '/srv/dir', type: 'dir' };
    return { path: `/pools/${pool}/${volume}`, type: 'file', format: 'qcow2' };
  },
};

test('volume disks resolve to files or devices; the probed format fills a missing driver type', async () => {
  const def = parseDomainXml(DOM(VOLDISK('p', 'a.qcow2', 'vda') + VOLDISK('p', 'blk', 'vdb', "<driver name='qemu' type='raw'/>")));
  await qemuDomainTranslateVolumes(def, hooks);
  const [a, b] = def.devices.disks;
  assert.equal(a!.source?.file, '/pools/p/a.qcow2');
  assert.equal(a!.driver?.type, 'qcow2');
  assert.equal(a!.type, 'volume', 'the live XML keeps the volume source');
  assert.equal(b!.source?.dev, '/dev/fake0');
  assert.equal(b!.driver?.type, 'raw', 'an explicit format wins');
  const [storA] = diskBlockdevProps(a!, { storage: 's1', format: 'f1' })!;
  const [storB] = diskBlockdevProps(b!, { storage: 's2', format: 'f2' })!;
  assert.equal(storA['driver'], 'file');
  assert.equal(storB['driver'], 'host_device');
  // What the status file keeps, and how a re-attach gets it back from pool/volume-only XML.
  const rec = qemuVolumeSources(def);
  assert.deepEqual(rec, { vda: { file: '/pools/p/a.qcow2' }, vdb: { dev: '/dev/fake0' } });
  const again = parseDomainXml(DOM(VOLDISK('p', 'a.qcow2', 'vda') + VOLDISK('p', 'blk', 'vdb')));
  qemuRestoreVolumeSources(again, rec);
  assert.equal(again.devices.disks[0]!.source?.file, '/pools/p/a.qcow2');
  assert.equal(again.devices.disks[1]!.source?.dev, '/dev/fake0');

  const dir = parseDomainXml(DOM(VOLDISK('p', 'd', 'vda')));
  await assert.rejects(qemuDomainTranslateVolumes(dir, hooks), (e: unknown) => e instanceof VirError && e.code === ErrorNumber.CONFIG_UNSUPPORTED);
});

test('storage side: translate with libvirt errors, in-use check consulted before delete', async (t) => {
  const root = tmpRoot('tsq-vol-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const h = await createStorageDriver({ root, autostart: false });
  const c = h.connect();
  const target = path.join(root, 'images');
  const pool = await c.storagePoolDefineXml(`<pool type='dir'><name>p</name><target><path>${target}</path></target></pool>`, 0);
  await c.storagePoolBuild(pool, 0);
  await assert.rejects(async () => storageTranslateVolume(h.driver, 'p', 'x'),
    (e: unknown) => e instanceof VirError && e.code === ErrorNumber.OPERATION_INVALID && /storage pool 'p' containing volume 'x' is not active/.test(e.message));
  await c.storagePoolCreate(pool, 0);
  await assert.rejects(async () => storageTranslateVolume(h.driver, 'nope', 'x'), (e: unknown) => e instanceof VirError && e.code === ErrorNumber.NO_STORAGE_POOL);
  await assert.rejects(async () => storageTranslateVolume(h.driver, 'p', 'x'), (e: unknown) => e instanceof VirError && e.code === ErrorNumber.NO_STORAGE_VOL);
  const vol = await c.storageVolCreateXml(pool, `<volume><name>a.qcow2</name><capacity unit='M'>8</capacity><target><format type='qcow2'/></target></volume>`, 0);
  const tr = storageTranslateVolume(h.driver, 'p', 'a.qcow2');
  assert.deepEqual(tr, { path: path.join(target, 'a.qcow2'), type: 'file', format: 'qcow2' });
  // A guest using the file: the delete is refused with libvirt's wording, then allowed.
  let user: string | null = 'vm1';
  h.driver.inUseCheck = (p) => (p === tr.path ? user : null);
  await assert.rejects(c.storageVolDelete(vol, 0), /volume 'a\.qcow2' is still in use/);
  user = null;
  await c.storageVolDelete(vol, 0);
  assert.equal(fs.existsSync(tr.path), false);
});
