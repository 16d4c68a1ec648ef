// <metadata> kept verbatim as libvirt keeps it (an XML subtree dumped by libxml2), and the
// virDomainGetMetadata / virDomainSetMetadata operations on a definition.
import { ErrorDomain, ErrorNumber, rawError, virError } from '../util/error.js';
import type { DomainDef } from './domain_def.js';
import { parseXml, type XmlElement, type XmlNode } from './xml.js';

export const METADATA_DESCRIPTION = 0;
export const METADATA_TITLE = 1;
export const METADATA_ELEMENT = 2;

/** Namespace URI of an element: its prefix looked up on itself, then on its ancestors. */
function nsOf(el: XmlElement, ancestors: XmlElement[]): { prefix: string; uri: string; declaredOn: XmlElement } | undefined {
  const colon = el.name.indexOf(':');
  const prefix = colon < 0 ? '' : el.name.slice(0, colon);
  const attr = prefix ? `xmlns:${prefix}` : 'xmlns';
  for (const a of [el, ...[...ancestors].reverse()]) {
    const uri = a.attrs[attr];
    if (uri !== undefined) return uri === '' ? undefined : { prefix, uri, declaredOn: a };
  }
  return undefined;
}

/**
 * libxml2's "no blanks" rule as libvirt parses: whitespace-only text between elements is
 * dropped unless the element starts with text (mixed content) or holds nothing else.
 */
function stripBlanks(el: XmlElement): XmlElement {
  const kids: XmlNode[] = [];
  const onlyChild = el.children.length === 1;
  for (const c of el.children) {
    if (typeof c === 'string') {
      const blank = c.trim() === '';
      if (blank && !onlyChild && !(typeof kids[0] === 'string')) continue;
      kids.push(c);
    } else {
      kids.push(stripBlanks(c));
    }
  }
  return { name: el.name, attrs: { ...el.attrs }, children: kids };
}

/**
 * What libvirt keeps of a parsed <metadata>: children without a namespace and second users of
 * a namespace are dropped (virXMLNodeSanitizeNamespaces); declarations made on <domain> move
 * onto <metadata> (xmlCopyNode reconciles them there).
 */
export function sanitizeMetadata(meta: XmlElement, root: XmlElement): XmlElement | undefined {
  const out: XmlElement = { name: 'metadata', attrs: {}, children: [] };
  for (const [k, v] of Object.entries(meta.attrs)) if (k === 'xmlns' || k.startsWith('xmlns:')) out.attrs[k] = v;
  const seen = new Set<string>();
  for (const c of meta.children) {
    if (typeof c === 'string') continue;
    const ns = nsOf(c, [root, meta]);
    if (!ns || seen.has(ns.uri)) continue;
    seen.add(ns.uri);
    if (ns.declaredOn === root) out.attrs[ns.prefix ? `xmlns:${ns.prefix}` : 'xmlns'] = ns.uri;
    out.children.push(stripBlanks(c));
  }
  return out;
}

// ---- libxml2-style dump (xmlNodeDump with format=1) ----

function escText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}
function escAttr(s: string): string {
  return s.replace(/[&<>"\n\r\t]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' })[c]!);
}

function dumpAttrs(el: XmlElement): string {
  // namespace declarations come first, as libxml2 keeps them apart from attributes
  let s = '';
  for (const [k, v] of Object.entries(el.attrs)) if (k === 'xmlns' || k.startsWith('xmlns:')) s += ` ${k}="${escAttr(v)}"`;
  for (const [k, v] of Object.entries(el.attrs)) if (!(k === 'xmlns' || k.startsWith('xmlns:'))) s += ` ${k}="${escAttr(v)}"`;
  return s;
}

/** Serialize like xmlNodeDump(level, format=1): first line unindented, no trailing newline. */
export function xmlDumpNode(el: XmlElement, level: number, format = true): string {
  const open = `<${el.name}${dumpAttrs(el)}`;
  if (el.children.length === 0) return `${open}/>`;
  const fmt = format && !el.children.some((c) => typeof c === 'string');
  let s = `${open}>`;
  for (const c of el.children) {
    if (fmt) s += '\n' + '  '.repeat(level + 1);
    s += typeof c === 'string' ? escText(c) : xmlDumpNode(c, level + 1, fmt);
  }
  if (fmt) s += '\n' + '  '.repeat(level);
  return `${s}</${el.name}>`;
}

// ---- get / set ----

function notFound() {
  return virError(ErrorDomain.DOMAIN, ErrorNumber.NO_DOMAIN_METADATA, 'Requested metadata element is not present');
}

function findByUri(meta: XmlElement, uri: string): number {
  return meta.children.findIndex((c) => typeof c !== 'string' && nsOf(c, [meta])?.uri === uri);
}

/** Rewrite a subtree without the namespace `uri`: prefixes and declarations removed. */
function stripNs(el: XmlElement, uri: string, prefix: string): XmlElement {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attrs)) {
    if ((k === 'xmlns' || k.startsWith('xmlns:')) && v === uri) continue;
    attrs[k] = v;
  }
  const name = prefix && el.name.startsWith(prefix + ':') ? el.name.slice(prefix.length + 1) : el.name;
  return { name, attrs, children: el.children.map((c) => (typeof c === 'string' ? c : stripNs(c, uri, prefix))) };
}

/** virDomainDefGetMetadata: description, title, or the element in namespace `uri`. */
export function domainDefGetMetadata(def: DomainDef, type: number, uri: string | null): string | null {
  switch (type) {
    case METADATA_DESCRIPTION:
      if (def.description === undefined) throw notFound();
      return def.description;
    case METADATA_TITLE:
      if (def.title === undefined) throw notFound();
      return def.title;
    case METADATA_ELEMENT: {
      if (!def.metadata || uri === null) throw notFound();
      const i = findByUri(def.metadata, uri);
      if (i < 0) throw notFound();
      const el = def.metadata.children[i] as XmlElement;
      const ns = nsOf(el, [def.metadata])!;
      return xmlDumpNode(stripNs(el, uri, ns.prefix), 0);
    }
    default:
      throw virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, `unknown metadata type '${type}'`);
  }
}

function setNsPrefix(el: XmlElement, key: string): XmlElement {
  const local = el.name.includes(':') ? el.name.slice(el.name.indexOf(':') + 1) : el.name;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attrs)) if (!(k === 'xmlns' || k.startsWith('xmlns:'))) attrs[k] = v;
  return { name: `${key}:${local}`, attrs, children: el.children.map((c) => (typeof c === 'string' ? c : setNsPrefix(c, key))) };
}

/**
 * virDomainDefSetMetadata: replace (or with value null/'' remove) the description, the title
 * or the element in namespace `uri`, which is stored under prefix `key`.
 */
export function domainDefSetMetadata(def: DomainDef, type: number, value: string | null,
  key: string | null, uri: string | null): void {
  const v = value === '' ? null : value;
  switch (type) {
    case METADATA_DESCRIPTION:
      if (v === null) delete def.description; else def.description = v;
      return;
    case METADATA_TITLE:
      if (v !== null && v.includes('\n')) {
        throw virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, "metadata title can't contain newlines");
      }
      if (v === null) delete def.title; else def.title = v;
      return;
    case METADATA_ELEMENT: {
      if (uri === null) throw rawError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, 'uri in virDomainSetMetadata must not be NULL');
      let el: XmlElement | undefined;
      if (v !== null) {
        if (key === null) throw rawError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, 'key in virDomainSetMetadata must not be NULL');
        const parsed = stripBlanks(parseXml(v, '(metadata_xml)', ErrorDomain.DOMAIN));
        el = setNsPrefix(parsed, key);
        el.attrs = { [`xmlns:${key}`]: uri, ...el.attrs };
      }
      const meta = def.metadata;
      if (meta) {
        let i: number;
        while ((i = findByUri(meta, uri)) >= 0) meta.children.splice(i, 1);
      }
      if (el) {
        if (!def.metadata) def.metadata = { name: 'metadata', attrs: {}, children: [] };
        def.metadata.children.push(el);
      }
      return;
    }
    default:
      throw virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, `unknown metadata type '${type}'`);
  }
}
