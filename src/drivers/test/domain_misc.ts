// Test driver calls behind tsvirsh's domain_misc commands: IOThread add/delete/pin/tune, guest
// user passwords and process signals, core dumps, save-image redefinition, the memory stats
// period and launch security info. Answers follow libvirt 9.0's test driver (testDomainAddIOThread,
// testDomainCoreDumpWithFormat, ...), checked against the installed virsh.
import { testScreenshotPng } from './screenshot_png.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { DomainRef, DriverStream, StreamChunk, TypedParam } from '../driver.js';
import { TypedParamType } from '../driver.js';
import { formatCpuset } from '../../conf/domain_util.js';
import { formatDomainXml, parseDomainXml, type DomainDef } from '../../conf/domain.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../util/error.js';
import { AFFECT_CONFIG, AFFECT_LIVE, checkActive, domObj, getOneDef, lifecycleEvent, EventType, removeIfTransient, shutdownState } from './domain_common.js';
import type { DomainObj } from './domain_obj.js';
import { testParseDomain } from './domains.js';
import { checkFlags, domainError, testError } from './errors.js';
import { SAVE_MAGIC, readSaveImage, systemError, writeSaveImage } from './save_image.js';
import type { ConnCtx } from './state.js';

/** virDomainCoreDumpFlags */
const DUMP_CRASH = 1;
/** virDomainCoreDumpFormat: the test driver writes raw dumps only */
const DUMP_FORMAT_RAW = 0;
const SHUTOFF_CRASHED = 3;
const STOPPED_CRASHED = 2;
/** VIR_DOMAIN_PASSWORD_ENCRYPTED */
const PASSWORD_ENCRYPTED = 1;
/** VIR_DOMAIN_PROCESS_SIGNAL_LAST: signals 0..64 (nop, the 31 classic ones, rt0..rt32) */
const PROCESS_SIGNAL_LAST = 65;

/** VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED */
const SAVE_RUNNING = 2;
const SAVE_PAUSED = 4;

/**
 * The polling parameters of IOThreads added to a running guest (testDomainObjPrivate's
 * iothreads): only those can be tuned; one from the definition has none, and tuning it fails
 * without a reason, as libvirt's test driver does.
 */
interface IOThreadPoll { poll_max_ns: number; poll_grow: number; poll_shrink: number }
const livePoll = new WeakMap<DomainObj, Map<number, IOThreadPoll>>();

/** The params SetIOThreadParams takes, by name (virTypedParamsValidate's table) */
const IOTHREAD_PARAMS: Record<string, TypedParamType> = {
  poll_max_ns: TypedParamType.ULLONG, poll_grow: TypedParamType.UINT, poll_shrink: TypedParamType.UINT,
};

/** libvirt's "function failed but reported nothing" (virsh prints just this line) */
const unknownError = () => new VirError({ code: ErrorNumber.INTERNAL_ERROR, domain: ErrorDomain.TEST, message: 'An error occurred, but the cause is unknown' });

function readCpumap(map: Buffer): number[] {
  const cpus: number[] = [];
  for (let c = 0; c < map.length * 8; c++) if ((map[c >> 3]! >> (c & 7)) & 1) cpus.push(c);
  return cpus;
}

/** virTypedParamsValidate: known names with their types, each once; checked in name order */
function validateParams(params: TypedParam[], allowed: Record<string, TypedParamType>): void {
  const typeNames = ['', 'int', 'uint', 'llong', 'ullong', 'double', 'boolean', 'string'];
  const sorted = [...params].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    const want = allowed[p.field];
    if (want === undefined) throw virError(ErrorDomain.NONE, ErrorNumber.ARGUMENT_UNSUPPORTED, `parameter '${p.field}' not supported`);
    if (p.type !== want) {
      throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `invalid type '${typeNames[p.type] ?? p.type}' for parameter '${p.field}', expected '${typeNames[want]}'`);
    }
    if (i > 0 && sorted[i - 1]!.field === p.field) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `parameter '${p.field}' occurs multiple times`);
  }
}

function iothreadIds(def: DomainDef) { return (def.iothreadids ??= []); }

export const domainMiscMethods = {
  async domainAddIothread(this: ConnCtx, dom: DomainRef, iothreadId: number, flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainAddIOThread');
    const o = domObj(this, dom);
    const { def, live } = getOneDef(o, flags);
    const ids = iothreadIds(def);
    // virDomainDriverAddIOThreadCheck
    if (ids.some((t) => t.id === iothreadId)) {
      throw domainError(ErrorNumber.INVALID_ARG, `an IOThread is already using iothread_id '${iothreadId}'`);
    }
    ids.push({ id: iothreadId });
    def.iothreads = ids.length;
    if (live) {
      let m = livePoll.get(o);
      if (!m) livePoll.set(o, (m = new Map()));
      m.set(iothreadId, { poll_max_ns: 32768, poll_grow: 0, poll_shrink: 0 });
    }
  },
  async domainDelIothread(this: ConnCtx, dom: DomainRef, iothreadId: number, flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainDelIOThread');
    const o = domObj(this, dom);
    const { def, live } = getOneDef(o, flags);
    const ids = iothreadIds(def);
    // virDomainDriverDelIOThreadCheck
    const i = ids.findIndex((t) => t.id === iothreadId);
    if (i < 0) throw domainError(ErrorNumber.INVALID_ARG, `cannot find IOThread '${iothreadId}' in iothreadids list`);
    const disk = def.devices.disks.find((d) => d.driver?.iothread === String(iothreadId));
    if (disk) throw domainError(ErrorNumber.INVALID_ARG, `cannot remove IOThread ${iothreadId} since it is being used by disk '${disk.target.dev}'`);
    ids.splice(i, 1);
    // virDomainIOThreadIDDel: the ids after a removed one are no longer 1..n, so they are
    // written out from now on
    for (let j = i; j < ids.length; j++) ids[j]!.autofill = false;
    if (ids.length) def.iothreads = ids.length;
    else { delete def.iothreadids; delete def.iothreads; }
    if (live) livePoll.get(o)?.delete(iothreadId);
  },
  async domainPinIothread(this: ConnCtx, dom: DomainRef, iothreadsId: number, cpumap: Buffer, flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainPinIOThread');
    const { def } = getOneDef(domObj(this, dom), flags);
    const t = def.iothreadids?.find((x) => x.id === iothreadsId);
    if (!t) throw testError(ErrorNumber.INVALID_ARG, `iothreadid ${iothreadsId} not found`);
    const cpus = readCpumap(cpumap);
    if (!cpus.length) throw testError(ErrorNumber.INVALID_ARG, 'Empty iothread cpumap list for pinning');
    t.cpuset = formatCpuset(cpus);
    // a pinned IOThread is written out with its id
    t.autofill = false;
  },
  async domainSetIothreadParams(this: ConnCtx, dom: DomainRef, iothreadId: number, params: TypedParam[], flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE, 'testDomainSetIOThreadParams');
    const o = domObj(this, dom);
    const { def } = getOneDef(o, flags);
    if (!def.iothreadids?.some((t) => t.id === iothreadId)) {
      throw testError(ErrorNumber.INVALID_ARG, `cannot find IOThread '${iothreadId}' in iothreadids`);
    }
    const poll = livePoll.get(o)?.get(iothreadId);
    if (!poll) throw unknownError();
    validateParams(params, IOTHREAD_PARAMS);
    for (const p of params) poll[p.field as keyof IOThreadPoll] = Number(p.value);
  },

  async domainSetUserPassword(this: ConnCtx, dom: DomainRef, user: string | null, password: string | null, flags: number): Promise<void> {
    checkFlags(flags, PASSWORD_ENCRYPTED, 'testDomainSetUserPassword');
    // a fake guest: nothing to change once it runs
    checkActive(domObj(this, dom));
    void user; void password;
  },
  async domainSendProcessSignal(this: ConnCtx, dom: DomainRef, pidValue: number, signum: number, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainSendProcessSignal');
    if (pidValue !== 1) throw testError(ErrorNumber.INVALID_ARG, 'only sending a signal to pid 1 is supported');
    if (signum >= PROCESS_SIGNAL_LAST) throw testError(ErrorNumber.INVALID_ARG, `signum value ${signum} is out of range`);
    // looked up, not required to run (as libvirt's test driver)
    domObj(this, dom);
  },

  async domainCoreDump(this: ConnCtx, dom: DomainRef, to: string, flags: number): Promise<void> {
    return domainMiscMethods.domainCoreDumpWithFormat.call(this, dom, to, DUMP_FORMAT_RAW, flags);
  },
  /** The "dump" is the save image's magic alone; --crash then stops the guest as crashed. */
  async domainCoreDumpWithFormat(this: ConnCtx, dom: DomainRef, to: string, dumpformat: number, flags: number): Promise<void> {
    checkFlags(flags, DUMP_CRASH, 'testDomainCoreDumpWithFormat');
    const o = domObj(this, dom);
    checkActive(o);
    let fd: number;
    try { fd = openSync(to, 'w', 0o600); } catch (e) { throw systemError(`domain '${dom.name}' coredump: failed to open ${to}`, e); }
    try { writeSync(fd, SAVE_MAGIC); } catch (e) {
      closeSync(fd);
      throw systemError(`domain '${dom.name}' coredump: failed to write header to ${to}`, e);
    }
    closeSync(fd);
    // checked after writing, as libvirt's test driver
    if (dumpformat !== DUMP_FORMAT_RAW) throw testError(ErrorNumber.OPERATION_UNSUPPORTED, 'kdump-compressed format is not supported here');
    if (flags & DUMP_CRASH) {
      shutdownState(this.drv, o, SHUTOFF_CRASHED);
      lifecycleEvent(this.drv, o, EventType.STOPPED, STOPPED_CRASHED);
      removeIfTransient(this.drv, o);
    }
  },

  /** testDomainSaveImageDefineXML: the image must read; the new definition replaces its XML. */
  async domainSaveImageDefineXml(this: ConnCtx, file: string, dxml: string, flags: number): Promise<void> {
    checkFlags(flags, SAVE_RUNNING | SAVE_PAUSED, 'testDomainSaveImageDefineXML');
    testParseDomain(readSaveImage(file));
    const def = parseDomainXml(dxml);
    writeSaveImage(file, def.name, formatDomainXml(def, { secure: true }));
  },

  async domainSetMemoryStatsPeriod(this: ConnCtx, dom: DomainRef, period: number, flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainSetMemoryStatsPeriod');
    const { def } = getOneDef(domObj(this, dom), flags);
    const mb = def.devices.memballoon;
    if (!mb || mb.model === 'none') {
      throw testError(ErrorNumber.INTERNAL_ERROR, 'No memory balloon device configured, can not set the collection period');
    }
    mb.statsPeriod = period;
  },
  /** testDomainScreenshot: the fixed PNG for any domain, running or not (it is not looked up) */
  async domainScreenshot(this: ConnCtx, dom: DomainRef, screen: number, flags: number): Promise<DriverStream> {
    checkFlags(flags, 0, 'testDomainScreenshot');
    void dom; void screen;
    let done = false;
    const incoming: AsyncIterable<StreamChunk> = {
      async *[Symbol.asyncIterator]() {
        if (!done) yield testScreenshotPng();
      },
    };
    return { incoming, result: 'image/png', finish: async () => { done = true; }, abort: () => { done = true; } };
  },
  async domainGetLaunchSecurityInfo(this: ConnCtx, dom: DomainRef, flags: number): Promise<TypedParam[]> {
    checkFlags(flags, 0, 'testDomainGetLaunchSecurityInfo');
    // no launch security in a fake guest; libvirt's test driver does not even look it up
    void dom;
    return [];
  },
};
