// What the QEMU driver asks the storage driver: the file behind a disk of type='volume'
// (<source pool='P' volume='V'/>), and what keeps the daemon busy. libvirt counterpart:
// virDomainDiskTranslateSourcePool (domain_conf.c / storage_source.c).
import { ErrorNumber } from '../../util/error.js';
import type { StorageDriver } from './driver.js';
import { storErr } from './pool.js';

/** A volume as a disk source: where it is, what kind of node QEMU opens, its image format. */
export interface TranslatedVolume {
  path: string;
  /** the disk type QEMU sees: a dir pool's volumes are files */
  type: 'file' | 'block' | 'dir';
  /** raw, qcow2, ... as the pool refresh probed it */
  format?: string;
}

/**
 * Resolve pool/volume to the volume's path. The pool must exist and run; the volume must
 * exist and not be half-built (libvirt's wording for each case).
 */
export function storageTranslateVolume(drv: StorageDriver, pool: string, volume: string): TranslatedVolume {
  const o = drv.byName(pool);
  if (!o.active) {
    throw storErr(ErrorNumber.OPERATION_INVALID, `storage pool '${pool}' containing volume '${volume}' is not active`);
  }
  const v = o.vols.get(volume);
  if (!v) throw storErr(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching name '${volume}'`);
  if (v.building) throw storErr(ErrorNumber.OPERATION_INVALID, `volume '${volume}' is still being allocated.`);
  const p = v.def.target.path;
  if (!p) throw storErr(ErrorNumber.INTERNAL_ERROR, `volume '${volume}' has no path`);
  const t = v.def.type === 'block' ? 'block' : v.def.type === 'dir' ? 'dir' : 'file';
  return { path: p, type: t, ...(v.def.target.format ? { format: v.def.target.format } : {}) };
}

/** Transfers and builds in flight: an idle daemon must not exit under them. */
export function storageBusyCount(drv: StorageDriver): number {
  let n = 0;
  for (const o of drv.pools.values()) {
    n += o.asyncJobs;
    for (const v of o.vols.values()) n += v.streams;
  }
  return n;
}
