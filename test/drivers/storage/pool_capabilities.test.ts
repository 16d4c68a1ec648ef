// pool-capabilities from the storage driver: the document is libvirt 9.0's (the golden is what
// libvirtd 9.0 answered on this machine, where it serves dir, fs, netfs, logical, disk, iscsi,
// scsi and mpath pools), and our driver marks supported only the pool types it serves.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createStorageDriver } from '../../../src/drivers/storage/index.js';
import { formatStoragePoolCapabilities } from '../../../src/conf/storage_capabilities.js';

const GOLDEN = new URL('../../../../test/data/storage/pool-capabilities.libvirtd-9.0.xml', import.meta.url);

test('the <storagepoolCapabilities> document is byte for byte libvirtd 9.0\'s for the same supported types', () => {
  const libvirtd = new Set(['dir', 'fs', 'netfs', 'logical', 'disk', 'iscsi', 'scsi', 'mpath']);
  assert.equal(formatStoragePoolCapabilities(libvirtd), fs.readFileSync(GOLDEN, 'utf8'));
});

test('the storage driver reports the pool types it serves as supported, the rest not', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-poolcaps-'));
  try {
    const h = await createStorageDriver({ root, mountPools: false });
    const caps = await h.connect().connectGetStoragePoolCapabilities(0);
    assert.match(caps, /^<storagepoolCapabilities>\n {2}<pool type='dir' supported='yes'>\n {4}<volOptions>\n {6}<defaultFormat type='raw'\/>\n/);
    assert.match(caps, /<pool type='fs' supported='no'>/);
    assert.match(caps, /<pool type='logical' supported='no'>\n {4}<poolOptions>\n {6}<defaultFormat type='lvm2'\/>/);
    await assert.rejects(h.connect().connectGetStoragePoolCapabilities(1), /unsupported flags \(0x1\) in function storageConnectGetStoragePoolCapabilities/);
    const withMounts = await createStorageDriver({ root, mountPools: true });
    assert.match(await withMounts.connect().connectGetStoragePoolCapabilities(0), /<pool type='netfs' supported='yes'>/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
