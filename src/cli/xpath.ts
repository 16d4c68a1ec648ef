// `--xpath` of the *-dumpxml commands (virshDumpXML): full XPath 1.0 over the document, each
// selected node printed as libxml2's xmlNodeDump prints it in virsh (elements re-indented,
// attributes as ` name="value"`, text as text), or all of them gathered under <nodes> (--wrap).
// The XPath engine is the `xpath` package over an @xmldom/xmldom document, loaded only here.
import { DOMParser } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { CliError } from './opts.js';

/** DOM node types (Node.ELEMENT_NODE ...) */
const ELEMENT = 1;
const ATTRIBUTE = 2;
const TEXT = 3;
const CDATA = 4;
const COMMENT = 8;
const DOCUMENT = 9;

/** What of the DOM the dump reads (xmldom's nodes have it; its types are not exported as such). */
interface DumpNode {
  nodeType: number;
  nodeName: string;
  nodeValue: string | null;
  childNodes: ArrayLike<DumpNode>;
  attributes?: ArrayLike<DumpNode>;
  documentElement?: DumpNode;
}

/** xmlEscapeContent / xmlAttrSerializeTxtContent as libxml2 writes them */
const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
const escAttr = (s: string) => escText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');

const attrText = (a: DumpNode) => ` ${a.nodeName}="${escAttr(a.nodeValue ?? '')}"`;

/**
 * The children libxml2 keeps when parsing without blanks (virsh parses with indentation
 * stripped): blank text between elements goes, blank text that is an element's only content stays.
 */
function kept(el: DumpNode): DumpNode[] {
  const all = Array.from(el.childNodes);
  if (all.length === 1) return all;
  return all.filter((c) => !(c.nodeType === TEXT && /^[ \t\r\n]*$/.test(c.nodeValue ?? '')));
}

/** xmlNodeDump(..., level, format=1) */
function dump(n: DumpNode, level: number): string {
  switch (n.nodeType) {
    case ATTRIBUTE: return attrText(n);
    case TEXT: return escText(n.nodeValue ?? '');
    case CDATA: return `<![CDATA[${n.nodeValue ?? ''}]]>`;
    case COMMENT: return `<!--${n.nodeValue ?? ''}-->`;
    case DOCUMENT: return `<?xml version="1.0" encoding="UTF-8"?>\n${n.documentElement ? dump(n.documentElement, 0) : ''}\n`;
    case ELEMENT: break;
    default: return '';
  }
  const attrs = Array.from(n.attributes ?? []).map(attrText).join('');
  const kids = kept(n);
  if (kids.length === 0) return `<${n.nodeName}${attrs}/>`;
  // text among the children: libxml2 does not indent (it would change the content)
  if (kids.some((c) => c.nodeType === TEXT || c.nodeType === CDATA)) {
    return `<${n.nodeName}${attrs}>${kids.map((c) => dump(c, 0)).join('')}</${n.nodeName}>`;
  }
  const pad = '  '.repeat(level + 1);
  const inner = kids.map((c) => pad + dump(c, level + 1)).join('\n');
  return `<${n.nodeName}${attrs}>\n${inner}\n${'  '.repeat(level)}</${n.nodeName}>`;
}

/** --wrap: copies of the nodes under a new <nodes> element (attributes become its attributes). */
function wrapped(nodes: DumpNode[]): string {
  const attrs = nodes.filter((n) => n.nodeType === ATTRIBUTE).map(attrText).join('');
  const kids = nodes.filter((n) => n.nodeType !== ATTRIBUTE);
  if (kids.length === 0) return `<nodes${attrs}/>`;
  if (kids.some((c) => c.nodeType === TEXT || c.nodeType === CDATA)) return `<nodes${attrs}>${kids.map((c) => dump(c, 0)).join('')}</nodes>`;
  // a whole document among them turns libxml2's indenting off
  if (kids.some((c) => c.nodeType === DOCUMENT)) return `<nodes${attrs}>\n${kids.map((c) => dump(c, 0)).join('\n')}\n</nodes>`;
  return `<nodes${attrs}>\n${kids.map((c) => '  ' + dump(c, 1)).join('\n')}\n</nodes>`;
}

export function xpathSelect(xml: string, expr: string, wrap: boolean): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  let result: unknown;
  try {
    // relative expressions start at the root element, as virsh's XPath context does
    result = xpath.select(expr, doc.documentElement as unknown as Node);
  } catch (e) {
    // libxml2 reports a bad expression on stderr (sometimes with the expression and a caret,
    // which is not reproduced) and virsh then prints nothing
    const fn = /^Unknown function (\S+)/.exec(e instanceof Error ? e.message : '');
    process.stderr.write(fn ? `xmlXPathCompOpEval: function ${fn[1]} not found\nXPath error : Unregistered function\n`
      : 'XPath error : Invalid expression\n');
    return '';
  }
  if (!Array.isArray(result)) throw new CliError(`internal error: Incorrect xpath '${expr}'`);
  const nodes = result as unknown as DumpNode[];
  if (wrap) return `${wrapped(nodes)}\n`;
  return nodes.map((n) => `${dump(n, 0)}\n`).join('');
}
