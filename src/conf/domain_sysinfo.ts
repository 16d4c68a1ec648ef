// <sysinfo> of a domain: SMBIOS tables (type='smbios') and fw_cfg blobs (type='fwcfg').
// libvirt counterpart: virSysinfoDef, parsed in domain_conf.c (virSysinfoParseXML) and
// formatted by util/virsysinfo.c (virSysinfoFormat). Pure: no I/O.
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';
import { uuidParse } from '../util/uuid.js';
import { child, childrenNamed, textOf, XmlWriter, type XmlElement } from './xml.js';

// The entry names each SMBIOS block accepts, in the order libvirt writes them back (and
// passes them to QEMU); other names are ignored, as libvirt does.
export const SMBIOS_BIOS_FIELDS = ['vendor', 'version', 'date', 'release'] as const;
export const SMBIOS_SYSTEM_FIELDS = ['manufacturer', 'product', 'version', 'serial', 'uuid', 'sku', 'family'] as const;
export const SMBIOS_BASEBOARD_FIELDS = ['manufacturer', 'product', 'version', 'serial', 'asset', 'location'] as const;
export const SMBIOS_CHASSIS_FIELDS = ['manufacturer', 'version', 'serial', 'asset', 'sku'] as const;

export type SmbiosBios = Partial<Record<typeof SMBIOS_BIOS_FIELDS[number], string>>;
export type SmbiosSystem = Partial<Record<typeof SMBIOS_SYSTEM_FIELDS[number], string>>;
export type SmbiosBaseBoard = Partial<Record<typeof SMBIOS_BASEBOARD_FIELDS[number], string>>;
export type SmbiosChassis = Partial<Record<typeof SMBIOS_CHASSIS_FIELDS[number], string>>;

export interface SysinfoSmbiosDef {
  type: 'smbios';
  /** SMBIOS type 0; absent when no entry had a value */
  bios?: SmbiosBios;
  /** type 1; its uuid is canonical and equal to the domain's */
  system?: SmbiosSystem;
  /** type 2, one per <baseBoard> that had a value */
  baseBoards: SmbiosBaseBoard[];
  /** type 3 */
  chassis?: SmbiosChassis;
  /** type 11; empty strings are kept (libvirt keeps <entry></entry>) */
  oemStrings?: string[];
}

export interface SysinfoFwCfgEntry { name: string; value?: string; file?: string }
export interface SysinfoFwCfgDef { type: 'fwcfg'; entries: SysinfoFwCfgEntry[] }

export type SysinfoDef = SysinfoSmbiosDef | SysinfoFwCfgDef;

/** The first type='smbios' block (the one QEMU's -smbios uses), if any. */
export function sysinfoSmbios(list: readonly SysinfoDef[] | undefined): SysinfoSmbiosDef | undefined {
  return list?.find((s): s is SysinfoSmbiosDef => s.type === 'smbios');
}

/**
 * Every <sysinfo> child of <domain>, in document order. `dom` carries the domain's uuid and
 * whether it was generated: a generated one is replaced by the sysinfo system uuid (each
 * block in turn, so the last wins, as in libvirt), a given one must equal it.
 */
export function sysinfoParseAll(root: XmlElement, dom: { uuid: string; uuidGenerated: boolean }, errDomain: number): SysinfoDef[] {
  return childrenNamed(root, 'sysinfo').map((el) => sysinfoParse(el, dom, errDomain));
}

function sysinfoParse(el: XmlElement, dom: { uuid: string; uuidGenerated: boolean }, errDomain: number): SysinfoDef {
  const type = el.attrs['type'];
  if (type === undefined) {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, "Missing required attribute 'type' in element 'sysinfo'");
  }
  if (type === 'fwcfg') return { type: 'fwcfg', entries: childrenNamed(el, 'entry').map((e) => fwCfgEntryParse(e, errDomain)) };
  if (type !== 'smbios') {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `Invalid value for attribute 'type' in element 'sysinfo': '${type}'.`);
  }
  const def: SysinfoSmbiosDef = { type: 'smbios', baseBoards: [] };
  const biosEl = child(el, 'bios');
  const bios = biosEl && blockParse(biosEl, SMBIOS_BIOS_FIELDS);
  if (bios) {
    if (bios.date !== undefined && !biosDateValid(bios.date)) {
      throw virError(errDomain, ErrorNumber.XML_DETAIL, "Invalid BIOS 'date' format");
    }
    def.bios = bios;
  }
  const sysEl = child(el, 'system');
  const system = sysEl && blockParse(sysEl, SMBIOS_SYSTEM_FIELDS);
  if (system) {
    if (system.uuid !== undefined) {
      const u = uuidParse(system.uuid);
      if (!u) throw virError(errDomain, ErrorNumber.XML_DETAIL, 'malformed <sysinfo> uuid element');
      if (dom.uuidGenerated) dom.uuid = u;
      else if (u !== dom.uuid) throw virError(errDomain, ErrorNumber.XML_DETAIL, 'UUID mismatch between <uuid> and <sysinfo>');
      // what the firmware table gets is the canonical spelling, whatever the XML said
      system.uuid = u;
    }
    def.system = system;
  }
  for (const b of childrenNamed(el, 'baseBoard')) {
    const board = blockParse(b, SMBIOS_BASEBOARD_FIELDS);
    if (board) def.baseBoards.push(board);
  }
  const chEl = child(el, 'chassis');
  const chassis = chEl && blockParse(chEl, SMBIOS_CHASSIS_FIELDS);
  if (chassis) def.chassis = chassis;
  const oemEl = child(el, 'oemStrings');
  if (oemEl) {
    const strings = childrenNamed(oemEl, 'entry').map((e) => textOf(e)!);
    if (strings.length) def.oemStrings = strings;
  }
  return def;
}

/** One block's entries: the first <entry name=F> of each known field with a non-empty text. */
function blockParse<F extends string>(el: XmlElement, fields: readonly F[]): Partial<Record<F, string>> | undefined {
  const out: Partial<Record<F, string>> = {};
  let any = false;
  for (const f of fields) {
    const e = el.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === 'entry' && c.attrs['name'] === f);
    const v = e && textOf(e);
    if (v) { out[f] = v; any = true; }
  }
  return any ? out : undefined;
}

function fwCfgEntryParse(e: XmlElement, errDomain: number): SysinfoFwCfgEntry {
  const name = e.attrs['name'];
  if (name === undefined) throw virError(errDomain, ErrorNumber.XML_ERROR, "Firmware entry is missing 'name' attribute");
  const text = textOf(e)!;
  const file = e.attrs['file'];
  // a blank value counts as none
  const value = text.trim() !== '' ? text : undefined;
  if (value === undefined && file === undefined) {
    throw virError(errDomain, ErrorNumber.XML_ERROR, "Firmware entry must have either value or 'file' attribute");
  }
  const out: SysinfoFwCfgEntry = { name };
  if (value !== undefined) out.value = value;
  if (file !== undefined) out.file = file;
  return out;
}

/**
 * libvirt's check of the BIOS release date: mm/dd/yy or mm/dd/yyyy (year 1900 and later),
 * each number read as strtol would (leading blanks and a sign allowed), nothing after it.
 */
export function biosDateValid(date: string): boolean {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)\/[ \t\n\v\f\r]*([+-]?\d+)\/[ \t\n\v\f\r]*([+-]?\d+)$/.exec(date);
  if (!m) return false;
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (![month, day, year].every((n) => Number.isSafeInteger(n) && Math.abs(n) <= 0x7fffffff)) return false;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && year >= 0 && (year < 100 || year >= 1900);
}

export function sysinfoFormat(w: XmlWriter, def: SysinfoDef): void {
  w.wrap('sysinfo', { type: def.type }, () => {
    if (def.type === 'fwcfg') {
      // with both a value and a file libvirt writes only the file back
      for (const e of def.entries) {
        if (e.file !== undefined) w.empty('entry', { name: e.name, file: e.file });
        else w.text('entry', e.value ?? '', { name: e.name });
      }
      return;
    }
    blockFormat(w, 'bios', def.bios, SMBIOS_BIOS_FIELDS);
    blockFormat(w, 'system', def.system, SMBIOS_SYSTEM_FIELDS);
    for (const b of def.baseBoards) blockFormat(w, 'baseBoard', b, SMBIOS_BASEBOARD_FIELDS);
    blockFormat(w, 'chassis', def.chassis, SMBIOS_CHASSIS_FIELDS);
    if (def.oemStrings) {
      w.open('oemStrings');
      for (const s of def.oemStrings) w.text('entry', s);
      w.close();
    }
  });
}

function blockFormat<F extends string>(w: XmlWriter, name: string, block: Partial<Record<F, string>> | undefined, fields: readonly F[]): void {
  if (!block) return;
  w.open(name);
  for (const f of fields) w.text('entry', block[f], { name: f });
  w.close();
}

/** Which /sys/class/dmi/id file holds each SMBIOS entry. */
export const DMI_ID_FILES = {
  bios: { vendor: 'bios_vendor', version: 'bios_version', date: 'bios_date', release: 'bios_release' },
  system: {
    manufacturer: 'sys_vendor', product: 'product_name', version: 'product_version', serial: 'product_serial',
    uuid: 'product_uuid', sku: 'product_sku', family: 'product_family',
  },
  baseBoard: { manufacturer: 'board_vendor', product: 'board_name', version: 'board_version', serial: 'board_serial', asset: 'board_asset_tag' },
  chassis: { manufacturer: 'chassis_vendor', version: 'chassis_version', serial: 'chassis_serial', asset: 'chassis_asset_tag' },
} as const;

/**
 * The host's SMBIOS tables for <smbios mode='host'/> from the files of /sys/class/dmi/id
 * (name -> content; libvirt runs dmidecode instead, same fields). Pure: the caller reads the
 * files it can (product_serial and the like are root-only) and passes what it got. Returns
 * undefined when no file had a value, so the builder reports the host data as unavailable.
 */
export function sysinfoFromDmiId(files: Readonly<Record<string, string | undefined>>): SysinfoSmbiosDef | undefined {
  const pick = (map: Readonly<Record<string, string>>): Record<string, string> | undefined => {
    const out: Record<string, string> = {};
    for (const [field, file] of Object.entries(map)) {
      const v = files[file]?.replace(/\n$/, '');
      if (v) out[field] = v;
    }
    return Object.keys(out).length ? out : undefined;
  };
  const def: SysinfoSmbiosDef = { type: 'smbios', baseBoards: [] };
  const bios = pick(DMI_ID_FILES.bios);
  if (bios) def.bios = bios;
  const system = pick(DMI_ID_FILES.system);
  if (system) def.system = system;
  const board = pick(DMI_ID_FILES.baseBoard);
  if (board) def.baseBoards.push(board);
  const chassis = pick(DMI_ID_FILES.chassis);
  if (chassis) def.chassis = chassis;
  return def.bios || def.system || board || def.chassis ? def : undefined;
}
