// QEMU-specific completion of a parsed definition: defaults the QEMU driver adds (emulator,
// canonical machine, implicit controllers, balloon, input and video models), validation
// against the binary's capabilities, and the device aliases and PCI addresses recorded in the
// live XML. Pure: no I/O. libvirt counterpart: qemu_domain.c (post-parse), qemu_alias.c,
// qemu_domain_address.c.
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { controllerInsert, videoDefaults, type DomainDef, type DomainDeviceDef, type ControllerDef, type DeviceInfo, type DiskDef } from '../../conf/domain.js';
import { diskNameToIndex } from '../../conf/domain_util.js';
import { machineIsQ35, qemuCapsCanonicalMachine, type QemuCaps } from './capabilities.js';

const ERR = ErrorDomain.QEMU;

/** Defaults and checks applied when the QEMU driver accepts a definition (define or create). */
export function qemuDomainDefPostParse(def: DomainDef, caps: QemuCaps): void {
  if (def.type !== 'qemu' && def.type !== 'kvm') {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Emulator '${caps.binary}' does not support virt type '${def.type}'`);
  }
  if (def.os.type !== 'hvm') {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Emulator '${caps.binary}' does not support os type '${def.os.type}'`);
  }
  def.devices.emulator ??= caps.binary;
  def.os.arch ??= caps.arch;
  if (def.os.arch !== caps.arch) {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Emulator '${caps.binary}' does not support arch '${def.os.arch}'`);
  }
  const machine = qemuCapsCanonicalMachine(caps, def.os.machine);
  if (!machine) {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Emulator '${caps.binary}' does not support machine type '${def.os.machine}'`);
  }
  def.os.machine = machine;
  const q35 = machineIsQ35(machine);
  const d = def.devices;

  // The root bus and the built-in disk controllers exist whatever the XML says.
  addController(def, { type: 'pci', index: 0, model: q35 ? 'pcie-root' : 'pci-root' });
  if (q35) addController(def, { type: 'sata', index: 0 });
  else addController(def, { type: 'ide', index: 0 });
  if (!d.controllers.some((c) => c.type === 'usb')) {
    addController(def, { type: 'usb', index: 0, model: q35 ? 'qemu-xhci' : 'piix3-uhci' });
  }
  for (const c of d.controllers) {
    if (c.type === 'usb' && !c.model) c.model = q35 ? 'qemu-xhci' : 'piix3-uhci';
    if (c.type === 'scsi' && !c.model) c.model = 'lsilogic';
    if (c.type === 'usb' && c.model === 'qemu-xhci' && c.ports === undefined) c.ports = 15;
  }
  if (!d.memballoon) d.memballoon = { model: 'virtio' };
  if (d.graphics.length) {
    // PS/2 mouse and keyboard are part of the PC machine; libvirt shows them.
    if (!d.inputs.some((i) => i.type === 'mouse' && i.bus === 'ps2')) d.inputs.push({ type: 'mouse', bus: 'ps2' });
    if (!d.inputs.some((i) => i.type === 'keyboard' && i.bus === 'ps2')) d.inputs.push({ type: 'keyboard', bus: 'ps2' });
  }
  for (const v of d.videos) {
    if (v.model.type === 'default') { v.model.type = 'cirrus'; videoDefaults(def, v); }
  }
  for (const s of d.serials) {
    s.target.type ??= 'isa-serial';
    s.target.model ??= 'isa-serial';
  }
  for (const n of d.interfaces) n.model ??= 'rtl8139';
  for (const disk of d.disks) qemuDiskPostParse(disk, q35);
}

function qemuDiskPostParse(disk: DiskDef, q35: boolean): void {
  // type='volume' is resolved to a file or device through the storage driver at start (volume.ts).
  if (disk.type !== 'file' && disk.type !== 'block' && disk.type !== 'volume') {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `unsupported disk type '${disk.type}'`);
  }
  if (!['virtio', 'ide', 'sata', 'scsi'].includes(disk.target.bus)) {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `disk bus '${disk.target.bus}' is not supported by this QEMU driver`);
  }
  if (disk.target.bus === 'ide' && q35) {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `IDE controllers are unsupported for this QEMU binary or machine type`);
  }
  if (disk.readonly && disk.device === 'disk' && (disk.target.bus === 'ide' || disk.target.bus === 'sata')) {
    // QEMU's ide-hd cannot be read-only (libvirt refuses the same way).
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `readonly ${disk.target.bus} disks are not supported`);
  }
  disk.driver ??= {};
  disk.driver.name ??= 'qemu';
  // A volume's format comes from the pool (probed) when the XML names none.
  if (disk.type !== 'volume') disk.driver.type ??= 'raw';
}

/** The QEMU defaults for one device given to attach/update-device (what post-parse does for a whole definition). */
export function qemuDeviceDefPostParse(dev: DomainDeviceDef, def: DomainDef): void {
  const q35 = machineIsQ35(def.os.machine ?? '');
  if (dev.kind === 'disk') qemuDiskPostParse(dev.disk, q35);
  else if (dev.kind === 'interface') dev.interface.model ??= 'rtl8139';
  else if (dev.kind === 'controller') {
    const c = dev.controller;
    if (c.type === 'scsi' && !c.model) c.model = 'lsilogic';
    if (c.type === 'usb' && !c.model) c.model = q35 ? 'qemu-xhci' : 'piix3-uhci';
  } else if (dev.kind === 'serial') {
    dev.chr.target.type ??= 'isa-serial';
    dev.chr.target.model ??= 'isa-serial';
  }
}

function addController(def: DomainDef, c: ControllerDef): void {
  if (def.devices.controllers.some((x) => x.type === c.type && x.index === c.index)) return;
  controllerInsert(def.devices.controllers, c);
}

/** libvirt's alias for a disk: virtio-disk0, ide0-0-1, sata0-0-2, scsi0-0-0-1. */
export function diskAlias(disk: DiskDef): string {
  const a = disk.address?.attrs ?? {};
  switch (disk.target.bus) {
    case 'virtio': return `virtio-disk${diskNameToIndex(disk.target.dev)}`;
    case 'ide': return `ide${a['controller'] ?? 0}-${a['bus'] ?? 0}-${a['unit'] ?? 0}`;
    case 'sata': return `sata${a['controller'] ?? 0}-${a['bus'] ?? 0}-${a['unit'] ?? 0}`;
    case 'scsi': return `scsi${a['controller'] ?? 0}-${a['bus'] ?? 0}-${a['target'] ?? 0}-${a['unit'] ?? 0}`;
    default: return `${disk.target.bus}-disk${diskNameToIndex(disk.target.dev)}`;
  }
}

function controllerAlias(c: ControllerDef, q35: boolean): string {
  if (c.type === 'pci') return c.model === 'pcie-root' ? 'pcie.0' : `pci.${c.index}`;
  if (c.type === 'ide') return 'ide';
  if (c.type === 'sata' && q35 && c.index === 0) return 'ide';
  if (c.type === 'usb' && c.index === 0) return 'usb';
  return `${c.type}${c.index}`;
}

/** Assign libvirt-style aliases to every device (done for each start; they live in the live XML). */
export function qemuAssignAliases(def: DomainDef): void {
  const d = def.devices;
  const q35 = machineIsQ35(def.os.machine ?? '');
  // a user alias (ua-*) is kept, as libvirt does: detach-device-alias can then name it in either definition
  for (const disk of d.disks) if (!disk.alias?.startsWith('ua-')) disk.alias = diskAlias(disk);
  for (const c of d.controllers) c.alias = controllerAlias(c, q35);
  d.interfaces.forEach((n, i) => { n.alias = `net${i}`; });
  d.serials.forEach((s, i) => { s.alias = `serial${i}`; });
  d.parallels.forEach((s, i) => { s.alias = `parallel${i}`; });
  d.channels.forEach((s, i) => { s.alias = `channel${i}`; });
  d.consoles.forEach((c, i) => {
    c.alias = c.target.type === 'serial' && d.serials[i] ? d.serials[i]!.alias : `console${i}`;
  });
  d.inputs.forEach((x, i) => { x.alias = `input${i}`; });
  d.videos.forEach((v, i) => { v.alias = `video${i}`; });
  d.sounds.forEach((s, i) => { s.alias = `sound${i}`; });
  d.watchdogs.forEach((w, i) => { w.alias = `watchdog${i}`; });
  d.rngs.forEach((r, i) => { r.alias = `rng${i}`; });
  d.hostdevs.forEach((h, i) => { h.alias = `hostdev${i}`; });
  if (d.memballoon && d.memballoon.model !== 'none') d.memballoon.alias = 'balloon0';
}

interface PciAddr { bus: number; slot: number; fn: number }

export function pciAddress(bus: number, slot: number, fn = 0, multifunction = false): DeviceInfo['address'] {
  const attrs: Record<string, string> = {
    domain: '0x0000', bus: `0x${bus.toString(16).padStart(2, '0')}`, slot: `0x${slot.toString(16).padStart(2, '0')}`,
    function: `0x${fn.toString(16)}`,
  };
  if (multifunction) attrs['multifunction'] = 'on';
  return { type: 'pci', attrs };
}

export function parsePciAddress(info: DeviceInfo): PciAddr | null {
  const a = info.address;
  if (!a || a.type !== 'pci') return null;
  return { bus: Number(a.attrs['bus'] ?? 0), slot: Number(a.attrs['slot'] ?? 0), fn: Number(a.attrs['function'] ?? 0) };
}

/** The PCI devices in libvirt's assignment order (video first, then nets, controllers, disks, ...). */
function pciDevices(def: DomainDef): { info: DeviceInfo; pcie: boolean }[] {
  const d = def.devices;
  const out: { info: DeviceInfo; pcie: boolean }[] = [];
  for (const n of d.interfaces) out.push({ info: n, pcie: n.model === 'virtio' });
  for (const c of d.controllers) {
    if (c.type === 'usb' && c.model !== 'none') out.push({ info: c, pcie: c.model === 'qemu-xhci' });
    if (c.type === 'scsi') out.push({ info: c, pcie: c.model === 'virtio-scsi' });
    if (c.type === 'virtio-serial') out.push({ info: c, pcie: true });
    if (c.type === 'sata' && (c.index > 0 || !machineIsQ35(def.os.machine ?? ''))) out.push({ info: c, pcie: false });
  }
  for (const disk of d.disks) if (disk.target.bus === 'virtio') out.push({ info: disk, pcie: true });
  for (const w of d.watchdogs) if (w.model === 'i6300esb') out.push({ info: w, pcie: false });
  if (d.memballoon && d.memballoon.model !== 'none') out.push({ info: d.memballoon, pcie: true });
  for (const r of d.rngs) out.push({ info: r, pcie: true });
  for (const v of d.videos.slice(1)) if (v.model.type !== 'none') out.push({ info: v, pcie: false });
  return out;
}

/**
 * Give every PCI device without an address one, as libvirt does at define/start: on i440fx
 * the primary video takes slot 2 and the rest fill slots 3..31 of bus 0 (the PIIX3 USB
 * controller sits at 1.2); on q35 the video takes pcie.0 slot 1 and every PCIe endpoint gets
 * its own pcie-root-port (added as controllers pci.1, pci.2, ... at pcie.0 slot 2+, 8 functions
 * per slot), conventional PCI devices go on pcie.0 directly.
 */
export function qemuAssignPciAddresses(def: DomainDef): void {
  const d = def.devices;
  const q35 = machineIsQ35(def.os.machine ?? '');
  const used = new Set<string>();
  const key = (a: PciAddr) => `${a.bus}:${a.slot}:${a.fn}`;
  const all: DeviceInfo[] = [...d.disks, ...d.controllers, ...d.interfaces, ...d.videos, ...d.watchdogs, ...d.rngs,
    ...d.sounds, ...d.hostdevs, ...(d.memballoon ? [d.memballoon] : [])];
  for (const info of all) {
    const a = parsePciAddress(info);
    if (a) used.add(key(a));
  }
  // Fixed functions of the chipset.
  used.add(key({ bus: 0, slot: 0, fn: 0 }));
  if (!q35) for (let fn = 0; fn < 4; fn++) used.add(key({ bus: 0, slot: 1, fn }));
  else for (let fn = 0; fn < 8; fn++) used.add(key({ bus: 0, slot: 0x1f, fn }));

  const freeSlot = (bus: number, from: number): number => {
    for (let s = from; s < 32; s++) if (!used.has(key({ bus, slot: s, fn: 0 }))) return s;
    throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `No more available PCI slots`);
  };
  const take = (info: DeviceInfo, bus: number, slot: number, fn = 0, mf = false) => {
    info.address = pciAddress(bus, slot, fn, mf);
    used.add(key({ bus, slot, fn }));
  };

  const usb = d.controllers.find((c) => c.type === 'usb' && c.index === 0 && c.model === 'piix3-uhci');
  if (usb && !usb.address && !q35) take(usb, 0, 1, 2);
  const video = d.videos[0];
  if (video && video.model.type !== 'none' && !video.address) {
    const slot = q35 ? 1 : 2;
    take(video, 0, used.has(key({ bus: 0, slot, fn: 0 })) ? freeSlot(0, 2) : slot);
  }

  // q35 root ports: existing ones keep their numbers; new ones are appended.
  let nextPortSlot = 2;
  let nextPortFn = 0;
  const rootPortFor = (): number => {
    const index = Math.max(0, ...d.controllers.filter((c) => c.type === 'pci').map((c) => c.index)) + 1;
    while (used.has(key({ bus: 0, slot: nextPortSlot, fn: 0 })) && nextPortFn === 0) nextPortSlot++;
    const port: ControllerDef = { type: 'pci', index, model: 'pcie-root-port', alias: `pci.${index}`,
      target: { chassis: String(index), port: `0x${(0x10 + index - 1).toString(16)}` } };
    take(port, 0, nextPortSlot, nextPortFn, nextPortFn === 0);
    if (++nextPortFn === 8) { nextPortFn = 0; nextPortSlot++; }
    controllerInsert(d.controllers, port);
    return index;
  };

  for (const { info, pcie } of pciDevices(def)) {
    if (info === usb || info.address) continue;
    if (q35 && pcie) take(info, rootPortFor(), 0);
    else take(info, 0, freeSlot(0, q35 ? 1 : 3));
  }
  // Single-function root-port slots must not claim multifunction.
  if (q35) {
    const ports = d.controllers.filter((c) => c.model === 'pcie-root-port');
    for (const p of ports) {
      const a = parsePciAddress(p);
      if (!a || a.fn !== 0) continue;
      const siblings = ports.filter((o) => { const b = parsePciAddress(o); return b && b.slot === a.slot && b.bus === a.bus; });
      if (siblings.length === 1) delete p.address!.attrs['multifunction'];
    }
  }
}

/** Everything the live definition gains at start: aliases and addresses. */
export function qemuDomainPrepareLive(def: DomainDef): void {
  qemuAssignPciAddresses(def);
  qemuAssignAliases(def);
}

/** Every device that may sit on a PCI bus (for finding free slots). */
function pciInfos(def: DomainDef): DeviceInfo[] {
  const d = def.devices;
  return [...d.disks, ...d.controllers, ...d.interfaces, ...d.videos, ...d.watchdogs, ...d.rngs, ...d.sounds, ...d.hostdevs,
    ...(d.memballoon ? [d.memballoon] : [])];
}

/**
 * A PCI address for a device hot-plugged into a running guest. The root bus of i440fx takes
 * hotplug in any free slot; q35's pcie.0 does not, so there the device needs an empty
 * pcie-root-port (ports cannot be added to a running q35 guest).
 */
export function qemuHotplugPciAddress(def: DomainDef): DeviceInfo['address'] {
  const used = new Set<string>();
  for (const info of pciInfos(def)) {
    const a = parsePciAddress(info);
    if (a) used.add(`${a.bus}:${a.slot}`);
  }
  if (!machineIsQ35(def.os.machine ?? '')) {
    for (let slot = 3; slot < 32; slot++) if (!used.has(`0:${slot}`)) return pciAddress(0, slot);
  } else {
    const ports = def.devices.controllers.filter((c) => c.type === 'pci' && c.model === 'pcie-root-port').sort((a, b) => a.index - b.index);
    for (const p of ports) if (!used.has(`${p.index}:0`)) return pciAddress(p.index, 0);
  }
  throw virError(ERR, ErrorNumber.INTERNAL_ERROR, 'No more available PCI slots');
}
