// A small element tree over the saxes parser, plus a writer that formats the way libvirt does
// (two-space indent, single-quoted attributes, `<x/>` for empty elements). Pure: no I/O.
import { SaxesParser } from 'saxes';
import { ErrorNumber, VirError } from '../util/error.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** 1-based line of the start tag, for error messages */
  line?: number;
}
export type XmlNode = XmlElement | string;

/**
 * Parse a document. Malformed input raises VIR_ERR_XML_DETAIL worded after libxml2's
 * "(url):LINE: message" so users see what they see with libvirt.
 */
export function parseXml(text: string, url = 'domain_definition', errDomain = 20): XmlElement {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: { line: number; msg: string } | undefined;
  parser.on('error', (e: Error) => {
    if (!failure) failure = { line: parser.line, msg: e.message.replace(/^\d+:\d+: /, '') };
  });
  parser.on('opentag', (tag) => {
    const el: XmlElement = { name: tag.name, attrs: {}, children: [], line: parser.line };
    for (const [k, v] of Object.entries(tag.attributes)) el.attrs[k] = String(v);
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el); else if (!root) root = el;
    stack.push(el);
  });
  parser.on('closetag', () => { stack.pop(); });
  const onText = (t: string) => {
    const parent = stack[stack.length - 1];
    if (!parent) return;
    const last = parent.children[parent.children.length - 1];
    if (typeof last === 'string') parent.children[parent.children.length - 1] = last + t;
    else parent.children.push(t);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  try {
    parser.write(text).close();
  } catch (e) {
    if (!failure) failure = { line: parser.line, msg: (e as Error).message };
  }
  if (!failure && !root) failure = { line: 1, msg: 'Document is empty' };
  if (failure) {
    throw new VirError({
      code: ErrorNumber.XML_DETAIL, domain: errDomain,
      message: `(${url}):${failure.line}: ${failure.msg}`,
      str1: '%s',
    });
  }
  return root!;
}

// ---- reading helpers ----

export function child(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) return c;
  return undefined;
}
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) out.push(c);
  return out;
}
export function elements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}
/** Concatenated text content of an element (recursively), like xmlNodeGetContent. */
export function textOf(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  let s = '';
  for (const c of el.children) s += typeof c === 'string' ? c : (textOf(c) ?? '');
  return s;
}
/** Trimmed text of the named child, or undefined. */
export function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c ? textOf(c)!.trim() : undefined;
}

// ---- writing ----

const ESC: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };
/** libvirt's virBufferEscapeString: the five XML specials become entities. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ESC[c]!);
}

export type Attrs = Record<string, string | number | undefined | null | false>;

/**
 * An indenting writer in the spirit of libvirt's virBuffer + virXMLFormatElement:
 * `w.open('devices')`, `w.empty('boot', {dev: 'hd'})`, `w.text('name', 'vm1')`, `w.close()`.
 * Undefined/null/false attributes are skipped, so callers can pass optional fields directly.
 */
export class XmlWriter {
  private out: string[] = [];
  private stack: string[] = [];

  private pad(): string { return '  '.repeat(this.stack.length); }

  private static attrs(a?: Attrs): string {
    if (!a) return '';
    let s = '';
    for (const k in a) {
      const v = a[k];
      if (v === undefined || v === null || v === false) continue;
      s += ` ${k}='${escapeXml(String(v))}'`;
    }
    return s;
  }

  open(name: string, attrs?: Attrs): this {
    this.out.push(`${this.pad()}<${name}${XmlWriter.attrs(attrs)}>\n`);
    this.stack.push(name);
    return this;
  }
  close(): this {
    const name = this.stack.pop();
    this.out.push(`${this.pad()}</${name}>\n`);
    return this;
  }
  empty(name: string, attrs?: Attrs): this {
    this.out.push(`${this.pad()}<${name}${XmlWriter.attrs(attrs)}/>\n`);
    return this;
  }
  /** `<name attrs>text</name>`; skipped when text is undefined/null. */
  text(name: string, text: string | number | undefined | null, attrs?: Attrs): this {
    if (text === undefined || text === null) return this;
    this.out.push(`${this.pad()}<${name}${XmlWriter.attrs(attrs)}>${escapeXml(String(text))}</${name}>\n`);
    return this;
  }
  /** An element that is empty unless it has children: calls body, emits <x/> if it wrote nothing. */
  wrap(name: string, attrs: Attrs | undefined, body: (w: this) => void): this {
    const mark = this.out.length;
    this.open(name, attrs);
    const inner = this.out.length;
    body(this);
    if (this.out.length === inner) {
      this.out.length = mark;
      this.stack.pop();
      return this.empty(name, attrs);
    }
    return this.close();
  }
  /** Re-emit a parsed element verbatim (metadata, unknown extensions), re-indented. */
  element(el: XmlElement): this {
    const kids = el.children.filter((c) => typeof c !== 'string' || c.trim() !== '');
    const attrs = XmlWriter.attrs(el.attrs);
    if (kids.length === 0) { this.out.push(`${this.pad()}<${el.name}${attrs}/>\n`); return this; }
    if (kids.every((c) => typeof c === 'string')) {
      this.out.push(`${this.pad()}<${el.name}${attrs}>${escapeXml(kids.join(''))}</${el.name}>\n`);
      return this;
    }
    this.out.push(`${this.pad()}<${el.name}${attrs}>\n`);
    this.stack.push(el.name);
    for (const c of kids) {
      if (typeof c === 'string') this.out.push(`${this.pad()}${escapeXml(c.trim())}\n`);
      else this.element(c);
    }
    return this.close();
  }
  /** Raw, already formatted lines (each indented to the current level). */
  raw(text: string): this {
    for (const line of text.replace(/\n$/, '').split('\n')) this.out.push(`${this.pad()}${line}\n`);
    return this;
  }
  get depth(): number { return this.stack.length; }
  toString(): string { return this.out.join(''); }
}
