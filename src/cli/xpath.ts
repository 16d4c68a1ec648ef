// A small XPath subset for `dumpxml --xpath`: location paths of element names with `//`, `*`,
// `[n]` and a final `@attr`. Matches print one per line: elements as XML, attributes as values.
import { parseXml, elements, type XmlElement } from '../conf/xml.js';
import { CliError } from './opts.js';

function serialize(el: XmlElement, indent = ''): string {
  const attrs = Object.entries(el.attrs).map(([k, v]) => ` ${k}="${String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`).join('');
  if (!el.children.length) return `${indent}<${el.name}${attrs}/>`;
  if (el.children.every((c) => typeof c === 'string')) {
    const text = (el.children as string[]).join('').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return `${indent}<${el.name}${attrs}>${text}</${el.name}>`;
  }
  const inner = elements(el).map((c) => serialize(c, indent + '  ')).join('\n');
  return `${indent}<${el.name}${attrs}>\n${inner}\n${indent}</${el.name}>`;
}

function descendants(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of elements(el)) { out.push(c); out.push(...descendants(c)); }
  return out;
}

export function xpathSelect(xml: string, expr: string, wrap: boolean): string {
  const root = parseXml(xml);
  const doc: XmlElement = { name: '#document', attrs: {}, children: [root] } as XmlElement;
  if (!expr.startsWith('/')) expr = '/' + root.name + '/' + expr;
  // one step per '/name' or '//name' ('//' = any depth, a leading one included)
  const steps = expr.match(/\/\/?[^/]*/g) ?? [];
  let nodes: XmlElement[] = [doc];
  let attr: string | null = null;
  for (let raw of steps) {
    const deep = raw.startsWith('//');
    raw = raw.slice(deep ? 2 : 1);
    if (raw.startsWith('@')) { attr = raw.slice(1); break; }
    const m = /^([\w.*-]+)(?:\[(\d+)\])?$/.exec(raw);
    if (!m) throw new CliError(`XPath expression '${expr}' is not supported by tsvirsh`);
    const next: XmlElement[] = [];
    for (const n of nodes) {
      const pool = deep ? descendants(n) : elements(n);
      const matched = pool.filter((c) => m[1] === '*' || c.name === m[1]);
      if (m[2]) { const k = matched[Number(m[2]) - 1]; if (k) next.push(k); } else next.push(...matched);
    }
    nodes = next;
  }
  let out: string[];
  if (attr !== null) out = nodes.flatMap((n) => (n.attrs[attr!] !== undefined ? [String(n.attrs[attr!])] : []));
  else out = nodes.map((n) => serialize(n));
  if (wrap) return `<nodes>\n${out.map((s) => s.split('\n').map((l) => '  ' + l).join('\n')).join('\n')}\n</nodes>\n`;
  return out.map((s) => s + '\n').join('');
}
