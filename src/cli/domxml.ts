// domxml-to-native: a domain definition in the hypervisor's own terms (for QEMU, the command
// line a start would run). libvirt counterpart: cmdDomXMLToNative in tools/virsh-domain.c.
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, type CmdOpts } from './opts.js';
import { optDomain } from './lookup.js';
import { readXmlFile } from './domain_lifecycle.js';

async function domxmlToNative(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const format = o.string('format')!;
  let xml: string;
  if (o.string('domain') !== undefined) {
    xml = await (await optDomain(ctx, o)).getXMLDesc(0);
  } else if (o.string('xml') !== undefined) {
    xml = readXmlFile(o.string('xml')!);
  } else {
    throw new CliError('need either domain or domain XML');
  }
  const conn = await ctx.conn();
  ctx.print(await conn.domainXMLToNative(format, xml, 0));
  return true;
}

export const handlers: HandlerTable = { 'domxml-to-native': domxmlToNative };
