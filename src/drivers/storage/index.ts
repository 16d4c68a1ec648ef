// The storage driver module: directory, fs (a mounted block device) and netfs (a mounted network
// share) pools with file volumes (raw, qcow2 with backing files via qemu-img), sparse
// upload/download, pool events. libvirt counterpart: src/storage/.
//
// Layout under the driver's root (default "/", `tsvirtd --root DIR` sets TSVIRT_ROOT):
//   ROOT/etc/tsvirt/storage/NAME.xml            persistent pool definitions (atomic writes)
//   ROOT/etc/tsvirt/storage/autostart/NAME.xml  symlink to the definition = autostart
//   ROOT/run/tsvirt/storage/NAME.xml            run state of an active pool (re-attached on restart)
//
// For the QEMU driver: `setVolumeInUseCheck(fn)` installs a check `fn(path) -> domain name | null`
// consulted before a volume is deleted or wiped, so a disk of a running guest is refused.
// `storageVolumeTranslate(pool, volume)` gives the path behind a disk of type='volume'
// (translate.ts); activeObjects counts transfers and builds in flight (daemon idle exit).
//
// Tests open a driver in-process: `const drv = await createStorageDriver({ root })` and
// `drv.connect()` for a DriverConnection.
import type { DriverConnection } from '../driver.js';
import { registerDriver } from '../registry.js';
import { StorageConnection } from './conn.js';
import { StorageDriver, type StorageDriverOptions, type VolumeInUseCheck } from './driver.js';
import { storageBusyCount, storageTranslateVolume, type TranslatedVolume } from './translate.js';
import { tsvirtRoot } from '../../util/root.js';

export { StorageDriver, StorageConnection };
export type { StorageDriverOptions, VolumeInUseCheck, TranslatedVolume };
export { storageTranslateVolume };

/** An initialised driver whose connections are handed out by `connect()`. */
export interface StorageDriverHandle {
  readonly driver: StorageDriver;
  connect(): StorageConnection & DriverConnection;
}

/** Create and initialise a driver (loads configs, re-attaches active pools, autostarts). */
export async function createStorageDriver(opts: StorageDriverOptions = {}): Promise<StorageDriverHandle> {
  const driver = new StorageDriver(opts);
  if (inUseCheck) driver.inUseCheck = inUseCheck;
  await driver.init({ autostart: opts.autostart });
  return { driver, connect: () => new StorageConnection(driver) };
}

let shared: Promise<StorageDriverHandle> | null = null;
/** The shared driver once initialised (the daemon's idle check is synchronous). */
let sharedReady: StorageDriverHandle | null = null;
let inUseCheck: VolumeInUseCheck | null = null;

/** The process-wide driver behind the registered module (created at first open). */
export function sharedStorageDriver(): Promise<StorageDriverHandle> {
  shared ??= createStorageDriver({ root: tsvirtRoot() }).then((h) => { sharedReady = h; return h; });
  return shared;
}

/** Install the "is this volume used by a running guest?" check (the QEMU driver calls this). */
export function setVolumeInUseCheck(fn: VolumeInUseCheck | null): void {
  inUseCheck = fn;
  void shared?.then((h) => { h.driver.inUseCheck = fn; });
}

/**
 * For the QEMU driver: the path behind <disk type='volume'><source pool volume/> in the
 * shared driver (see translate.ts for the errors).
 */
export async function storageVolumeTranslate(pool: string, volume: string): Promise<TranslatedVolume> {
  return storageTranslateVolume((await sharedStorageDriver()).driver, pool, volume);
}

export function register(): void {
  registerDriver({
    name: 'storage',
    kind: 'storage',
    async open() { return (await sharedStorageDriver()).connect(); },
    // Pools need no daemon (they are directories); only transfers and builds in flight count.
    activeObjects: () => (sharedReady ? storageBusyCount(sharedReady.driver) : 0),
  });
}
