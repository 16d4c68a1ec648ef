// <domain> document -> DomainDef (libvirt's virDomainDefParseXML and the generic parts of
// virDomainDefPostParse / virDomainDefValidate). Driver-specific defaults are NOT applied here;
// see domain_postparse.ts (testDriverDomainDefPostParse) for the test driver's.
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';
import { uuidGenerate, uuidParse } from '../util/uuid.js';
import { child, childrenNamed, parseXml, textOf, type XmlElement } from './xml.js';
import {
  BOOT_DEVS, CLOCK_OFFSETS, CPU_CHECKS, CPU_FALLBACKS, CPU_FEATURE_POLICIES, CPU_MATCHES, CPU_MODES,
  CRASH_ACTIONS, PERF_EVENTS, DOMAIN_VIRT_TYPES, FEATURES, LIFECYCLE_ACTIONS, OS_TYPES, TIMER_NAMES,
  type ClockDef, type CpuDef, type DomainDef, type DomainDevices, type FeatureDef, type OsDef,
} from './domain_def.js';
import { enumAttr, formatCpuset, uintAttr, parseCpuset, parseMemoryKiB, parseUInt, yesNoAttr, type Ctx } from './domain_util.js';
import { parseDeviceElement } from './domain_device.js';
import type { IOThreadIdDef } from './domain_def.js';
import { controllerInsert, domainDefPostParse } from './domain_postparse.js';
import { sanitizeMetadata } from './domain_metadata.js';
import { sysinfoParseAll } from './domain_sysinfo.js';
import { blkiotuneParse } from './domain_tune.js';

export interface ParseOptions {
  /** error domain for libvirt's domain_conf errors and malformed XML (default DOMAIN) */
  errDomain?: number;
}

export function parseDomainXml(xml: string, opts: ParseOptions = {}): DomainDef {
  const errDomain = opts.errDomain ?? ErrorDomain.DOMAIN;
  const root = parseXml(xml, '(domain_definition)', errDomain);
  return domainDefParseNode(root, { errDomain });
}

function text(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c ? textOf(c)! : undefined;
}

export function domainDefParseNode(root: XmlElement, ctx: Ctx): DomainDef {
  if (root.name !== 'domain') {
    throw virError(ctx.errDomain, ErrorNumber.XML_ERROR,
      `unexpected root element <${root.name}>, expecting <domain>`);
  }
  const type = root.attrs['type'];
  if (type === undefined) {
    throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'missing domain type attribute');
  }
  if (!(DOMAIN_VIRT_TYPES as readonly string[]).includes(type)) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `invalid domain type ${type}`);
  }

  // ids
  const name = text(root, 'name')?.trim();
  if (!name) throw virError(ctx.errDomain, ErrorNumber.NO_NAME);
  if (name.includes('/')) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, `name ${name} cannot contain '/'`);
  const uuidText = text(root, 'uuid');
  let uuid: string;
  if (uuidText === undefined) {
    uuid = uuidGenerate();
  } else {
    const u = uuidParse(uuidText);
    if (!u) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'malformed uuid element');
    uuid = u;
  }
  const def: DomainDef = {
    type, name, uuid,
    memory: 0, currentMemory: 0, vcpus: 1,
    os: { type: '', bootDevs: [] },
    features: [],
    clock: { offset: 'utc', timers: [] },
    onPoweroff: 'destroy', onReboot: 'restart', onCrash: 'destroy',
    devices: emptyDevices(),
  };
  const genidEl = child(root, 'genid');
  if (genidEl) {
    const g = textOf(genidEl)!.trim();
    if (g === '') {
      def.genidRequested = true;
      def.genid = uuidGenerate();
    } else {
      const u = uuidParse(g);
      if (!u) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'malformed genid element');
      def.genid = u;
    }
  }
  const title = text(root, 'title');
  if (title !== undefined) {
    if (title.includes('\n')) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, "Domain title can't contain newlines");
    if (title !== '') def.title = title;
  }
  const desc = text(root, 'description');
  if (desc !== undefined && desc !== '') def.description = desc;
  const meta = child(root, 'metadata');
  if (meta) {
    const m = sanitizeMetadata(meta, root);
    if (m) def.metadata = m;
  }

  // <sysinfo>: a system uuid must match <uuid>, or becomes the domain's when <uuid> is absent
  if (child(root, 'sysinfo')) {
    const dom = { uuid: def.uuid, uuidGenerated: uuidText === undefined };
    def.sysinfo = sysinfoParseAll(root, dom, ctx.errDomain);
    def.uuid = dom.uuid;
  }

  // os type first: several defaults below depend on it
  const os = parseOs(root, ctx);
  def.os = os;

  // memory
  const memEl = child(root, 'memory');
  if (memEl) def.memory = parseMemoryKiB(memEl, textOf(memEl)!, './memory[1]');
  const curEl = child(root, 'currentMemory');
  if (curEl) def.currentMemory = parseMemoryKiB(curEl, textOf(curEl)!, './currentMemory[1]');
  const maxEl = child(root, 'maxMemory');
  if (maxEl) {
    const size = parseMemoryKiB(maxEl, textOf(maxEl)!, './maxMemory[1]');
    const slotsAttr = maxEl.attrs['slots'];
    let slots = 0;
    if (slotsAttr !== undefined) {
      const n = parseUInt(slotsAttr);
      if (n === undefined) {
        throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'Failed to parse memory slot count');
      }
      slots = n;
    }
    if (size > 0 || slots > 0) def.maxMemory = { size, slots };
  }
  const blkio = blkiotuneParse(root, ctx.errDomain);
  if (blkio) def.blkiotune = blkio;

  // vcpus
  const vcpuEl = child(root, 'vcpu');
  if (vcpuEl) {
    const t = textOf(vcpuEl)!.trim();
    if (!/^\d+$/.test(t)) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'maximum vcpus count must be an integer');
    def.vcpus = Number(t);
    const cur = vcpuEl.attrs['current'];
    if (cur !== undefined) {
      if (!/^\d+$/.test(cur.trim())) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'current vcpus count must be an integer');
      const c = Number(cur);
      if (c > def.vcpus) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, 'maximum vCPU count must not be less than current vCPU count');
      }
      if (c !== def.vcpus) def.vcpuCurrent = c;
    }
    const placement = enumAttr(vcpuEl, 'placement', ['static', 'auto']);
    const cpuset = vcpuEl.attrs['cpuset'];
    if (placement === 'auto') {
      def.vcpuPlacement = 'auto';
    } else {
      def.vcpuPlacement = 'static';
      if (cpuset !== undefined) {
        const bits = parseCpuset(cpuset);
        if (!bits) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `Failed to parse bitmap '${cpuset}'`);
        if (bits.length === 0) {
          throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, "Invalid value of 'cpuset': " + cpuset);
        }
        def.cpuset = formatCpuset(bits);
      }
    }
  } else {
    def.vcpuPlacement = 'static';
  }
  if (def.vcpus === 0) {
    throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'CPU IDs in <numa> exceed the <vcpu> count');
  }
  const perf = child(root, 'perf');
  if (perf) {
    for (const ev of childrenNamed(perf, 'event')) {
      const name = String(ev.attrs['name'] ?? '');
      if (!(PERF_EVENTS as readonly string[]).includes(name)) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, `Unknown perf event '${name}'`);
      const enabled = yesNoAttr(ev, 'enabled');
      if (enabled === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, `missing state of perf event '${name}'`);
      (def.perf ??= {})[name] = enabled;
    }
  }
  const iothreads = child(root, 'iothreads');
  if (iothreads) {
    const text = textOf(iothreads) ?? '';
    const n = parseUInt(text);
    if (n === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, `invalid iothreads count '${text}'`);
    if (n) def.iothreads = n;
  }
  parseIOThreadIds(root, def, ctx.errDomain);
  const cputune = child(root, 'cputune');
  if (cputune) parseCputune(cputune, def, ctx.errDomain);
  const numaMem = child(child(root, 'numatune') ?? { name: '', attrs: {}, children: [] }, 'memory');
  if (numaMem && numaMem.attrs['placement'] === 'auto') def.numatunePlacement = 'auto';
  else if (numaMem && numaMem.attrs['nodeset'] !== undefined) {
    const ns = String(numaMem.attrs['nodeset']);
    const bits = parseCpuset(ns);
    if (!bits) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `Failed to parse bitmap '${ns}'`);
    def.numatuneMode = String(numaMem.attrs['mode'] ?? 'strict');
    def.numatuneNodeset = formatCpuset(bits);
  }
  if (def.vcpuPlacement === 'auto') def.numatunePlacement = 'auto';

  // features, cpu, clock, lifecycle, pm
  const featEl = child(root, 'features');
  if (featEl) def.features = parseFeatures(featEl, ctx);
  const cpuEl = child(root, 'cpu');
  if (cpuEl) {
    const cpu = parseCpu(cpuEl);
    if (cpu) def.cpu = cpu;
  }
  const clockEl = child(root, 'clock');
  if (clockEl) def.clock = parseClock(clockEl, ctx);
  def.onPoweroff = lifecycle(root, 'on_poweroff', LIFECYCLE_ACTIONS, 'destroy', ctx);
  def.onReboot = lifecycle(root, 'on_reboot', LIFECYCLE_ACTIONS, 'restart', ctx);
  def.onCrash = lifecycle(root, 'on_crash', CRASH_ACTIONS, 'destroy', ctx);
  const pmEl = child(root, 'pm');
  if (pmEl) {
    const pm: NonNullable<DomainDef['pm']> = {};
    const m = child(pmEl, 'suspend-to-mem');
    if (m) pm.suspendToMem = yesNoAttr(m, 'enabled');
    const d = child(pmEl, 'suspend-to-disk');
    if (d) pm.suspendToDisk = yesNoAttr(d, 'enabled');
    if (pm.suspendToMem === undefined) delete pm.suspendToMem;
    if (pm.suspendToDisk === undefined) delete pm.suspendToDisk;
    def.pm = pm;
  }

  // devices
  const devEl = child(root, 'devices');
  if (devEl) parseDevices(devEl, def, ctx);

  domainDefPostParse(def, ctx);
  return def;
}

export function emptyDevices(): DomainDevices {
  return {
    disks: [], controllers: [], interfaces: [], serials: [], parallels: [], consoles: [],
    channels: [], inputs: [], graphics: [], sounds: [], videos: [], hostdevs: [], watchdogs: [],
    rngs: [], panics: [],
  };
}

function lifecycle(root: XmlElement, name: string, values: readonly string[], dflt: string, ctx: Ctx): string {
  const t = text(root, name);
  if (t === undefined) return dflt;
  const v = t.trim();
  if (!values.includes(v)) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown ${name} action: ${v}`);
  }
  return v;
}

function parseOs(root: XmlElement, ctx: Ctx): OsDef {
  const osEl = child(root, 'os');
  const typeEl = osEl ? child(osEl, 'type') : undefined;
  const t = typeEl ? textOf(typeEl)!.trim() : '';
  if (!osEl || !typeEl || t === '') {
    throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'an os <type> must be specified');
  }
  if (!(OS_TYPES as readonly string[]).includes(t)) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown OS type '${t}'`);
  }
  // 'linux' is the historical spelling of a Xen paravirt guest
  const os: OsDef = { type: t === 'linux' ? 'xen' : t, bootDevs: [] };
  if (typeEl.attrs['arch'] !== undefined) os.arch = typeEl.attrs['arch'];
  if (typeEl.attrs['machine'] !== undefined) os.machine = typeEl.attrs['machine'];
  const fw = osEl.attrs['firmware'];
  if (fw !== undefined) {
    if (!['bios', 'efi'].includes(fw)) {
      throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown firmware value ${fw}`);
    }
    os.firmware = fw;
  }
  const loader = child(osEl, 'loader');
  if (loader) {
    const l: NonNullable<OsDef['loader']> = {};
    const p = textOf(loader)!.trim();
    if (p !== '') l.path = p;
    const ro = yesNoAttr(loader, 'readonly');
    if (ro) l.readonly = ro;
    const sec = yesNoAttr(loader, 'secure');
    if (sec) l.secure = sec;
    const lt = enumAttr(loader, 'type', ['rom', 'pflash']);
    if (lt) l.type = lt;
    const st = yesNoAttr(loader, 'stateless');
    if (st) l.stateless = st;
    os.loader = l;
  }
  const nvram = child(osEl, 'nvram');
  if (nvram) {
    const n: NonNullable<OsDef['nvram']> = {};
    const p = textOf(nvram)!.trim();
    if (p !== '') n.path = p;
    if (nvram.attrs['template'] !== undefined) n.template = nvram.attrs['template'];
    os.nvram = n;
  }
  for (const k of ['kernel', 'initrd', 'cmdline', 'dtb', 'init'] as const) {
    const v = text(osEl, k);
    if (v !== undefined && v !== '') os[k] = v;
  }
  const initargs = childrenNamed(osEl, 'initarg').map((e) => textOf(e)!);
  if (initargs.length) os.initargs = initargs;
  for (const b of childrenNamed(osEl, 'boot')) {
    const dev = b.attrs['dev'];
    if (dev === undefined) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'missing boot device');
    if (!(BOOT_DEVS as readonly string[]).includes(dev)) {
      throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `Invalid value for attribute 'dev' in element 'boot': '${dev}'.`);
    }
    if (os.bootDevs.length < 4) os.bootDevs.push(dev);
  }
  const bm = child(osEl, 'bootmenu');
  if (bm) {
    const enable = yesNoAttr(bm, 'enable');
    if (enable) {
      os.bootmenu = { enable };
      const to = bm.attrs['timeout'];
      if (to !== undefined && enable === 'yes') {
        const n = parseUInt(to);
        if (n === undefined || n > 65535) {
          throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'invalid value for boot menu timeout, must be in range [0,65535]');
        }
        os.bootmenu.timeout = String(n);
      }
    }
  }
  const bios = child(osEl, 'bios');
  if (bios) {
    const b: NonNullable<OsDef['bios']> = {};
    const us = yesNoAttr(bios, 'useserial');
    if (us) b.useserial = us;
    if (bios.attrs['rebootTimeout'] !== undefined) b.rebootTimeout = bios.attrs['rebootTimeout'];
    os.bios = b;
  }
  const smbios = child(osEl, 'smbios');
  if (smbios) {
    const mode = enumAttr(smbios, 'mode', ['emulate', 'host', 'sysinfo']);
    if (mode) os.smbios = mode;
  }
  return os;
}

function parseFeatures(el: XmlElement, ctx: Ctx): FeatureDef[] {
  const found = new Map<string, FeatureDef>();
  const kinds = new Map(FEATURES);
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    const kind = kinds.get(c.name);
    if (!kind) throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unexpected feature '${c.name}'`);
    const f: FeatureDef = { name: c.name };
    if (kind === 'tristate' || c.name === 'smm') {
      f.state = enumAttr(c, 'state', ['on', 'off']) ?? 'on';
    }
    if (kind === 'complex') {
      const attrs = { ...c.attrs };
      if (Object.keys(attrs).length) f.attrs = attrs;
    }
    const kids = c.children.filter((k): k is XmlElement => typeof k !== 'string');
    if (kind === 'complex' && kids.length) f.children = kids;
    found.set(c.name, f);
  }
  // canonical order is libvirt's enum order, not document order
  const out: FeatureDef[] = [];
  for (const [name] of FEATURES) {
    const f = found.get(name);
    if (f) out.push(f);
  }
  return out;
}

function parseCpu(el: XmlElement): CpuDef | undefined {
  const cpuErr = (msg: string) => virError(ErrorDomain.CPU, ErrorNumber.CONFIG_UNSUPPORTED, msg);
  const cpu: CpuDef = { features: [] };
  const mode = el.attrs['mode'];
  if (mode !== undefined) {
    if (!(CPU_MODES as readonly string[]).includes(mode)) throw cpuErr(`Invalid mode attribute '${mode}'`);
    cpu.mode = mode;
  }
  const modelEl = child(el, 'model');
  if (cpu.mode === undefined) cpu.mode = 'custom';
  if (cpu.mode === 'custom') {
    const match = el.attrs['match'];
    if (match !== undefined) {
      if (!(CPU_MATCHES as readonly string[]).includes(match)) throw cpuErr(`Invalid match attribute for CPU specification`);
      cpu.match = match;
    } else if (modelEl) {
      cpu.match = 'exact';
    }
  }
  const check = el.attrs['check'];
  if (check !== undefined) {
    if (!(CPU_CHECKS as readonly string[]).includes(check)) throw cpuErr(`Invalid check attribute for CPU specification`);
    cpu.check = check;
  }
  const migratable = el.attrs['migratable'];
  if (migratable !== undefined) {
    if (!['on', 'off'].includes(migratable)) throw cpuErr(`Invalid value in migratable attribute: '${migratable}'`);
    cpu.migratable = migratable;
  }
  if (modelEl) {
    const name = textOf(modelEl)!.trim();
    cpu.model = { name };
    const fb = modelEl.attrs['fallback'];
    if (fb !== undefined) {
      if (!(CPU_FALLBACKS as readonly string[]).includes(fb)) throw cpuErr('Invalid fallback attribute');
      cpu.model.fallback = fb;
    } else if (cpu.mode === 'custom' && name !== '') {
      cpu.model.fallback = 'allow';
    }
    if (modelEl.attrs['vendor_id'] !== undefined) cpu.model.vendorId = modelEl.attrs['vendor_id'];
  }
  const vendor = child(el, 'vendor');
  if (vendor) {
    if (!modelEl) throw cpuErr('CPU vendor specified without CPU model');
    cpu.vendor = textOf(vendor)!.trim();
  }
  const topo = child(el, 'topology');
  if (topo) {
    const n = (k: string, dflt?: number): number => {
      const v = topo.attrs[k];
      if (v === undefined) {
        if (dflt !== undefined) return dflt;
        throw virError(ErrorDomain.CPU, ErrorNumber.XML_ERROR, `Missing '${k}' attribute in CPU topology`);
      }
      const x = parseUInt(v);
      if (x === undefined) throw virError(ErrorDomain.CPU, ErrorNumber.XML_ERROR, `Invalid '${k}' attribute in CPU topology`);
      return x;
    };
    cpu.topology = { sockets: n('sockets'), dies: n('dies', 1), cores: n('cores'), threads: n('threads') };
    if (!cpu.topology.sockets || !cpu.topology.dies || !cpu.topology.cores || !cpu.topology.threads) {
      throw virError(ErrorDomain.CPU, ErrorNumber.XML_ERROR, 'Invalid CPU topology');
    }
  }
  for (const f of childrenNamed(el, 'feature')) {
    const name = f.attrs['name'];
    if (name === undefined) throw virError(ErrorDomain.CPU, ErrorNumber.XML_ERROR, 'Invalid CPU feature name');
    let policy = f.attrs['policy'];
    if (policy !== undefined) {
      if (!(CPU_FEATURE_POLICIES as readonly string[]).includes(policy)) throw cpuErr(`Invalid CPU feature policy`);
    } else if (cpu.mode !== 'host-model' && cpu.mode !== 'host-passthrough' && cpu.mode !== 'maximum') {
      policy = 'require';
    }
    if (cpu.features.some((x) => x.name === name)) {
      throw virError(ErrorDomain.CPU, ErrorNumber.XML_ERROR, `CPU feature '${name}' specified more than once`);
    }
    cpu.features.push(policy === undefined ? { name } : { policy, name });
  }
  return cpu;
}

function parseClock(el: XmlElement, ctx: Ctx): ClockDef {
  const offset = el.attrs['offset'] ?? 'utc';
  if (!(CLOCK_OFFSETS as readonly string[]).includes(offset)) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown clock offset '${offset}'`);
  }
  const clock: ClockDef = { offset, timers: [] };
  const adj = el.attrs['adjustment'];
  if (offset === 'variable') {
    const a = adj ?? '0';
    if (!/^[+-]?\d+$/.test(a)) throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, 'unknown clock adjustment');
    clock.adjustment = String(Number(a));
    const basis = el.attrs['basis'] ?? 'utc';
    if (!['utc', 'localtime'].includes(basis)) {
      throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown clock basis '${basis}'`);
    }
    clock.basis = basis;
  } else if ((offset === 'utc' || offset === 'localtime') && adj !== undefined) {
    if (adj !== 'reset') {
      if (!/^[+-]?\d+$/.test(adj)) throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown clock adjustment '${adj}'`);
      // a numeric adjustment turns utc/localtime into the variable form
      clock.offset = 'variable';
      clock.basis = offset;
      clock.adjustment = String(Number(adj));
    } else {
      clock.adjustment = 'reset';
    }
  } else if (offset === 'timezone') {
    const tz = el.attrs['timezone'];
    if (tz === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'missing timezone for timezone offset');
    clock.timezone = tz;
  } else if (offset === 'absolute') {
    const start = el.attrs['start'];
    if (start === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'missing \'start\' attribute for absolute clock');
    clock.start = start;
  }
  for (const t of childrenNamed(el, 'timer')) {
    const name = t.attrs['name'];
    if (name === undefined) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'missing timer name');
    if (!(TIMER_NAMES as readonly string[]).includes(name)) {
      throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown timer name '${name}'`);
    }
    const timer: ClockDef['timers'][number] = { name };
    const present = t.attrs['present'];
    if (present !== undefined) {
      if (!['yes', 'no'].includes(present)) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown timer present value '${present}'`);
      }
      timer.present = present;
    }
    const tp = t.attrs['tickpolicy'];
    if (tp !== undefined) {
      if (!['delay', 'catchup', 'merge', 'discard'].includes(tp)) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown timer tickpolicy '${tp}'`);
      }
      timer.tickpolicy = tp;
    }
    const track = t.attrs['track'];
    if (track !== undefined) {
      if (!['boot', 'guest', 'wall', 'realtime'].includes(track)) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown timer track '${track}'`);
      }
      timer.track = track;
    }
    if (t.attrs['frequency'] !== undefined) timer.frequency = t.attrs['frequency'];
    const mode = t.attrs['mode'];
    if (mode !== undefined) {
      if (!['auto', 'native', 'emulate', 'paravirt', 'smpsafe'].includes(mode)) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown timer mode '${mode}'`);
      }
      timer.mode = mode;
    }
    clock.timers.push(timer);
  }
  return clock;
}

function parseDevices(el: XmlElement, def: DomainDef, ctx: Ctx): void {
  const d = def.devices;
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    if (c.name === 'emulator') {
      const e = textOf(c)!.trim();
      if (e !== '') d.emulator = e;
      continue;
    }
    const dev = parseDeviceElement(c, def.os.type, ctx);
    if (!dev) continue;
    switch (dev.kind) {
      case 'disk': d.disks.push(dev.disk); break;
      // ordered as libvirt parses them (virDomainControllerInsertPreAlloced)
      case 'controller': controllerInsert(d.controllers, dev.controller); break;
      case 'interface': d.interfaces.push(dev.interface); break;
      case 'serial': d.serials.push(dev.chr); break;
      case 'parallel': d.parallels.push(dev.chr); break;
      case 'console': d.consoles.push(dev.chr); break;
      case 'channel': d.channels.push(dev.chr); break;
      case 'input': d.inputs.push(dev.input); break;
      case 'graphics': d.graphics.push(dev.graphics); break;
      case 'video':
        // the primary video device is always the first one
        if (dev.video.model.primary && d.videos.length) {
          if (d.videos.some((v) => v.model.primary)) {
            throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'Only one primary video device is supported');
          }
          d.videos.unshift(dev.video);
        } else {
          d.videos.push(dev.video);
        }
        break;
      case 'sound': d.sounds.push(dev.sound); break;
      case 'hostdev': d.hostdevs.push(dev.hostdev); break;
      case 'watchdog':
        if (d.watchdogs.length) {
          throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'only a single watchdog device is supported');
        }
        d.watchdogs.push(dev.watchdog);
        break;
      case 'memballoon':
        if (d.memballoon) {
          throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'only a single memory balloon device is supported');
        }
        d.memballoon = dev.memballoon;
        break;
      case 'rng': d.rngs.push(dev.rng); break;
      case 'panic': d.panics.push(dev.panic); break;
    }
  }
}

/** <cputune>: the vcpu and emulator pinnings (other cputune children are not kept) */
function parseCputune(el: XmlElement, def: DomainDef, errDomain: ErrorDomain): void {
  const bitmap = (v: string): string => {
    const bits = parseCpuset(v);
    if (!bits) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `Failed to parse bitmap '${v}'`);
    return formatCpuset(bits);
  };
  const pins = new Map<number, string>();
  for (const p of childrenNamed(el, 'vcpupin')) {
    const vcpu = uintAttr(p, 'vcpu');
    if (vcpu === undefined) throw virError(errDomain, ErrorNumber.XML_ERROR, 'missing vcpu id in vcpupin');
    if (vcpu >= def.vcpus) throw virError(errDomain, ErrorNumber.INVALID_ARG, `Vcpupin for vcpu '${vcpu}' is out of range`);
    if (pins.has(vcpu)) throw virError(errDomain, ErrorNumber.INTERNAL_ERROR, 'duplicate vcpupin for vcpu');
    const cpuset = p.attrs['cpuset'];
    if (cpuset === undefined) throw virError(errDomain, ErrorNumber.INTERNAL_ERROR, 'missing cpuset for vcpupin');
    pins.set(vcpu, bitmap(String(cpuset)));
  }
  if (pins.size) def.vcpupin = [...pins].sort((a, b) => a[0] - b[0]).map(([vcpu, cpuset]) => ({ vcpu, cpuset }));
  const emu = child(el, 'emulatorpin');
  if (emu) {
    const cpuset = emu.attrs['cpuset'];
    if (cpuset === undefined) throw virError(errDomain, ErrorNumber.INTERNAL_ERROR, 'missing cpuset for emulatorpin');
    def.emulatorpin = bitmap(String(cpuset));
  }
  for (const p of childrenNamed(el, 'iothreadpin')) {
    const id = nonZeroUIntAttr(p, 'iothread');
    const t = def.iothreadids?.find((x) => x.id === id);
    if (!t) throw virError(errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `Cannot find 'iothread' : ${id}`);
    if (t.cpuset !== undefined) throw virError(errDomain, ErrorNumber.INTERNAL_ERROR, `duplicate iothreadpin for same iothread '${id}'`);
    const cpuset = p.attrs['cpuset'];
    if (cpuset === undefined) throw virError(errDomain, ErrorNumber.INTERNAL_ERROR, 'missing cpuset for iothreadpin');
    t.cpuset = bitmap(String(cpuset));
  }
}

/** virXMLPropUInt with VIR_XML_PROP_REQUIRED | VIR_XML_PROP_NONZERO */
function nonZeroUIntAttr(el: XmlElement, attr: string): number {
  const v = el.attrs[attr];
  const bad = (why: string) => virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `Invalid value for attribute '${attr}' in element '${el.name}': ${why}`);
  if (v === undefined) throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `Missing required attribute '${attr}' in element '${el.name}'`);
  if (!/^\s*\+?\d+\s*$/.test(v) || Number(v) > 0xffffffff) throw bad(`'${v}'. Expected non-negative integer value`);
  if (Number(v) === 0) throw bad('Zero is not permitted');
  return Number(v);
}

/**
 * <iothreadids> (virDomainDefParseIOThreads): the listed ids first, then the lowest free ids
 * up to the <iothreads> count, marked autofill; the count becomes the number of ids.
 */
function parseIOThreadIds(root: XmlElement, def: DomainDef, errDomain: ErrorDomain): void {
  const ids: IOThreadIdDef[] = [];
  for (const t of childrenNamed(child(root, 'iothreadids') ?? { name: '', attrs: {}, children: [] }, 'iothread')) {
    const id = nonZeroUIntAttr(t, 'id');
    if (ids.some((x) => x.id === id)) throw virError(errDomain, ErrorNumber.XML_ERROR, `duplicate iothread id '${id}' found`);
    ids.push({ id });
  }
  for (let id = 1; ids.length < (def.iothreads ?? 0); id++) {
    if (!ids.some((x) => x.id === id)) ids.push({ id, autofill: true });
  }
  if (ids.length) { def.iothreadids = ids; def.iothreads = ids.length; }
}
