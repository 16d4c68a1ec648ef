// Typed domain definition (libvirt's virDomainDef) and the enumerations the XML accepts.
// Parsing lives in domain_parse.ts / domain_device.ts, formatting in domain_format.ts.
import type { XmlElement } from './xml.js';
import type { SysinfoDef } from './domain_sysinfo.js';
import type { Bandwidth, BlkioTune, IoTune } from './domain_tune.js';

/** A device address; `attrs` keeps the type-specific fields (pci: domain/bus/slot/function...). */
export interface DeviceAddress {
  type: string;
  attrs: Record<string, string>;
}

/** Fields every device may carry (libvirt's virDomainDeviceInfo). */
export interface DeviceInfo {
  alias?: string;
  address?: DeviceAddress;
  bootOrder?: number;
}

export interface DiskHost { name?: string; port?: string; transport?: string; socket?: string }

export interface DiskDef extends DeviceInfo {
  type: string; // file | block | network | volume | dir
  device: string; // disk | cdrom | floppy | lun
  model?: string;
  snapshot?: string;
  driver?: { name?: string; type?: string; cache?: string; io?: string; discard?: string;
    errorPolicy?: string; rerrorPolicy?: string; detectZeroes?: string; copyOnRead?: string;
    iothread?: string; queues?: string };
  source?: {
    file?: string; dev?: string; dir?: string;
    protocol?: string; name?: string; hosts?: DiskHost[];
    pool?: string; volume?: string; mode?: string;
    startupPolicy?: string;
  };
  target: { dev: string; bus: string; tray?: string; removable?: string };
  readonly: boolean;
  shareable: boolean;
  transient: boolean;
  serial?: string;
  wwn?: string;
  vendor?: string;
  product?: string;
  /** kept as the legacy name too: */
  boot?: number;
  /** <iotune> block throttling (domain_tune.ts) */
  iotune?: IoTune;
}

export interface ControllerDef extends DeviceInfo {
  type: string;
  index: number;
  model?: string;
  ports?: number;
  vectors?: number;
  driver?: Record<string, string>;
  target?: Record<string, string>;
}

export interface InterfaceDef extends DeviceInfo {
  type: string; // network | bridge | user | ethernet | direct | ...
  mac: string;
  source?: { network?: string; portgroup?: string; bridge?: string; dev?: string; mode?: string };
  target?: { dev: string; managed?: string };
  model?: string;
  driver?: Record<string, string>;
  linkState?: string;
  mtu?: number;
  boot?: number;
  /** <bandwidth> inbound/outbound rates (domain_tune.ts) */
  bandwidth?: Bandwidth;
}

export interface ChrSource {
  path?: string;
  append?: string;
  mode?: string; // bind | connect
  host?: string;
  service?: string;
  /** udp has a second (bind) source */
  bindHost?: string;
  bindService?: string;
  tls?: string;
}

export interface ChrDef extends DeviceInfo {
  /** serial | parallel | console | channel */
  deviceType: string;
  type: string; // pty | file | unix | tcp | udp | dev | pipe | null | vc | stdio | spicevmc ...
  source: ChrSource;
  protocol?: string; // tcp: raw | telnet | telnets | tls
  target: { type?: string; port?: number; name?: string; address?: string; guestPort?: string; model?: string };
}

export interface InputDef extends DeviceInfo { type: string; bus: string; model?: string }

export interface GraphicsListen { type: string; address?: string; network?: string; socket?: string }

export interface GraphicsDef {
  type: string; // vnc | spice | sdl | rdp | desktop | egl-headless | dbus
  port?: number;
  tlsPort?: number;
  autoport?: boolean;
  websocket?: number;
  socket?: string;
  keymap?: string;
  passwd?: string;
  passwdValidTo?: string;
  sharePolicy?: string;
  defaultMode?: string;
  listens: GraphicsListen[];
  /** sdl/desktop display, fullscreen etc. */
  extraAttrs?: Record<string, string>;
}

export interface VideoDef extends DeviceInfo {
  model: { type: string; ram?: number; vram?: number; vram64?: number; vgamem?: number;
    heads?: number; primary?: boolean };
  /** accel and resolution children are kept verbatim */
  extra?: XmlElement[];
}

export interface SoundDef extends DeviceInfo { model: string; codecs: string[] }

export interface RngDef extends DeviceInfo {
  model: string;
  backend: { model: string; path?: string; type?: string; source?: ChrSource; protocol?: string };
  rate?: { bytes: string; period?: string };
}

export interface MemballoonDef extends DeviceInfo {
  model: string;
  autodeflate?: string;
  freePageReporting?: string;
  statsPeriod?: number;
}

export interface WatchdogDef extends DeviceInfo { model: string; action: string }

export interface HostdevDef extends DeviceInfo {
  mode: string;
  type: string;
  managed?: string;
  /** pci: domain/bus/slot/function; usb: vendor/product or bus/device (kept as attribute maps) */
  source: { address?: Record<string, string>; vendor?: string; product?: string };
}

export interface PanicDef extends DeviceInfo { model?: string }

export interface DomainDevices {
  emulator?: string;
  disks: DiskDef[];
  controllers: ControllerDef[];
  interfaces: InterfaceDef[];
  serials: ChrDef[];
  parallels: ChrDef[];
  consoles: ChrDef[];
  channels: ChrDef[];
  inputs: InputDef[];
  graphics: GraphicsDef[];
  sounds: SoundDef[];
  videos: VideoDef[];
  hostdevs: HostdevDef[];
  watchdogs: WatchdogDef[];
  memballoon?: MemballoonDef;
  rngs: RngDef[];
  panics: PanicDef[];
}

export interface CpuDef {
  mode?: string; // custom | host-model | host-passthrough | maximum
  match?: string;
  check?: string;
  migratable?: string;
  model?: { name: string; fallback?: string; vendorId?: string };
  vendor?: string;
  topology?: { sockets: number; dies: number; cores: number; threads: number };
  features: { policy?: string; name: string }[];
}

export interface TimerDef {
  name: string;
  present?: string;
  tickpolicy?: string;
  track?: string;
  frequency?: string;
  mode?: string;
}

export interface ClockDef {
  offset: string; // utc | localtime | timezone | variable | absolute
  adjustment?: string;
  basis?: string;
  timezone?: string;
  start?: string;
  timers: TimerDef[];
}

export interface OsDef {
  type: string;
  arch?: string;
  machine?: string;
  firmware?: string;
  loader?: { path?: string; readonly?: string; secure?: string; type?: string; stateless?: string };
  nvram?: { path?: string; template?: string };
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  dtb?: string;
  init?: string;
  initargs?: string[];
  bootDevs: string[];
  bootmenu?: { enable: string; timeout?: string };
  bios?: { useserial?: string; rebootTimeout?: string };
  smbios?: string;
}

/** One entry of <features>; simple flags have neither state nor attrs. */
export interface FeatureDef {
  name: string;
  state?: string;
  attrs?: Record<string, string>;
  /** hyperv / kvm / xen / capabilities / msrs / tcg sub-elements kept as parsed */
  children?: XmlElement[];
}

/** One <iothreadids><iothread id>, see DomainDef.iothreadids */
export interface IOThreadIdDef { id: number; autofill?: boolean; cpuset?: string }

export interface DomainDef {
  type: string;
  id?: number;
  name: string;
  uuid: string;
  genid?: string;
  /** <genid/> without a value asks libvirt to generate one */
  genidRequested?: boolean;
  title?: string;
  description?: string;
  /** kept verbatim; children are the application elements */
  metadata?: XmlElement;
  maxMemory?: { size: number; slots: number };
  memory: number; // KiB
  currentMemory: number; // KiB
  vcpus: number; // maximum
  vcpuCurrent?: number;
  vcpuPlacement?: string;
  cpuset?: string;
  /** <perf><event name enabled>: the events set either way, by name ('yes' or 'no') */
  perf?: Record<string, string>;
  /** <iothreads>: the count of IOThreads (ids 1..n) */
  iothreads?: number;
  /**
   * Every IOThread, in definition order, when there are any (iothreads is then their count).
   * `autofill` ones came from the <iothreads> count alone: <iothreadids> is formatted only when
   * one is not. cpuset: its <cputune><iothreadpin> (as virBitmapFormat prints it).
   */
  iothreadids?: IOThreadIdDef[];
  /** <cputune><vcpupin vcpu cpuset> by vcpu number (cpuset as virBitmapFormat prints it) */
  vcpupin?: { vcpu: number; cpuset: string }[];
  /** <cputune><emulatorpin cpuset> */
  emulatorpin?: string;
  numatunePlacement?: string;
  /** <numatune><memory mode nodeset> with static placement (nodeset as virBitmapFormat prints it) */
  numatuneMode?: string;
  numatuneNodeset?: string;
  /** <blkiotune> weight and per-device limits (domain_tune.ts) */
  blkiotune?: BlkioTune;
  /** <sysinfo> blocks in document order (smbios and fwcfg; see domain_sysinfo.ts) */
  sysinfo?: SysinfoDef[];
  cpu?: CpuDef;
  os: OsDef;
  features: FeatureDef[];
  clock: ClockDef;
  onPoweroff: string;
  onReboot: string;
  onCrash: string;
  pm?: { suspendToMem?: string; suspendToDisk?: string };
  devices: DomainDevices;
}

/** A device parsed on its own (attach/detach/update-device). */
export type DomainDeviceDef =
  | { kind: 'disk'; disk: DiskDef }
  | { kind: 'controller'; controller: ControllerDef }
  | { kind: 'interface'; interface: InterfaceDef }
  | { kind: 'serial' | 'parallel' | 'console' | 'channel'; chr: ChrDef }
  | { kind: 'input'; input: InputDef }
  | { kind: 'graphics'; graphics: GraphicsDef }
  | { kind: 'video'; video: VideoDef }
  | { kind: 'sound'; sound: SoundDef }
  | { kind: 'hostdev'; hostdev: HostdevDef }
  | { kind: 'watchdog'; watchdog: WatchdogDef }
  | { kind: 'memballoon'; memballoon: MemballoonDef }
  | { kind: 'rng'; rng: RngDef }
  | { kind: 'panic'; panic: PanicDef };

// ---- enumerations accepted by the parser (libvirt 9.0 spellings) ----

export const DOMAIN_VIRT_TYPES = ['none', 'qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz',
  'test', 'vmware', 'hyperv', 'vbox', 'phyp', 'parallels', 'bhyve', 'vz', 'ch'] as const;
export const OS_TYPES = ['hvm', 'xen', 'linux', 'exe', 'uml', 'xenpvh'] as const;
export const LIFECYCLE_ACTIONS = ['destroy', 'restart', 'rename-restart', 'preserve'] as const;
export const CRASH_ACTIONS = ['destroy', 'restart', 'rename-restart', 'preserve',
  'coredump-destroy', 'coredump-restart'] as const;
export const BOOT_DEVS = ['fd', 'cdrom', 'hd', 'network'] as const;
export const DISK_TYPES = ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser', 'vhostvdpa'] as const;
export const DISK_DEVICES = ['disk', 'cdrom', 'floppy', 'lun'] as const;
export const DISK_BUSES = ['ide', 'fdc', 'scsi', 'virtio', 'xen', 'usb', 'uml', 'sata', 'sd'] as const;
export const DISK_CACHES = ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe'] as const;
export const DISK_IO = ['default', 'native', 'threads', 'io_uring'] as const;
export const DISK_DISCARD = ['default', 'unmap', 'ignore'] as const;
export const DISK_PROTOCOLS = ['nbd', 'rbd', 'sheepdog', 'gluster', 'iscsi', 'http', 'https',
  'ftp', 'ftps', 'tftp', 'ssh', 'vxhs', 'nfs'] as const;
export const CONTROLLER_TYPES = ['ide', 'fdc', 'scsi', 'sata', 'virtio-serial', 'ccid', 'usb',
  'pci', 'xenbus', 'isa'] as const;
export const NET_TYPES = ['user', 'ethernet', 'vhostuser', 'server', 'client', 'mcast', 'network',
  'bridge', 'internal', 'direct', 'hostdev', 'udp', 'vdpa', 'null', 'vds'] as const;
export const CHR_TYPES = ['null', 'vc', 'pty', 'dev', 'file', 'pipe', 'stdio', 'udp', 'tcp', 'unix',
  'spicevmc', 'spiceport', 'nmdm', 'qemu-vdagent', 'dbus'] as const;
export const INPUT_TYPES = ['mouse', 'tablet', 'keyboard', 'passthrough', 'evdev'] as const;
export const INPUT_BUSES = ['ps2', 'usb', 'xen', 'parallels', 'virtio', 'none'] as const;
export const GRAPHICS_TYPES = ['sdl', 'vnc', 'rdp', 'desktop', 'spice', 'egl-headless', 'dbus'] as const;
export const VIDEO_TYPES = ['default', 'vga', 'cirrus', 'vmvga', 'xen', 'vbox', 'qxl', 'parallels',
  'virtio', 'gop', 'none', 'bochs', 'ramfb'] as const;
export const SOUND_MODELS = ['sb16', 'es1370', 'pcspk', 'ac97', 'ich6', 'ich9', 'usb', 'ich7'] as const;
export const WATCHDOG_MODELS = ['i6300esb', 'ib700', 'diag288', 'itco'] as const;
export const WATCHDOG_ACTIONS = ['reset', 'shutdown', 'poweroff', 'pause', 'dump', 'none', 'inject-nmi'] as const;
export const MEMBALLOON_MODELS = ['virtio', 'xen', 'none', 'virtio-transitional', 'virtio-non-transitional'] as const;
export const RNG_MODELS = ['virtio', 'virtio-transitional', 'virtio-non-transitional'] as const;
export const RNG_BACKENDS = ['random', 'egd', 'builtin'] as const;
export const PANIC_MODELS = ['isa', 'pseries', 'hyperv', 's390', 'pvpanic'] as const;
export const CLOCK_OFFSETS = ['utc', 'localtime', 'variable', 'timezone', 'absolute'] as const;
export const TIMER_NAMES = ['platform', 'pit', 'rtc', 'hpet', 'tsc', 'kvmclock', 'hypervclock', 'armvtimer'] as const;
export const CPU_MODES = ['custom', 'host-model', 'host-passthrough', 'maximum'] as const;
export const CPU_MATCHES = ['minimum', 'exact', 'strict'] as const;
export const CPU_CHECKS = ['none', 'partial', 'full'] as const;
export const CPU_FALLBACKS = ['allow', 'forbid'] as const;
export const CPU_FEATURE_POLICIES = ['force', 'require', 'optional', 'disable', 'forbid'] as const;

/**
 * <features> children in libvirt's canonical (enum) order. The value says how a feature
 * is written: 'flag' = bare element, 'tristate' = state='on|off', 'complex' = has sub-elements
 * or its own attributes (kept as parsed).
 */
export const FEATURES: ReadonlyArray<[string, 'flag' | 'tristate' | 'complex']> = [
  ['acpi', 'flag'], ['apic', 'complex'], ['pae', 'flag'], ['hap', 'tristate'],
  ['viridian', 'flag'], ['privnet', 'flag'], ['hyperv', 'complex'], ['kvm', 'complex'],
  ['pvspinlock', 'tristate'], ['capabilities', 'complex'], ['pmu', 'tristate'],
  ['vmport', 'tristate'], ['gic', 'complex'], ['smm', 'complex'], ['ioapic', 'complex'],
  ['hpt', 'complex'], ['vmcoreinfo', 'tristate'], ['htm', 'tristate'], ['nested-hv', 'tristate'],
  ['msrs', 'complex'], ['ccf-assist', 'tristate'], ['xen', 'complex'], ['cfpc', 'complex'],
  ['sbbc', 'complex'], ['ibs', 'complex'], ['tcg', 'complex'], ['async-teardown', 'complex'],
];

/** virPerfEvent names, in libvirt's enum order (the order <perf> and the perf params list them) */
export const PERF_EVENTS = ['cmt', 'mbmt', 'mbml', 'cpu_cycles', 'instructions', 'cache_references', 'cache_misses',
  'branch_instructions', 'branch_misses', 'bus_cycles', 'stalled_cycles_frontend', 'stalled_cycles_backend',
  'ref_cpu_cycles', 'cpu_clock', 'task_clock', 'page_faults', 'context_switches', 'cpu_migrations',
  'page_faults_min', 'page_faults_maj', 'alignment_faults', 'emulation_faults'] as const;
