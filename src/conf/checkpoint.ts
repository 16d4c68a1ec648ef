// Domain checkpoint XML: parse, validate, align disks, format. libvirt counterpart:
// src/conf/checkpoint_conf.c (virDomainCheckpointDefParse / virDomainCheckpointAlignDisks /
// virDomainCheckpointDefFormat) and the parts of domaincheckpoint.rng a user meets as errors.
// As for snapshots, the embedded <domain> belongs to the domain module: parsing keeps it as an
// XmlElement (`domainXml`), the caller may attach its parsed form in `domain`, and formatting
// asks the caller's `formatDomain` for its text.
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';
import { XmlElement, XmlWriter, child, childrenNamed, elements, parseXml, textOf } from './xml.js';

/** virDomainCheckpointType: 'default' never survives parsing (a listed disk means bitmap). */
export type CheckpointType = 'no' | 'bitmap';

export interface CheckpointDiskDef {
  /** the disk's target (after alignment) or the name/path as written */
  name: string;
  type: CheckpointType;
  bitmap?: string;
  /** bytes a backup from this checkpoint would copy (VIR_DOMAIN_CHECKPOINT_XML_SIZE) */
  size?: number;
}

export interface CheckpointDef {
  name: string;
  description?: string;
  parent?: string;
  /** seconds since the epoch */
  creationTime: number;
  disks: CheckpointDiskDef[];
  /** the <domain> element as written in a redefined checkpoint */
  domainXml?: XmlElement;
  /** the domain definition the checkpoint belongs to, in the domain module's own form */
  domain?: unknown;
}

const D = ErrorDomain.DOMAIN_CHECKPOINT;
const SCHEMA = '/usr/share/libvirt/schemas/domaincheckpoint.rng';

/** The error libvirt's RNG validation gives (virXMLValidateAgainstSchema, libxml2's wording). */
function schemaError(detail: string): VirError {
  return virError(ErrorDomain.XML, ErrorNumber.XML_INVALID_SCHEMA, `Unable to validate doc against ${SCHEMA}\n${detail}\n`);
}
const badInterleave = (el: string) => schemaError(`Extra element ${el} in interleave\nElement domaincheckpoint failed to validate content`);

/** domaincheckpoint.rng, the checks users can trip over: unknown elements, bad values. */
function validate(root: XmlElement): void {
  for (const el of elements(root)) {
    switch (el.name) {
      case 'name': case 'description': case 'domain': break;
      case 'creationTime':
        if (!/^\s*\d+\s*$/.test(textOf(el) ?? '')) throw badInterleave(el.name);
        break;
      case 'parent':
        if (!child(el, 'name')) throw badInterleave(el.name);
        break;
      case 'disks':
        for (const d of elements(el)) {
          // a disk is named by its target (diskTarget) or by its absolute source path
          const name = d.attrs['name'] ?? '';
          const ok = d.name === 'disk' && (/^[a-zA-Z0-9_]+$/.test(name) || name.startsWith('/'))
            && Object.keys(d.attrs).every((a) => a === 'name' || a === 'checkpoint' || a === 'bitmap' || a === 'size')
            && (d.attrs['checkpoint'] === undefined || d.attrs['checkpoint'] === 'no' || d.attrs['checkpoint'] === 'bitmap');
          if (!ok) throw badInterleave(el.name);
        }
        break;
      default:
        throw schemaError(`Element domaincheckpoint has extra content: ${el.name}`);
    }
  }
}

export interface CheckpointParseOpts {
  /** VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE: creationTime, parent and domain come from the XML */
  redefine?: boolean;
  /** creation time of a new checkpoint (seconds); defaults to now */
  now?: number;
}

/** virDomainCheckpointDefParseString: a checkpoint document, validated as libvirt does. */
export function parseCheckpointXml(xml: string | XmlElement, opts: CheckpointParseOpts = {}): CheckpointDef {
  const root = typeof xml === 'string' ? parseXml(xml, '(domain_checkpoint)', D) : xml;
  if (root.name !== 'domaincheckpoint') {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `expecting root element of 'domaincheckpoint', not '${root.name}'`);
  }
  validate(root);
  const nameEl = child(root, 'name');
  // virXPathString: an empty <name/> counts as none
  const name = nameEl && textOf(nameEl) ? textOf(nameEl) : undefined;
  if (name === undefined && opts.redefine) {
    throw virError(D, ErrorNumber.XML_ERROR, 'a redefined checkpoint must have a name');
  }
  const def: CheckpointDef = { name: name ?? '', creationTime: 0, disks: [] };
  const desc = child(root, 'description');
  if (desc) def.description = textOf(desc) ?? '';
  if (opts.redefine) {
    const ct = child(root, 'creationTime');
    if (!ct) throw virError(D, ErrorNumber.INTERNAL_ERROR, 'missing creationTime from existing checkpoint');
    def.creationTime = Number(textOf(ct)!.trim());
    const pn = child(root, 'parent');
    const pname = pn && child(pn, 'name');
    if (pname) def.parent = textOf(pname) ?? '';
    const dom = child(root, 'domain');
    if (dom) def.domainXml = dom;
  } else {
    // virDomainMomentDefPostParse: the creation time is now; an unnamed checkpoint is named after it
    def.creationTime = opts.now ?? Math.floor(Date.now() / 1000);
    if (name === undefined) def.name = String(def.creationTime);
  }
  const disks = child(root, 'disks');
  if (disks) {
    for (const d of childrenNamed(disks, 'disk')) {
      const disk: CheckpointDiskDef = { name: d.attrs['name']!, type: (d.attrs['checkpoint'] as CheckpointType | undefined) ?? 'bitmap' };
      if (d.attrs['bitmap'] !== undefined) disk.bitmap = d.attrs['bitmap'];
      def.disks.push(disk);
    }
  }
  return def;
}

/** A domain disk as checkpoint alignment sees it. */
export interface CheckpointDomainDisk {
  dst: string;
  /** the source path, which a checkpoint may name the disk by */
  src?: string;
  /** no source, or read-only: nothing to track */
  emptyOrReadonly: boolean;
}

/** virDomainCheckpointDefAssignBitmapNames: a bitmap disk without a name uses the checkpoint's. */
export function checkpointAssignBitmapNames(def: CheckpointDef): void {
  for (const d of def.disks) if (d.type === 'bitmap' && d.bitmap === undefined) d.bitmap = def.name;
}

/**
 * virDomainCheckpointAlignDisks: one entry per domain disk, in domain order. Without <disks>
 * every writable disk gets a bitmap; with it, the disks left out are not tracked.
 */
export function checkpointAlignDisks(def: CheckpointDef, domainDisks: CheckpointDomainDisk[]): void {
  const unsupported = (msg: string) => virError(D, ErrorNumber.CONFIG_UNSUPPORTED, msg);
  if (def.disks.length > domainDisks.length) throw unsupported('too many disk checkpoint requests for domain');
  if (!domainDisks.length) throw unsupported('domain must have at least one disk to perform checkpoints');
  const fallback: CheckpointType = def.disks.length ? 'no' : 'bitmap';
  const byDst = new Map<string, CheckpointDiskDef>();
  for (const d of def.disks) {
    const dd = domainDisks.find((x) => x.dst === d.name) ?? domainDisks.find((x) => x.src !== undefined && x.src === d.name);
    if (!dd) throw unsupported(`no disk named '${d.name}'`);
    if (byDst.has(dd.dst)) throw unsupported(`disk '${d.name}' specified twice`);
    if (dd.emptyOrReadonly && d.type !== 'no') throw unsupported(`disk '${d.name}' is empty or readonly`);
    byDst.set(dd.dst, { ...d, name: dd.dst });
  }
  def.disks = domainDisks.map((dd) => byDst.get(dd.dst) ?? { name: dd.dst, type: dd.emptyOrReadonly ? 'no' : fallback });
  checkpointAssignBitmapNames(def);
}

export interface CheckpointFormatOpts {
  /** formats the embedded domain (inactive form; secure when asked) */
  formatDomain?: (d: unknown) => string;
  /** VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN */
  noDomain?: boolean;
  /** VIR_DOMAIN_CHECKPOINT_XML_SIZE: print each bitmap's size estimate */
  size?: boolean;
}

/** virDomainCheckpointDefFormat */
export function formatCheckpointXml(def: CheckpointDef, opts: CheckpointFormatOpts = {}): string {
  const w = new XmlWriter();
  w.open('domaincheckpoint');
  w.text('name', def.name);
  if (def.description !== undefined) w.text('description', def.description);
  if (def.parent !== undefined) { w.open('parent'); w.text('name', def.parent); w.close(); }
  if (def.creationTime) w.text('creationTime', def.creationTime);
  if (def.disks.length) {
    w.open('disks');
    for (const d of def.disks) {
      w.empty('disk', {
        name: d.name, checkpoint: d.type, bitmap: d.bitmap,
        size: d.bitmap !== undefined && opts.size && d.size !== undefined ? d.size : undefined,
      });
    }
    w.close();
  }
  if (!opts.noDomain) {
    if (def.domain !== undefined && opts.formatDomain) w.raw(opts.formatDomain(def.domain));
    else if (def.domainXml) w.element(def.domainXml);
  }
  w.close();
  return w.toString();
}

/**
 * virDomainMomentCheckCycles, for a redefined checkpoint: its parent must exist and must not be
 * the checkpoint itself or one of its descendants. `parentOf` answers from the current tree.
 */
export function checkpointCheckCycles(def: CheckpointDef, parentOf: (name: string) => string | null | undefined): void {
  if (def.parent === undefined) return;
  if (def.parent === def.name) throw virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, `cannot set moment ${def.name} as its own parent`);
  if (parentOf(def.parent) === undefined) {
    throw virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, `parent ${def.parent} for moment ${def.name} not found`);
  }
  let other = def.parent;
  for (let up = parentOf(other); up; other = up, up = parentOf(other)) {
    if (up === def.name) throw virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, `parent ${other} would create cycle to ${def.name}`);
  }
}
