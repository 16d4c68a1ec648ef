// Helpers shared by the domain command groups: reading a domain's XML the way virsh's XPath
// queries do, title/description lookup with virsh's fallbacks.
import type { Domain } from '../api/domain.js';
import { ErrorNumber } from '../util/error.js';
import { parseXml, child, childrenNamed, textOf, type XmlElement } from '../conf/xml.js';

export { child, childrenNamed, textOf };
export type { XmlElement };

export async function domainXml(d: Domain, flags = 0): Promise<XmlElement> {
  return parseXml(await d.getXMLDesc(flags));
}

/** string(./a/b/@c): the first match's attribute along a path of element names */
export function attrAt(el: XmlElement, path: string[], attr: string): string | undefined {
  let cur: XmlElement | undefined = el;
  for (const p of path) { cur = cur ? child(cur, p) : undefined; if (!cur) return undefined; }
  const v = cur.attrs[attr];
  return v === undefined ? undefined : String(v);
}

/** virshGetDomainDescription: metadata API first, then the XML; missing is "" */
export async function domainTitle(d: Domain, title = true, flags = 0): Promise<string> {
  try {
    return await d.getMetadata(title ? 1 : 0, null, flags);
  } catch (e) {
    const code = (e as { code?: number }).code;
    if (code === ErrorNumber.NO_DOMAIN_METADATA) return '';
    if (code !== ErrorNumber.NO_SUPPORT) throw e;
  }
  const x = await domainXml(d, flags);
  return textOf(child(x, title ? 'title' : 'description')) ?? '';
}
