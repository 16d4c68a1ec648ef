// Disks of type='volume' (<source pool='P' volume='V'/>): the storage driver resolves them to a
// file or device at start and hot-plug, like the network driver hands out taps (net.ts).
// The disk keeps type='volume' in the live XML (as libvirt's); the resolved path rides along in
// source.file/dev for the command line and is recorded in the status file for re-attach.
// libvirt counterpart: qemuDomainPrepareDiskSource -> virDomainDiskTranslateSourcePool.
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import type { DiskDef, DomainDef } from '../../conf/domain.js';

export interface TranslatedVolume { path: string; type: 'file' | 'block' | 'dir'; format?: string }

/** What the QEMU driver needs from the storage driver (injectable for tests). */
export interface VolumeHooks {
  translate(pool: string, volume: string): Promise<TranslatedVolume>;
}

const defaultHooks: VolumeHooks = {
  async translate(pool, volume) {
    const { registeredDrivers } = await import('../registry.js');
    if (!registeredDrivers().some((m) => m.kind === 'storage')) {
      throw virError(ErrorDomain.STORAGE, ErrorNumber.NO_SUPPORT, `storage pool '${pool}': no storage driver is loaded`);
    }
    const m = await import('../storage/index.js');
    return m.storageVolumeTranslate(pool, volume);
  },
};

/** Resolved sources by target dev, as recorded in the status file. */
export type VolumeSources = Record<string, { file?: string; dev?: string }>;

/** Fill source.file/dev of one volume disk (and the format, when the XML gave none). */
export async function qemuDiskTranslateVolume(disk: DiskDef, hooks: VolumeHooks = defaultHooks): Promise<void> {
  if (disk.type !== 'volume') return;
  const pool = disk.source?.pool;
  const volume = disk.source?.volume;
  if (!pool || !volume) {
    // An empty cdrom of type volume has nothing to resolve.
    if (disk.device === 'cdrom' && !volume) return;
    throw virError(ErrorDomain.DOMAIN, ErrorNumber.XML_ERROR, `missing source pool or volume for disk '${disk.target.dev}'`);
  }
  const t = await hooks.translate(pool, volume);
  if (t.type === 'dir') {
    throw virError(ErrorDomain.QEMU, ErrorNumber.CONFIG_UNSUPPORTED, `volume '${volume}' in pool '${pool}' is a directory: not usable as disk '${disk.target.dev}'`);
  }
  const src = { ...disk.source };
  delete src.file; delete src.dev;
  if (t.type === 'block') src.dev = t.path; else src.file = t.path;
  disk.source = src;
  // Without an explicit format QEMU would read a qcow2 volume as raw bytes: take the probed one.
  if (!disk.driver?.type && t.format && t.format !== 'dir') disk.driver = { name: 'qemu', ...disk.driver, type: t.format };
}

/** Translate every volume disk of a (live) definition. */
export async function qemuDomainTranslateVolumes(def: DomainDef, hooks?: VolumeHooks): Promise<void> {
  for (const d of def.devices.disks) await qemuDiskTranslateVolume(d, hooks);
}

export function qemuVolumeSources(def: DomainDef): VolumeSources {
  const out: VolumeSources = {};
  for (const d of def.devices.disks) {
    if (d.type !== 'volume' || !(d.source?.file ?? d.source?.dev)) continue;
    out[d.target.dev] = d.source.file ? { file: d.source.file } : { dev: d.source.dev! };
  }
  return out;
}

/** Put recorded paths back into a definition read from the status XML (which has only pool/volume). */
export function qemuRestoreVolumeSources(def: DomainDef, rec: VolumeSources | undefined): void {
  if (!rec) return;
  for (const d of def.devices.disks) {
    const r = rec[d.target.dev];
    if (d.type === 'volume' && r) d.source = { ...d.source, ...r };
  }
}

/** The files and devices a running definition has open (its disks' sources). */
export function qemuDiskPaths(def: DomainDef): string[] {
  const out: string[] = [];
  for (const d of def.devices.disks) {
    const p = d.source?.file ?? d.source?.dev;
    if (p) out.push(p);
  }
  return out;
}
