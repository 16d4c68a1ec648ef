// Domain snapshot XML: parse, validate, align disks, format. libvirt counterpart:
// src/conf/snapshot_conf.c (virDomainSnapshotDefParse / virDomainSnapshotAlignDisks /
// virDomainSnapshotDefFormat). The embedded <domain> belongs to the domain module: parsing keeps
// it as an XmlElement (`domainXml`) and the caller may attach its parsed form in `domain`;
// formatting asks the caller's `formatDomain` for the text.
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';
import { XmlElement, XmlWriter, child, childrenNamed, parseXml, textOf } from './xml.js';

export const SNAPSHOT_STATES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed',
  'pmsuspended', 'disk-snapshot'] as const;
export type SnapshotLocation = 'default' | 'no' | 'internal' | 'external' | 'manual';
const LOCATIONS = ['default', 'no', 'internal', 'external', 'manual'];
const DISK_DRIVERS = ['raw', 'qcow2', 'qed', 'vmdk', 'vpc', 'vdi', 'bochs', 'cloop', 'dmg', 'iso', 'fat', 'vhd', 'ploop', 'cow', 'qcow'];

export interface SnapshotDiskDef {
  name: string;
  snapshot?: SnapshotLocation;
  /** external only: storage type of the new overlay */
  type?: string;
  driverType?: string;
  sourceFile?: string;
}

export interface SnapshotDef {
  name: string;
  description?: string;
  state?: string;
  /** seconds since the epoch */
  creationTime?: number;
  parent?: string;
  memory?: { snapshot: SnapshotLocation; file?: string };
  disks: SnapshotDiskDef[];
  /** the <domain> element as written in the XML (redefine, state files) */
  domainXml?: XmlElement;
  /** the domain definition at snapshot time, in the domain module's own form */
  domain?: unknown;
}

const D = ErrorDomain.DOMAIN_SNAPSHOT;
const xmlErr = (msg: string) => virError(D, ErrorNumber.XML_ERROR, msg);
const unsupported = (msg: string) => virError(D, ErrorNumber.CONFIG_UNSUPPORTED, msg);

function enumAttr(el: XmlElement, attr: string, allowed: readonly string[]): string | undefined {
  const v = el.attrs[attr];
  if (v === undefined) return undefined;
  if (!allowed.includes(v)) {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `Invalid value for attribute '${attr}' in element '${el.name}': '${v}'.`);
  }
  return v;
}

export interface SnapshotParseOpts {
  errDomain?: number;
  /** VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE: state, creationTime, parent and domain come from the XML */
  redefine?: boolean;
  /** creation time to use when not redefining (seconds); defaults to now */
  now?: number;
}

/** Parse a snapshot document (text, or an element already parsed, e.g. from a node file). */
export function parseSnapshotXml(xml: string | XmlElement, opts: SnapshotParseOpts = {}): SnapshotDef {
  const root = typeof xml === 'string' ? parseXml(xml, '(domain_snapshot)', opts.errDomain ?? D) : xml;
  if (root.name !== 'domainsnapshot') {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `expecting root element of 'domainsnapshot', not '${root.name}'`);
  }
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const def: SnapshotDef = { name: '', disks: [] };
  const nameEl = child(root, 'name');
  const name = nameEl ? textOf(nameEl)! : '';
  if (name === '') {
    if (opts.redefine) throw xmlErr('a redefined snapshot must have a name');
    def.name = String(now);
  } else def.name = name;
  const desc = child(root, 'description');
  if (desc) def.description = textOf(desc)!;

  if (opts.redefine) {
    const ct = child(root, 'creationTime');
    const ctText = ct ? textOf(ct)!.trim() : '';
    if (!/^-?\d+$/.test(ctText)) throw xmlErr('missing creationTime from existing snapshot');
    def.creationTime = Number(ctText);
    const parent = child(root, 'parent');
    const pn = parent && child(parent, 'name');
    if (pn) def.parent = textOf(pn)!.trim();
    const st = child(root, 'state');
    const state = st ? textOf(st)!.trim() : '';
    if (state === '') throw xmlErr('missing state from existing snapshot');
    if (!(SNAPSHOT_STATES as readonly string[]).includes(state)) throw xmlErr(`Invalid state '${state}' in domain snapshot XML`);
    def.state = state;
    // libvirt 9.0 only warns "parsing older snapshot that lacks domain"; reverting to such a
    // snapshot then needs the FORCE flag (the driver's business)
    const dom = child(root, 'domain');
    if (dom) def.domainXml = dom;
  } else {
    def.creationTime = now;
  }

  const mem = child(root, 'memory');
  if (mem) {
    const snap = enumAttr(mem, 'snapshot', LOCATIONS) as SnapshotLocation | undefined;
    const file = mem.attrs['file'];
    if (file !== undefined) {
      if (snap !== undefined && snap !== 'default' && snap !== 'external') {
        throw xmlErr(`memory filename '${file}' requires external snapshot`);
      }
      if (!file.startsWith('/')) throw xmlErr(`memory snapshot file path (${file}) must be absolute`);
      def.memory = { snapshot: 'external', file };
    } else if (snap === 'external') {
      throw xmlErr('external memory snapshots require a filename');
    } else if (snap !== undefined && snap !== 'default') {
      def.memory = { snapshot: snap };
    }
  }

  const disks = child(root, 'disks');
  if (disks) for (const d of childrenNamed(disks, 'disk')) def.disks.push(parseSnapshotDisk(d));
  return def;
}

function parseSnapshotDisk(el: XmlElement): SnapshotDiskDef {
  const name = el.attrs['name'];
  if (name === undefined) throw virError(D, ErrorNumber.INTERNAL_ERROR, 'missing name from disk snapshot element');
  const disk: SnapshotDiskDef = { name };
  const snap = enumAttr(el, 'snapshot', LOCATIONS) as SnapshotLocation | undefined;
  if (snap && snap !== 'default') disk.snapshot = snap;
  const type = enumAttr(el, 'type', ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser']);
  if (type) {
    if (type !== 'file' && type !== 'block' && type !== 'network') throw unsupported(`unsupported disk snapshot type '${type}'`);
    disk.type = type;
  }
  const drv = child(el, 'driver');
  if (drv?.attrs['type'] !== undefined) {
    if (!DISK_DRIVERS.includes(drv.attrs['type'])) throw unsupported(`unknown disk snapshot driver '${drv.attrs['type']}'`);
    disk.driverType = drv.attrs['type'];
  }
  const src = child(el, 'source');
  const file = src?.attrs['file'] ?? src?.attrs['dev'];
  if (file !== undefined) {
    if (!file.startsWith('/')) throw xmlErr(`disk snapshot image path '${file}' must be absolute`);
    disk.sourceFile = file;
  }
  // a file or driver implies an external snapshot (libvirt: "location defaults to external")
  if (!disk.snapshot && (disk.sourceFile || disk.driverType)) disk.snapshot = 'external';
  if (disk.snapshot === 'external' && !disk.type) disk.type = 'file';
  return disk;
}

/**
 * virDomainSnapshotAlignDisks: one entry per domain disk, in domain order, each with a mode;
 * unknown names are an error. With requireMatch (the test driver) every disk named in the XML
 * must use the default mode.
 */
export function snapshotAlignDisks(def: SnapshotDef, domainDisks: { dst: string; src?: string }[],
  defaultMode: 'internal' | 'external', requireMatch: boolean): void {
  const byName = new Map<string, SnapshotDiskDef>();
  for (const d of def.disks) {
    const idx = domainDisks.findIndex((x) => x.dst === d.name || (x.src !== undefined && x.src === d.name));
    if (idx < 0) throw unsupported(`no disk named '${d.name}'`);
    const dst = domainDisks[idx]!.dst;
    if (byName.has(dst)) throw virError(D, ErrorNumber.CONFIG_UNSUPPORTED, `disk '${d.name}' specified twice`);
    if (d.snapshot && d.snapshot !== defaultMode && requireMatch) {
      throw unsupported(`disk '${d.name}' must use snapshot mode '${defaultMode}'`);
    }
    if (d.sourceFile && d.snapshot && d.snapshot !== 'external') {
      throw unsupported(`file '${d.sourceFile}' for disk '${d.name}' requires use of external snapshot mode`);
    }
    byName.set(dst, { ...d, name: dst });
  }
  def.disks = domainDisks.map((dd) => {
    const d = byName.get(dd.dst) ?? { name: dd.dst };
    if (!d.snapshot) d.snapshot = defaultMode;
    if (d.snapshot === 'external') {
      d.type ??= 'file';
      if (!d.sourceFile) {
        if (!dd.src) throw unsupported(`cannot generate external snapshot name for disk '${dd.dst}' without source`);
        const dot = dd.src.lastIndexOf('.');
        const base = dot > dd.src.lastIndexOf('/') ? dd.src.slice(0, dot) : dd.src;
        d.sourceFile = `${base}.${def.name}`;
      }
    }
    return d;
  });
}

export interface SnapshotFormatOpts {
  /** formats the embedded domain (libvirt uses the inactive, secure-less form) */
  formatDomain?: (d: unknown) => string;
  /** accepted for symmetry with other formatters; the embedded domain is always inactive */
  inactive?: boolean;
  /** VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL: add <active>1</active> when this is the current one */
  internal?: boolean;
  current?: boolean;
}

export function formatSnapshotXml(def: SnapshotDef, opts: SnapshotFormatOpts = {}): string {
  const w = new XmlWriter();
  w.open('domainsnapshot');
  w.text('name', def.name);
  if (def.description !== undefined) w.text('description', def.description);
  if (def.state !== undefined) w.text('state', def.state);
  if (def.parent !== undefined) { w.open('parent'); w.text('name', def.parent); w.close(); }
  if (def.creationTime !== undefined) w.text('creationTime', def.creationTime);
  if (def.memory) w.empty('memory', { snapshot: def.memory.snapshot, file: def.memory.file });
  if (def.disks.length) {
    w.open('disks');
    for (const d of def.disks) {
      const attrs = { name: d.name, snapshot: d.snapshot, type: d.snapshot === 'external' ? (d.type ?? 'file') : undefined };
      if (d.snapshot === 'external' && (d.driverType || d.sourceFile)) {
        w.open('disk', attrs);
        if (d.driverType) w.empty('driver', { type: d.driverType });
        if (d.sourceFile) w.empty('source', d.type === 'block' ? { dev: d.sourceFile } : { file: d.sourceFile });
        w.close();
      } else w.empty('disk', attrs);
    }
    w.close();
  }
  if (def.domain !== undefined && opts.formatDomain) w.raw(opts.formatDomain(def.domain));
  else if (def.domainXml) w.element(def.domainXml);
  if (opts.internal && opts.current) w.text('active', 1);
  w.close();
  return w.toString();
}

/** The wording libvirt uses when the snapshot XML names a parent that does not exist. */
export function snapshotParentNotFound(parent: string, name: string): VirError {
  return virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, `parent ${parent} for moment ${name} not found`);
}
