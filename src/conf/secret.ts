// <secret ephemeral= private=>: uuid, description and usage (volume, ceph, iscsi, tls, vtpm),
// parsed, validated and formatted as libvirt's secret_conf.c does (its errors and wording).
import { parseXml, child, textOf, XmlWriter, type XmlElement } from './xml.js';
import { uuidGenerate, uuidParse } from '../util/uuid.js';
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';

/** virSecretUsageType, index = the wire's usageType */
export const USAGE_TYPES = ['none', 'volume', 'ceph', 'iscsi', 'tls', 'vtpm'] as const;
/** the element under <usage> holding the usage id, per usage type */
const USAGE_ELEMENT: Record<number, string> = { 1: 'volume', 2: 'name', 3: 'target', 4: 'name', 5: 'name' };
/** libvirt's "... usage specified, but ... is missing" wording, per usage type */
const USAGE_MISSING: Record<number, string> = {
  1: 'volume usage specified, but volume path is missing',
  2: 'Ceph usage specified, but name is missing',
  3: 'iSCSI usage specified, but target is missing',
  4: 'TLS usage specified, but name is missing',
  5: 'vTPM usage specified, but name is missing',
};

export interface SecretDef {
  ephemeral: boolean;
  private: boolean;
  uuid: string;
  description: string | null;
  /** index into USAGE_TYPES; 0 = no usage */
  usageType: number;
  /** the volume path, Ceph/TLS/vTPM name or iSCSI target; '' without usage */
  usageID: string;
}

const err = (code: number, detail: string) => virError(ErrorDomain.SECRET, code, detail);

/** virXPathString: the string value of a node, where an empty one counts as absent. */
function nonEmpty(s: string | undefined): string | null {
  return s === undefined || s === '' ? null : s;
}

/** virStringParseYesNo on an optional attribute */
function yesNo(root: XmlElement, attr: 'ephemeral' | 'private'): boolean {
  const v = nonEmpty(root.attrs[attr]);
  if (v === null) return false;
  if (v === 'yes') return true;
  if (v === 'no') return false;
  throw err(ErrorNumber.XML_ERROR, `invalid value of '${attr}'`);
}

/** Parse and validate a secret definition (virSecretDefParseString). */
export function parseSecretXml(xml: string): SecretDef {
  const root = parseXml(xml, '(definition_of_secret)', ErrorDomain.SECRET);
  if (root.name !== 'secret') throw err(ErrorNumber.XML_ERROR, `unexpected root element <${root.name}>, expecting <secret>`);
  const ephemeral = yesNo(root, 'ephemeral');
  const priv = yesNo(root, 'private');
  const uuidText = nonEmpty(textOf(child(root, 'uuid')));
  let uuid: string;
  if (uuidText === null) uuid = uuidGenerate();
  else {
    const u = uuidParse(uuidText);
    if (u === null) throw err(ErrorNumber.INTERNAL_ERROR, 'malformed uuid element');
    uuid = u;
  }
  const description = nonEmpty(textOf(child(root, 'description')));
  let usageType = 0;
  let usageID = '';
  const usage = child(root, 'usage');
  if (usage) {
    const typeStr = nonEmpty(usage.attrs['type']);
    if (typeStr === null) throw err(ErrorNumber.XML_ERROR, 'unknown secret usage type');
    usageType = (USAGE_TYPES as readonly string[]).indexOf(typeStr);
    if (usageType < 0) throw err(ErrorNumber.CONFIG_UNSUPPORTED, `unknown secret usage type ${typeStr}`);
    if (usageType !== 0) {
      const id = nonEmpty(textOf(child(usage, USAGE_ELEMENT[usageType]!)));
      if (id === null) throw err(ErrorNumber.INTERNAL_ERROR, USAGE_MISSING[usageType]!);
      usageID = id;
    }
  }
  return { ephemeral, private: priv, uuid, description, usageType, usageID };
}

/** Format a definition as libvirt's virSecretDefFormat (no value, ever). */
export function formatSecretXml(def: SecretDef): string {
  const w = new XmlWriter();
  w.open('secret', { ephemeral: def.ephemeral ? 'yes' : 'no', private: def.private ? 'yes' : 'no' });
  w.text('uuid', def.uuid);
  if (def.description !== null) w.text('description', def.description);
  if (def.usageType !== 0) {
    w.open('usage', { type: USAGE_TYPES[def.usageType] });
    w.text(USAGE_ELEMENT[def.usageType]!, def.usageID);
    w.close();
  }
  w.close();
  return w.toString();
}
