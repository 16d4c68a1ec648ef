// The QEMU driver's shared state: configuration and directories, the domain list, capabilities
// per binary, VNC port allocation and the event bus. One instance per state root, shared by
// every connection to it. libvirt counterpart: virQEMUDriver (qemu_conf.h).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { EventBus } from '../events.js';
import type { DomainEventPayload } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { DomainEventID } from '../../api/constants.js';
import { qemuCapsGet, kvmUsable, type QemuCaps } from './capabilities.js';
import { DMI_ID_FILES, sysinfoFromDmiId, type SysinfoSmbiosDef } from '../../conf/domain_sysinfo.js';
import type { DomainObj } from './domain_obj.js';
import type { TapHooks } from './net.js';
import type { VolumeHooks } from './volume.js';

export interface QemuDriverConfig {
  /** Prefix of every path (the daemon's --root; "/" for the system layout). */
  root: string;
  /** qemu:///system or qemu:///session: what connectGetUri reports. */
  uri: string;
  /** Emulators by guest arch. */
  binaries: Record<string, string>;
  /** kvm = auto | on | off (override of the usability probe). */
  kvm: 'auto' | 'on' | 'off';
  vncListen: string;
  vncPortMin: number;
  vncPortMax: number;
  /** Per-domain log rotation (libvirt's max_size-like knob). */
  logMaxBytes: number;
  logKeep: number;
  /** destroy: SIGTERM, then SIGKILL after this long. */
  shutdownGraceMs: number;
  /** How long a second job waits for the domain's lock (libvirt: 30 s). */
  jobWaitMs: number;
  /** How long QEMU may take to open its monitor. */
  monitorTimeoutMs: number;
  tsvirtVersion: string;
  /** Start autostart domains when the driver initialises (the daemon does). */
  autostart: boolean;
  /** Taps on virtual networks (default: the network driver of this process). */
  tapHooks?: TapHooks;
  /**
   * Network namespace QEMU and its taps live in (default: TSVIRT_NETNS, as the network
   * driver). null = wherever the daemon runs, which is the normal way to confine everything:
   * `ip netns exec NS tsvirtd ...`.
   */
  netns: string | null;
  /** Disks of type='volume' (default: the storage driver of this process). */
  volumeHooks?: VolumeHooks;
  /** How long a detach waits for the guest to release the device (libvirt: 5 s). */
  unplugTimeoutMs: number;
}

export interface QemuPaths {
  configDir: string;
  autostartDir: string;
  runDir: string;
  logDir: string;
  cacheDir: string;
  saveDir: string;
}

export function qemuPaths(root: string): QemuPaths {
  const r = (p: string) => path.join(root, p);
  return {
    configDir: r('etc/tsvirt/qemu'),
    autostartDir: r('etc/tsvirt/qemu/autostart'),
    runDir: r('run/tsvirt/qemu'),
    logDir: r('var/log/tsvirt/qemu'),
    cacheDir: r('var/cache/tsvirt/qemu/capabilities'),
    saveDir: r('var/lib/tsvirt/qemu/save'),
  };
}

export function defaultConfig(over: Partial<QemuDriverConfig> = {}): QemuDriverConfig {
  const kvmEnv = process.env['TSVIRT_QEMU_KVM'];
  return {
    root: process.env['TSVIRT_ROOT'] ?? '/',
    uri: 'qemu:///system',
    binaries: { x86_64: '/usr/bin/qemu-system-x86_64', i686: '/usr/bin/qemu-system-i386' },
    kvm: kvmEnv === 'on' || kvmEnv === 'off' ? kvmEnv : 'auto',
    vncListen: '127.0.0.1',
    vncPortMin: 5900,
    vncPortMax: 65535,
    logMaxBytes: 2 * 1024 * 1024,
    logKeep: 3,
    shutdownGraceMs: 10_000,
    jobWaitMs: 30_000,
    monitorTimeoutMs: 30_000,
    tsvirtVersion: '0.1.0',
    autostart: false,
    unplugTimeoutMs: 5000,
    netns: process.env['TSVIRT_NETNS'] || null,
    ...over,
  };
}

export class QemuDriverState {
  readonly paths: QemuPaths;
  readonly domains = new Map<string, DomainObj>();
  readonly events = new EventBus<DomainEventPayload>((p) => p.dom.uuid);
  private caps = new Map<string, Promise<QemuCaps>>();
  private vncUsed = new Set<number>();
  private nextId = 1;
  refs = 0;

  constructor(readonly config: QemuDriverConfig) {
    this.paths = qemuPaths(config.root);
    for (const d of Object.values(this.paths)) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  }

  allocateId(): number { return this.nextId++; }
  noteId(id: number): void { if (id >= this.nextId) this.nextId = id + 1; }

  /** Capabilities of the emulator for `arch` (probed once per binary, cached on disk). */
  capsFor(arch: string | undefined, emulator?: string): Promise<QemuCaps> {
    const bin = emulator ?? this.config.binaries[arch ?? 'x86_64'];
    if (!bin) {
      return Promise.reject(virError(ErrorDomain.QEMU, ErrorNumber.CONFIG_UNSUPPORTED, `No emulator found for arch '${arch}'`));
    }
    let p = this.caps.get(bin);
    if (!p) {
      p = qemuCapsGet(bin, { cacheDir: this.paths.cacheDir, tsvirtVersion: this.config.tsvirtVersion });
      p.catch(() => this.caps.delete(bin));
      this.caps.set(bin, p);
    }
    return p;
  }

  async allCaps(): Promise<QemuCaps[]> {
    const out: QemuCaps[] = [];
    for (const bin of Object.values(this.config.binaries)) {
      if (!fs.existsSync(bin)) continue;
      out.push(await this.capsFor(undefined, bin));
    }
    return out;
  }

  kvmUsable(caps: QemuCaps): boolean { return kvmUsable(caps, this.config.kvm); }

  private hostSmbios: SysinfoSmbiosDef | undefined | null = null;
  /**
   * The host's SMBIOS tables for <smbios mode='host'/>, read once from /sys/class/dmi/id (libvirt
   * runs dmidecode once per driver); undefined when the host has none (then such a start fails
   * with libvirt's "Host SMBIOS information is not available").
   */
  hostSysinfo(): SysinfoSmbiosDef | undefined {
    if (this.hostSmbios === null) {
      const files: Record<string, string | undefined> = {};
      for (const block of Object.values(DMI_ID_FILES)) {
        for (const file of Object.values(block)) {
          try { files[file] = fs.readFileSync(path.join('/sys/class/dmi/id', file), 'utf8'); } catch { /* absent or root-only */ }
        }
      }
      this.hostSmbios = sysinfoFromDmiId(files);
    }
    return this.hostSmbios;
  }

  findByName(name: string): DomainObj | undefined {
    for (const d of this.domains.values()) if (d.name === name) return d;
    return undefined;
  }
  findById(id: number): DomainObj | undefined {
    for (const d of this.domains.values()) if (d.id === id && d.active) return d;
    return undefined;
  }

  emitLifecycle(obj: DomainObj, event: number, detail: number): void {
    this.events.emit(DomainEventID.LIFECYCLE, { dom: obj.ref(), event, detail });
  }
  emit(obj: DomainObj, eventID: number, extra: Record<string, unknown> = {}): void {
    this.events.emit(eventID, { dom: obj.ref(), ...extra });
  }

  /**
   * A free VNC port: not handed out by us and bindable right now (another program may hold
   * it). libvirt's virPortAllocator does the same bind test.
   */
  async allocateVncPort(listen: string): Promise<number> {
    for (let p = this.config.vncPortMin; p <= this.config.vncPortMax; p++) {
      if (this.vncUsed.has(p)) continue;
      this.vncUsed.add(p);
      if (await portBindable(p, listen)) return p;
      this.vncUsed.delete(p);
    }
    throw virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, 'Unable to find an unused port for VNC');
  }
  reserveVncPort(p: number): void { this.vncUsed.add(p); }
  releaseVncPort(p: number): void { this.vncUsed.delete(p); }
}

function portBindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}
