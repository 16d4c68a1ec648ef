// What a QEMU binary can do, learnt once over QMP and cached on disk; the host <capabilities>
// and <domainCapabilities> documents built from it. libvirt counterpart: qemu_capabilities.c.
//
// The cache entry is valid while the binary's path, its ctime and tsvirt's version are the same
// (an upgraded QEMU or tsvirt re-probes), so a restarted daemon does not spawn a QEMU per binary.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { startCommand } from '../../util/command.js';
import { writeFileAtomicSync } from '../../util/atomic_file.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { XmlWriter } from '../../conf/xml.js';
import { formatCapabilitiesXml, type Capabilities, type CapsGuest, type CapsGuestMachine } from '../../conf/capabilities.js';
import { QemuMonitor } from './monitor.js';

/** Bumped when the probe's content changes, so old cache files are ignored. */
export const CAPS_FORMAT = 2;

export interface QemuMachine { name: string; alias?: string; isDefault: boolean; maxCpus: number; deprecated: boolean }

export interface QemuCaps {
  binary: string;
  ctimeMs: number;
  tsvirtVersion: string;
  format: number;
  version: { major: number; minor: number; micro: number; package: string };
  /** libvirt's integer form: major*1000000 + minor*1000 + micro */
  versionNumber: number;
  arch: string;
  machines: QemuMachine[];
  cpuModels: string[];
  /** QOM types (devices, backends, accelerators) the binary offers */
  types: string[];
  kvm: { present: boolean; enabled: boolean };
  accelerators: string[];
}

/** The QEMU binary's guest architecture, from its name. */
export function binaryArch(binary: string): string {
  const m = /qemu-system-([\w]+)$/.exec(path.basename(binary));
  const a = m?.[1] ?? os.arch();
  return a === 'i386' ? 'i686' : a === 'x64' ? 'x86_64' : a;
}

function cacheFile(cacheDir: string, binary: string): string {
  return path.join(cacheDir, createHash('sha256').update(binary).digest('hex').slice(0, 32) + '.json');
}

/**
 * The capabilities of `binary`: from the cache when still valid, else probed (a QEMU with
 * `-machine none` answering a handful of queries) and cached.
 */
export async function qemuCapsGet(binary: string, opts: { cacheDir: string; tsvirtVersion: string; probeTimeoutMs?: number }): Promise<QemuCaps> {
  let st: fs.Stats;
  try { st = fs.statSync(binary); } catch (e) {
    throw virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, `Cannot find QEMU binary ${binary}: ${(e as Error).message}`);
  }
  const file = cacheFile(opts.cacheDir, binary);
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as QemuCaps;
    if (cached.binary === binary && cached.ctimeMs === st.ctimeMs && cached.tsvirtVersion === opts.tsvirtVersion &&
        cached.format === CAPS_FORMAT) {
      return cached;
    }
  } catch { /* no or unreadable cache: probe */ }
  const probe = () => qemuCapsProbe(binary, st.ctimeMs, opts.tsvirtVersion, opts.probeTimeoutMs ?? 30_000);
  let caps: QemuCaps;
  try {
    caps = await probe();
  } catch (e) {
    // one more try with a fresh QEMU: a probe that stalled once (a loaded host) should not
    // leave the driver without capabilities; a binary that is broken fails the same way twice
    process.emitWarning(`QEMU capabilities probe failed, retrying once: ${(e as Error).message}`);
    caps = await probe();
  }
  try {
    fs.mkdirSync(opts.cacheDir, { recursive: true });
    writeFileAtomicSync(file, JSON.stringify(caps, null, 1) + '\n', { mode: 0o644 });
  } catch (e) {
    process.emitWarning(`cannot cache QEMU capabilities in ${file}: ${(e as Error).message}`);
  }
  return caps;
}

async function qemuCapsProbe(binary: string, ctimeMs: number, tsvirtVersion: string, timeout: number): Promise<QemuCaps> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-qemu-probe-'));
  const sock = path.join(dir, 'qmp.sock');
  const log = path.join(dir, 'probe.log');
  // TCG only. libvirt probes with accel=kvm:tcg, but nothing listed here needs KVM initialised,
  // and on a host whose KVM is unusable (nested PVM) that initialisation can stall the probe,
  // and with it every first start. Whether KVM is usable is decided from the host (kvmUsable).
  const proc = await startCommand({
    argv: [binary, '-machine', 'none', '-nodefaults', '-nographic', '-display', 'none',
      '-qmp', `unix:${sock},server=on,wait=off`, '-accel', 'tcg'],
    logFile: log,
  });
  let mon: QemuMonitor | null = null;
  let exited = false;
  void proc.exited?.then(() => { exited = true; });
  try {
    mon = await QemuMonitor.connect(sock, { name: `probe ${binary}`, timeout, isAlive: () => !exited });
    const o = { timeout };
    const v = await mon.execute<{ qemu: { major: number; minor: number; micro: number }; package: string }>('query-version', undefined, o);
    const machines = await mon.execute<{ name: string; alias?: string; 'is-default'?: boolean; 'cpu-max': number; deprecated?: boolean }[]>('query-machines', undefined, o);
    const cpus = await mon.execute<{ name: string }[]>('query-cpu-definitions', undefined, o).catch(() => []);
    const types = await mon.execute<{ name: string }[]>('qom-list-types', { abstract: false }, o);
    const kvm = await mon.execute<{ present: boolean; enabled: boolean }>('query-kvm', undefined, o);
    const accels = await mon.execute<{ name: string }[]>('qom-list-types', { implements: 'accel', abstract: false }, o);
    await mon.execute('quit', undefined, o).catch(() => undefined);
    return {
      binary, ctimeMs, tsvirtVersion, format: CAPS_FORMAT,
      version: { major: v.qemu.major, minor: v.qemu.minor, micro: v.qemu.micro, package: v.package },
      versionNumber: v.qemu.major * 1_000_000 + v.qemu.minor * 1000 + v.qemu.micro,
      arch: binaryArch(binary),
      machines: machines.map((m) => ({
        name: m.name, alias: m.alias, isDefault: !!m['is-default'], maxCpus: m['cpu-max'], deprecated: !!m.deprecated,
      })).sort((a, b) => a.name.localeCompare(b.name)),
      cpuModels: cpus.map((c) => c.name).sort(),
      types: types.map((t) => t.name).sort(),
      kvm,
      accelerators: accels.map((a) => a.name.replace(/-accel$/, '')).sort(),
    };
  } catch (e) {
    let detail = '';
    try { detail = fs.readFileSync(log, 'utf8').split('\n').slice(1).join(' ').trim(); } catch { /* none */ }
    throw virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR,
      `Failed to probe capabilities for ${binary}: ${(e as Error).message}${detail ? ` (${detail})` : ''}`);
  } finally {
    mon?.close();
    proc.kill('SIGKILL');
    await proc.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** 'pc' -> 'pc-i440fx-7.2'; a full name stays; unknown -> undefined. */
export function qemuCapsCanonicalMachine(caps: QemuCaps, name: string | undefined): string | undefined {
  if (!name) return caps.machines.find((m) => m.isDefault)?.name;
  const m = caps.machines.find((x) => x.alias === name || x.name === name);
  return m ? m.name : undefined;
}

export function qemuCapsHasType(caps: QemuCaps, type: string): boolean { return caps.types.includes(type); }

export function machineIsQ35(machine: string): boolean { return /^pc-q35|^q35/.test(machine); }

/**
 * Whether KVM guests can run here. QEMU initialising KVM is not enough: a host whose only KVM
 * is the PVM flavour (kvm_pvm without kvm_intel/kvm_amd: nested, "pagetable-based") accepts
 * the ioctls but runs only PVM-enabled guest kernels, so ordinary guests hang after the BIOS.
 * `override` comes from the driver's configuration (kvm = on|off|auto).
 */
export function kvmUsable(caps: QemuCaps, override: 'auto' | 'on' | 'off' = 'auto', sysModule = '/sys/module'): boolean {
  if (override === 'on') return true;
  if (override === 'off') return false;
  // the probe runs under TCG, so `present` (KVM compiled in) is what it can tell; the host decides
  if (!caps.kvm.present) return false;
  try { fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK); } catch { return false; }
  const has = (m: string) => fs.existsSync(path.join(sysModule, m));
  if (!has('kvm_intel') && !has('kvm_amd') && has('kvm_pvm')) return false;
  return true;
}

export const KVM_UNAVAILABLE_MESSAGE = 'Domain requires KVM, but it is not available. Check that virtualization is enabled in the host BIOS, and host configuration is setup to load the kvm modules.';

function guestMachines(caps: QemuCaps): CapsGuestMachine[] {
  // libvirt lists each versioned machine, then each alias pointing at its canonical name.
  const out: CapsGuestMachine[] = [];
  for (const m of caps.machines) {
    if (m.name === 'none') continue;
    out.push({ name: m.name, maxCpus: m.maxCpus, deprecated: m.deprecated || undefined });
    if (m.alias) out.push({ name: m.alias, canonical: m.name, maxCpus: m.maxCpus, deprecated: m.deprecated || undefined });
  }
  return out;
}

/** The host capabilities document for the probed binaries. */
export function buildCapabilities(all: QemuCaps[], opts: { kvm: boolean; hostUuid?: string }): Capabilities {
  const hostArch = binaryArch(`qemu-system-${os.arch()}`);
  const cpus = os.cpus();
  const totalKiB = Math.floor(os.totalmem() / 1024);
  const guests: CapsGuest[] = all.map((c) => {
    const machines = guestMachines(c);
    const domains: CapsGuest['domains'] = [{ type: 'qemu' }];
    const kvmOk = opts.kvm && (c.arch === hostArch || (hostArch === 'x86_64' && c.arch === 'i686'));
    if (kvmOk) domains.push({ type: 'kvm' });
    const features: CapsGuest['features'] = c.arch === 'i686' ? [{ name: 'pae' }, { name: 'nonpae' }] : [];
    features.push({ name: 'acpi', default: 'on', toggle: 'yes' }, { name: 'apic', default: 'on', toggle: 'no' },
      { name: 'cpuselection' }, { name: 'deviceboot' }, { name: 'disksnapshot', default: 'on', toggle: 'no' });
    return { osType: 'hvm', arch: c.arch, wordsize: c.arch === 'i686' ? 32 : 64, emulator: c.binary, machines, domains, features };
  });
  return {
    host: {
      uuid: opts.hostUuid,
      cpu: {
        arch: hostArch,
        topology: { sockets: 1, dies: 1, cores: cpus.length, threads: 1 },
        pages: [{ size: 4 }, { size: 2048 }, { size: 1048576 }],
      },
      powerManagement: [],
      iommu: fs.existsSync('/sys/kernel/iommu_groups') && fs.readdirSync('/sys/kernel/iommu_groups').length > 0,
      migration: { live: true, uriTransports: ['tcp', 'rdma'] },
      cells: [{
        id: 0, memory: totalKiB,
        pages: [{ size: 4, count: Math.floor(totalKiB / 4) }, { size: 2048, count: 0 }, { size: 1048576, count: 0 }],
        cpus: cpus.map((_, i) => ({ id: i, socketId: 0, dieId: 0, coreId: i, siblings: String(i) })),
      }],
      secmodels: [{ model: 'none', doi: '0' }],
    },
    guests,
  };
}

export function formatQemuCapabilities(all: QemuCaps[], opts: { kvm: boolean; hostUuid?: string }): string {
  return formatCapabilitiesXml(buildCapabilities(all, opts));
}

/** <domainCapabilities> for one binary / machine / virt type (virsh domcapabilities). */
export function formatDomainCapabilities(caps: QemuCaps, machine: string, virttype: string): string {
  const w = new XmlWriter();
  const m = caps.machines.find((x) => x.name === machine);
  const enumOf = (name: string, values: string[]) => {
    w.open('enum', { name });
    for (const v of values) w.text('value', v);
    w.close();
  };
  const has = (t: string) => caps.types.includes(t);
  w.open('domainCapabilities');
  w.text('path', caps.binary);
  w.text('domain', virttype);
  w.text('machine', machine);
  w.text('arch', caps.arch);
  w.empty('vcpu', { max: m?.maxCpus ?? 255 });
  w.empty('iothreads', { supported: 'yes' });
  w.open('os', { supported: 'yes' });
  enumOf('firmware', ['bios', 'efi']);
  w.open('loader', { supported: 'yes' });
  enumOf('type', ['rom', 'pflash']);
  enumOf('readonly', ['yes', 'no']);
  w.close();
  w.close();
  w.open('cpu');
  w.empty('mode', { name: 'host-passthrough', supported: virttype === 'kvm' ? 'yes' : 'no' });
  w.open('mode', { name: 'maximum', supported: 'yes' });
  enumOf('maximumMigratable', ['on', 'off']);
  w.close();
  w.empty('mode', { name: 'host-model', supported: 'no' });
  w.open('mode', { name: 'custom', supported: 'yes' });
  for (const c of caps.cpuModels) if (c !== 'host' && c !== 'max' && c !== 'base') w.text('model', c, { usable: 'unknown' });
  w.close();
  w.close();
  w.open('devices');
  w.open('disk', { supported: 'yes' });
  enumOf('diskDevice', ['disk', 'cdrom', 'floppy', 'lun']);
  enumOf('bus', ['ide', 'fdc', 'scsi', 'virtio', 'usb', 'sata'].filter((b) => b !== 'sata' || machineIsQ35(machine) || has('ich9-ahci')));
  enumOf('model', ['virtio', 'virtio-transitional', 'virtio-non-transitional']);
  w.close();
  w.open('graphics', { supported: 'yes' });
  enumOf('type', ['vnc']);
  w.close();
  w.open('video', { supported: 'yes' });
  enumOf('modelType', ['vga', 'cirrus', 'virtio', 'none', 'bochs'].filter((t) =>
    t === 'none' || has(({ vga: 'VGA', cirrus: 'cirrus-vga', virtio: 'virtio-vga', bochs: 'bochs-display' } as Record<string, string>)[t]!)));
  w.close();
  w.open('rng', { supported: has('virtio-rng-pci') ? 'yes' : 'no' });
  enumOf('model', ['virtio', 'virtio-transitional', 'virtio-non-transitional']);
  enumOf('backendModel', ['random', 'builtin']);
  w.close();
  w.close();
  w.open('features');
  w.empty('vmcoreinfo', { supported: has('vmcoreinfo') ? 'yes' : 'no' });
  w.empty('genid', { supported: has('vmgenid') ? 'yes' : 'no' });
  w.empty('backup', { supported: 'no' });
  w.empty('sev', { supported: 'no' });
  w.close();
  w.close();
  return w.toString();
}
