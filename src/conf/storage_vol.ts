// Storage volume XML: parse, validate, format. libvirt counterpart: src/conf/storage_conf.c
// (virStorageVolDefParseXML / virStorageVolDefFormat). What a volume may say depends on its
// pool's type (format names, whether a format is printed at all), hence the pool argument.
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';
import { unitMultiplier } from '../util/units.js';
import { StoragePerms, StoragePoolDef, formatPerms, parsePerms } from './storage_pool.js';
import { XmlElement, XmlWriter, child, elements, parseXml, textOf } from './xml.js';

export const VOLUME_TYPES = ['file', 'block', 'dir', 'network', 'netdir', 'ploop'] as const;
/** virStorageFileFormat names, in libvirt's enum order */
export const FILE_VOLUME_FORMATS = ['none', 'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd',
  'ploop', 'cow', 'qcow', 'qcow2', 'qed', 'vmdk'] as const;
export const PARTITION_VOLUME_FORMATS = ['none', 'linux', 'fat16', 'fat32', 'linux-swap', 'linux-lvm', 'linux-raid', 'extended'] as const;
export const VOLUME_FEATURES = ['lazy_refcounts', 'extended_l2'] as const;

export interface StorageVolDef {
  name: string;
  key?: string;
  type?: string;
  /** bytes */
  capacity: number;
  allocation: number;
  physical?: number;
  /** disk/logical extents, filled in by drivers */
  extents?: { path: string; start: number; end: number }[];
  target: {
    path?: string;
    format?: string;
    permissions?: StoragePerms;
    timestamps?: { atime?: string; mtime?: string; ctime?: string; btime?: string };
    /** kept verbatim (<encryption format=...><secret .../></encryption>) */
    encryption?: XmlElement;
    compat?: string;
    clusterSize?: number;
    nocow?: boolean;
    features?: string[];
  };
  backingStore?: { path: string; format?: string; permissions?: StoragePerms };
}

const D = ErrorDomain.STORAGE;
const xmlErr = (msg: string) => virError(D, ErrorNumber.XML_ERROR, msg);
const unsupported = (msg: string) => virError(D, ErrorNumber.CONFIG_UNSUPPORTED, msg);
const LLONG_MAX = 9223372036854775807n;

/** Which format names a pool's volumes use; null = the pool prints no volume format. */
export function volumeFormatsFor(pool: Pick<StoragePoolDef, 'type'>): { names: readonly string[]; dflt: string } | null {
  switch (pool.type) {
    case 'dir': case 'fs': case 'netfs': case 'gluster': case 'vstorage':
      return { names: FILE_VOLUME_FORMATS, dflt: 'raw' };
    case 'disk':
      return { names: PARTITION_VOLUME_FORMATS, dflt: 'none' };
    default:
      return null;
  }
}

/** virStorageSize: digits with an optional unit, scaled to bytes, at most LLONG_MAX. */
function storageSize(el: XmlElement, what: string): number {
  const text = textOf(el)!;
  if (!/^\d+$/.test(text)) throw xmlErr(`malformed ${what} element`);
  const unit = el.attrs['unit'];
  const mult = unitMultiplier(unit ?? 'bytes');
  if (mult === null) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `unknown suffix '${unit}'`);
  const v = BigInt(text) * BigInt(mult);
  if (v > LLONG_MAX) throw virError(ErrorDomain.NONE, ErrorNumber.OVERFLOW, `value too large: ${text}${unit ?? ''}`);
  return Number(v);
}

export interface VolParseOpts {
  errDomain?: number;
  /** VIR_VOL_XML_PARSE_OPT_CAPACITY: capacity may be omitted when a backing store is given */
  optCapacity?: boolean;
  /** VIR_VOL_XML_PARSE_NO_CAPACITY */
  noCapacity?: boolean;
}

function parseFormat(el: XmlElement | undefined, pool: StoragePoolDef): string | undefined {
  const fmts = volumeFormatsFor(pool);
  if (!fmts) return undefined;
  const t = el?.attrs['type'];
  if (t === undefined) return fmts.dflt;
  if (!fmts.names.includes(t)) throw unsupported(`unknown volume format type ${t}`);
  return t;
}

export function parseStorageVolXml(xml: string, pool: StoragePoolDef, opts: VolParseOpts = {}): StorageVolDef {
  const root = parseXml(xml, '(storage_volume_definition)', opts.errDomain ?? D);
  if (root.name !== 'volume') {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `expecting root element of 'volume', not '${root.name}'`);
  }
  return storageVolDefParseNode(root, pool, opts);
}

export function storageVolDefParseNode(root: XmlElement, pool: StoragePoolDef, opts: VolParseOpts = {}): StorageVolDef {
  const nameEl = child(root, 'name');
  const name = nameEl ? textOf(nameEl)! : '';
  if (name === '') throw xmlErr('missing volume name element');

  const def: StorageVolDef = { name, capacity: 0, allocation: 0, target: {} };
  const type = root.attrs['type'];
  if (type !== undefined) {
    if (!(VOLUME_TYPES as readonly string[]).includes(type)) throw unsupported(`unknown volume type '${type}'`);
    def.type = type;
  }
  const keyEl = child(root, 'key');
  if (keyEl) def.key = textOf(keyEl)!;

  const targetEl = child(root, 'target');
  const bsEl = child(root, 'backingStore');
  const bsPath = bsEl && child(bsEl, 'path');
  if (bsEl && bsPath) {
    def.backingStore = { path: textOf(bsPath)! };
    const f = parseFormat(child(bsEl, 'format'), pool);
    if (f !== undefined) def.backingStore.format = f;
    const p = parsePerms(child(bsEl, 'permissions'), undefined);
    if (p) def.backingStore.permissions = p;
  }

  const capEl = child(root, 'capacity');
  if (capEl) def.capacity = storageSize(capEl, 'capacity');
  else if (!opts.noCapacity && !(opts.optCapacity && def.backingStore)) throw xmlErr('missing capacity element');
  const allocEl = child(root, 'allocation');
  // libvirt words a bad allocation as a bad capacity, and defaults allocation to capacity
  def.allocation = allocEl ? storageSize(allocEl, 'capacity') : def.capacity;

  if (targetEl) {
    const p = child(targetEl, 'path');
    if (p) def.target.path = textOf(p)!;
    const perms = parsePerms(child(targetEl, 'permissions'), undefined);
    if (perms) def.target.permissions = perms;
    const enc = child(targetEl, 'encryption');
    if (enc) def.target.encryption = enc;
    const compat = child(targetEl, 'compat');
    if (compat) {
      const c = textOf(compat)!;
      if (!/^\d+\.\d+$/.test(c)) throw xmlErr("forbidden characters in 'compat' attribute");
      def.target.compat = c;
    }
    const cs = child(targetEl, 'clusterSize');
    if (cs) def.target.clusterSize = storageSize(cs, 'clusterSize');
    if (child(targetEl, 'nocow')) def.target.nocow = true;
    const feats = child(targetEl, 'features');
    if (feats) {
      def.target.features = [];
      for (const f of elements(feats)) {
        if (!(VOLUME_FEATURES as readonly string[]).includes(f.name)) throw unsupported(`unsupported feature ${f.name}`);
        if (!def.target.features.includes(f.name)) def.target.features.push(f.name);
      }
      // features imply a qcow2 v3 image
      def.target.compat ??= '1.1';
    }
  }
  const fmt = parseFormat(targetEl && child(targetEl, 'format'), pool);
  if (fmt !== undefined) def.target.format = fmt;
  return def;
}

export function formatStorageVolXml(def: StorageVolDef, pool: StoragePoolDef): string {
  const w = new XmlWriter();
  w.open('volume', { type: def.type ?? 'file' });
  w.text('name', def.name);
  w.text('key', def.key ?? '(null)');
  if (def.extents?.length) {
    w.open('source');
    let last: string | undefined;
    for (const e of def.extents) {
      if (e.path !== last) { if (last !== undefined) w.close(); w.open('device', { path: e.path }); last = e.path; }
      w.empty('extent', { start: e.start, end: e.end });
    }
    if (last !== undefined) w.close();
    w.close();
  }
  w.text('capacity', def.capacity, { unit: 'bytes' });
  w.text('allocation', def.allocation, { unit: 'bytes' });
  if (def.physical) w.text('physical', def.physical, { unit: 'bytes' });
  const fmts = volumeFormatsFor(pool);
  const t = def.target;
  w.open('target');
  if (t.path !== undefined) w.text('path', t.path);
  if (fmts && t.format !== undefined) w.empty('format', { type: t.format });
  formatPerms(w, t.permissions);
  if (t.timestamps) {
    w.open('timestamps');
    for (const k of ['atime', 'mtime', 'ctime', 'btime'] as const) if (t.timestamps[k] !== undefined) w.text(k, t.timestamps[k]);
    w.close();
  }
  if (t.encryption) w.element(t.encryption);
  if (t.compat !== undefined) w.text('compat', t.compat);
  if (t.clusterSize) w.text('clusterSize', t.clusterSize, { unit: 'B' });
  if (t.features?.length) {
    w.open('features');
    for (const f of t.features) w.empty(f);
    w.close();
  }
  w.close();
  if (def.backingStore) {
    const b = def.backingStore;
    w.open('backingStore');
    w.text('path', b.path);
    if (fmts && b.format !== undefined) w.empty('format', { type: b.format });
    formatPerms(w, b.permissions);
    w.close();
  }
  w.close();
  return w.toString();
}
