// Tuning parts of the domain XML: <blkiotune> (weight and per-device limits), an interface's
// <bandwidth> (inbound/outbound rates) and a disk's <iotune> (block throttling). libvirt
// counterparts: virDomainBlkiotuneParse/virDomainDefFormatBlkiotune (domain_conf.c),
// virNetDevBandwidthParse/Format (netdev_bandwidth_conf.c), virDomainDiskDefIotuneParse and
// virDomainDiskDefFormatIotune. Parsing and formatting here; the drivers change the values.
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';
import { child, childrenNamed, textOf, type XmlElement, type XmlWriter } from './xml.js';

/** An unsigned long long: a number while exact, a bigint beyond 2^53 (so values round-trip). */
export type ULong = number | bigint;

/** strtoull-style decimal as libvirt's virStrToLong_*p: leading blanks, optional '+', no sign '-'. */
export function parseULong(s: string, max: bigint = 0xffffffffffffffffn): ULong | undefined {
  const m = /^[ \t\n\v\f\r]*\+?(\d+)$/.exec(s);
  if (!m) return undefined;
  const v = BigInt(m[1]!);
  if (v > max) return undefined;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
export const UINT_MAX = 0xffffffffn;

// ---- <blkiotune> ----

export interface BlkioDevice { path: string; weight: number; riops: number; wiops: number; rbps: ULong; wbps: ULong }
export interface BlkioTune { weight: number; devices: BlkioDevice[] }

/** The per-device fields in libvirt's order, with their typed-parameter and element names. */
export const BLKIO_DEVICE_FIELDS = [
  { key: 'weight', param: 'device_weight', xml: 'weight', uint: true },
  { key: 'riops', param: 'device_read_iops_sec', xml: 'read_iops_sec', uint: true },
  { key: 'wiops', param: 'device_write_iops_sec', xml: 'write_iops_sec', uint: true },
  { key: 'rbps', param: 'device_read_bytes_sec', xml: 'read_bytes_sec', uint: false },
  { key: 'wbps', param: 'device_write_bytes_sec', xml: 'write_bytes_sec', uint: false },
] as const;
export type BlkioDeviceKey = typeof BLKIO_DEVICE_FIELDS[number]['key'];

export const blkioDeviceIsSet = (d: BlkioDevice): boolean => !!(d.weight || d.riops || d.wiops || d.rbps || d.wbps);

export function blkiotuneParse(root: XmlElement, errDomain: ErrorDomain): BlkioTune | undefined {
  const el = child(root, 'blkiotune');
  if (!el) return undefined;
  const tune: BlkioTune = { weight: 0, devices: [] };
  // a weight that does not parse is ignored, as virXPathUInt's failure is there
  const w = child(el, 'weight');
  const wv = w ? parseULong(textOf(w) ?? '', UINT_MAX) : undefined;
  if (wv !== undefined) tune.weight = Number(wv);
  const unsupported = (msg: string) => virError(errDomain, ErrorNumber.CONFIG_UNSUPPORTED, msg);
  for (const d of childrenNamed(el, 'device')) {
    const pathEl = child(d, 'path');
    const path = pathEl ? textOf(pathEl) ?? '' : '';
    if (!path) throw unsupported('missing per-device path');
    const dev: BlkioDevice = { path, weight: 0, riops: 0, wiops: 0, rbps: 0, wbps: 0 };
    // libvirt reads them in this order: weight, read/write bytes, read/write iops
    for (const [key, xml, label, uint] of [['weight', 'weight', 'weight', true], ['rbps', 'read_bytes_sec', 'read bytes sec', false],
      ['wbps', 'write_bytes_sec', 'write bytes sec', false], ['riops', 'read_iops_sec', 'read iops sec', true],
      ['wiops', 'write_iops_sec', 'write iops sec', true]] as const) {
      const e = child(d, xml);
      if (!e) continue;
      const t = textOf(e) ?? '';
      const v = parseULong(t, uint ? UINT_MAX : undefined);
      if (v === undefined) throw unsupported(`could not parse ${label} ${t}`);
      (dev as unknown as Record<string, ULong>)[key] = uint ? Number(v) : v;
    }
    if (tune.devices.some((o) => o.path === path)) throw unsupported(`duplicate blkio device path '${path}'`);
    tune.devices.push(dev);
  }
  return tune;
}

export function blkiotuneFormat(w: XmlWriter, tune: BlkioTune | undefined): void {
  if (!tune) return;
  const devs = tune.devices.filter(blkioDeviceIsSet);
  // an element with nothing set is not written at all
  if (!tune.weight && !devs.length) return;
  w.open('blkiotune');
  if (tune.weight) w.text('weight', tune.weight);
  for (const d of devs) {
    w.open('device');
    w.text('path', d.path);
    for (const f of BLKIO_DEVICE_FIELDS) if (d[f.key]) w.text(f.xml, String(d[f.key]));
    w.close();
  }
  w.close();
}

// ---- <bandwidth> ----

export interface BandwidthRate { average: ULong; peak: ULong; burst: ULong; floor: ULong }
/** An absent direction is undefined; a <bandwidth> with neither is still written (as libvirt). */
export interface Bandwidth { in?: BandwidthRate; out?: BandwidthRate }

function bandwidthRateParse(el: XmlElement): BandwidthRate {
  const errDomain = ErrorDomain.NONE;
  const a = el.attrs;
  if (a['average'] === undefined && a['floor'] === undefined) {
    throw virError(errDomain, ErrorNumber.XML_DETAIL, 'Missing mandatory average or floor attributes');
  }
  if ((a['peak'] !== undefined || a['burst'] !== undefined) && a['average'] === undefined) {
    throw virError(errDomain, ErrorNumber.CONFIG_UNSUPPORTED, "'peak' and 'burst' require 'average' attribute");
  }
  const rate: BandwidthRate = { average: 0, peak: 0, burst: 0, floor: 0 };
  for (const k of ['average', 'peak', 'burst', 'floor'] as const) {
    const s = a[k];
    if (s === undefined) continue;
    const v = parseULong(s);
    if (v === undefined) throw virError(errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `could not convert bandwidth ${k} value '${s}'`);
    rate[k] = v;
  }
  return rate;
}

/**
 * `allowFloor`: only interfaces of type network may carry an inbound floor. Errors come from
 * no particular domain (libvirt reports them from netdev_bandwidth_conf.c as VIR_FROM_NONE).
 */
export function bandwidthParse(el: XmlElement, allowFloor: boolean): Bandwidth | undefined {
  const errDomain = ErrorDomain.NONE;
  const ins = childrenNamed(el, 'inbound');
  const outs = childrenNamed(el, 'outbound');
  if (ins.length > 1) throw virError(errDomain, ErrorNumber.XML_DETAIL, 'Only one child <inbound> element allowed');
  if (outs.length > 1) throw virError(errDomain, ErrorNumber.XML_DETAIL, 'Only one child <outbound> element allowed');
  if (!ins.length && !outs.length) return undefined;
  const bw: Bandwidth = {};
  if (ins[0]) bw.in = bandwidthRateParse(ins[0]);
  if (outs[0]) {
    bw.out = bandwidthRateParse(outs[0]);
    if (bw.out.floor) {
      throw virError(errDomain, ErrorNumber.CONFIG_UNSUPPORTED, "'floor' attribute allowed only in <inbound> element");
    }
  }
  if (bw.in?.floor && !allowFloor) {
    throw virError(errDomain, ErrorNumber.CONFIG_UNSUPPORTED, 'floor attribute is not supported for this config');
  }
  return bw;
}

function bandwidthRateFormat(w: XmlWriter, name: string, r: BandwidthRate | undefined): void {
  if (!r || (!r.average && !r.floor)) return;
  const v = (x: ULong) => (x ? String(x) : undefined);
  w.empty(name, { average: v(r.average), peak: v(r.peak), floor: v(r.floor), burst: v(r.burst) });
}

export function bandwidthFormat(w: XmlWriter, bw: Bandwidth | undefined): void {
  if (!bw) return;
  w.open('bandwidth');
  bandwidthRateFormat(w, 'inbound', bw.in);
  bandwidthRateFormat(w, 'outbound', bw.out);
  w.close();
}

// ---- <iotune> ----

/** virDomainBlockIoTuneInfo's numeric fields, in libvirt's format (and typed-parameter) order. */
export const IOTUNE_FIELDS = [
  'total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec', 'total_iops_sec', 'read_iops_sec', 'write_iops_sec',
  'total_bytes_sec_max', 'read_bytes_sec_max', 'write_bytes_sec_max', 'total_iops_sec_max', 'read_iops_sec_max',
  'write_iops_sec_max', 'size_iops_sec',
  'total_bytes_sec_max_length', 'read_bytes_sec_max_length', 'write_bytes_sec_max_length',
  'total_iops_sec_max_length', 'read_iops_sec_max_length', 'write_iops_sec_max_length',
] as const;
export type IoTuneField = typeof IOTUNE_FIELDS[number];
/** group_name comes right after size_iops_sec, in the XML and in the parameter list */
export const IOTUNE_GROUP_AFTER = 'size_iops_sec';

export type IoTune = Partial<Record<IoTuneField, ULong>> & { group_name?: string };

/** The total-vs-read/write conflicts, as libvirt words them (with its variant's infix). */
export function iotuneConflict(t: IoTune, infix = ''): string | undefined {
  for (const s of ['bytes_sec', 'iops_sec', 'bytes_sec_max', 'iops_sec_max']) {
    const g = (k: string) => t[k as IoTuneField];
    if (g(`total_${s}`) && (g(`read_${s}`) || g(`write_${s}`))) return `total and read/write ${infix}${s} cannot be set at the same time`;
  }
  return undefined;
}

export function iotuneParse(disk: XmlElement, errDomain: ErrorDomain): IoTune | undefined {
  const el = child(disk, 'iotune');
  if (!el) return undefined;
  const t: IoTune = {};
  for (const f of IOTUNE_FIELDS) {
    const e = child(el, f);
    if (!e) continue;
    const v = parseULong(textOf(e) ?? '');
    if (v === undefined) throw virError(errDomain, ErrorNumber.XML_ERROR, `disk iotune field '${f}' must be an integer`);
    t[f] = v;
  }
  const g = child(el, 'group_name');
  if (g) t.group_name = textOf(g) ?? '';
  const conflict = iotuneConflict(t);
  if (conflict) throw virError(errDomain, ErrorNumber.XML_ERROR, conflict);
  return t;
}

export function iotuneFormat(w: XmlWriter, t: IoTune | undefined): void {
  if (!t) return;
  const set = IOTUNE_FIELDS.filter((f) => t[f]);
  if (!set.length && !t.group_name) return;
  w.open('iotune');
  for (const f of IOTUNE_FIELDS) {
    if (t[f]) w.text(f, String(t[f]));
    if (f === IOTUNE_GROUP_AFTER && t.group_name) w.text('group_name', t.group_name);
  }
  w.close();
}
