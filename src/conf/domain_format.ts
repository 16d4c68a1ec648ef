// DomainDef -> <domain> document in libvirt's canonical form (virDomainDefFormatInternal):
// element order, KiB units, defaults written out, secrets hidden unless asked for.
import { XmlWriter } from './xml.js';
import { PERF_EVENTS, type CpuDef, type DomainDef, type FeatureDef } from './domain_def.js';
import { formatDevices } from './domain_device_format.js';
import { xmlDumpNode } from './domain_metadata.js';
import { sysinfoFormat } from './domain_sysinfo.js';
import { blkiotuneFormat } from './domain_tune.js';

export interface FormatOptions {
  /** live domain id: written as id='N' on <domain> */
  id?: number;
  /** the persistent (inactive) form, as `dumpxml --inactive` */
  inactive?: boolean;
  /** include secrets such as graphics passwords (`--security-info`) */
  secure?: boolean;
}

const METADATA_MARK = '\u0000metadata\u0000';

export function formatDomainXml(def: DomainDef, opts: FormatOptions = {}): string {
  const f = { inactive: opts.inactive ?? false, secure: opts.secure ?? false };
  const w = new XmlWriter();
  w.open('domain', { type: def.type, id: opts.id !== undefined && opts.id >= 0 ? opts.id : undefined });
  w.text('name', def.name);
  w.text('uuid', def.uuid);
  w.text('genid', def.genid);
  w.text('title', def.title);
  w.text('description', def.description);
  if (def.metadata) w.raw(METADATA_MARK);
  if (def.maxMemory) w.text('maxMemory', def.maxMemory.size, { slots: def.maxMemory.slots, unit: 'KiB' });
  w.text('memory', def.memory, { unit: 'KiB' });
  w.text('currentMemory', def.currentMemory, { unit: 'KiB' });
  blkiotuneFormat(w, def.blkiotune);
  w.text('vcpu', def.vcpus, {
    placement: def.vcpuPlacement ?? 'static',
    cpuset: def.vcpuPlacement === 'auto' ? undefined : def.cpuset,
    current: def.vcpuCurrent !== undefined && def.vcpuCurrent < def.vcpus ? def.vcpuCurrent : undefined,
  });
  const iothreadids = def.iothreadids ?? [];
  if (iothreadids.length) w.text('iothreads', iothreadids.length);
  else if (def.iothreads) w.text('iothreads', def.iothreads);
  // virDomainDefIothreadShouldFormat: the ids only when one of them was not filled in
  if (iothreadids.some((t) => !t.autofill)) {
    w.open('iothreadids');
    for (const t of iothreadids) w.empty('iothread', { id: t.id });
    w.close();
  }
  const iothreadpins = iothreadids.filter((t) => t.cpuset !== undefined);
  if (def.vcpupin?.length || def.emulatorpin !== undefined || iothreadpins.length) {
    w.open('cputune');
    for (const v of def.vcpupin ?? []) w.empty('vcpupin', { vcpu: v.vcpu, cpuset: v.cpuset });
    if (def.emulatorpin !== undefined) w.empty('emulatorpin', { cpuset: def.emulatorpin });
    for (const t of iothreadpins) w.empty('iothreadpin', { iothread: t.id, cpuset: t.cpuset });
    w.close();
  }
  if (def.numatunePlacement === 'auto') {
    w.open('numatune');
    w.empty('memory', { mode: 'strict', placement: 'auto' });
    w.close();
  } else if (def.numatuneNodeset !== undefined) {
    w.open('numatune');
    w.empty('memory', { mode: def.numatuneMode ?? 'strict', nodeset: def.numatuneNodeset });
    w.close();
  }
  // libvirt: ... cputune, numatune, resource, sysinfo, then os
  if (def.sysinfo) for (const s of def.sysinfo) sysinfoFormat(w, s);
  formatOs(w, def);
  formatFeatures(w, def.features);
  if (def.cpu) formatCpu(w, def.cpu);
  const c = def.clock;
  w.wrap('clock', { offset: c.offset, adjustment: c.adjustment, basis: c.basis, timezone: c.timezone, start: c.start }, () => {
    for (const t of c.timers) {
      w.empty('timer', { name: t.name, present: t.present, tickpolicy: t.tickpolicy, track: t.track, frequency: t.frequency, mode: t.mode });
    }
  });
  w.text('on_poweroff', def.onPoweroff);
  w.text('on_reboot', def.onReboot);
  w.text('on_crash', def.onCrash);
  if (def.pm && (def.pm.suspendToMem || def.pm.suspendToDisk)) {
    w.open('pm');
    if (def.pm.suspendToMem) w.empty('suspend-to-mem', { enabled: def.pm.suspendToMem });
    if (def.pm.suspendToDisk) w.empty('suspend-to-disk', { enabled: def.pm.suspendToDisk });
    w.close();
  }
  const perf = def.perf ? PERF_EVENTS.filter((e) => def.perf![e] !== undefined) : [];
  if (perf.length) {
    w.open('perf');
    for (const e of perf) w.empty('event', { name: e, enabled: def.perf![e] });
    w.close();
  }
  formatDevices(w, def, f);
  w.close();
  let out = w.toString();
  if (def.metadata) {
    // libvirt dumps metadata through libxml2 (double quotes, mixed content untouched),
    // so it is spliced in as-is rather than re-indented by the writer
    out = out.replace(`  ${METADATA_MARK}\n`, `  ${xmlDumpNode(def.metadata, 1)}\n`);
  }
  return out;
}

function formatOs(w: XmlWriter, def: DomainDef): void {
  const os = def.os;
  w.open('os', { firmware: os.firmware });
  w.text('type', os.type, { arch: os.arch, machine: os.machine });
  w.text('init', os.init);
  for (const a of os.initargs ?? []) w.text('initarg', a);
  if (os.loader) {
    const l = os.loader;
    const attrs = { readonly: l.readonly, secure: l.secure, type: l.type, stateless: l.stateless };
    if (l.path !== undefined) w.text('loader', l.path, attrs); else w.empty('loader', attrs);
  }
  if (os.nvram) {
    if (os.nvram.path !== undefined) w.text('nvram', os.nvram.path, { template: os.nvram.template });
    else w.empty('nvram', { template: os.nvram.template });
  }
  w.text('kernel', os.kernel);
  w.text('initrd', os.initrd);
  w.text('cmdline', os.cmdline);
  w.text('dtb', os.dtb);
  for (const b of os.bootDevs) w.empty('boot', { dev: b });
  if (os.bootmenu) w.empty('bootmenu', { enable: os.bootmenu.enable, timeout: os.bootmenu.timeout });
  if (os.bios) w.empty('bios', { useserial: os.bios.useserial, rebootTimeout: os.bios.rebootTimeout });
  if (os.smbios) w.empty('smbios', { mode: os.smbios });
  w.close();
}

function formatFeatures(w: XmlWriter, features: FeatureDef[]): void {
  if (!features.length) return;
  w.open('features');
  for (const f of features) {
    const attrs: Record<string, string | undefined> = { ...f.attrs };
    if (f.state !== undefined) attrs['state'] = f.state;
    if (f.children?.length) {
      w.open(f.name, attrs);
      for (const c of f.children) w.element(c);
      w.close();
    } else {
      w.empty(f.name, attrs);
    }
  }
  w.close();
}

function formatCpu(w: XmlWriter, cpu: CpuDef): void {
  const custom = cpu.mode === undefined || cpu.mode === 'custom';
  const attrs = {
    mode: !custom || cpu.model ? cpu.mode ?? 'custom' : undefined,
    match: custom && cpu.model ? cpu.match : undefined,
    check: cpu.check,
    migratable: cpu.migratable,
  };
  w.wrap('cpu', attrs, () => {
    if (cpu.model) w.text('model', cpu.model.name, { fallback: cpu.model.fallback, vendor_id: cpu.model.vendorId });
    w.text('vendor', cpu.vendor);
    const t = cpu.topology;
    if (t) w.empty('topology', { sockets: t.sockets, dies: t.dies, cores: t.cores, threads: t.threads });
    for (const f of cpu.features) w.empty('feature', { policy: f.policy, name: f.name });
  });
}
