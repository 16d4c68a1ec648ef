// Defaults and cross-device checks applied after parsing (the generic parts of libvirt's
// virDomainDefPostParse and virDomainDefValidate), plus the test driver's own additions kept
// apart in testDriverDomainDefPostParse so only that driver applies them.
import { ErrorNumber, virError } from '../util/error.js';
import type { ChrDef, ControllerDef, DiskDef, DomainDef, DomainDeviceDef, VideoDef } from './domain_def.js';
import { diskBusFromName, diskNameToIndex, type Ctx } from './domain_util.js';
import { generateMac } from './mac.js';
import { clonePlain } from '../util/clone.js';

export function domainDefPostParse(def: DomainDef, ctx: Ctx): void {
  postParseMemory(def, ctx);
  postParseBoot(def, ctx);
  const d = def.devices;

  // disks: bus from the target name, cdroms read-only, drive addresses, libvirt's ordering
  const disks = d.disks;
  d.disks = [];
  // libvirt orders disks as it parses them, by the bus the XML names (none yet for most):
  // the default bus comes after, so it does not regroup them
  for (const disk of disks) {
    if (disk.device === 'lun' && disk.type !== 'block' && disk.type !== 'network' && disk.type !== 'volume') {
      throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED,
        "disk device='lun' is only valid for block type disk source");
    }
    diskInsert(d.disks, disk);
  }
  for (const disk of d.disks) {
    if (!disk.target.bus) disk.target.bus = diskBusFromName(disk.target.dev, def.os.type);
    if (disk.device === 'cdrom') disk.readonly = true;
    if (!disk.address) diskAssignAddress(disk);
  }
  validateDiskTargets(def, ctx);

  for (const net of d.interfaces) if (!net.mac) net.mac = generateMac();

  // chardev ports: each serial/parallel without a port takes the next free number
  assignChrPorts(d.serials);
  assignChrPorts(d.parallels);
  addConsoleCompat(def);

  for (const g of d.graphics) {
    if ((g.type === 'vnc' || g.type === 'spice' || g.type === 'rdp') && g.listens.length === 0) {
      g.listens.push({ type: 'address' });
    }
  }
  // a graphical console implies a video card
  if (d.graphics.length && d.videos.length === 0) d.videos.push({ model: { type: 'default' } });
  for (const v of d.videos) videoDefaults(def, v);
  if (d.videos.length && !d.videos.some((v) => v.model.primary) && d.videos[0]!.model.type !== 'none') {
    d.videos[0]!.model.primary = true;
  }

  addImplicitControllers(def);
}

function postParseMemory(def: DomainDef, ctx: Ctx): void {
  if (def.memory === 0) {
    throw virError(ctx.errDomain, ErrorNumber.XML_ERROR,
      'Memory size must be specified via <memory> or in the <numa> configuration');
  }
  if (def.currentMemory === 0 || def.currentMemory > def.memory) def.currentMemory = def.memory;
  if (def.maxMemory) {
    if (!def.maxMemory.size || !def.maxMemory.slots) {
      throw virError(ctx.errDomain, ErrorNumber.XML_ERROR,
        'both maximum memory size and memory slot count must be specified');
    }
    if (def.maxMemory.size < def.memory) {
      throw virError(ctx.errDomain, ErrorNumber.XML_ERROR,
        'maximum memory size must be equal or greater than the actual memory size');
    }
  }
}

function postParseBoot(def: DomainDef, ctx: Ctx): void {
  const d = def.devices;
  // boot orders of disks, then interfaces, then host devices (the order errors name them in)
  let orders: Set<number> | undefined;
  for (const list of [d.disks, d.interfaces, d.hostdevs] as { bootOrder?: number }[][]) {
    for (const x of list) {
      const o = x.bootOrder;
      if (o === undefined) continue;
      orders ??= new Set<number>();
      if (orders.has(o)) {
        if (def.os.bootDevs.length) break; // reported below, as libvirt checks that first
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `boot order '${o}' used for more than one device`);
      }
      orders.add(o);
    }
  }
  const perDevice = orders !== undefined;
  if (perDevice && def.os.bootDevs.length) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED,
      'per-device boot elements cannot be used together with os/boot elements');
  }
  // hvm guests without any boot order boot from the first disk (even with a <kernel>)
  if (def.os.type === 'hvm' && !perDevice && def.os.bootDevs.length === 0) {
    def.os.bootDevs.push('hd');
  }
}

/** virDomainDiskDefAssignAddress: the drive address implied by the target name. */
export function diskAssignAddress(disk: DiskDef): void {
  const idx = diskNameToIndex(disk.target.dev);
  if (idx < 0) return;
  let controller: number, bus: number, unit: number;
  switch (disk.target.bus) {
    case 'scsi': controller = Math.floor(idx / 7); bus = 0; unit = idx % 7; break;
    case 'fdc': controller = Math.floor(idx / 2); bus = 0; unit = idx % 2; break;
    case 'ide': controller = Math.floor(idx / 4); bus = Math.floor((idx % 4) / 2); unit = idx % 2; break;
    case 'sata': controller = Math.floor(idx / 6); bus = 0; unit = idx % 6; break;
    default: return;
  }
  disk.address = { type: 'drive', attrs: { controller: String(controller), bus: String(bus), target: '0', unit: String(unit) } };
}

/**
 * virDomainDiskInsert: a disk goes before the earliest disk of its bus with a higher target
 * index, else after the last disk of its bus; a disk on a new bus goes to the end.
 */
export function diskInsert(disks: DiskDef[], disk: DiskDef): void {
  const idx = diskNameToIndex(disk.target.dev);
  let insertAt = -1;
  for (let i = disks.length - 1; i >= 0; i--) {
    const cur = disks[i]!;
    if (cur.target.bus !== disk.target.bus) continue;
    // no early stop: an earlier disk of the bus with a higher index still moves the spot up
    if (diskNameToIndex(cur.target.dev) > idx) {
      insertAt = i;
    } else if (insertAt === -1) {
      insertAt = i + 1;
    }
  }
  if (insertAt === -1 || insertAt === disks.length) disks.push(disk); else disks.splice(insertAt, 0, disk);
}

function diskSourceName(d: DiskDef): string {
  const s = d.source;
  if (!s) return '(null)';
  if (s.file !== undefined) return s.file;
  if (s.dev !== undefined) return s.dev;
  if (s.dir !== undefined) return s.dir;
  if (s.name !== undefined) return s.name;
  if (s.volume !== undefined) return s.volume;
  return '(null)';
}

function validateDiskTargets(def: DomainDef, ctx: Ctx): void {
  const disks = def.devices.disks;
  // the usual case, all targets distinct, in one pass; the pairwise search below only runs to
  // name the first duplicate pair in libvirt's order
  if (disks.length < 2) return;
  const seen = new Set<string>();
  for (const d of disks) seen.add(d.target.dev);
  if (seen.size === disks.length) return;
  for (let i = 0; i < disks.length; i++) {
    for (let j = i + 1; j < disks.length; j++) {
      if (disks[i]!.target.dev === disks[j]!.target.dev) {
        const [a, b] = [disks[i]!, disks[j]!];
        throw virError(ctx.errDomain, ErrorNumber.XML_ERROR,
          `target '${a.target.dev}' duplicated for disk sources '${diskSourceName(a)}' and '${diskSourceName(b)}'`);
      }
    }
  }
}

function assignChrPorts(list: ChrDef[]): void {
  for (let i = 0; i < list.length; i++) {
    const chr = list[i]!;
    if (chr.target.port !== undefined) continue;
    let max = -1;
    for (let j = 0; j < i; j++) max = Math.max(max, list[j]!.target.port ?? -1);
    chr.target.port = max + 1;
  }
}

/**
 * virDomainDefAddConsoleCompat: on hvm guests the first console is an alias of the first
 * serial port. A lone console becomes a serial port; a lone serial port gets a console.
 */
function addConsoleCompat(def: DomainDef): void {
  const d = def.devices;
  for (const c of d.consoles) {
    if (c.target.type === undefined) c.target.type = defaultConsoleTarget(def);
  }
  if (def.os.type !== 'hvm') {
    for (let i = 0; i < d.consoles.length; i++) if (d.consoles[i]!.target.port === undefined) d.consoles[i]!.target.port = i;
    return;
  }
  const first = d.consoles[0];
  if (first && first.target.type === 'serial') {
    if (d.serials.length === 0) {
      const serial: ChrDef = { ...cloneChr(first), deviceType: 'serial', target: { port: 0 } };
      d.serials.push(serial);
    }
  }
  if (d.serials.length && (d.consoles.length === 0 || d.consoles[0]!.target.type === 'serial')) {
    d.consoles[0] = consoleAliasOf(d.serials[0]!);
  }
  for (let i = 1; i < d.consoles.length; i++) {
    const c = d.consoles[i]!;
    if (c.target.type === 'serial' && i < d.serials.length) d.consoles[i] = consoleAliasOf(d.serials[i]!);
    else if (c.target.port === undefined) c.target.port = i;
  }
}

function defaultConsoleTarget(def: DomainDef): string {
  switch (def.os.type) {
    case 'hvm': return 'serial';
    case 'xen': case 'xenpvh': return 'xen';
    case 'uml': return 'uml';
    case 'exe': return def.type === 'openvz' ? 'openvz' : 'lxc';
    default: return 'serial';
  }
}

/** The console libvirt shows for a serial port: same source, target type serial, same port. */
export function consoleAliasOf(serial: ChrDef): ChrDef {
  const c = cloneChr(serial);
  c.deviceType = 'console';
  c.target = { type: 'serial', port: serial.target.port ?? 0 };
  delete c.address;
  return c;
}

function cloneChr(c: ChrDef): ChrDef {
  return clonePlain(c);
}

/** virDomainVideoDefaultRAM and friends: fill vram/ram/heads for known models. */
export function videoDefaults(def: DomainDef, v: VideoDef): void {
  const m = v.model;
  if (m.type === 'none' || m.type === 'default') return;
  if (m.vram === undefined) {
    const ram = videoDefaultRam(def, m.type);
    if (ram) m.vram = ram;
  }
  if (m.type === 'qxl' && m.ram === undefined) m.ram = 64 * 1024;
  if (m.heads === undefined) m.heads = 1;
}

function videoDefaultRam(def: DomainDef, type: string): number {
  switch (type) {
    case 'vga': case 'cirrus': case 'vmvga':
      if (def.type === 'vbox') return 8 * 1024;
      if (def.type === 'vmware') return 4 * 1024;
      return 16 * 1024;
    case 'bochs': return 16 * 1024;
    case 'qxl': return 64 * 1024;
    case 'xen': return 4 * 1024;
    case 'vbox': return 8 * 1024;
    default: return 0;
  }
}

/**
 * virDomainControllerInsert: a controller goes before the earliest controller of its type with
 * a higher index, else right after the last one of its type; one without an index yet goes
 * after the last of its type; a new type goes to the end.
 */
export function controllerInsert(list: ControllerDef[], c: ControllerDef): void {
  let insertAt = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    const cur = list[i]!;
    if (cur.type !== c.type) continue;
    if (c.index < 0) { insertAt = i + 1; break; }
    if (cur.index > c.index) insertAt = i;
    else if (insertAt === -1) insertAt = i + 1;
  }
  if (insertAt === -1) list.push(c); else list.splice(insertAt, 0, c);
}

/** virDomainControllerFindUnusedIndex: the lowest index no controller of the type has. */
function unusedControllerIndex(list: readonly ControllerDef[], type: string): number {
  let idx = 0;
  while (list.some((o) => o.type === type && o.index === idx)) idx++;
  return idx;
}

function maybeAddController(def: DomainDef, type: string, index: number): void {
  if (def.devices.controllers.some((c) => c.type === type && c.index === index)) return;
  // implicit controllers are appended (virDomainDefMaybeAddController), not sorted in
  def.devices.controllers.push({ type, index });
}

/** virDomainDefAddImplicitControllers: disk buses and virtio-serial users need a controller. */
function addImplicitControllers(def: DomainDef): void {
  const d = def.devices;
  // controllers given without an index take the lowest free one of their type
  for (const c of d.controllers) if (c.index < 0) c.index = unusedControllerIndex(d.controllers, c.type);
  for (const [ctype, bus] of [['scsi', 'scsi'], ['fdc', 'fdc'], ['ide', 'ide'], ['sata', 'sata']] as const) {
    let max = -1;
    for (const disk of d.disks) {
      if (disk.target.bus !== bus || disk.address?.type !== 'drive') continue;
      max = Math.max(max, Number(disk.address.attrs['controller'] ?? 0));
    }
    for (let i = 0; i <= max; i++) maybeAddController(def, ctype, i);
  }
  const vsUsers = [
    ...d.channels.filter((c) => c.target.type === 'virtio'),
    ...d.consoles.filter((c) => c.target.type === 'virtio'),
  ];
  for (const c of vsUsers) {
    const idx = c.address?.type === 'virtio-serial' ? Number(c.address.attrs['controller'] ?? 0) : 0;
    maybeAddController(def, 'virtio-serial', idx);
  }
}

// ---- the test driver's additions (src/test/test_driver.c), not part of the generic layer ----

/**
 * What libvirt's test driver adds when it accepts a definition: the default architecture
 * from its capabilities (i686), the default video model (cirrus; xen for Xen guests; vga
 * for ppc64) with that model's memory defaults, and host interface names testnetN for
 * interfaces that have none (testDomainGenerateIfnames, done at define/create time).
 */
export function testDriverDomainDefPostParse(def: DomainDef): void {
  if (!def.os.arch) def.os.arch = 'i686';
  for (const v of def.devices.videos) {
    if (v.model.type !== 'default') continue;
    if (def.os.type === 'xen' || def.os.type === 'linux') v.model.type = 'xen';
    else if (def.os.arch.startsWith('ppc64')) v.model.type = 'vga';
    else v.model.type = 'cirrus';
    videoDefaults(def, v);
  }
  testDriverGenerateIfnames(def);
}

/** testDomainGenerateIfnames: the first unused testnetN for each interface without a name. */
export function testDriverGenerateIfnames(def: DomainDef): void {
  const nets = def.devices.interfaces;
  for (const net of nets) {
    if (net.target?.dev) continue;
    for (let n = 0; n < 1024; n++) {
      const name = `testnet${n}`;
      if (!nets.some((x) => x.target?.dev === name)) {
        net.target = { dev: name };
        break;
      }
    }
  }
}

/**
 * Defaults for one device parsed on its own (attach/update-device), the per-device part of
 * what domainDefPostParse does for a whole definition.
 */
export function domainDeviceDefPostParse(dev: DomainDeviceDef, def: DomainDef): void {
  switch (dev.kind) {
    case 'disk': {
      const disk = dev.disk;
      if (!disk.target.bus) disk.target.bus = diskBusFromName(disk.target.dev, def.os.type);
      if (disk.device === 'cdrom') disk.readonly = true;
      if (!disk.address) diskAssignAddress(disk);
      break;
    }
    case 'interface':
      if (!dev.interface.mac) dev.interface.mac = generateMac();
      break;
    case 'graphics': {
      const g = dev.graphics;
      if ((g.type === 'vnc' || g.type === 'spice' || g.type === 'rdp') && g.listens.length === 0) g.listens.push({ type: 'address' });
      break;
    }
    case 'video':
      videoDefaults(def, dev.video);
      break;
    case 'controller':
      if (dev.controller.index < 0) dev.controller.index = unusedControllerIndex(def.devices.controllers, dev.controller.type);
      break;
    default:
      break;
  }
}
