// Device attach / detach / update for the QEMU driver: the persistent definition (CONFIG) and
// the running guest over QMP (LIVE), with libvirt's flag rules and errors.
// Live: disks (blockdev-add + device_add; device_del, DEVICE_DELETED, blockdev-del), cdrom
// media (tray + blockdev-insert-medium), NICs (netdev_add + device_add), NIC link state and
// the VNC password. libvirt counterpart: qemu_hotplug.c and the *DeviceConfig parts of qemu_driver.c.
import * as fs from 'node:fs';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { DomainDeviceModifyFlags, DomainEventID } from '../../api/constants.js';
import {
  cloneDomainDef, controllerInsert, diskInsert, parseDomainDeviceXml,
  type DiskDef, type DomainDef, type DomainDeviceDef, type InterfaceDef,
} from '../../conf/domain.js';
import { diskBlockdevProps, diskDeviceProps, interfaceDeviceProps, interfaceNetdevProps } from './command.js';
import { qemuDiskTranslateVolume } from './volume.js';
import { diskAlias, qemuDeviceDefPostParse, qemuHotplugPciAddress } from './domain.js';
import type { DomainObj, LiveDomain } from './domain_obj.js';
import { qemuInterfacePrepare, qemuInterfaceRelease } from './net.js';
import { writeStatus } from './process.js';
import type { QemuDriverState } from './state.js';

const ERR = ErrorDomain.QEMU;
const { LIVE, CONFIG } = DomainDeviceModifyFlags;

/** virDomainObjUpdateModificationImpact: CURRENT means live when running, else config. */
export function modificationImpact(obj: DomainObj, flags: number): { live: boolean; config: boolean } {
  let f = flags;
  if ((f & (LIVE | CONFIG)) === 0) f |= obj.active ? LIVE : CONFIG;
  if ((f & LIVE) && !obj.active) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
  if ((f & CONFIG) && !obj.persistent) {
    throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'transient domains do not have any persistent config');
  }
  return { live: !!(f & LIVE), config: !!(f & CONFIG) };
}

/** The definition the next start uses. */
export function persistentDef(obj: DomainObj): DomainDef { return obj.newDef ?? obj.def; }

/** Replace the persistent definition after a successful CONFIG change. */
export function setPersistentDef(obj: DomainObj, def: DomainDef): void {
  if (obj.active) { if (obj.newDef) obj.newDef = def; else obj.def = def; } else obj.def = def;
}

/** libvirt's virDomainDeviceType name of a parsed device (used in its messages). */
function deviceTypeName(dev: DomainDeviceDef): string {
  return ['serial', 'parallel', 'console', 'channel'].includes(dev.kind) ? 'chr' : dev.kind;
}

function parseDevice(xml: string, def: DomainDef): DomainDeviceDef {
  const dev = parseDomainDeviceXml(xml, def);
  qemuDeviceDefPostParse(dev, def);
  if (dev.kind === 'interface' && !/<mac\b/.test(xml)) macGenerated.add(dev.interface);
  return dev;
}

// ---------------------------------------------------------------- config

/** Interfaces parsed without <mac> got a generated one: they are matched by the rest (virDomainNetFindIdx). */
const macGenerated = new WeakSet<InterfaceDef>();

function findNet(def: DomainDef, net: InterfaceDef): number {
  const pci = net.address?.type === 'pci' ? JSON.stringify(net.address.attrs) : null;
  const hits = def.devices.interfaces.map((n, i) => [n, i] as const).filter(([n]) =>
    (macGenerated.has(net) || n.mac.toLowerCase() === net.mac.toLowerCase()) &&
    (!pci || (n.address?.type === 'pci' && JSON.stringify(n.address.attrs) === pci)) &&
    (!net.alias || n.alias === net.alias));
  if (macGenerated.has(net)) {
    if (hits.length === 0) throw virError(ERR, ErrorNumber.DEVICE_MISSING, 'no device found');
    if (hits.length > 1) throw virError(ERR, ErrorNumber.OPERATION_FAILED, 'multiple matching devices found');
  }
  if (hits.length === 0) throw virError(ERR, ErrorNumber.DEVICE_MISSING, `no device matching MAC address ${net.mac} found`);
  if (hits.length > 1) throw virError(ERR, ErrorNumber.OPERATION_FAILED, `multiple devices matching MAC address ${net.mac} found`);
  return hits[0]![1];
}

/** The list a simple device kind lives in, for config attach/detach. */
function simpleList(def: DomainDef, dev: DomainDeviceDef): { list: unknown[]; item: unknown } | null {
  const d = def.devices;
  switch (dev.kind) {
    case 'rng': return { list: d.rngs, item: dev.rng };
    case 'input': return { list: d.inputs, item: dev.input };
    case 'sound': return { list: d.sounds, item: dev.sound };
    case 'hostdev': return { list: d.hostdevs, item: dev.hostdev };
    case 'watchdog': return { list: d.watchdogs, item: dev.watchdog };
    case 'serial': return { list: d.serials, item: dev.chr };
    case 'parallel': return { list: d.parallels, item: dev.chr };
    case 'channel': return { list: d.channels, item: dev.chr };
    case 'console': return { list: d.consoles, item: dev.chr };
    default: return null;
  }
}

/** Compare two parsed devices the way a detach matches them: ignoring alias and address. */
function sameDevice(a: unknown, b: unknown): boolean {
  const strip = (x: unknown) => JSON.stringify(x, (k, v: unknown) => (k === 'alias' || k === 'address' ? undefined : v));
  return strip(a) === strip(b);
}

function attachConfig(def: DomainDef, dev: DomainDeviceDef): void {
  switch (dev.kind) {
    case 'disk':
      if (def.devices.disks.some((d) => d.target.dev === dev.disk.target.dev)) {
        throw virError(ERR, ErrorNumber.OPERATION_INVALID, `target ${dev.disk.target.dev} already exists`);
      }
      diskInsert(def.devices.disks, dev.disk);
      return;
    case 'interface':
      def.devices.interfaces.push(dev.interface);
      return;
    case 'controller':
      if (def.devices.controllers.some((c) => c.type === dev.controller.type && c.index === dev.controller.index)) {
        throw virError(ERR, ErrorNumber.OPERATION_INVALID, `controller index='${dev.controller.index}' already exists`);
      }
      controllerInsert(def.devices.controllers, dev.controller);
      return;
    case 'watchdog':
      if (def.devices.watchdogs.length) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'domain already has a watchdog');
      def.devices.watchdogs.push(dev.watchdog);
      return;
    default: {
      const s = simpleList(def, dev);
      if (!s) throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `persistent attach of device '${deviceTypeName(dev)}' is not supported`);
      s.list.push(s.item);
    }
  }
}

function detachConfig(def: DomainDef, dev: DomainDeviceDef): void {
  switch (dev.kind) {
    case 'disk': {
      const i = def.devices.disks.findIndex((d) => d.target.dev === dev.disk.target.dev);
      if (i < 0) throw virError(ERR, ErrorNumber.DEVICE_MISSING, `no target device ${dev.disk.target.dev}`);
      def.devices.disks.splice(i, 1);
      return;
    }
    case 'interface':
      def.devices.interfaces.splice(findNet(def, dev.interface), 1);
      return;
    case 'controller': {
      const i = def.devices.controllers.findIndex((c) => c.type === dev.controller.type && c.index === dev.controller.index);
      if (i < 0) throw virError(ERR, ErrorNumber.DEVICE_MISSING, 'device not present in domain configuration');
      def.devices.controllers.splice(i, 1);
      return;
    }
    default: {
      const s = simpleList(def, dev);
      if (!s) throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `persistent detach of device '${deviceTypeName(dev)}' is not supported`);
      const i = s.list.findIndex((x) => sameDevice(x, s.item));
      if (i < 0) throw virError(ERR, ErrorNumber.DEVICE_MISSING, 'device not present in domain configuration');
      s.list.splice(i, 1);
    }
  }
}

function updateConfig(def: DomainDef, dev: DomainDeviceDef): void {
  switch (dev.kind) {
    case 'disk': {
      const i = def.devices.disks.findIndex((d) => d.target.dev === dev.disk.target.dev);
      if (i < 0) throw virError(ERR, ErrorNumber.INVALID_ARG, `target ${dev.disk.target.dev} doesn't exist.`);
      const old = def.devices.disks[i]!;
      def.devices.disks[i] = { ...dev.disk, address: dev.disk.address ?? old.address };
      return;
    }
    case 'interface': {
      const i = findNet(def, dev.interface);
      const old = def.devices.interfaces[i]!;
      def.devices.interfaces[i] = { ...dev.interface, address: dev.interface.address ?? old.address };
      return;
    }
    case 'graphics': {
      const i = def.devices.graphics.findIndex((g) => g.type === dev.graphics.type);
      if (i < 0) throw virError(ERR, ErrorNumber.OPERATION_INVALID, `cannot find existing graphics device to modify of type '${dev.graphics.type}'`);
      def.devices.graphics[i] = dev.graphics;
      return;
    }
    default:
      throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `persistent update of device '${deviceTypeName(dev)}' is not supported`);
  }
}

// ---------------------------------------------------------------- live

function liveOf(obj: DomainObj): LiveDomain {
  const live = obj.live;
  if (!live?.monitor) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
  return live;
}

function checkSource(disk: DiskDef): void {
  const p = disk.source?.file ?? disk.source?.dev;
  if (!p) return;
  try { fs.accessSync(p, fs.constants.R_OK); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : (e as Error).message;
    throw virError(ERR, ErrorNumber.SYSTEM_ERROR, `Cannot access storage file '${p}': ${why}`);
  }
}

function newNodeNames(live: LiveDomain): { storage: string; format: string } {
  const n = live.nodeIndex++;
  return { storage: `libvirt-${n}-storage`, format: `libvirt-${n}-format` };
}

/** blockdev-add the nodes of a disk's media; on failure nothing is left behind. */
async function addDiskNodes(live: LiveDomain, disk: DiskDef): Promise<{ storage: string; format: string } | null> {
  const names = newNodeNames(live);
  const props = diskBlockdevProps(disk, names);
  if (!props) return null;
  const mon = live.monitor!;
  await mon.execute('blockdev-add', props[0]);
  try {
    await mon.execute('blockdev-add', props[1]);
  } catch (e) {
    await mon.execute('blockdev-del', { 'node-name': names.storage }).catch(() => undefined);
    throw e;
  }
  return names;
}

async function delDiskNodes(live: LiveDomain, names: { storage: string; format: string } | undefined): Promise<void> {
  if (!names || !live.monitor || live.monitor.closed) return;
  for (const n of [names.format, names.storage]) {
    await live.monitor.execute('blockdev-del', { 'node-name': n }).catch((e: Error) => {
      // A node that never existed (empty drive) is fine; anything else is worth a warning.
      if (!/not found|find node/i.test(e.message)) process.emitWarning(`blockdev-del ${n}: ${e.message}`);
    });
  }
}

async function attachDiskLive(drv: QemuDriverState, obj: DomainObj, live: LiveDomain, disk: DiskDef): Promise<void> {
  const def = live.def;
  // A storage volume becomes its file before anything looks at the source.
  await qemuDiskTranslateVolume(disk, drv.config.volumeHooks);
  const existing = def.devices.disks.find((d) => d.target.dev === disk.target.dev);
  if (disk.device === 'cdrom' || disk.device === 'floppy') {
    // attach-device overloads media change for removable drives that exist (as libvirt does).
    if (existing && existing.device === disk.device) return changeMedia(drv, obj, live, existing, disk);
    throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `cdrom/floppy device hotplug isn't supported`);
  }
  if (existing) throw virError(ERR, ErrorNumber.OPERATION_FAILED, `target ${disk.target.dev} already exists`);
  if (disk.target.bus === 'scsi') {
    const ctrl = Number(disk.address?.attrs['controller'] ?? 0);
    if (!def.devices.controllers.some((c) => c.type === 'scsi' && c.index === ctrl)) {
      throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `SCSI controller ${ctrl} is missing: hot-plugging a controller with the disk is not supported`);
    }
  } else if (disk.target.bus !== 'virtio') {
    throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `disk bus '${disk.target.bus}' cannot be hotplugged.`);
  }
  if (!disk.source?.file && !disk.source?.dev) throw virError(ERR, ErrorNumber.NO_SOURCE, disk.target.dev);
  checkSource(disk);
  if (disk.target.bus === 'virtio' && disk.address?.type !== 'pci') disk.address = qemuHotplugPciAddress(def);
  disk.alias = diskAlias(disk);
  const mon = live.monitor!;
  const names = await addDiskNodes(live, disk);
  try {
    await mon.execute('device_add', diskDeviceProps(def, disk, names?.format));
  } catch (e) {
    await delDiskNodes(live, names ?? undefined);
    throw e;
  }
  if (names) live.diskNodes[disk.alias] = names;
  diskInsert(def.devices.disks, disk);
  writeStatus(drv, obj);
  drv.emit(obj, DomainEventID.DEVICE_ADDED, { devAlias: disk.alias });
}

/**
 * Open the tray and take the medium out. A guest that polls its drive may shut the tray again
 * between the two commands (Linux's cdrom autoclose), so the pair is retried a few times.
 */
async function openTrayAndRemove(live: LiveDomain, id: string): Promise<void> {
  const mon = live.monitor!;
  for (let attempt = 0; ; attempt++) {
    await mon.execute('blockdev-open-tray', { id, force: true });
    try {
      await mon.execute('blockdev-remove-medium', { id });
      return;
    } catch (e) {
      if (attempt >= 10 || !/is not open/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** qemuDomainChangeEjectableMedia: open the tray, swap the medium, close it. */
async function changeMedia(drv: QemuDriverState, obj: DomainObj, live: LiveDomain, orig: DiskDef, disk: DiskDef): Promise<void> {
  checkSource(disk);
  const mon = live.monitor!;
  const id = orig.alias!;
  const oldNodes = live.diskNodes[id];
  await openTrayAndRemove(live, id);
  const src = disk.source?.file ?? disk.source?.dev;
  const next: DiskDef = { ...orig, type: disk.type, source: src ? disk.source : undefined, driver: { ...orig.driver, type: disk.driver?.type ?? 'raw' } };
  let names: { storage: string; format: string } | null = null;
  if (src) {
    names = await addDiskNodes(live, next);
    // the guest may have shut the empty tray meanwhile (cdrom autoclose): open it again and retry
    for (let attempt = 0; ; attempt++) {
      try {
        await mon.execute('blockdev-insert-medium', { id, 'node-name': names!.format });
        break;
      } catch (e) {
        if (attempt >= 10 || !/is not open/.test((e as Error).message)) throw e;
        await mon.execute('blockdev-open-tray', { id, force: true });
      }
    }
    await mon.execute('blockdev-close-tray', { id });
  }
  await delDiskNodes(live, oldNodes);
  if (names) live.diskNodes[id] = names; else delete live.diskNodes[id];
  orig.type = next.type;
  orig.source = next.source;
  orig.driver = next.driver;
  if (!src) delete orig.source;
  writeStatus(drv, obj);
}

async function attachNetLive(drv: QemuDriverState, obj: DomainObj, live: LiveDomain, net: InterfaceDef): Promise<void> {
  const def = live.def;
  // libvirt's qemuAssignDeviceNetAlias: one past the highest netN in use.
  const max = Math.max(-1, ...def.devices.interfaces.map((n) => Number(/^net(\d+)$/.exec(n.alias ?? '')?.[1] ?? -1)));
  net.alias = `net${max + 1}`;
  if (net.address?.type !== 'pci') net.address = qemuHotplugPciAddress(def);
  const mon = live.monitor!;
  const tap = await qemuInterfacePrepare(net, obj.name, drv.config.tapHooks, drv.config.netns);
  try {
    if (tap) net.target = { ...net.target, dev: tap.tap };
    await mon.execute('netdev_add', interfaceNetdevProps(net, {}));
    try {
      await mon.execute('device_add', interfaceDeviceProps(def, net));
    } catch (e) {
      await mon.execute('netdev_del', { id: `host${net.alias}` }).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    if (tap) await qemuInterfaceRelease(tap, drv.config.tapHooks, drv.config.netns);
    throw e;
  }
  if (tap) live.taps[net.alias] = tap;
  def.devices.interfaces.push(net);
  writeStatus(drv, obj);
  drv.emit(obj, DomainEventID.DEVICE_ADDED, { devAlias: net.alias });
}

async function attachLive(drv: QemuDriverState, obj: DomainObj, dev: DomainDeviceDef): Promise<void> {
  const live = liveOf(obj);
  if (dev.kind === 'disk') return attachDiskLive(drv, obj, live, dev.disk);
  if (dev.kind === 'interface') return attachNetLive(drv, obj, live, dev.interface);
  throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `live attach of device '${deviceTypeName(dev)}' is not supported`);
}

/**
 * Ask QEMU to unplug `alias` and wait (up to unplugTimeoutMs) for the guest to let go. As in
 * libvirt, a guest that is slow to answer is not an error: the device leaves the live XML when
 * DEVICE_DELETED arrives.
 */
async function unplug(drv: QemuDriverState, live: LiveDomain, alias: string): Promise<void> {
  const gone = new Promise<void>((resolve) => live.unplugWaiters.set(alias, resolve));
  try {
    await live.monitor!.execute('device_del', { id: alias });
  } catch (e) {
    live.unplugWaiters.delete(alias);
    throw e;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([gone, new Promise<void>((r) => { timer = setTimeout(r, drv.config.unplugTimeoutMs); })]);
  clearTimeout(timer);
}

async function detachLive(drv: QemuDriverState, obj: DomainObj, dev: DomainDeviceDef): Promise<void> {
  const live = liveOf(obj);
  const d = live.def.devices;
  if (dev.kind === 'disk') {
    const disk = d.disks.find((x) => x.target.dev === dev.disk.target.dev);
    if (!disk) throw virError(ERR, ErrorNumber.DEVICE_MISSING, `disk ${dev.disk.target.dev} not found`);
    if (disk.device === 'cdrom' || disk.device === 'floppy') {
      throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `disk device type '${disk.device}' cannot be detached`);
    }
    if (disk.target.bus !== 'virtio' && disk.target.bus !== 'scsi') {
      throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, 'This type of disk cannot be hot unplugged');
    }
    return unplug(drv, live, disk.alias!);
  }
  if (dev.kind === 'interface') {
    const net = d.interfaces[findNet(live.def, dev.interface)]!;
    return unplug(drv, live, net.alias!);
  }
  throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `live detach of device '${deviceTypeName(dev)}' is not supported`);
}

/**
 * qemuDomainRemoveDevice: QEMU said DEVICE_DELETED; release what backed the device, drop it
 * from the live definition and tell the clients (VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED).
 */
export async function qemuDomainRemoveDevice(drv: QemuDriverState, obj: DomainObj, live: LiveDomain, alias: string): Promise<void> {
  const d = live.def.devices;
  let known = false;
  const di = d.disks.findIndex((x) => x.alias === alias);
  if (di >= 0) {
    known = true;
    d.disks.splice(di, 1);
    await delDiskNodes(live, live.diskNodes[alias]);
    delete live.diskNodes[alias];
  }
  const ni = d.interfaces.findIndex((x) => x.alias === alias);
  if (ni >= 0) {
    known = true;
    d.interfaces.splice(ni, 1);
    await live.monitor?.execute('netdev_del', { id: `host${alias}` }).catch(() => undefined);
    const tap = live.taps[alias];
    delete live.taps[alias];
    if (tap) await qemuInterfaceRelease(tap, drv.config.tapHooks, drv.config.netns);
  }
  const waiter = live.unplugWaiters.get(alias);
  live.unplugWaiters.delete(alias);
  if (known) {
    writeStatus(drv, obj);
    drv.emit(obj, DomainEventID.DEVICE_REMOVED, { devAlias: alias });
  }
  waiter?.();
}

async function updateLive(drv: QemuDriverState, obj: DomainObj, dev: DomainDeviceDef): Promise<void> {
  const live = liveOf(obj);
  const d = live.def.devices;
  switch (dev.kind) {
    case 'disk': {
      const orig = d.disks.find((x) => x.target.dev === dev.disk.target.dev);
      if (!orig) {
        throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `No disk with bus '${dev.disk.target.bus}' and target '${dev.disk.target.dev}'`);
      }
      const same = (orig.source?.file ?? orig.source?.dev) === (dev.disk.source?.file ?? dev.disk.source?.dev);
      if (same) return;
      if (orig.device !== 'cdrom' && orig.device !== 'floppy') {
        throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, 'disk source can be changed only in removable drives');
      }
      return changeMedia(drv, obj, live, orig, dev.disk);
    }
    case 'interface': {
      const orig = d.interfaces[findNet(live.def, dev.interface)]!;
      const want = dev.interface.linkState ?? 'up';
      const strip = (n: InterfaceDef) => ({ ...n, alias: undefined, address: undefined, linkState: undefined, target: undefined });
      if (JSON.stringify(strip(orig)) !== JSON.stringify(strip({ ...dev.interface, model: dev.interface.model ?? orig.model }))) {
        throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, 'cannot modify network device configuration other than its link state');
      }
      if ((orig.linkState ?? 'up') === want) return;
      await live.monitor!.execute('set_link', { name: orig.alias, up: want === 'up' });
      if (want === 'up') delete orig.linkState; else orig.linkState = want;
      writeStatus(drv, obj);
      return;
    }
    case 'graphics': {
      const g = d.graphics.find((x) => x.type === dev.graphics.type);
      if (!g) throw virError(ERR, ErrorNumber.OPERATION_INVALID, `cannot find existing graphics device to modify of type '${dev.graphics.type}'`);
      if (g.type !== 'vnc') throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `live update of graphics type '${g.type}' is not supported`);
      if (dev.graphics.passwd !== g.passwd || dev.graphics.passwdValidTo !== g.passwdValidTo) {
        await qemuVncSetPassword(live, dev.graphics.passwd, dev.graphics.passwdValidTo);
        g.passwd = dev.graphics.passwd;
        g.passwdValidTo = dev.graphics.passwdValidTo;
        writeStatus(drv, obj);
      }
      return;
    }
    default:
      throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `live update of device '${deviceTypeName(dev)}' is not supported`);
  }
}

/** qemuDomainChangeGraphicsPasswords: set_password, then the expiry ("never" without validTo). */
export async function qemuVncSetPassword(live: LiveDomain, passwd: string | undefined, validTo: string | undefined): Promise<void> {
  const mon = live.monitor!;
  await mon.execute('set_password', { protocol: 'vnc', password: passwd ?? '' });
  let expire = 'never';
  if (validTo) {
    const t = Date.parse(validTo.endsWith('Z') ? validTo : `${validTo}Z`);
    if (!Number.isNaN(t)) expire = String(Math.floor(t / 1000));
  } else if (passwd === undefined) {
    expire = 'now'; // no password: nobody may log in (libvirt's behaviour for an empty password is the same)
  }
  await mon.execute('expire_password', { protocol: 'vnc', time: expire });
}

// ---------------------------------------------------------------- entry points

type Op = 'attach' | 'detach' | 'update';

/** qemuDomainAttachDeviceFlags / DetachDeviceFlags / UpdateDeviceFlags once the job is held. */
export async function qemuDomainModifyDevice(drv: QemuDriverState, obj: DomainObj, xml: string, flags: number, op: Op,
  saveConfig: (def: DomainDef) => void): Promise<void> {
  const impact = modificationImpact(obj, flags);
  let newConf: DomainDef | null = null;
  if (impact.config) {
    newConf = cloneDomainDef(persistentDef(obj));
    const dev = parseDevice(xml, newConf);
    if (op === 'attach') attachConfig(newConf, dev);
    else if (op === 'detach') detachConfig(newConf, dev);
    else updateConfig(newConf, dev);
  }
  if (impact.live) {
    const live = liveOf(obj);
    const dev = parseDevice(xml, live.def);
    if (op === 'attach') await attachLive(drv, obj, dev);
    else if (op === 'detach') await detachLive(drv, obj, dev);
    else await updateLive(drv, obj, dev);
  }
  if (newConf) {
    saveConfig(newConf);
    setPersistentDef(obj, newConf);
  }
}

/**
 * qemuDomainDetachDeviceAlias: the device with this alias leaves the persistent definition
 * and/or the running guest. Live, as libvirt's asynchronous detach, only the request is made
 * (device_del): QEMU's DEVICE_DELETED later drops the device and emits DEVICE_REMOVED.
 */
export async function qemuDomainDetachDeviceAlias(drv: QemuDriverState, obj: DomainObj, alias: string, flags: number,
  saveConfig: (def: DomainDef) => void): Promise<void> {
  const impact = modificationImpact(obj, flags);
  const missing = () => virError(ErrorDomain.DOMAIN, ErrorNumber.DEVICE_MISSING, `no device found with alias ${alias}`);
  let newConf: DomainDef | null = null;
  if (impact.config) {
    newConf = cloneDomainDef(persistentDef(obj));
    const dev = deviceByAlias(newConf, alias);
    if (!dev) throw missing();
    detachConfig(newConf, dev);
  }
  if (impact.live) {
    const live = liveOf(obj);
    const dev = deviceByAlias(live.def, alias);
    if (!dev) throw missing();
    if (dev.kind === 'disk') {
      const disk = dev.disk;
      if (disk.device === 'cdrom' || disk.device === 'floppy') {
        throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `disk device type '${disk.device}' cannot be detached`);
      }
      if (disk.target.bus !== 'virtio' && disk.target.bus !== 'scsi') {
        throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, 'This type of disk cannot be hot unplugged');
      }
    } else if (dev.kind !== 'interface') {
      throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `live detach of device '${deviceTypeName(dev)}' is not supported`);
    }
    await live.monitor!.execute('device_del', { id: alias });
  }
  if (newConf) {
    saveConfig(newConf);
    setPersistentDef(obj, newConf);
  }
}

/** The disk or interface carrying `alias` (the devices tsvirt hot-unplugs). */
function deviceByAlias(def: DomainDef, alias: string): DomainDeviceDef | null {
  const disk = def.devices.disks.find((d) => d.alias === alias);
  if (disk) return { kind: 'disk', disk };
  const net = def.devices.interfaces.find((n) => n.alias === alias);
  if (net) return { kind: 'interface', interface: net };
  return null;
}
