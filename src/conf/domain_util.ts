// Small parsing helpers shared by the domain parser files: enum attributes, integers, yes/no,
// scaled memory values, CPU bitmaps, disk-name indexes. Errors use libvirt's wording.
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';
import { unitMultiplier } from '../util/units.js';
import type { XmlElement } from './xml.js';

/** Parse context: the error domain for domain_conf-level errors. */
export interface Ctx { errDomain: number }

/** virXMLPropEnum's error (raised from libvirt's XML module, hence VIR_FROM_XML). */
export function invalidAttr(el: XmlElement, attr: string, value: string): VirError {
  return virError(ErrorDomain.XML, ErrorNumber.XML_ERROR,
    `Invalid value for attribute '${attr}' in element '${el.name}': '${value}'.`);
}

/** An attribute restricted to `values`; undefined when absent. */
export function enumAttr(el: XmlElement, attr: string, values: readonly string[]): string | undefined {
  const v = el.attrs[attr];
  if (v === undefined) return undefined;
  if (!values.includes(v)) throw invalidAttr(el, attr, v);
  return v;
}

export function yesNoAttr(el: XmlElement, attr: string): string | undefined {
  return enumAttr(el, attr, ['yes', 'no']);
}
export function onOffAttr(el: XmlElement, attr: string): string | undefined {
  return enumAttr(el, attr, ['on', 'off']);
}

/** Unsigned integer attribute (decimal, or 0x hex as strtoul with base 0 would accept). */
export function uintAttr(el: XmlElement, attr: string): number | undefined {
  const v = el.attrs[attr];
  if (v === undefined) return undefined;
  const n = parseUInt(v);
  if (n === undefined) throw invalidAttr(el, attr, v);
  return n;
}

export function parseUInt(v: string): number | undefined {
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s, 16);
  return undefined;
}

/**
 * A <memory unit='...'>N</memory> style value scaled to KiB (rounded up), libvirt's
 * virDomainParseMemory. `xpath` is what libvirt names in its "Invalid value" message.
 */
export function parseMemoryKiB(el: XmlElement, text: string, xpath: string): number {
  const s = text.trim();
  if (!/^\d+$/.test(s)) {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR,
      `Invalid value '${text}' for element or attribute '${xpath}'`);
  }
  const unit = el.attrs['unit'];
  const mult = unit === undefined ? 1024 : unitMultiplier(unit);
  if (mult === null) {
    throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `unknown suffix '${unit}'`);
  }
  const bytes = BigInt(s) * BigInt(mult);
  // libvirt caps memory at LLONG_MAX bytes then stores KiB
  if (bytes > 9223372036854775807n) {
    throw virError(ErrorDomain.NONE, ErrorNumber.OVERFLOW, `value too large: ${s}`);
  }
  return Number((bytes + 1023n) / 1024n);
}

/** libvirt's virBitmapParse for cpuset strings ("0-3,^2,8"); null when malformed. */
export function parseCpuset(s: string): number[] | null {
  const set = new Set<number>();
  for (const raw of s.split(',')) {
    const part = raw.trim();
    if (part === '') return null;
    let m: RegExpExecArray | null;
    if ((m = /^\^(\d+)$/.exec(part))) { set.delete(Number(m[1])); continue; }
    if ((m = /^(\d+)$/.exec(part))) { set.add(Number(m[1])); continue; }
    if ((m = /^(\d+)-(\d+)$/.exec(part))) {
      const a = Number(m[1]), b = Number(m[2]);
      if (b < a) return null;
      for (let i = a; i <= b; i++) set.add(i);
      continue;
    }
    return null;
  }
  return [...set].sort((a, b) => a - b);
}

/** virBitmapFormat: ranges joined by commas ("0-1,4"). */
export function formatCpuset(bits: number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < bits.length) {
    let j = i;
    while (j + 1 < bits.length && bits[j + 1] === bits[j]! + 1) j++;
    out.push(j === i ? `${bits[i]}` : `${bits[i]}-${bits[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** Length of the disk-name prefix (fd, hd, vd, sd, xvd, ubd) `name` starts with, else 0. */
function diskPrefixLength(name: string): number {
  const c0 = name.charCodeAt(0), c1 = name.charCodeAt(1);
  if (c1 === 100 && (c0 === 102 || c0 === 104 || c0 === 118 || c0 === 115)) return 2; // fd hd vd sd
  if (name.startsWith('xvd') || name.startsWith('ubd')) return 3;
  return 0;
}

/** virDiskNameToIndex: "vda" -> 0, "sdaa" -> 26; -1 when not a disk name. */
export function diskNameToIndex(name: string): number {
  const plen = diskPrefixLength(name);
  if (plen === 0) return -1;
  const rest = name.slice(plen);
  let idx = 0, i = 0;
  for (; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c < 97 || c > 122) break;
    idx = (idx + (i === 0 ? 0 : 1)) * 26 + (c - 97);
  }
  if (i === 0) return -1;
  // a partition number may follow ("sda1"); anything else is not a disk name
  if (i < rest.length && !/^\d+$/.test(rest.slice(i))) return -1;
  return idx;
}

/** The bus libvirt infers from a target name when <target bus> is absent. */
export function diskBusFromName(dev: string, osType: string): string {
  if (dev.startsWith('hd')) return 'ide';
  if (dev.startsWith('sd')) return 'scsi';
  if (dev.startsWith('vd')) return 'virtio';
  if (dev.startsWith('xvd')) return 'xen';
  if (dev.startsWith('ubd')) return 'uml';
  if (dev.startsWith('fd')) return 'fdc';
  return osType === 'xen' || osType === 'xenpvh' ? 'xen' : 'ide';
}

/** Hex formatting used in PCI addresses: width digits, zero padded, 0x prefix. */
export function hex(n: number, width: number): string {
  return '0x' + n.toString(16).padStart(width, '0');
}
