// Changing a domain's configuration: desc, setvcpus, setmem, setmaxmem, attach-device,
// detach-device, update-device. libvirt counterpart: tools/virsh-domain.c.
import type { Ctx, HandlerTable } from './defs.js';
import { CmdError, type CmdOpts } from './opts.js';
import { affectFlags, exclusive } from './format.js';
import { optDomain } from './lookup.js';
import { domainTitle } from './domain_util.js';
import { readXmlFile } from './domain_lifecycle.js';

async function desc(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const title = o.bool('title');
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const words = o.argv('new-desc');
  const arg = words.length ? words.join(' ').replace(/ +$/, '') : undefined;
  if (o.bool('edit')) throw new CmdError('desc --edit is not supported by tsvirsh: give the text with --new-desc');
  if (arg !== undefined) {
    try { await d.setMetadata(title ? 1 : 0, arg, null, null, flags); } catch (e) {
      throw new CmdError(title ? 'Failed to set new domain title' : 'Failed to set new domain description', e);
    }
    ctx.printExtra(title ? 'Domain title updated successfully' : 'Domain description updated successfully');
    return true;
  }
  const text = await domainTitle(d, title, o.bool('config') ? 2 : 0);
  if (text.length) ctx.print(text);
  else ctx.printExtra(title ? `No title for domain: ${d.name}` : `No description for domain: ${d.name}`);
  return true;
}

async function setvcpus(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags = affectFlags(o);
  const maximum = o.bool('maximum');
  const guest = o.bool('guest');
  const hot = o.bool('hotpluggable');
  exclusive(o, 'guest', 'config');
  if (maximum) flags |= 4;
  if (guest) flags |= 8;
  if (hot) flags |= 16;
  const d = await optDomain(ctx, o);
  const count = o.uint('count')!;
  if (count === 0) throw new CmdError('Can\'t set 0 processors for a VM');
  if (flags || o.bool('current')) await d.setVcpusFlags(count, flags);
  else await d.setVcpus(count);
  return true;
}

/** virsh's memory sizes: scaled, KiB by default, rounded up to whole KiB. */
function kib(o: CmdOpts): number {
  const bytes = o.scaled('size', 1024, 2n ** 63n - 1n)!;
  return Number((bytes + 1023n) / 1024n);
}

async function setmem(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const k = kib(o);
  if (flags || o.bool('current')) await d.setMemoryFlags(k, flags);
  else await d.setMemory(k);
  return true;
}

async function setmaxmem(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const k = kib(o);
  try {
    if (flags || o.bool('current')) await d.setMemoryFlags(k, flags | 4);
    else await d.setMaxMemory(k);
  } catch (e) { throw new CmdError('Unable to change MaxMemorySize', e); }
  return true;
}

function deviceCommand(verb: 'attach' | 'detach' | 'update') {
  return async (ctx: Ctx, o: CmdOpts): Promise<boolean> => {
    exclusive(o, 'persistent', 'current');
    let flags = affectFlags(o);
    const current = o.bool('current');
    const persistent = o.bool('persistent');
    if (persistent) flags |= 2;
    const d = await optDomain(ctx, o);
    const file = o.string('file')!;
    const xml = readXmlFile(file);
    if (persistent && await d.isActive()) flags |= 1;
    if (verb === 'update' && o.bool('force')) flags |= 4;
    try {
      if (verb === 'attach') await d.attachDevice(xml, flags || current ? flags : 0);
      // with --current alone virsh calls virDomainDetachDeviceFlags(0), which the public
      // detachDevice() cannot express (flags 0 picks the flag-less call)
      else if (verb === 'detach') await (flags || current ? d.connection._call('domainDetachDeviceFlags', [d.ref, xml, flags]) : d.detachDevice(xml, 0));
      else await d.updateDevice(xml, flags);
    } catch (e) { throw new CmdError(`Failed to ${verb} device from ${file}`, e); }
    ctx.printExtra(`Device ${verb === 'attach' ? 'attached' : verb === 'detach' ? 'detached' : 'updated'} successfully\n`);
    return true;
  };
}

export const handlers: HandlerTable = {
  desc, setvcpus, setmem, setmaxmem,
  'attach-device': deviceCommand('attach'), 'detach-device': deviceCommand('detach'), 'update-device': deviceCommand('update'),
};
