// Test driver calls behind tsvirsh's tuning commands: blkio parameters (blkiotune), interface
// bandwidth (domiftune) and block I/O throttling (blkdeviotune), kept in the definitions'
// <blkiotune>, <bandwidth> and <iotune>. libvirt counterparts: testDomain{Get,Set}BlkioParameters
// with virDomainDriverSetupPersistentDefBlkioParams (hypervisor/domain_driver.c),
// testDomain{Get,Set}InterfaceParameters and testDomain{Get,Set}BlockIoTune (test_driver.c).
import { type DomainRef, type ParamsReply, type TypedParam, TypedParamType } from '../driver.js';
import type { DomainDef } from '../../conf/domain.js';
import {
  BLKIO_DEVICE_FIELDS, IOTUNE_FIELDS, IOTUNE_GROUP_AFTER, UINT_MAX, blkioDeviceIsSet, iotuneConflict,
  type BandwidthRate, type BlkioDevice, type BlkioDeviceKey, type IoTune, type IoTuneField, type ULong,
} from '../../conf/domain_tune.js';
import { macParse } from '../../conf/mac.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../util/error.js';
import { AFFECT_CONFIG, AFFECT_LIVE, domObj, getOneDef } from './domain_common.js';
import { checkFlags, domainError, testError } from './errors.js';
import type { ConnCtx } from './state.js';

const TYPED_PARAM_STRING_OKAY = 4;
/** TEST_BLOCK_IOTUNE_MAX: the test driver's ceiling for any throttle value */
const IOTUNE_MAX = 1000000000000000n;
const TYPE_NAMES = ['', 'int', 'uint', 'llong', 'ullong', 'double', 'boolean', 'string'];

/** virTypedParamsValidate: known fields of the expected type, each once. */
function validateParams(params: TypedParam[], allowed: Record<string, TypedParamType>): void {
  const seen = new Set<string>();
  for (const p of params) {
    const want = allowed[p.field];
    if (want === undefined) throw virError(ErrorDomain.NONE, ErrorNumber.ARGUMENT_UNSUPPORTED, `parameter '${p.field}' not supported`);
    if (p.type !== want) {
      throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG,
        `invalid type '${TYPE_NAMES[p.type] ?? p.type}' for parameter '${p.field}', expected '${TYPE_NAMES[want]}'`);
    }
    if (seen.has(p.field)) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `parameter '${p.field}' occurs multiple times`);
    seen.add(p.field);
  }
}

/** The public API's VIR_EXCLUSIVE_FLAGS check (libvirt-domain.c), made before asking the driver anything. */
function apiExclusiveFlags(flags: number): void {
  if ((flags & AFFECT_LIVE) && (flags & AFFECT_CONFIG)) {
    throw new VirError({
      code: ErrorNumber.INVALID_ARG, domain: ErrorDomain.DOMAIN,
      message: "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
    });
  }
}

const big = (v: ULong | boolean | string): bigint => BigInt(typeof v === 'boolean' ? Number(v) : v);
/** a ULONG as a typed-parameter value (exact: bigint only past 2^53, as TypedParam allows) */
const ullValue = (v: ULong | undefined): number | bigint => v ?? 0;

// ---- blkio ----

/**
 * strtoul/strtoull with an end pointer (virStrToLong_uip/_ullp): leading blanks, an optional
 * '+', digits; a '-' sign or overflow fails. Returns the value and what follows it.
 */
function leadingUnsigned(s: string, max: bigint): { v: ULong; rest: string } | undefined {
  const m = /^[ \t\n\v\f\r]*\+?(\d+)/.exec(s);
  if (!m) return undefined;
  const v = BigInt(m[1]!);
  if (v > max) return undefined;
  return { v: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v, rest: s.slice(m[0].length) };
}

/** virDomainDriverParseBlkioDeviceStr: "path,value,path,value..." for one device field. */
function blkioDeviceStrParse(str: string, field: typeof BLKIO_DEVICE_FIELDS[number]): { path: string; v: ULong }[] {
  if (str === '') return [];
  const parseError = () => domainError(ErrorNumber.INVALID_ARG, `unable to parse blkio device '${field.param}' '${str}'`);
  // an even number of fields, hence an odd number of commas
  const nsep = str.split(',').length - 1;
  if (!(nsep & 1)) throw parseError();
  const out: { path: string; v: ULong }[] = [];
  let temp = str;
  for (;;) {
    const comma = temp.indexOf(',');
    if (comma < 0) throw parseError();
    const path = temp.slice(0, comma);
    temp = temp.slice(comma + 1);
    const r = leadingUnsigned(temp, field.uint ? UINT_MAX : 0xffffffffffffffffn);
    if (!r) throw domainError(ErrorNumber.INVALID_ARG, `invalid value '${temp}' for parameter '${field.param}' of device '${path}'`);
    out.push({ path, v: r.v });
    if (r.rest === '') break;
    if (r.rest[0] !== ',') throw parseError();
    temp = r.rest.slice(1);
  }
  return out;
}

/** virDomainDriverMergeBlkioDevice: change listed devices, append new ones that set something. */
function blkioDeviceMerge(devices: BlkioDevice[], src: { path: string; v: ULong }[], key: BlkioDeviceKey): void {
  for (const s of src) {
    const d = devices.find((x) => x.path === s.path);
    if (d) { (d as unknown as Record<string, ULong>)[key] = s.v; continue; }
    if (!s.v) continue;
    const nd: BlkioDevice = { path: s.path, weight: 0, riops: 0, wiops: 0, rbps: 0, wbps: 0 };
    (nd as unknown as Record<string, ULong>)[key] = s.v;
    devices.push(nd);
  }
}

const BLKIO_PARAMS: Record<string, TypedParamType> = {
  weight: TypedParamType.UINT, ...Object.fromEntries(BLKIO_DEVICE_FIELDS.map((f) => [f.param, TypedParamType.STRING])),
};

// ---- interfaces ----

/** virDomainNetFind: by MAC when the name parses as one, else by host interface name. */
function netFind(def: DomainDef, device: string) {
  const mac = macParse(device);
  if (mac) {
    const hits = def.devices.interfaces.filter((n) => n.mac === mac);
    if (hits.length > 1) throw domainError(ErrorNumber.INVALID_ARG, `multiple devices matching MAC address ${mac} found`);
    if (hits[0]) return hits[0];
  }
  const net = def.devices.interfaces.find((n) => n.target?.dev === device);
  if (!net) throw domainError(ErrorNumber.INVALID_ARG, `'${device}' is not a known interface`);
  return net;
}

const BANDWIDTH_PARAMS: [string, 'in' | 'out', keyof BandwidthRate][] = [
  ['inbound.average', 'in', 'average'], ['inbound.peak', 'in', 'peak'], ['inbound.burst', 'in', 'burst'],
  ['inbound.floor', 'in', 'floor'], ['outbound.average', 'out', 'average'], ['outbound.peak', 'out', 'peak'],
  ['outbound.burst', 'out', 'burst'],
];

// ---- block I/O tune ----

/** virDomainDiskByName(def, name, allow_ambiguous): a source path when it starts with '/', else a target name. */
function diskByName(def: DomainDef, name: string) {
  if (!name.startsWith('/')) return def.devices.disks.find((d) => d.target.dev === name);
  return def.devices.disks.find((d) => (d.source?.file ?? d.source?.dev ?? d.source?.dir) === name);
}

const IOTUNE_PARAMS: Record<string, TypedParamType> = {
  ...Object.fromEntries(IOTUNE_FIELDS.map((f) => [f, TypedParamType.ULLONG])), group_name: TypedParamType.STRING,
};

export const domainTuneMethods = {
  async domainGetBlkioParameters(this: ConnCtx, dom: DomainRef, nparams: number, flags: number): Promise<ParamsReply> {
    apiExclusiveFlags(flags);
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY, 'testDomainGetBlkioParameters');
    // nparams 0 is the client asking how many there are
    if (nparams === 0) return { params: [], nparams: 6 };
    const { def } = getOneDef(domObj(this, dom), flags & ~TYPED_PARAM_STRING_OKAY);
    const tune = def.blkiotune;
    const all: TypedParam[] = [{ field: 'weight', type: TypedParamType.UINT, value: tune?.weight ?? 0 }];
    // virDomainGetBlkioParametersAssignFromDef: per field, the devices that set it
    for (const f of BLKIO_DEVICE_FIELDS) {
      const parts = (tune?.devices ?? []).filter((d) => d[f.key]).map((d) => `${d.path},${String(d[f.key])}`);
      all.push({ field: f.param, type: TypedParamType.STRING, value: parts.join(',') });
    }
    const params = all.slice(0, Math.min(nparams, 6));
    return { params, nparams: params.length };
  },
  async domainSetBlkioParameters(this: ConnCtx, dom: DomainRef, params: TypedParam[], flags: number): Promise<void> {
    apiExclusiveFlags(flags);
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainSetBlkioParameters');
    validateParams(params, BLKIO_PARAMS);
    // one definition only (virDomainObjGetOneDef), whether or not the guest runs
    const { def } = getOneDef(domObj(this, dom), flags);
    const tune = def.blkiotune ?? { weight: 0, devices: [] };
    def.blkiotune = tune;
    // a failing parameter does not stop the others; the last failure is the one reported
    let failure: unknown;
    for (const p of params) {
      if (p.field === 'weight') { tune.weight = Number(p.value); continue; }
      const f = BLKIO_DEVICE_FIELDS.find((x) => x.param === p.field)!;
      try {
        blkioDeviceMerge(tune.devices, blkioDeviceStrParse(String(p.value), f), f.key);
      } catch (e) { failure = e; }
    }
    if (!tune.weight && !tune.devices.some(blkioDeviceIsSet) && !tune.devices.length) delete def.blkiotune;
    if (failure) throw failure;
  },

  async domainGetInterfaceParameters(this: ConnCtx, dom: DomainRef, device: string, nparams: number, flags: number): Promise<ParamsReply> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY, 'testDomainGetInterfaceParameters');
    if (nparams === 0) return { params: [], nparams: 7 };
    const { def } = getOneDef(domObj(this, dom), flags & ~TYPED_PARAM_STRING_OKAY);
    const bw = netFind(def, device).bandwidth;
    // the rates are unsigned long long in the definition, but travel as UINT (C's truncation)
    const all = BANDWIDTH_PARAMS.map(([field, dir, k]) => ({ field, type: TypedParamType.UINT, value: Number(big(bw?.[dir]?.[k] ?? 0) & 0xffffffffn) }));
    const params = all.slice(0, Math.min(nparams, 7));
    return { params, nparams: params.length };
  },
  async domainSetInterfaceParameters(this: ConnCtx, dom: DomainRef, device: string, params: TypedParam[], flags: number): Promise<void> {
    apiExclusiveFlags(flags);
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainSetInterfaceParameters');
    validateParams(params, Object.fromEntries(BANDWIDTH_PARAMS.map(([f]) => [f, TypedParamType.UINT])));
    const { def } = getOneDef(domObj(this, dom), flags);
    const net = netFind(def, device);
    const rates: Record<'in' | 'out', BandwidthRate | undefined> = {
      in: { average: 0, peak: 0, burst: 0, floor: 0 }, out: { average: 0, peak: 0, burst: 0, floor: 0 },
    };
    // a direction counts as given with its average (or inbound floor), even when zero
    let inGiven = false, outGiven = false;
    for (const p of params) {
      const [, dir, k] = BANDWIDTH_PARAMS.find(([f]) => f === p.field)!;
      rates[dir]![k] = Number(p.value);
      if (dir === 'in' && (k === 'average' || k === 'floor')) inGiven = true;
      if (dir === 'out' && k === 'average') outGiven = true;
    }
    // average or floor are mandatory, peak and burst optional: a rate without them is no rate
    if (!rates.in!.average && !rates.in!.floor) rates.in = undefined;
    if (!rates.out!.average) rates.out = undefined;
    if (!net.bandwidth) {
      // kept even with neither direction: libvirt then writes an empty <bandwidth>
      net.bandwidth = {};
      if (rates.in) net.bandwidth.in = rates.in;
      if (rates.out) net.bandwidth.out = rates.out;
      return;
    }
    if (rates.in) net.bandwidth.in = rates.in; else if (inGiven) delete net.bandwidth.in;
    if (rates.out) net.bandwidth.out = rates.out; else if (outGiven) delete net.bandwidth.out;
  },

  async domainGetBlockIoTune(this: ConnCtx, dom: DomainRef, disk: string | null, nparams: number, flags: number): Promise<ParamsReply> {
    apiExclusiveFlags(flags);
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY, 'testDomainGetBlockIoTune');
    flags &= ~TYPED_PARAM_STRING_OKAY;
    if (nparams === 0) return { params: [], nparams: 20 };
    const { def } = getOneDef(domObj(this, dom), flags);
    const d = disk === null ? undefined : diskByName(def, disk);
    if (!d) throw testError(ErrorNumber.INVALID_ARG, `disk '${disk}' was not found in the domain config`);
    const t: IoTune = d.iotune ?? {};
    const all: TypedParam[] = [];
    for (const f of IOTUNE_FIELDS) {
      all.push({ field: f, type: TypedParamType.ULLONG, value: ullValue(t[f]) });
      if (f === IOTUNE_GROUP_AFTER) all.push({ field: 'group_name', type: TypedParamType.STRING, value: t.group_name ?? '' });
    }
    const params = all.slice(0, Math.min(nparams, 20));
    return { params, nparams: params.length };
  },
  async domainSetBlockIoTune(this: ConnCtx, dom: DomainRef, disk: string, params: TypedParam[], flags: number): Promise<void> {
    apiExclusiveFlags(flags);
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainSetBlockIoTune');
    validateParams(params, IOTUNE_PARAMS);
    const { def } = getOneDef(domObj(this, dom), flags);
    const d = diskByName(def, disk);
    if (!d) throw testError(ErrorNumber.INVALID_ARG, `missing persistent configuration for disk '${disk}'`);
    const info: IoTune = { ...d.iotune };
    for (const p of params) {
      if (p.field === 'group_name') { info.group_name = String(p.value); continue; }
      if (big(p.value) > IOTUNE_MAX) {
        throw testError(ErrorNumber.ARGUMENT_UNSUPPORTED, `block I/O throttle limit value must be no more than ${IOTUNE_MAX}`);
      }
      info[p.field as IoTuneField] = p.value as ULong;
    }
    const conflict = iotuneConflict(info, 'of ');
    if (conflict) throw testError(ErrorNumber.INVALID_ARG, conflict);
    for (const s of ['total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec', 'total_iops_sec', 'read_iops_sec', 'write_iops_sec'] as const) {
      // libvirt's own message ends in a blank
      if (big(info[s] ?? 0) > big(info[`${s}_max`] ?? 0)) throw testError(ErrorNumber.INVALID_ARG, `${s} cannot be set higher than ${s}_max `);
    }
    d.iotune = info;
  },
};
