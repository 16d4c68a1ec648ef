// Tuning commands: blkiotune, domiftune, blkdeviotune (get with no value options, set with
// them). libvirt counterpart: tools/virsh-domain.c (cmdBlkiotune, cmdDomIftune, cmdBlkdeviotune)
// and virshParseRateStr; each lists every parameter as `%-15s: %s`.
import type { Domain } from '../api/domain.js';
import { type TypedParam, TypedParamType } from '../drivers/driver.js';
import type { Ctx, HandlerTable } from './defs.js';
import { affectFlags, pad, typedParamValue } from './format.js';
import { optDomain } from './lookup.js';
import { CliError, CmdError, type CmdOpts, parseInteger, scaleSuffix } from './opts.js';

const STRING_OKAY = 4;
const UINT_MAX = 0xffffffffn;
const ULL_MAX = 0xffffffffffffffffn;

/** A typed-parameter ULLONG value: a number while exact, a bigint past 2^53 (the XDR layer takes both). */
const ullParam = (field: string, v: bigint): TypedParam =>
  ({ field, type: TypedParamType.ULLONG, value: (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v) as number });

const printParams = (ctx: Ctx, params: TypedParam[]): void =>
  ctx.print(params.map((p) => `${pad(p.field, 15)}: ${typedParamValue(p)}\n`).join(''));

/**
 * virsh's getter pattern: ask for the count, then for that many parameters; the count call's
 * failure and the values call's failure have their own first lines.
 */
async function getParams(get: (n: number) => Promise<{ params: TypedParam[]; nparams: number }>, countMsg: string, getMsg: string): Promise<TypedParam[]> {
  let n: number;
  try { n = (await get(0)).nparams; } catch (e) { throw new CmdError(countMsg, e); }
  if (n === 0) return [];
  try { return (await get(n)).params; } catch (e) { throw new CmdError(getMsg, e); }
}

// ---- blkiotune ----

const BLKIO_DEVICE_OPTS: [string, string][] = [
  ['device-weights', 'device_weight'], ['device-read-iops-sec', 'device_read_iops_sec'],
  ['device-write-iops-sec', 'device_write_iops_sec'], ['device-read-bytes-sec', 'device_read_bytes_sec'],
  ['device-write-bytes-sec', 'device_write_bytes_sec'],
];

async function blkiotune(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const params: TypedParam[] = [];
  const weight = o.int('weight');
  if (weight !== undefined) {
    if (weight <= 0) throw new CliError(`Invalid value of ${weight} for I/O weight`);
    params.push({ field: 'weight', type: TypedParamType.UINT, value: weight });
  }
  for (const [opt, field] of BLKIO_DEVICE_OPTS) {
    if (!o.bool(opt)) continue;
    // vshCommandOptStringQuiet: an empty value is refused without naming the option
    const v = o.string(opt, true)!;
    if (v === '') throw new CliError('Unable to parse string parameter');
    params.push({ field, type: TypedParamType.STRING, value: v });
  }
  if (params.length) {
    try { await d.setBlkioParameters(params, flags); } catch (e) { throw new CmdError('Unable to change blkio parameters', e); }
    return true;
  }
  printParams(ctx, await getParams((n) => d.getBlkioParameters(n, flags | STRING_OKAY),
    'Unable to get number of blkio parameters', 'Unable to get blkio parameters'));
  return true;
}

// ---- domiftune ----

interface Rate { average: bigint; peak: bigint; burst: bigint; floor: bigint }

/** virshParseRateStr: average[,peak[,burst[,floor]]], empty fields left at 0. */
function parseRate(s: string): Rate {
  const names = ['average', 'peak', 'burst', 'floor'] as const;
  const parts = s.split(',');
  if (parts.length > names.length) throw new CliError(`Rate string '${s}' has too many fields`);
  const r: Rate = { average: 0n, peak: 0n, burst: 0n, floor: 0n };
  parts.forEach((p, i) => {
    if (p === '') return;
    const v = parseInteger(p);
    if (v === null || v < 0n || v > ULL_MAX || /^[ \t\n\v\f\r]*-/.test(p)) throw new CliError(`field '${names[i]}' is malformed`);
    r[names[i]!] = v;
  });
  return r;
}

function rateParams(dir: 'inbound' | 'outbound', r: Rate): TypedParam[] {
  if (r.average > UINT_MAX || r.peak > UINT_MAX || r.burst > UINT_MAX) {
    throw new CliError(`${dir} rate larger than maximum ${UINT_MAX}`);
  }
  if (dir === 'inbound') {
    if (!r.average && (r.burst || r.peak) && !r.floor) throw new CliError('either inbound average or floor is mandatory');
  } else {
    if (!r.average && (r.burst || r.peak)) throw new CliError('outbound average is mandatory');
    if (r.floor) throw new CliError('outbound floor is unsupported yet');
  }
  const u = (k: keyof Rate): TypedParam => ({ field: `${dir}.${k}`, type: TypedParamType.UINT, value: Number(r[k]) });
  // the average always, the others only when set
  const out = [u('average')];
  for (const k of ['peak', 'burst', ...(dir === 'inbound' ? ['floor'] as const : [])] as const) if (r[k]) out.push(u(k));
  return out;
}

async function domiftune(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const device = o.string('interface')!;
  const inbound = o.string('inbound');
  const outbound = o.string('outbound');
  const params: TypedParam[] = [];
  if (inbound !== undefined) params.push(...rateParams('inbound', parseRate(inbound)));
  if (outbound !== undefined) params.push(...rateParams('outbound', parseRate(outbound)));
  if (params.length) {
    try { await d.setInterfaceParameters(device, params, flags); } catch (e) { throw new CmdError('Unable to set interface parameters', e); }
    return true;
  }
  printParams(ctx, await getParams((n) => d.getInterfaceParameters(device, n, flags | STRING_OKAY),
    'Unable to get number of interface parameters', 'Unable to get interface parameters'));
  return true;
}

// ---- blkdeviotune ----

/** Options taken as scaled integers (bytes by default), then the plain ones, in virsh's order. */
const IOTUNE_SCALED = ['total-bytes-sec', 'read-bytes-sec', 'write-bytes-sec', 'total-bytes-sec-max', 'read-bytes-sec-max', 'write-bytes-sec-max'];
const IOTUNE_PLAIN = ['total-iops-sec', 'read-iops-sec', 'write-iops-sec', 'total-iops-sec-max', 'read-iops-sec-max', 'write-iops-sec-max',
  'size-iops-sec', 'total-bytes-sec-max-length', 'read-bytes-sec-max-length', 'write-bytes-sec-max-length',
  'total-iops-sec-max-length', 'read-iops-sec-max-length', 'write-iops-sec-max-length'];
const paramName = (opt: string) => opt.replace(/-/g, '_');
const INT_ERROR = 'Unable to parse integer parameter';

/** vshCommandOptULongLong, exact past 2^53; its error line, then virsh's own. */
function ullOpt(o: CmdOpts, name: string): bigint | undefined {
  const raw = o.raw(name);
  if (!o.bool(name)) return undefined;
  const v = parseInteger(raw ?? '');
  if (v === null || v < 0n || v > ULL_MAX) {
    throw new CmdError(`Numeric value '${raw ?? ''}' for <${name}> option is malformed or out of range`, new CliError(INT_ERROR));
  }
  return v;
}

function scaledOpt(o: CmdOpts, name: string): bigint | undefined {
  try {
    return o.scaled(name, 1);
  } catch (e) {
    // virsh: the option's error, its own line, then the library's error it saved (a bad unit)
    if (e instanceof CmdError) throw new CmdError(e.message, new CmdError(INT_ERROR, e.cause));
    if (e instanceof CliError) {
      // a number and unit whose product passes the limit: virScaleInteger's overflow error follows
      const m = /^[ \t\n\v\f\r]*\+?(\d+)(.*)$/s.exec(o.raw(name) ?? '');
      const mult = m && BigInt(m[1]!) <= ULL_MAX ? scaleSuffix(m[2]!, 1) : null;
      if (m && mult !== null) throw new CmdError(e.message, new CmdError(INT_ERROR, new CliError(`numerical overflow: value too large: ${BigInt(m[1]!)}${m[2]}`)));
      throw new CmdError(e.message, new CliError(INT_ERROR));
    }
    throw e;
  }
}

async function blkdeviotune(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d: Domain = await optDomain(ctx, o);
  const disk = o.string('device')!;
  const params: TypedParam[] = [];
  for (const opt of IOTUNE_SCALED) {
    const v = scaledOpt(o, opt);
    if (v !== undefined) params.push(ullParam(paramName(opt), v));
  }
  for (const opt of IOTUNE_PLAIN) {
    const v = ullOpt(o, opt);
    if (v !== undefined) params.push(ullParam(paramName(opt), v));
  }
  let group: string | undefined;
  try { group = o.string('group-name'); } catch (e) { throw new CmdError((e as Error).message, new CliError('Unable to parse group-name parameter')); }
  if (group !== undefined) params.push({ field: 'group_name', type: TypedParamType.STRING, value: group });
  if (params.length) {
    try { await d.setBlockIoTune(disk, params, flags); } catch (e) { throw new CmdError('Unable to change block I/O throttle', e); }
    return true;
  }
  // virsh asks for the count without naming the disk
  printParams(ctx, await getParams((n) => d.getBlockIoTune(n ? disk : null, n, flags | STRING_OKAY),
    'Unable to get number of block I/O throttle parameters', 'Unable to get block I/O throttle parameters'));
  return true;
}

export const handlers: HandlerTable = { blkiotune, domiftune, blkdeviotune };
