// Definition + capabilities -> QEMU argv. PURE: no I/O, no clock, no randomness, so the same
// input always gives the same command line (golden tests: test/data/qemu/argv/NAME.{xml,args}).
// The definition must already be completed (qemuDomainDefPostParse) and prepared for start
// (qemuDomainPrepareLive: aliases and PCI addresses; graphics ports resolved).
// libvirt counterpart: qemu_command.c. Spellings follow what libvirt 9.0 passes to QEMU 7.x:
// JSON for -blockdev/-device/-netdev/-object, key=value for -chardev, -machine, -smp, ...
import { ErrorNumber, virError, ErrorDomain } from '../../util/error.js';
import type { ChrDef, ChrSource, ControllerDef, DeviceInfo, DiskDef, DomainDef, InterfaceDef } from '../../conf/domain.js';
import {
  SMBIOS_BASEBOARD_FIELDS, SMBIOS_BIOS_FIELDS, SMBIOS_CHASSIS_FIELDS, SMBIOS_SYSTEM_FIELDS, sysinfoSmbios,
  type SysinfoSmbiosDef,
} from '../../conf/domain_sysinfo.js';
import { machineIsQ35, type QemuCaps } from './capabilities.js';
import { parsePciAddress } from './domain.js';

const ERR = ErrorDomain.QEMU;

export interface QemuBuildContext {
  caps: QemuCaps;
  /** The QMP socket the driver will connect to. */
  monitorPath: string;
  /** Accelerator to use: 'kvm' for <domain type='kvm'> when usable, else 'tcg'. */
  accel: 'tcg' | 'kvm';
  /** tap devices prepared by the network layer, by interface alias (net0 -> vnet3). */
  tapIfnames?: Record<string, string>;
  /** pre-opened tap fds as the child sees them, by interface alias. */
  tapFds?: Record<string, number>;
  /** Default VNC listen address (qemu.conf vnc_listen). */
  vncListen?: string;
  /** The host's own SMBIOS tables, for <smbios mode='host'/> (libvirt's driver->hostsysinfo). */
  hostSysinfo?: SysinfoSmbiosDef;
}

/** argv as option groups (["-name", "guest=x"], ["-S"], ...); flatten for exec. */
export type ArgGroups = string[][];

/** Escape a value inside QEMU's key=value option syntax (',' doubles). */
export function qemuOptEscape(v: string): string { return v.replace(/,/g, ',,'); }

/** Drop undefined properties (the key order is what QEMU sees and the goldens keep). */
function clean(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function json(o: Record<string, unknown>): string { return JSON.stringify(clean(o)); }

/** PCI placement properties for -device: {"bus":"pci.0","addr":"0x3"}. */
export function pciProps(def: DomainDef, info: DeviceInfo): Record<string, unknown> {
  const a = parsePciAddress(info);
  if (!a) return {};
  const busCtrl = def.devices.controllers.find((c) => c.type === 'pci' && c.index === a.bus);
  const bus = busCtrl?.model === 'pcie-root' ? 'pcie.0' : `pci.${a.bus}`;
  const addr = a.fn ? `0x${a.slot.toString(16)}.0x${a.fn.toString(16)}` : `0x${a.slot.toString(16)}`;
  const props: Record<string, unknown> = { bus, addr };
  if (info.address?.attrs['multifunction'] === 'on') props['multifunction'] = true;
  return props;
}

/** bootindex for each device: explicit <boot order>, else derived from <os><boot dev>. */
export function bootIndexes(def: DomainDef): Map<DeviceInfo, number> {
  const m = new Map<DeviceInfo, number>();
  const d = def.devices;
  const explicit = [...d.disks, ...d.interfaces, ...d.hostdevs].filter((x) => x.bootOrder !== undefined);
  if (explicit.length) {
    for (const x of explicit) m.set(x, x.bootOrder!);
    return m;
  }
  if (def.os.kernel) return m;
  let n = 1;
  for (const dev of def.os.bootDevs) {
    let target: DeviceInfo | undefined;
    if (dev === 'hd') target = d.disks.find((x) => x.device === 'disk' && !m.has(x));
    else if (dev === 'cdrom') target = d.disks.find((x) => x.device === 'cdrom' && !m.has(x));
    else if (dev === 'network') target = d.interfaces.find((x) => !m.has(x));
    if (target) m.set(target, n++);
  }
  return m;
}

export function buildQemuArgvGroups(def: DomainDef, ctx: QemuBuildContext): ArgGroups {
  const g: ArgGroups = [];
  const add = (...a: string[]) => { g.push(a); };
  const d = def.devices;
  const machine = def.os.machine!;
  const q35 = machineIsQ35(machine);
  const boot = bootIndexes(def);
  const hasAcpi = def.features.some((f) => f.name === 'acpi' && f.state !== 'off');

  add(d.emulator ?? ctx.caps.binary);
  add('-name', `guest=${qemuOptEscape(def.name)},debug-threads=on`);
  add('-S');
  add('-machine', [machine, 'usb=off', 'dump-guest-core=off', ...(hasAcpi ? [] : ['acpi=off'])].join(','));
  add('-accel', ctx.accel);
  add('-cpu', cpuArg(def));
  buildLoader(def, add);
  add('-m', memoryArg(def));
  add('-overcommit', 'mem-lock=off');
  add('-smp', smpArg(def));
  add('-uuid', def.uuid);
  buildSmbios(def, ctx, add);
  buildFwCfg(def, add);
  if (d.graphics.length === 0) add('-display', 'none');
  add('-no-user-config');
  add('-nodefaults');
  add('-chardev', `socket,id=charmonitor,path=${qemuOptEscape(ctx.monitorPath)},server=on,wait=off`);
  add('-mon', 'chardev=charmonitor,id=monitor,mode=control');
  buildClock(def, add);
  // Always -no-shutdown: a guest poweroff stops the vCPUs and reports SHUTDOWN, and the driver
  // decides (on_poweroff) instead of QEMU vanishing under it.
  add('-no-shutdown');
  if (def.onReboot === 'destroy') add('-no-reboot');
  if (def.pm?.suspendToMem === 'no') add('-global', `${q35 ? 'ICH9-LPC' : 'PIIX4_PM'}.disable_s3=1`);
  if (def.pm?.suspendToDisk === 'no') add('-global', `${q35 ? 'ICH9-LPC' : 'PIIX4_PM'}.disable_s4=1`);
  add('-boot', def.os.bootmenu?.enable === 'yes' ? 'menu=on,strict=on' : 'strict=on');
  if (def.os.kernel) add('-kernel', def.os.kernel);
  if (def.os.initrd) add('-initrd', def.os.initrd);
  if (def.os.cmdline) add('-append', def.os.cmdline);
  if (def.os.dtb) add('-dtb', def.os.dtb);

  // Buses before the devices plugged into them: PCI controllers first.
  const ctrls = [...d.controllers.filter((c) => c.type === 'pci'), ...d.controllers.filter((c) => c.type !== 'pci')];
  for (const c of ctrls) buildController(def, c, add);
  buildDisks(def, boot, add);
  d.interfaces.forEach((n) => buildInterface(def, n, boot, ctx, add));
  for (const s of d.serials) buildSerial(s, add);
  for (const inp of d.inputs) buildInput(def, inp, add);
  for (const gr of d.graphics) buildGraphics(gr, ctx, add);
  d.videos.forEach((v, i) => buildVideo(def, v, i === 0, add));
  for (const w of d.watchdogs) {
    const dev = w.model === 'i6300esb' ? 'i6300esb' : w.model === 'ib700' ? 'ib700' : w.model === 'itco' ? undefined : undefined;
    if (!dev) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `watchdog model '${w.model}' is not supported`);
    add('-device', json({ driver: dev, id: w.alias, ...pciProps(def, w) }));
    const action = ({ dump: 'pause', reset: 'reset', shutdown: 'shutdown', poweroff: 'poweroff', pause: 'pause', none: 'none', 'inject-nmi': 'inject-nmi' } as Record<string, string>)[w.action];
    if (action) add('-action', `watchdog=${action}`);
  }
  const mb = d.memballoon;
  if (mb && mb.model !== 'none') {
    add('-device', json({
      driver: 'virtio-balloon-pci', id: mb.alias, ...pciProps(def, mb),
      'deflate-on-oom': mb.autodeflate === 'on' ? true : undefined,
      'free-page-reporting': mb.freePageReporting === 'on' ? true : undefined,
    }));
  }
  d.rngs.forEach((r, i) => {
    const obj = `objrng${i}`;
    if (r.backend.model === 'random') add('-object', json({ 'qom-type': 'rng-random', id: obj, filename: r.backend.path ?? '/dev/urandom' }));
    else if (r.backend.model === 'builtin') add('-object', json({ 'qom-type': 'rng-builtin', id: obj }));
    else throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `rng backend model '${r.backend.model}' is not supported`);
    const rate = r.rate ? { 'max-bytes': Number(r.rate.bytes), period: Number(r.rate.period ?? 1000) } : {};
    add('-device', json({ driver: 'virtio-rng-pci', rng: obj, ...rate, id: r.alias, ...pciProps(def, r) }));
  });
  add('-msg', 'timestamp=on');
  return g;
}

export function buildQemuArgv(def: DomainDef, ctx: QemuBuildContext): string[] {
  return buildQemuArgvGroups(def, ctx).flat();
}

/**
 * -smbios for <os><smbios mode='sysinfo|host'/> (qemuBuildSmbiosCommandLine): types 0, 1, 2 per
 * base board, 3 and 11, values with ',' doubled. Host mode copies the host's tables except
 * the system uuid (the guest keeps its own). Emulate or no mode: QEMU's defaults.
 */
function buildSmbios(def: DomainDef, ctx: QemuBuildContext, add: (...a: string[]) => void): void {
  const mode = def.os.smbios;
  if (mode !== 'sysinfo' && mode !== 'host') return;
  let src: SysinfoSmbiosDef | undefined;
  if (mode === 'host') {
    src = ctx.hostSysinfo;
    if (!src) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, 'Host SMBIOS information is not available');
  } else {
    src = sysinfoSmbios(def.sysinfo);
    if (!src) throw virError(ERR, ErrorNumber.XML_ERROR, `Domain '${def.name}' sysinfo are not available`);
  }
  const table = (type: number, block: Partial<Record<string, string>> | undefined, fields: readonly string[], always: string[] = []): void => {
    if (!block) return;
    const parts = [`type=${type}`];
    for (const f of fields) {
      const v = block[f];
      // libvirt always writes the manufacturer of types 2 and 3, empty when not given
      if (v !== undefined || always.includes(f)) parts.push(`${f}=${qemuOptEscape(v ?? '')}`);
    }
    if (parts.length > 1) add('-smbios', parts.join(','));
  };
  table(0, src.bios, SMBIOS_BIOS_FIELDS);
  table(1, src.system, mode === 'host' ? SMBIOS_SYSTEM_FIELDS.filter((f) => f !== 'uuid') : SMBIOS_SYSTEM_FIELDS);
  if (src.baseBoards.length > 1) {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, 'qemu does not support more than one entry to Type 2 in SMBIOS table');
  }
  for (const b of src.baseBoards) table(2, b, SMBIOS_BASEBOARD_FIELDS, ['manufacturer']);
  table(3, src.chassis, SMBIOS_CHASSIS_FIELDS, ['manufacturer']);
  if (src.oemStrings) add('-smbios', ['type=11', ...src.oemStrings.map((v) => `value=${qemuOptEscape(v)}`)].join(','));
}

/** QEMU's checks on <sysinfo type='fwcfg'> names (qemuValidateDomainDefSysinfo). */
export function qemuValidateSysinfo(def: DomainDef): void {
  for (const s of def.sysinfo ?? []) {
    if (s.type !== 'fwcfg') continue;
    for (const e of s.entries) {
      if (!e.name.startsWith('opt/')) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, 'Invalid firmware name');
      if (e.name.startsWith('opt/ovmf/') || e.name.startsWith('opt/org.qemu/')) {
        throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, 'That firmware name is reserved');
      }
    }
  }
}

/**
 * -fw_cfg per <sysinfo type='fwcfg'> entry, whatever the smbios mode. A value wins over a file
 * (libvirt's order). Unlike libvirt 9.0, commas are doubled: unescaped, QEMU reads the rest
 * of the value as options and refuses to start.
 */
function buildFwCfg(def: DomainDef, add: (...a: string[]) => void): void {
  qemuValidateSysinfo(def);
  for (const s of def.sysinfo ?? []) {
    if (s.type !== 'fwcfg') continue;
    for (const e of s.entries) {
      const data = e.value !== undefined ? `string=${qemuOptEscape(e.value)}` : `file=${qemuOptEscape(e.file!)}`;
      add('-fw_cfg', `name=${qemuOptEscape(e.name)},${data}`);
    }
  }
}

function cpuArg(def: DomainDef): string {
  const cpu = def.cpu;
  if (!cpu || !cpu.mode || (cpu.mode === 'custom' && !cpu.model)) return 'qemu64';
  if (cpu.mode === 'host-passthrough') return 'host';
  if (cpu.mode === 'maximum') return 'max';
  if (cpu.mode === 'host-model') {
    if (def.type !== 'kvm') throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, 'CPU mode \'host-model\' for x86_64 qemu domain on x86_64 host is not supported by hypervisor');
    return 'host';
  }
  const feats = cpu.features.map((f) => {
    const on = f.policy === 'disable' || f.policy === 'forbid' ? 'off' : 'on';
    return `${f.name}=${on}`;
  });
  return [cpu.model!.name, ...feats].join(',');
}

function memoryArg(def: DomainDef): string {
  // KiB exactly: no rounding to MiB, so the guest sees what the XML says.
  let s = `size=${def.memory}k`;
  if (def.maxMemory) s += `,slots=${def.maxMemory.slots},maxmem=${def.maxMemory.size}k`;
  return s;
}

function smpArg(def: DomainDef): string {
  const max = def.vcpus;
  const cur = def.vcpuCurrent ?? max;
  const t = def.cpu?.topology ?? { sockets: max, dies: 1, cores: 1, threads: 1 };
  if (t.sockets * t.dies * t.cores * t.threads !== max) {
    throw virError(ERR, ErrorNumber.XML_ERROR, `CPU topology doesn't match maximum vcpu count`);
  }
  const parts = [String(cur)];
  if (cur !== max) parts.push(`maxcpus=${max}`);
  parts.push(`sockets=${t.sockets}`);
  if (t.dies !== 1) parts.push(`dies=${t.dies}`);
  parts.push(`cores=${t.cores}`, `threads=${t.threads}`);
  return parts.join(',');
}

function buildLoader(def: DomainDef, add: (...a: string[]) => void): void {
  const l = def.os.loader;
  if (!l?.path) return;
  if (l.type === 'pflash') {
    add('-drive', `file=${qemuOptEscape(l.path)},if=pflash,format=raw,unit=0${l.readonly === 'yes' ? ',readonly=on' : ''}`);
    if (def.os.nvram?.path) add('-drive', `file=${qemuOptEscape(def.os.nvram.path)},if=pflash,format=raw,unit=1`);
  } else {
    add('-bios', l.path);
  }
}

function buildClock(def: DomainDef, add: (...a: string[]) => void): void {
  const c = def.clock;
  let rtc = `base=${c.offset === 'localtime' ? 'localtime' : 'utc'}`;
  const t = (name: string) => c.timers.find((x) => x.name === name);
  if (t('rtc')?.tickpolicy === 'catchup') rtc += ',driftfix=slew';
  add('-rtc', rtc);
  if (t('pit')?.tickpolicy === 'delay') add('-global', 'kvm-pit.lost_tick_policy=delay');
  if (t('hpet')?.present === 'no') add('-no-hpet');
}

function buildController(def: DomainDef, c: ControllerDef, add: (...a: string[]) => void): void {
  const q35 = machineIsQ35(def.os.machine!);
  switch (c.type) {
    case 'pci':
      if (c.model === 'pcie-root-port') {
        add('-device', json({
          driver: 'pcie-root-port', port: Number(c.target?.['port'] ?? 0x10), chassis: Number(c.target?.['chassis'] ?? c.index),
          id: c.alias, ...pciProps(def, c),
        }));
      } else if (c.model !== 'pci-root' && c.model !== 'pcie-root') {
        throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `PCI controller model '${c.model}' is not supported`);
      }
      return;
    case 'usb': {
      if (c.model === 'none') return;
      const drv = ({ 'piix3-uhci': 'piix3-usb-uhci', 'qemu-xhci': 'qemu-xhci', 'nec-xhci': 'nec-usb-xhci', 'ich9-ehci1': 'ich9-usb-ehci1' } as Record<string, string>)[c.model ?? ''];
      if (!drv) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `USB controller model '${c.model}' is not supported`);
      const ports = c.ports !== undefined && drv.endsWith('xhci') ? { p2: c.ports, p3: c.ports } : {};
      add('-device', json({ driver: drv, ...ports, id: c.alias, ...pciProps(def, c) }));
      return;
    }
    case 'ide': return; // PIIX3 IDE is built into i440fx
    case 'sata':
      if (q35 && c.index === 0) return; // ICH9 AHCI is built into q35
      add('-device', json({ driver: 'ich9-ahci', id: c.alias, ...pciProps(def, c) }));
      return;
    case 'scsi': {
      const drv = ({ lsilogic: 'lsi', 'virtio-scsi': 'virtio-scsi-pci' } as Record<string, string>)[c.model ?? ''];
      if (!drv) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Unsupported controller model: ${c.model}`);
      add('-device', json({ driver: drv, id: c.alias, ...pciProps(def, c) }));
      return;
    }
    case 'virtio-serial':
      add('-device', json({ driver: 'virtio-serial-pci', id: c.alias, ...pciProps(def, c) }));
      return;
    default:
      throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `controller type '${c.type}' is not supported`);
  }
}

/** cache mode -> blockdev cache props and the device's write-cache. */
function cacheProps(mode: string | undefined): { cache?: { direct: boolean; 'no-flush': boolean }; writeCache?: 'on' | 'off' } {
  switch (mode) {
    case 'none': return { cache: { direct: true, 'no-flush': false }, writeCache: 'on' };
    case 'writeback': return { cache: { direct: false, 'no-flush': false }, writeCache: 'on' };
    case 'writethrough': return { cache: { direct: false, 'no-flush': false }, writeCache: 'off' };
    case 'directsync': return { cache: { direct: true, 'no-flush': false }, writeCache: 'off' };
    case 'unsafe': return { cache: { direct: false, 'no-flush': true }, writeCache: 'on' };
    default: return {};
  }
}

/** The node names of a disk's blockdev pair: libvirt numbers from the last disk up. */
export function diskNodeNames(def: DomainDef, disk: DiskDef): { storage: string; format: string } {
  const n = def.devices.disks.length - def.devices.disks.indexOf(disk);
  return { storage: `libvirt-${n}-storage`, format: `libvirt-${n}-format` };
}

/** The -blockdev pair (protocol node, format node) of a disk with media; null for an empty cdrom. */
export function diskBlockdevProps(disk: DiskDef, names: { storage: string; format: string }): [Record<string, unknown>, Record<string, unknown>] | null {
  const src = disk.source?.file ?? disk.source?.dev;
  const cdrom = disk.device === 'cdrom';
  if (!src) {
    if (!cdrom) throw virError(ERR, ErrorNumber.NO_SOURCE, disk.target.dev);
    return null;
  }
  const { cache } = cacheProps(disk.driver?.cache);
  // A volume resolved to a device (volume.ts) is opened as one.
  const isDev = disk.type === 'block' || (disk.type === 'volume' && !disk.source?.file && !!disk.source?.dev);
  const protoDriver = isDev ? (cdrom ? 'host_cdrom' : 'host_device') : 'file';
  const fmt = disk.driver?.type ?? 'raw';
  if (!['raw', 'qcow2'].includes(fmt)) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `unsupported disk format '${fmt}'`);
  return [
    clean({ driver: protoDriver, filename: src, 'node-name': names.storage, cache, 'auto-read-only': true, discard: 'unmap' }),
    clean({ 'node-name': names.format, 'read-only': disk.readonly || cdrom, cache, driver: fmt, file: names.storage }),
  ];
}

/** The -device (or device_add) properties of a disk whose format node is `drive`. */
export function diskDeviceProps(def: DomainDef, disk: DiskDef, drive: string | undefined, bootindex?: number): Record<string, unknown> {
  const cdrom = disk.device === 'cdrom';
  const { writeCache } = cacheProps(disk.driver?.cache);
  const a = disk.address?.attrs ?? {};
  const common = { drive, id: disk.alias, bootindex, serial: disk.serial, 'write-cache': drive ? writeCache : undefined };
  switch (disk.target.bus) {
    case 'virtio':
      if (cdrom) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `disk device 'cdrom' is not supported on bus 'virtio'`);
      return clean({ driver: 'virtio-blk-pci', ...pciProps(def, disk), ...common });
    case 'ide':
      return clean({ driver: cdrom ? 'ide-cd' : 'ide-hd', bus: `ide.${a['bus'] ?? 0}`, unit: Number(a['unit'] ?? 0), ...common });
    case 'sata': {
      const ctrl = def.devices.controllers.find((c) => c.type === 'sata' && c.index === Number(a['controller'] ?? 0));
      return clean({ driver: cdrom ? 'ide-cd' : 'ide-hd', bus: `${ctrl?.alias ?? 'ide'}.${a['unit'] ?? 0}`, ...common });
    }
    case 'scsi': {
      const ctrl = def.devices.controllers.find((c) => c.type === 'scsi' && c.index === Number(a['controller'] ?? 0));
      const lsi = ctrl?.model === 'lsilogic';
      return clean({
        driver: cdrom ? 'scsi-cd' : 'scsi-hd', bus: `${ctrl?.alias ?? 'scsi0'}.0`,
        ...(lsi ? { 'scsi-id': Number(a['unit'] ?? 0) } : { channel: Number(a['bus'] ?? 0), 'scsi-id': Number(a['target'] ?? 0), lun: Number(a['unit'] ?? 0) }),
        ...common,
      });
    }
    default:
      throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `disk bus '${disk.target.bus}' is not supported`);
  }
}

function buildDisks(def: DomainDef, boot: Map<DeviceInfo, number>, add: (...a: string[]) => void): void {
  for (const disk of def.devices.disks) {
    const names = diskNodeNames(def, disk);
    const nodes = diskBlockdevProps(disk, names);
    if (nodes) for (const n of nodes) add('-blockdev', JSON.stringify(n));
    add('-device', JSON.stringify(diskDeviceProps(def, disk, nodes ? names.format : undefined, boot.get(disk))));
  }
}

const NIC_DRIVERS: Record<string, string> = {
  virtio: 'virtio-net-pci', e1000: 'e1000', e1000e: 'e1000e', rtl8139: 'rtl8139', 'virtio-transitional': 'virtio-net-pci-transitional',
};

/** The netdev of an interface (-netdev / netdev_add); tap names or fds come from the context. */
export function interfaceNetdevProps(n: InterfaceDef, ctx: Pick<QemuBuildContext, 'tapFds' | 'tapIfnames'>): Record<string, unknown> {
  const id = `host${n.alias}`;
  switch (n.type) {
    case 'user':
      return { type: 'user', id };
    case 'bridge': case 'network': case 'ethernet': {
      const fd = ctx.tapFds?.[n.alias!];
      const ifname = ctx.tapIfnames?.[n.alias!] ?? n.target?.dev;
      if (fd !== undefined) return { type: 'tap', fd: String(fd), id };
      if (ifname) return { type: 'tap', ifname, script: 'no', downscript: 'no', id };
      throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `no tap device prepared for interface ${n.alias}`);
    }
    default:
      throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Unsupported network type '${n.type}'`);
  }
}

/** The NIC's -device (or device_add) properties. */
export function interfaceDeviceProps(def: DomainDef, n: InterfaceDef, bootindex?: number): Record<string, unknown> {
  const drv = NIC_DRIVERS[n.model ?? 'rtl8139'];
  if (!drv) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Unsupported network model '${n.model}'`);
  return clean({ driver: drv, netdev: `host${n.alias}`, id: n.alias, mac: n.mac, bootindex, ...pciProps(def, n) });
}

function buildInterface(def: DomainDef, n: InterfaceDef, boot: Map<DeviceInfo, number>, ctx: QemuBuildContext, add: (...a: string[]) => void): void {
  add('-netdev', json(interfaceNetdevProps(n, ctx)));
  add('-device', JSON.stringify(interfaceDeviceProps(def, n, boot.get(n))));
}

function chardevArg(id: string, type: string, s: ChrSource, protocol?: string): string {
  switch (type) {
    case 'pty': return `pty,id=${id}`;
    case 'null': return `null,id=${id}`;
    case 'file': return `file,id=${id},path=${qemuOptEscape(s.path ?? '')}${s.append === 'on' ? ',append=on' : ''}`;
    case 'unix': return `socket,id=${id},path=${qemuOptEscape(s.path ?? '')}${s.mode === 'connect' ? '' : ',server=on,wait=off'}`;
    case 'tcp': return `socket,id=${id},host=${s.host ?? ''},port=${s.service ?? ''}${protocol === 'telnet' ? ',telnet=on' : ''}${s.mode === 'connect' ? '' : ',server=on,wait=off'}`;
    case 'dev': return `tty,id=${id},path=${qemuOptEscape(s.path ?? '')}`;
    default: throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Unsupported char device type '${type}'`);
  }
}

function buildSerial(s: ChrDef, add: (...a: string[]) => void): void {
  const id = `char${s.alias}`;
  add('-chardev', chardevArg(id, s.type, s.source, s.protocol));
  if (s.target.type !== 'isa-serial') throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `serial target type '${s.target.type}' is not supported`);
  add('-device', json({ driver: 'isa-serial', chardev: id, id: s.alias, index: s.target.port }));
}

function buildInput(def: DomainDef, i: DomainDef['devices']['inputs'][number], add: (...a: string[]) => void): void {
  if (i.bus === 'ps2') return; // part of the PC machine
  if (i.bus === 'usb') {
    const drv = ({ tablet: 'usb-tablet', mouse: 'usb-mouse', keyboard: 'usb-kbd' } as Record<string, string>)[i.type];
    if (!drv) throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `input type '${i.type}' is not supported on bus 'usb'`);
    add('-device', json({ driver: drv, id: i.alias, bus: 'usb.0', port: i.address?.attrs['port'] }));
    return;
  }
  throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `input bus '${i.bus}' is not supported`);
}

function buildGraphics(gr: DomainDef['devices']['graphics'][number], ctx: QemuBuildContext, add: (...a: string[]) => void): void {
  if (gr.type !== 'vnc') throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `graphics type '${gr.type}' is not supported`);
  const l = gr.listens[0];
  let target: string;
  if (l?.type === 'socket' || gr.socket) {
    target = `unix:${qemuOptEscape(l?.socket ?? gr.socket ?? '')}`;
  } else {
    if (gr.port === undefined || gr.port < 5900) {
      throw virError(ERR, ErrorNumber.INTERNAL_ERROR, 'vnc port must be allocated before building the command line');
    }
    let addr = l?.address ?? ctx.vncListen ?? '127.0.0.1';
    if (addr.includes(':')) addr = `[${addr}]`;
    target = `${addr}:${gr.port - 5900}`;
  }
  const opts = [target];
  if (gr.websocket !== undefined && gr.websocket > 0) opts.push(`websocket=${gr.websocket}`);
  if (gr.passwd !== undefined) opts.push('password=on');
  add('-vnc', opts.join(','));
  if (gr.keymap) add('-k', gr.keymap);
}

function buildVideo(def: DomainDef, v: DomainDef['devices']['videos'][number], primary: boolean, add: (...a: string[]) => void): void {
  const m = v.model;
  const place = pciProps(def, v);
  switch (m.type) {
    case 'none': return;
    case 'cirrus': add('-device', json({ driver: 'cirrus-vga', id: v.alias, ...place })); return;
    case 'vga': add('-device', json({ driver: 'VGA', id: v.alias, vgamem_mb: m.vram ? Math.floor(m.vram / 1024) : undefined, ...place })); return;
    case 'bochs': add('-device', json({ driver: 'bochs-display', id: v.alias, vgamem: m.vram ? m.vram * 1024 : undefined, ...place })); return;
    case 'virtio': add('-device', json({ driver: primary ? 'virtio-vga' : 'virtio-gpu-pci', id: v.alias, max_outputs: m.heads, ...place })); return;
    case 'qxl':
      add('-device', json({
        driver: primary ? 'qxl-vga' : 'qxl', id: v.alias, ram_size: (m.ram ?? 65536) * 1024, vram_size: (m.vram ?? 65536) * 1024,
        vram64_size_mb: Math.floor((m.vram64 ?? 0) / 1024), vgamem_mb: Math.floor((m.vgamem ?? 16384) / 1024), max_outputs: m.heads ?? 1, ...place,
      }));
      return;
    default: throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `video type '${m.type}' is not supported`);
  }
}

/** libvirt's .args layout: one option (with its value) per line, continued with backslashes. */
export function formatArgvGroups(groups: ArgGroups, env: Record<string, string> = {}): string {
  const q = (a: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const lines = [...Object.entries(env).map(([k, v]) => `${k}=${q(v)}`), ...groups.map((grp) => grp.map(q).join(' '))];
  return lines.join(' \\\n') + '\n';
}
