// Host and guest capabilities document. libvirt counterpart: src/conf/capabilities.c
// (virCapabilitiesFormatXML). Format only: nobody parses capabilities back except tests.
import { XmlWriter } from './xml.js';

export interface CapsPages { size: number; unit?: string }

export interface CapsHostCpu {
  arch: string;
  model?: string;
  vendor?: string;
  microcode?: number;
  signature?: { family: number; model: number; stepping: number };
  counter?: { name: string; frequency: number; scaling: 'yes' | 'no' };
  topology?: { sockets: number; dies: number; cores: number; threads: number };
  maxphysaddr?: { mode: string; bits: number };
  /** <feature name='...'/> elements of a host CPU model */
  features?: string[];
  /** bare flag elements under <features> (<pae/>, <vmx/>, ...) as the test driver prints */
  flagFeatures?: string[];
  pages: CapsPages[];
}

export interface CapsCellCpu { id: number; socketId: number; dieId: number; coreId: number; siblings: string }
export interface CapsCell {
  id: number;
  /** KiB */
  memory: number;
  pages: { size: number; count: number }[];
  distances?: { id: number; value: number }[];
  cpus: CapsCellCpu[];
}

export interface CapsSecModel { model: string; doi: string; baselabels?: { type: string; label: string }[] }

export interface CapsHost {
  uuid?: string;
  cpu: CapsHostCpu;
  /** undefined = no element; [] = <power_management/> */
  powerManagement?: string[];
  iommu?: boolean;
  migration?: { live: boolean; uriTransports: string[] };
  /** undefined = no NUMA topology; [] = an empty one (`<cells num='0'>`), as libvirt prints
   *  for a host whose NUMA information it has but which lists no cells */
  cells?: CapsCell[];
  secmodels: CapsSecModel[];
}

export interface CapsGuestMachine { name: string; canonical?: string; maxCpus?: number; deprecated?: boolean }
export interface CapsGuestDomain { type: string; emulator?: string; machines?: CapsGuestMachine[] }
export interface CapsGuestFeature { name: string; default?: 'on' | 'off'; toggle?: 'yes' | 'no' }

export interface CapsGuest {
  osType: string;
  arch: string;
  wordsize: number;
  emulator?: string;
  loader?: string;
  machines: CapsGuestMachine[];
  domains: CapsGuestDomain[];
  features: CapsGuestFeature[];
}

export interface Capabilities { host: CapsHost; guests: CapsGuest[] }

function formatMachines(w: XmlWriter, machines: CapsGuestMachine[] | undefined): void {
  for (const m of machines ?? []) {
    w.text('machine', m.name, { canonical: m.canonical, maxCpus: m.maxCpus, deprecated: m.deprecated ? 'yes' : undefined });
  }
}

export function formatCapabilitiesXml(caps: Capabilities): string {
  const w = new XmlWriter();
  const h = caps.host;
  // libvirt separates <host> and each <guest> with blank lines
  let out = '<capabilities>\n\n';
  w.open('host');
  if (h.uuid) w.text('uuid', h.uuid);
  const c = h.cpu;
  w.open('cpu');
  w.text('arch', c.arch);
  if (c.flagFeatures?.length) {
    w.open('features');
    for (const f of c.flagFeatures) w.empty(f);
    w.close();
  }
  if (c.model) w.text('model', c.model);
  if (c.vendor) w.text('vendor', c.vendor);
  if (c.microcode !== undefined) w.empty('microcode', { version: c.microcode });
  if (c.signature) w.empty('signature', { family: c.signature.family, model: c.signature.model, stepping: c.signature.stepping });
  if (c.counter) w.empty('counter', { name: c.counter.name, frequency: c.counter.frequency, scaling: c.counter.scaling });
  if (c.topology) w.empty('topology', { sockets: c.topology.sockets, dies: c.topology.dies, cores: c.topology.cores, threads: c.topology.threads });
  if (c.maxphysaddr) w.empty('maxphysaddr', { mode: c.maxphysaddr.mode, bits: c.maxphysaddr.bits });
  for (const f of c.features ?? []) w.empty('feature', { name: f });
  for (const p of c.pages) w.empty('pages', { unit: p.unit ?? 'KiB', size: p.size });
  w.close();
  if (h.powerManagement) {
    if (h.powerManagement.length === 0) w.empty('power_management');
    else { w.open('power_management'); for (const p of h.powerManagement) w.empty(p); w.close(); }
  }
  if (h.iommu !== undefined) w.empty('iommu', { support: h.iommu ? 'yes' : 'no' });
  if (h.migration) {
    w.open('migration_features');
    if (h.migration.live) w.empty('live');
    if (h.migration.uriTransports.length) {
      w.open('uri_transports');
      for (const t of h.migration.uriTransports) w.text('uri_transport', t);
      w.close();
    }
    w.close();
  }
  if (h.cells) {
    w.open('topology');
    w.open('cells', { num: h.cells.length });
    for (const cell of h.cells) {
      w.open('cell', { id: cell.id });
      w.text('memory', cell.memory, { unit: 'KiB' });
      for (const p of cell.pages) w.text('pages', p.count, { unit: 'KiB', size: p.size });
      if (cell.distances?.length) {
        w.open('distances');
        for (const d of cell.distances) w.empty('sibling', { id: d.id, value: d.value });
        w.close();
      }
      w.open('cpus', { num: cell.cpus.length });
      for (const cpu of cell.cpus) {
        w.empty('cpu', { id: cpu.id, socket_id: cpu.socketId, die_id: cpu.dieId, core_id: cpu.coreId, siblings: cpu.siblings });
      }
      w.close();
      w.close();
    }
    w.close();
    w.close();
  }
  for (const s of h.secmodels) {
    w.open('secmodel');
    w.text('model', s.model);
    w.raw(`<doi>${s.doi.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</doi>`); // printed even when empty
    for (const b of s.baselabels ?? []) w.text('baselabel', b.label, { type: b.type });
    w.close();
  }
  w.close();
  out += w.toString().replace(/^/gm, '  ').replace(/ +$/gm, '');

  for (const g of caps.guests) {
    const gw = new XmlWriter();
    gw.open('guest');
    gw.text('os_type', g.osType);
    gw.open('arch', { name: g.arch });
    gw.text('wordsize', g.wordsize);
    if (g.emulator) gw.text('emulator', g.emulator);
    if (g.loader) gw.text('loader', g.loader);
    formatMachines(gw, g.machines);
    for (const d of g.domains) {
      if (!d.emulator && !d.machines?.length) { gw.empty('domain', { type: d.type }); continue; }
      gw.open('domain', { type: d.type });
      if (d.emulator) gw.text('emulator', d.emulator);
      formatMachines(gw, d.machines);
      gw.close();
    }
    gw.close();
    if (g.features.length) {
      gw.open('features');
      for (const f of g.features) gw.empty(f.name, { default: f.default, toggle: f.toggle });
      gw.close();
    }
    gw.close();
    out += '\n' + gw.toString().replace(/^/gm, '  ').replace(/ +$/gm, '');
  }
  return out + '\n</capabilities>\n';
}

/**
 * The capabilities libvirt's test driver reports for test:///default (testBuildCapabilities):
 * an i686 host with 2 NUMA cells of 8 CPUs, and hvm/xen guests of domain type "test".
 */
export function testDriverCapabilities(): Capabilities {
  const cell = (id: number, memory: number, smallPage: number): CapsCell => ({
    id, memory,
    pages: [{ size: smallPage, count: memory / smallPage }, { size: 2048, count: 0 }, { size: 1048576, count: 0 }],
    cpus: Array.from({ length: 8 }, (_, i) => ({ id: id * 8 + i, socketId: id, dieId: 0, coreId: i, siblings: String(id * 8 + i) })),
  });
  const guest = (osType: string): CapsGuest => ({
    osType, arch: 'i686', wordsize: 32, emulator: '/usr/bin/test-hv', machines: [],
    domains: [{ type: 'test' }], features: [{ name: 'pae' }, { name: 'nonpae' }],
  });
  return {
    host: {
      cpu: { arch: 'i686', flagFeatures: ['pae', 'nonpae'], pages: [{ size: 4 }, { size: 8 }, { size: 2048 }, { size: 1048576 }] },
      powerManagement: [],
      iommu: false,
      cells: [cell(0, 2097152, 4), cell(1, 4194304, 8)],
      secmodels: [{ model: 'testSecurity', doi: '' }],
    },
    guests: [guest('hvm'), guest('xen')],
  };
}
