// Domain commands for block devices, device aliases, jobs and guest power management:
// blockresize, change-media, detach-device-alias, domblkthreshold, domjobinfo, domjobabort, dompmsuspend,
// dompmwakeup. libvirt counterpart: tools/virsh-domain.c (cmdBlockresize, cmdChangeMedia and
// virshUpdateDiskXML, cmdDetachDeviceAlias,
// cmdDomjobinfo, cmdDomjobabort, cmdDomPMSuspend, cmdDomPMWakeup) and
// tools/virsh-domain-monitor.c (cmdDomblkthreshold).
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { affectFlags, exclusive, prettyCapacity } from './format.js';
import { deviceElements } from './domain_devices.js';
import { optDomain } from './lookup.js';
import { type TypedParam, TypedParamType } from '../drivers/driver.js';
import { ErrorNumber, VirError } from '../util/error.js';

/** virDomainBlockResizeFlags */
const BLOCK_RESIZE_BYTES = 1;
/** virDomainGetJobStatsFlags */
const JOB_STATS_COMPLETED = 1;
const JOB_STATS_KEEP_COMPLETED = 2;
/** virDomainAbortJobFlagsValues */
const ABORT_JOB_POSTCOPY = 1;
/** virNodeSuspendTarget names, by value */
const SUSPEND_TARGETS = ['mem', 'disk', 'hybrid'];
/** virDomainJobType as virsh prints it */
const JOB_TYPES = ['None', 'Bounded', 'Unbounded', 'Completed', 'Failed', 'Cancelled'];
/** virDomainJobOperation as virsh prints it */
const JOB_OPERATIONS = ['Unknown', 'Start', 'Save', 'Restore', 'Incoming migration', 'Outgoing migration', 'Snapshot',
  'Snapshot revert', 'Dump', 'Backup', 'Snapshot delete'];
const JOB_BOUNDED = 1;
const JOB_UNBOUNDED = 2;
const JOB_COMPLETED = 3;

/** virsh's order: path, size (default KiB), then the domain; whole KiB go as KiB, the rest as bytes */
async function blockresize(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const path = o.string('path')!;
  let size = o.scaled('size', 1024)!;
  let flags = 0;
  if (size % 1024n === 0n) size /= 1024n;
  else flags |= BLOCK_RESIZE_BYTES;
  const d = await optDomain(ctx, o);
  try {
    await d.blockResize(path, size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : size, flags);
  } catch (e) {
    throw new CmdError(`Failed to resize block device '${path}'`, e);
  }
  ctx.printExtra(`Block device '${path}' is resized`);
  return true;
}

async function detachDeviceAlias(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const alias = o.string('alias')!;
  try {
    await d.detachDeviceAlias(alias, flags);
  } catch (e) {
    throw new CmdError(`Failed to detach device with alias ${alias}`, e);
  }
  ctx.printExtra('Device detach request sent successfully\n');
  return true;
}

/** the threshold is in bytes unless a unit says otherwise; nothing is printed on success */
async function domblkthreshold(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const dev = o.string('dev')!;
  const threshold = o.scaled('threshold', 1)!;
  const d = await optDomain(ctx, o);
  await d.setBlockThreshold(dev, threshold <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(threshold) : threshold, 0);
  return true;
}

async function domjobabort(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  // virsh keeps the old call when no flag asks for the new one
  if (o.bool('postcopy')) await d.abortJob(ABORT_JOB_POSTCOPY);
  else await d.abortJob();
  return true;
}

const ulong = (params: TypedParam[], field: string): number | undefined => {
  const p = params.find((x) => x.field === field);
  return p === undefined ? undefined : Number(p.value);
};

/**
 * virDomainGetJobStats first, virDomainGetJobInfo when the driver lacks it (without flags or
 * --rawstats only); then the job's figures as virsh lays them out.
 */
async function domjobinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  if (o.bool('keep-completed') && !o.bool('completed')) throw new CliError('Option --completed is required by option --keep-completed');
  const d = await optDomain(ctx, o);
  const rawstats = o.bool('rawstats');
  let flags = 0;
  if (o.bool('completed')) flags |= JOB_STATS_COMPLETED;
  if (o.bool('keep-completed')) flags |= JOB_STATS_KEEP_COMPLETED;
  let type: number;
  let params: TypedParam[] = [];
  let info: Record<string, number> = {};
  try {
    ({ type, params } = await d.getJobStats(flags));
    const get = (f: string) => ulong(params, f) ?? 0;
    info = {
      timeElapsed: get('time_elapsed'), timeRemaining: get('time_remaining'), dataTotal: get('data_total'),
      dataProcessed: get('data_processed'), dataRemaining: get('data_remaining'), memTotal: get('memory_total'),
      memProcessed: get('memory_processed'), memRemaining: get('memory_remaining'), fileTotal: get('disk_total'),
      fileProcessed: get('disk_processed'), fileRemaining: get('disk_remaining'),
    };
  } catch (e) {
    if (!(e instanceof VirError) || e.code !== ErrorNumber.NO_SUPPORT) throw e;
    // virsh reports its own line, then the error that is still the last one
    if (flags || rawstats) throw new CmdError('Optional flags or --rawstats are not supported by the daemon', e);
    const ji = await d.getJobInfo();
    type = ji.type;
    info = { ...ji };
  }
  if (rawstats) {
    ctx.print(`Job type: ${type}\n\n`);
    for (const p of params) ctx.print(`${p.field}: ${rawValue(p)}\n`);
    return true;
  }
  const line = (label: string, value: string) => ctx.print(`${label.padEnd(17)} ${value}\n`);
  line('Job type:', (JOB_TYPES[type] ?? 'unknown').padEnd(12));
  if (!o.bool('anystats') && type !== JOB_BOUNDED && type !== JOB_UNBOUNDED && (!(flags & JOB_STATS_COMPLETED) || type !== JOB_COMPLETED)) {
    return true;
  }
  const op = ulong(params, 'operation');
  if (op !== undefined) line('Operation:', (JOB_OPERATIONS[op] ?? 'unknown').padEnd(12));
  line('Time elapsed:', `${String(info['timeElapsed']).padEnd(12)} ms`);
  if (type === JOB_BOUNDED) line('Time remaining:', `${String(info['timeRemaining']).padEnd(12)} ms`);
  const sizes = (prefix: string, processed: number, remaining: number, total: number) => {
    if (!processed && !remaining && !total) return;
    for (const [label, v] of [['processed', processed], ['remaining', remaining], ['total', total]] as const) {
      const [val, unit] = prettyCapacity(v);
      line(`${prefix} ${label}:`, `${val.toFixed(3)} ${unit}`);
    }
  };
  sizes('Data', info['dataProcessed']!, info['dataRemaining']!, info['dataTotal']!);
  sizes('Memory', info['memProcessed']!, info['memRemaining']!, info['memTotal']!);
  sizes('File', info['fileProcessed']!, info['fileRemaining']!, info['fileTotal']!);
  return true;
}

/** virTypedParameterToString */
function rawValue(p: TypedParam): string {
  switch (p.type) {
    case TypedParamType.DOUBLE: return (p.value as number).toFixed(6);
    case TypedParamType.BOOLEAN: return p.value ? '1' : '0';
    default: return String(p.value);
  }
}

/** virsh's order: the domain, --duration, then the target name */
async function dompmsuspend(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const duration = o.ull('duration') ?? 0;
  const target = SUSPEND_TARGETS.indexOf(o.string('target')!);
  if (target < 0) throw new CliError('Invalid target');
  try {
    await d.pmSuspendForDuration(target, duration, 0);
  } catch (e) {
    throw new CmdError(`Domain '${d.name}' could not be suspended`, e);
  }
  ctx.printExtra(`Domain '${d.name}' successfully suspended`);
  return true;
}

async function dompmwakeup(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  try {
    await d.pmWakeup(0);
  } catch (e) {
    throw new CmdError(`Domain '${d.name}' could not be woken up`, e);
  }
  ctx.printExtra(`Domain '${d.name}' successfully woken up`);
  return true;
}

/** VIR_DOMAIN_DEVICE_MODIFY_FORCE */
const MODIFY_FORCE = 4;

type MediaAction = 'eject' | 'insert' | 'update';

/** One child of an element as libxml2 holds it: a text node or a whole element, as text. */
interface XmlChild { text: string; element?: string }

/** Split an element's body (as dumpxml wrote it) into its top-level text and element nodes. */
function childNodes(body: string): XmlChild[] {
  const out: XmlChild[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] !== '<') {
      const j = body.indexOf('<', i);
      const end = j < 0 ? body.length : j;
      out.push({ text: body.slice(i, end) });
      i = end;
      continue;
    }
    const name = /^<([\w:.-]+)/.exec(body.slice(i))![1]!;
    const close = body.indexOf('>', i);
    let end = close + 1;
    if (body[close - 1] !== '/') {
      // the matching end tag, counting nested elements of the same name
      let depth = 1;
      const re = new RegExp(`<(/?)${name.replace(/[.]/g, '\\.')}(?=[\\s/>])[^>]*?(/?)>`, 'g');
      re.lastIndex = end;
      for (let m = re.exec(body); m; m = re.exec(body)) {
        if (m[1]) depth--; else if (!m[2]) depth++;
        if (depth === 0) { end = m.index + m[0].length; break; }
      }
    }
    out.push({ text: body.slice(i, end), element: name });
    i = end;
  }
  return out;
}

const attrOf = (el: string, name: string): string | undefined => new RegExp(`^<[^>]*?\\s${name}="([^"]*)"`).exec(el)?.[1];
const xmlAttrEscape = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * virshUpdateDiskXML: the disk element with its <source> removed, and for insert/update a new
 * one put before <target> with a copy of the indentation before <target>, serialized as
 * libxml2 dumps a node (double quotes, the original whitespace kept).
 */
export function updateDiskXml(diskText: string, newSource: string | undefined, block: boolean, target: string, action: MediaAction): string {
  const m = /^(<disk\b[^>]*?)(\/>|>([\s\S]*)<\/disk>)$/.exec(diskText)!;
  let start = m[1]!;
  const device = attrOf(`${start}>`, 'device');
  if (device !== undefined && device !== 'cdrom' && device !== 'floppy') throw new CliError(`The disk device '${target}' is not removable`);
  const kids = childNodes(m[3] ?? '');
  const targetIdx = kids.findIndex((k) => k.element === 'target');
  let textNode: XmlChild | undefined;
  for (let i = 0; i < (targetIdx < 0 ? kids.length : targetIdx); i++) if (!kids[i]!.element) textNode = kids[i];
  const sourceIdx = kids.findIndex((k) => k.element === 'source');
  let source = newSource;
  let isBlock = block;
  if (action === 'eject') {
    if (sourceIdx < 0) throw new CliError(`The disk device '${target}' doesn't have media`);
    isBlock = false;
    source = undefined;
  } else if (source === undefined) {
    throw new CliError('New disk media source was not specified');
  }
  let startupPolicy: string | undefined;
  if (sourceIdx >= 0) {
    const old = kids[sourceIdx]!.text;
    const path = ['file', 'dev', 'dir', 'pool', 'name'].map((a) => attrOf(old, a)).find((v) => v !== undefined);
    if (path !== undefined && action === 'insert') throw new CliError(`The disk device '${target}' already has media`);
    startupPolicy = attrOf(old, 'startupPolicy');
    kids.splice(sourceIdx, 1);
  }
  const type = isBlock ? 'block' : 'file';
  start = / type="[^"]*"/.test(start) ? start.replace(/ type="[^"]*"/, ` type="${type}"`) : `${start} type="${type}"`;
  if (source !== undefined) {
    const el = `<source ${isBlock ? 'dev' : 'file'}="${xmlAttrEscape(source)}"${startupPolicy !== undefined ? ` startupPolicy="${startupPolicy}"` : ''}/>`;
    const at = kids.findIndex((k) => k.element === 'target');
    kids.splice(at < 0 ? kids.length : at, 0, { text: el, element: 'source' }, ...(textNode ? [{ text: textNode.text }] : []));
  }
  return kids.length ? `${start}>${kids.map((k) => k.text).join('')}</disk>` : `${start}/>`;
}

/** virsh's order: action options, the source, --current/--live/--config, the domain, the path */
async function changeMedia(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'eject', 'insert');
  exclusive(o, 'eject', 'update');
  exclusive(o, 'insert', 'update');
  exclusive(o, 'eject', 'block');
  const source = o.string('source');
  let eject = o.bool('eject');
  let update = o.bool('update');
  // update without a source is an eject, as virsh documents
  if (update && source === undefined) { update = false; eject = true; }
  let action: MediaAction = eject ? 'eject' : 'insert';
  if (update || (!eject && !o.bool('insert'))) action = 'update';
  const done = { eject: 'Successfully ejected media.', insert: 'Successfully inserted media.', update: 'Successfully updated media.' }[action];
  let flags = affectFlags(o);
  if (o.bool('force')) flags |= MODIFY_FORCE;
  const d = await optDomain(ctx, o);
  const path = o.string('path')!;
  const domXml = await d.getXMLDesc(flags & 2 ? 2 : 0);
  const disk = changeableDisk(domXml, path);
  const xml = updateDiskXml(disk, source, o.bool('block'), path, action);
  if (o.bool('print-xml')) {
    ctx.print(xml);
    return true;
  }
  try {
    await d.updateDevice(xml, flags);
  } catch (e) {
    throw new CmdError(`Failed to complete action ${action} on media`, e);
  }
  ctx.print(done);
  return true;
}

/** virshFindDisk with VIRSH_FIND_DISK_CHANGEABLE: cdrom and floppy drives only */
export function changeableDisk(domainXml: string, path: string): string {
  const disks = deviceElements(domainXml, 'disk');
  if (disks.length === 0) throw new CliError('Failed to get disk information');
  for (const d of disks) {
    const dev = d.attrs['device'];
    if (dev !== undefined && dev !== 'cdrom' && dev !== 'floppy') continue;
    const kids = childNodes(/^<disk\b[^>]*?>([\s\S]*)<\/disk>$/.exec(d.text)?.[1] ?? '');
    const targetEl = kids.find((k) => k.element === 'target');
    if (targetEl && attrOf(targetEl.text, 'dev') === path) return d.text;
    const sourceEl = kids.find((k) => k.element === 'source');
    if (sourceEl && ['file', 'dev', 'dir', 'name'].some((a) => attrOf(sourceEl.text, a) === path)) return d.text;
  }
  throw new CliError(`No disk found whose source path or target is ${path}`);
}

export const handlers: HandlerTable = {
  blockresize, 'change-media': changeMedia, 'detach-device-alias': detachDeviceAlias, domblkthreshold, domjobinfo, domjobabort, dompmsuspend, dompmwakeup,
};
