// A small element tree from our own fast XML parser, plus a writer that formats the way libvirt does
// (two-space indent, single-quoted attributes, `<x/>` for empty elements). Pure: no I/O.
import { Buffer } from 'node:buffer';
import { ErrorNumber, VirError } from '../util/error.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

/**
 * Parse a document. Malformed input raises VIR_ERR_XML_DETAIL worded after libxml2's
 * "URL:LINE: message" (URL is "(domain_definition)" for a string, the bare path for a file) followed by libvirt's context line and caret, so users see what
 * they see with libvirt.
 *
 * A small non-validating parser of our own: saxes measured ~1,000 documents/s on a
 * 100-device domain, far from the 5,000/s parse+format goal. It checks well-formedness
 * (tag nesting, attribute syntax, entities, a single root) and normalises attribute
 * whitespace and line ends as XML requires; DOCTYPE, comments and PIs are skipped.
 */
export function parseXml(text: string, url = '(domain_definition)', errDomain = 20): XmlElement {
  return new XmlTokenizer(text, url, errDomain).parse();
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

const NAME_RE = /[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9_.:\u00B7\u00C0-\uFFFF]*/y;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0xc0;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7;
}
/** Only XML white space between `from` and `to`? */
function isBlankRun(b: Uint16Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c !== 32 && c !== 10 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * White space between tags (indentation) carries nothing in libvirt's documents; it is dropped
 * when an element follows it or when it closes an element that has element children. Text-only
 * content such as `<title> </title>` is kept as written.
 */
function blankIsIndent(b: Uint16Array, lt: number, parent: XmlElement): boolean {
  const next = b[lt + 1];
  if (next !== 47) return next !== 33 && next !== 63; // an element follows (not a comment/PI/CDATA)
  for (const c of parent.children) if (typeof c !== 'string') return true;
  return false;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

// Element and attribute names libvirt documents use over and over. The tokenizer hashes a
// name while scanning it and returns the matching constant from this table instead of a fresh
// slice: constants are internalised strings, so keyed stores skip a string-table lookup and
// the builder's `el.name === 'disk'` compares pointers instead of characters.
const VOCAB = [
  // elements
  'domain', 'name', 'uuid', 'genid', 'title', 'description', 'metadata', 'memory', 'currentMemory',
  'maxMemory', 'vcpu', 'numatune', 'os', 'type', 'loader', 'nvram', 'kernel', 'initrd', 'cmdline',
  'dtb', 'init', 'initarg', 'boot', 'bootmenu', 'bios', 'smbios', 'features', 'acpi', 'apic', 'pae',
  'hap', 'vmport', 'pmu', 'smm', 'vmcoreinfo', 'cpu', 'vendor', 'topology', 'feature', 'clock',
  'timer', 'on_poweroff', 'on_reboot', 'on_crash', 'pm', 'suspend-to-mem', 'suspend-to-disk',
  'devices', 'emulator', 'disk', 'driver', 'source', 'target', 'readonly', 'shareable', 'transient',
  'serial', 'wwn', 'product', 'alias', 'address', 'controller', 'interface', 'mac', 'model', 'link',
  'mtu', 'parallel', 'console', 'channel', 'protocol', 'input', 'graphics', 'listen', 'video',
  'sound', 'codec', 'hostdev', 'watchdog', 'memballoon', 'stats', 'rng', 'backend', 'rate', 'panic',
  'host', 'seclabel', 'label', 'imagelabel', 'iotune', 'encryption', 'auth', 'secret',
  // attributes
  'dev', 'bus', 'device', 'file', 'network', 'cache', 'port', 'slot', 'function', 'unit', 'index',
  'mode', 'path', 'arch', 'machine', 'offset', 'service', 'placement', 'autoport', 'state', 'heads',
  'vram', 'ram', 'vgamem', 'vram64', 'primary', 'policy', 'tickpolicy', 'enabled', 'current',
  'bridge', 'managed', 'cpuset', 'action', 'threads', 'sockets', 'cores', 'dies', 'ports', 'vectors',
  'period', 'order', 'match', 'io', 'id', 'enable', 'discard', 'check', 'adjustment', 'fallback',
  'volume', 'pool', 'track', 'timezone', 'timeout', 'startupPolicy', 'slots', 'secure', 'passwd',
  'multifunction', 'migratable', 'keymap', 'dir', 'detect_zeroes', 'error_policy', 'bytes', 'basis',
  'autodeflate', 'append', 'size', 'value', 'portgroup', 'firmware', 'useserial', 'rebootTimeout',
  'websocket', 'sharePolicy', 'socket', 'tlsPort', 'defaultMode', 'template', 'stateless',
  'frequency', 'present', 'controller', 'iothread', 'queues', 'copy_on_read', 'rerror_policy',
  'tray', 'removable', 'snapshot', 'bootIndex', 'xmlns', 'reg', 'base', 'iobase', 'irq', 'cssid',
  'ssid', 'devno', 'transport', 'tls', 'freePageReporting', 'passwdValidTo', 'vendor_id', 'start',
];
/** Hash of a name as the scanners compute it char by char: h = h * 31 + c (32-bit). */
const VOCAB_BITS = 10;
const VOCAB_MASK = (1 << VOCAB_BITS) - 1;
const VOCAB_TABLE: string[] = new Array<string>(VOCAB_MASK + 1).fill('');
// each entry's characters, for checking a candidate without charCodeAt calls
const VOCAB_CHARS = new Uint16Array(VOCAB.reduce((n, v) => n + v.length, 0));
const VOCAB_AT = new Int32Array(VOCAB_MASK + 1);
{
  let at = 0;
  for (const n of VOCAB) {
    let h = 0;
    for (let i = 0; i < n.length; i++) h = (Math.imul(h, 31) + n.charCodeAt(i)) | 0;
    // open addressing, linear probing; the table is a quarter full
    let i = (h ^ (h >>> VOCAB_BITS)) & VOCAB_MASK;
    while (VOCAB_TABLE[i] !== '' && VOCAB_TABLE[i] !== n) i = (i + 1) & VOCAB_MASK;
    if (VOCAB_TABLE[i] === n) continue;
    VOCAB_TABLE[i] = n;
    VOCAB_AT[i] = at;
    for (let k = 0; k < n.length; k++) VOCAB_CHARS[at++] = n.charCodeAt(k);
  }
}
/** The vocabulary constant equal to s[start, end) (whose hash is h), else a fresh slice. */
function internName(s: string, b: Uint16Array, start: number, end: number, h: number): string {
  const len = end - start;
  for (let i = (h ^ (h >>> VOCAB_BITS)) & VOCAB_MASK; ; i = (i + 1) & VOCAB_MASK) {
    const n = VOCAB_TABLE[i]!;
    if (n.length === len) {
      let k = 0;
      const at = VOCAB_AT[i]!;
      while (k < len && VOCAB_CHARS[at + k] === b[start + k]) k++;
      if (k === len) return n;
    } else if (n === '') {
      return s.slice(start, end);
    }
  }
}
/** Does b hold `name` followed by '>' at offset p (a matching end tag's name)? */
function endTagAt(b: Uint16Array, p: number, name: string): boolean {
  const len = name.length;
  for (let k = 0; k < len; k++) if (b[p + k] !== name.charCodeAt(k)) return false;
  return b[p + len] === 62;
}

class XmlTokenizer {
  private pos = 0;
  /** offset of the start tag being read, for its error messages */
  private tagStart = 0;
  private readonly seen: string[] = [];
  /** the document's UTF-16 code units: indexing a typed array is cheaper than charCodeAt */
  private readonly b: Uint16Array;
  constructor(private readonly s: string, private readonly url: string, private readonly errDomain: number) {
    this.b = new Uint16Array(s.length);
    Buffer.from(this.b.buffer, 0, 2 * s.length).write(s, 0, 'utf16le');
  }

  /** 1-based line of offset `p`; only errors need it, so it is computed then, not per element. */
  private lineAt(p: number): number {
    let line = 1;
    for (let i = this.s.indexOf('\n'); i !== -1 && i < p; i = this.s.indexOf('\n', i + 1)) line++;
    return line;
  }

  /** libvirt's report: "(url):LINE: msg\n<line text>\n----^" with the caret at `at`. */
  private fail(msg: string, at: number = this.pos): never {
    // the context line is found the way libvirt's catchXMLError walks libxml2's input
    const s = this.s;
    const p = Math.min(at, s.length);
    const line = this.lineAt(p);
    const ch = (i: number) => (i < s.length ? s[i] : '');
    let cur = p;
    while (cur > 0 && (ch(cur) === '\n' || ch(cur) === '\r')) cur--;
    while (cur > 0 && ch(cur) !== '\n' && ch(cur) !== '\r') cur--;
    if (ch(cur) === '\n' || ch(cur) === '\r') cur++;
    const col = Math.max(0, p - cur);
    let end = cur;
    while (end < s.length && s[end] !== '\n' && s[end] !== '\r') end++;
    const ctx = end > cur ? s.slice(cur, end) : '(null)';
    const caret = '-'.repeat(col) + '^';
    throw new VirError({
      code: ErrorNumber.XML_DETAIL, domain: this.errDomain,
      message: `${this.url}:${line}: ${msg}\n${ctx}\n${caret}`,
      str1: '%s',
    });
  }

  parse(): XmlElement {
    const s = this.s;
    const b = this.b;
    if (b[0] === 0xfeff) this.pos = 1;
    this.skipMisc();
    if (this.pos >= s.length || b[this.pos] !== 60) {
      this.fail("Start tag expected, '<' not found", this.pos);
    }
    const root = this.element();
    this.skipMisc();
    if (this.pos < s.length) this.fail('Extra content at the end of the document');
    return root;
  }

  /** Whitespace, comments, PIs and DOCTYPE outside the root element. */
  private skipMisc(): void {
    const s = this.s;
    const b = this.b;
    for (;;) {
      while (this.pos < s.length && isSpace(b[this.pos])) this.pos++;
      if (s.startsWith('<?', this.pos)) {
        const e = s.indexOf('?>', this.pos + 2);
        if (e < 0) this.fail('ParsePI: PI xml never end ...', s.length);
        this.pos = e + 2;
      } else if (s.startsWith('<!--', this.pos)) {
        this.skipComment();
      } else if (s.startsWith('<!DOCTYPE', this.pos)) {
        let depth = 0, i = this.pos + 9;
        for (; i < s.length; i++) {
          const c = s[i];
          if (c === '[') depth++;
          else if (c === ']') depth--;
          else if (c === '>' && depth <= 0) break;
        }
        if (i >= s.length) this.fail('DOCTYPE improperly terminated', s.length);
        this.pos = i + 1;
      } else {
        return;
      }
    }
  }

  private skipComment(): void {
    const e = this.s.indexOf('-->', this.pos + 4);
    if (e < 0) this.fail('Comment not terminated', this.s.length);
    this.pos = e + 3;
  }

  private name(): string {
    // ASCII fast path by char codes (names in libvirt documents are ASCII); the regex handles
    // the rest of XML's name alphabet
    const s = this.s;
    const b = this.b;
    const start = this.pos;
    let p = start;
    let c = b[p];
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58) {
      let h = c;
      c = b[++p];
      while ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 45 || c === 46) {
        h = (Math.imul(h, 31) + c) | 0;
        c = b[++p];
      }
      if (!(c >= 0xb7)) { this.pos = p; return internName(s, b, start, p, h); }
    }
    NAME_RE.lastIndex = start;
    const m = NAME_RE.exec(s);
    if (!m) return '';
    this.pos = NAME_RE.lastIndex;
    return m[0];
  }

  /** Decode entity and character references in `raw` (offset `base` for errors). */
  private decode(raw: string, base: number): string {
    let out = '';
    let last = 0;
    let amp = raw.indexOf('&');
    while (amp !== -1) {
      const semi = raw.indexOf(';', amp + 1);
      const ref = semi < 0 ? '' : raw.slice(amp + 1, semi);
      let rep: string | undefined;
      if (semi < 0 || ref === '') {
        this.fail(ref === '' && semi === amp + 1 ? 'xmlParseEntityRef: no name' : "EntityRef: expecting ';'", base + amp + 1);
      } else if (ref.charCodeAt(0) === 35) {
        const n = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : /^#\d+$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
        if (!Number.isFinite(n) || (ref[1] === 'x' && !/^#x[0-9a-fA-F]+$/.test(ref)) || n === 0 || n > 0x10ffff) {
          this.fail('CharRef: invalid decimal value', base + amp);
        }
        rep = String.fromCodePoint(n);
      } else {
        rep = PREDEFINED[ref];
        if (rep === undefined) {
          if (!/^[A-Za-z_:][-A-Za-z0-9._:]*$/.test(ref)) this.fail("EntityRef: expecting ';'", base + amp + 1);
          this.fail(`Entity '${ref}' not defined`, base + semi + 1);
        }
      }
      out += raw.slice(last, amp) + rep;
      last = semi + 1;
      amp = raw.indexOf('&', last);
    }
    return last === 0 ? raw : out + raw.slice(last);
  }

  private element(): XmlElement {
    const s = this.s;
    const b = this.b;
    const stack: XmlElement[] = [];
    const starts: number[] = []; // start-tag offsets of `stack`, for error lines
    let root: XmlElement | undefined;
    for (;;) {
      // at '<'
      const tagStart = this.pos;
      const next = b[this.pos + 1];
      if (next === 47) { // </name>
        const open = stack[stack.length - 1]!;
        const on = open.name;
        // the usual case, `</name>` matching the open tag, is checked in place without slicing
        if (endTagAt(b, this.pos + 2, on)) {
          this.pos += 3 + on.length;
        } else {
          this.pos += 2;
          const name = this.name();
          while (this.pos < s.length && isSpace(b[this.pos])) this.pos++;
          if (b[this.pos] !== 62) this.fail("expected '>'");
          this.pos++;
          if (name !== on) {
            this.fail(`Opening and ending tag mismatch: ${on} line ${this.lineAt(starts[starts.length - 1]!)} and ${name}`);
          }
        }
        stack.pop();
        starts.pop();
        if (stack.length === 0) return root!;
      } else if (next === 33) { // <!-- or <![CDATA[
        const top = stack[stack.length - 1];
        if (s.startsWith('<!--', this.pos)) {
          this.skipComment();
        } else if (s.startsWith('<![CDATA[', this.pos) && top) {
          const e = s.indexOf(']]>', this.pos + 9);
          if (e < 0) this.fail('CData section not finished', s.length);
          this.addText(top, s.slice(this.pos + 9, e));
          this.pos = e + 3;
        } else {
          this.fail('StartTag: invalid element name', this.pos + 1);
        }
      } else if (next === 63) { // <? PI inside content
        const e = s.indexOf('?>', this.pos + 2);
        if (e < 0) this.fail('ParsePI: PI never end ...', s.length);
        this.pos = e + 2;
      } else {
        this.pos++;
        const name = this.name();
        if (name === '') this.fail('StartTag: invalid element name');
        const el: XmlElement = { name, attrs: {}, children: [] };
        this.tagStart = tagStart;
        const selfClosed = this.attributes(el);
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(el); else root = el;
        if (selfClosed) {
          if (!parent) return el;
        } else {
          stack.push(el);
          starts.push(tagStart);
        }
      }
      // text up to the next '<'
      if (b[this.pos] === 60) continue; // the next tag follows at once
      const top = stack[stack.length - 1]!;
      const lt = s.indexOf('<', this.pos);
      if (lt < 0) {
        this.fail(`Premature end of data in tag ${top.name} line ${this.lineAt(starts[starts.length - 1]!)}`, s.length);
      }
      if (lt > this.pos) {
        if (!(isBlankRun(b, this.pos, lt) && blankIsIndent(b, lt, top))) {
          let t = s.slice(this.pos, lt);
          if (t.indexOf('&') !== -1) t = this.decode(t, this.pos);
          if (t.indexOf('\r') !== -1) t = t.replace(/\r\n?/g, '\n');
          this.addText(top, t);
        }
        this.pos = lt;
      }
    }
  }

  private addText(el: XmlElement, t: string): void {
    const kids = el.children;
    const last = kids[kids.length - 1];
    if (typeof last === 'string') kids[kids.length - 1] = last + t; else kids.push(t);
  }

  /** Attributes up to '>' or '/>'; returns true for a self-closed tag. */
  private attributes(el: XmlElement): boolean {
    // Fast path over char codes for the common shape ` name='value'`; anything unusual (or
    // wrong) restarts that attribute in the careful scanner below, which reports errors.
    const s = this.s;
    const b = this.b;
    const attrs = el.attrs;
    const seen = this.seen; // names stored so far in this tag, for the duplicate check
    let n = 0;
    let p = this.pos;
    for (;;) {
      const attrStart = p;
      let c = b[p];
      while (c === 32 || c === 10 || c === 9 || c === 13) c = b[++p];
      if (c === 62) { this.pos = p + 1; return false; }
      if (c === 47 && b[p + 1] === 62) { this.pos = p + 2; return true; }
      if (p === attrStart || !((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58)) { p = attrStart; break; }
      const ns = p;
      let h = c;
      c = b[++p];
      while ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 45 || c === 46) {
        h = (Math.imul(h, 31) + c) | 0;
        c = b[++p];
      }
      if (c !== 61) { p = attrStart; break; } // spaces around '=' or exotic names: careful path
      const an = internName(s, b, ns, p, h);
      const q = b[++p];
      if (q !== 39 && q !== 34) { p = attrStart; break; }
      let dup = false;
      for (let j = 0; j < n; j++) if (seen[j] === an) { dup = true; break; }
      if (dup) { p = attrStart; break; } // the careful path reports it
      const vs = p + 1;
      let e = vs;
      let special = false;
      for (c = b[e]; c !== q; c = b[++e]) {
        if (c === 38 || c === 60 || !(c >= 32)) { special = true; break; } // & < controls, or the end (NaN)
      }
      if (special) { p = attrStart; break; }
      attrs[an] = s.slice(vs, e);
      seen[n++] = an;
      p = e + 1;
    }
    this.pos = p;
    return this.attributesSlow(el, n === 0);
  }

  /** `first`: no attribute read yet, where libxml2 needs no blank before the name. */
  private attributesSlow(el: XmlElement, first: boolean): boolean {
    const s = this.s;
    const b = this.b;
    for (;;) {
      const before = this.pos;
      while (this.pos < s.length && isSpace(b[this.pos])) this.pos++;
      const c = b[this.pos];
      if (c === 62) { this.pos++; return false; }
      if (c === 47) {
        if (b[this.pos + 1] !== 62) this.fail(`Couldn't find end of Start Tag ${el.name} line ${this.lineAt(this.tagStart)}`, this.pos);
        this.pos += 2;
        return true;
      }
      if (this.pos >= s.length) this.fail(`Couldn't find end of Start Tag ${el.name} line ${this.lineAt(this.tagStart)}`, s.length);
      if (this.pos === before && !first) this.fail('attributes construct error');
      first = false;
      const an = this.name();
      // libxml2 reports a name that does not start right as a bad attribute name
      if (an === '') this.fail('error parsing attribute name');
      while (isSpace(b[this.pos])) this.pos++;
      if (b[this.pos] !== 61) this.fail(`Specification mandates value for attribute ${an}`);
      this.pos++;
      while (isSpace(b[this.pos])) this.pos++;
      const q = b[this.pos];
      if (q !== 39 && q !== 34) this.fail('AttValue: " or \' expected');
      // one pass over the value: find the closing quote, note what needs more work
      const vstart = this.pos + 1;
      let end = vstart, special = false;
      for (; end < s.length; end++) {
        const ch = b[end];
        if (ch === q) break;
        if (ch === 60) this.fail("Unescaped '<' not allowed in attributes values", end);
        if (ch === 38 || ch === 10 || ch === 9 || ch === 13) special = true;
      }
      if (end >= s.length) this.fail('AttValue: \' expected', s.length);
      let v = s.slice(vstart, end);
      if (special) {
        // attribute-value normalisation: literal whitespace becomes spaces, then references
        v = v.replace(/\r\n|[\t\n\r]/g, ' ');
        if (v.indexOf('&') !== -1) v = this.decode(v, vstart);
      }
      // libxml2 points past the repeated attribute's value
      if (Object.hasOwn(el.attrs, an)) this.fail(`Attribute ${an} redefined`, end + 1);
      el.attrs[an] = v;
      this.pos = end + 1;
    }
  }
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
const SPECIAL = /[<>&'"]/;
/** libvirt's virBufferEscapeString: the five XML specials become entities. */
export function escapeXml(s: string): string {
  // Most values need no escaping, and one regex test is the cheapest way to know: measured
  // on the 100-device domain it beat a charCodeAt loop (2/3 of the time), as the values come
  // in several string representations (slices of the input, constants, built strings).
  return SPECIAL.test(s) ? s.replace(/[<>&'"]/g, (ch) => ESC[ch]!) : s;
}

export type Attrs = Record<string, string | number | undefined | null | false>;

/**
 * An indenting writer in the spirit of libvirt's virBuffer + virXMLFormatElement:
 * `w.open('devices')`, `w.empty('boot', {dev: 'hd'})`, `w.text('name', 'vm1')`, `w.close()`.
 * Undefined/null/false attributes are skipped, so callers can pass optional fields directly.
 */
const PADS = Array.from({ length: 16 }, (_, i) => '  '.repeat(i));

export class XmlWriter {
  // One growing string (V8 ropes; flattened once by the caller's first use) rather than an
  // array of lines joined at the end: joining hundreds of concatenated pieces cost a fifth of
  // formatting a domain. wrap() defers its open tag instead of truncating afterwards.
  private out = '';
  private stack: string[] = [];
  /** open-tag line of the innermost wrap() whose body has written nothing yet */
  private pendingOpen: string | null = null;
  /** name of the element begun by start() */
  private startName = '';

  private pad(): string { return PADS[this.stack.length] ?? '  '.repeat(this.stack.length); }

  private static attrs(a?: Attrs): string {
    if (!a) return '';
    let s = '';
    for (const k in a) {
      const v = a[k];
      if (v === undefined || v === null || v === false) continue;
      s += ' ' + k + "='" + (typeof v === 'string' ? escapeXml(v) : String(v)) + "'";
    }
    return s;
  }

  private flush(): void {
    if (this.pendingOpen !== null) { this.out += this.pendingOpen; this.pendingOpen = null; }
  }

  open(name: string, attrs?: Attrs): this {
    this.flush();
    this.out += this.pad() + '<' + name + XmlWriter.attrs(attrs) + '>\n';
    this.stack.push(name);
    return this;
  }
  close(): this {
    this.flush();
    const name = this.stack.pop();
    this.out += this.pad() + '</' + name + '>\n';
    return this;
  }
  empty(name: string, attrs?: Attrs): this {
    this.flush();
    this.out += this.pad() + '<' + name + XmlWriter.attrs(attrs) + '/>\n';
    return this;
  }
  /** `<name k='v'/>` (just `<name/>` when v is undefined): the common one-attribute element
   *  without an attribute object to build and enumerate. */
  empty1(name: string, k: string, v: string | number | undefined): this {
    this.flush();
    this.out += this.pad() + '<' + name + (v === undefined ? '' : ' ' + k + "='" + (typeof v === 'string' ? escapeXml(v) : String(v)) + "'") + '/>\n';
    return this;
  }
  /** `<name k1='v1' k2='v2'/>`, each attribute skipped when undefined; see empty1. */
  empty2(name: string, k1: string, v1: string | number | undefined, k2: string, v2: string | number | undefined): this {
    this.flush();
    let a = '';
    if (v1 !== undefined) a += ' ' + k1 + "='" + (typeof v1 === 'string' ? escapeXml(v1) : String(v1)) + "'";
    if (v2 !== undefined) a += ' ' + k2 + "='" + (typeof v2 === 'string' ? escapeXml(v2) : String(v2)) + "'";
    this.out += this.pad() + '<' + name + a + '/>\n';
    return this;
  }
  /** `<name k='v'>` opening a child level; see empty1. */
  open1(name: string, k: string, v: string | number | undefined): this {
    this.flush();
    this.out += this.pad() + '<' + name + (v === undefined ? '' : ' ' + k + "='" + (typeof v === 'string' ? escapeXml(v) : String(v)) + "'") + '>\n';
    this.stack.push(name);
    return this;
  }
  /** `<name attrs>text</name>`; skipped when text is undefined/null. */
  text(name: string, text: string | number | undefined | null, attrs?: Attrs): this {
    if (text === undefined || text === null) return this;
    this.flush();
    this.out += this.pad() + '<' + name + XmlWriter.attrs(attrs) + '>' + escapeXml(String(text)) + '</' + name + '>\n';
    return this;
  }
  /** An element that is empty unless it has children: calls body, emits <x/> if it wrote nothing. */
  wrap(name: string, attrs: Attrs | undefined, body: (w: this) => void): this {
    this.flush();
    const head = this.pad() + '<' + name + XmlWriter.attrs(attrs);
    this.pendingOpen = head + '>\n';
    this.stack.push(name);
    body(this);
    if (this.pendingOpen !== null) {
      // the body wrote nothing (a nested wrap always writes, and flushes us first)
      this.pendingOpen = null;
      this.stack.pop();
      this.out += head + '/>\n';
      return this;
    }
    return this.close();
  }
  // ---- an element written piece by piece: start(name), attr()..., then end()/endOpen()/endText().
  // No attribute object to build and enumerate: each attr() call site stays monomorphic.

  /** `<name`; attributes follow. */
  start(name: string): this {
    this.flush();
    this.out += this.pad() + '<' + name;
    this.startName = name;
    return this;
  }
  /** ` k='v'` (escaped), nothing when v is undefined/null/false, as in Attrs. */
  attr(k: string, v: string | number | undefined | null | false): this {
    if (v === undefined || v === null || v === false) return this;
    this.out += ' ' + k + "='" + (typeof v === 'string' ? escapeXml(v) : String(v)) + "'";
    return this;
  }
  /** `/>`: the started element is empty. */
  end(): this {
    this.out += '/>\n';
    return this;
  }
  /** `>`: the started element has children, up to close(). */
  endOpen(): this {
    this.out += '>\n';
    this.stack.push(this.startName);
    return this;
  }
  /** `>text</name>` for the started element. */
  endText(text: string | number): this {
    this.out += '>' + (typeof text === 'string' ? escapeXml(text) : String(text)) + '</' + this.startName + '>\n';
    return this;
  }

  /** Re-emit a parsed element verbatim (metadata, unknown extensions), re-indented. */
  element(el: XmlElement): this {
    this.flush();
    const kids = el.children.filter((c) => typeof c !== 'string' || c.trim() !== '');
    const attrs = XmlWriter.attrs(el.attrs);
    if (kids.length === 0) { this.out += `${this.pad()}<${el.name}${attrs}/>\n`; return this; }
    if (kids.every((c) => typeof c === 'string')) {
      this.out += `${this.pad()}<${el.name}${attrs}>${escapeXml(kids.join(''))}</${el.name}>\n`;
      return this;
    }
    this.out += `${this.pad()}<${el.name}${attrs}>\n`;
    this.stack.push(el.name);
    for (const c of kids) {
      if (typeof c === 'string') this.out += `${this.pad()}${escapeXml(c.trim())}\n`;
      else this.element(c);
    }
    return this.close();
  }
  /** Raw, already formatted lines (each indented to the current level). */
  raw(text: string): this {
    this.flush();
    for (const line of text.replace(/\n$/, '').split('\n')) this.out += `${this.pad()}${line}\n`;
    return this;
  }
  get depth(): number { return this.stack.length; }
  toString(): string { this.flush(); return this.out; }
}
