// Live and persistent tuning of a QEMU domain: memory (balloon), vCPU count (CPU hotplug from
// query-hotpluggable-cpus), rename of an inactive domain, raw monitor commands (which taint the
// domain) and the messages that report it. libvirt counterpart: the matching qemu_driver.c APIs
// and qemu_hotplug.c's vcpu parts.
import * as fs from 'node:fs';
import { ErrorDomain, ErrorNumber, checkFlags, rawError, virError } from '../../util/error.js';
import { DomainMemoryModFlags, DomainVcpuFlags } from '../../api/constants.js';
import { cloneDomainDef, type DomainDef } from '../../conf/domain.js';
import type { DomainObj, LiveDomain } from './domain_obj.js';
import { modificationImpact, persistentDef, setPersistentDef } from './hotplug.js';
import { logFilePath, writeStatus } from './process.js';
import type { QemuDriverState } from './state.js';

const ERR = ErrorDomain.QEMU;
const { LIVE, CONFIG } = DomainVcpuFlags;

const apiArgError = (message: string) => rawError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, message);

function liveOf(obj: DomainObj): LiveDomain {
  if (!obj.live?.monitor) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
  return obj.live;
}

// ---------------------------------------------------------------- memory

/** qemuDomainSetMemoryFlags. */
export async function qemuDomainSetMemory(drv: QemuDriverState, obj: DomainObj, newmem: number, flags: number,
  saveConfig: (def: DomainDef) => void): Promise<void> {
  checkFlags(ERR, flags, LIVE | CONFIG | DomainMemoryModFlags.MAXIMUM, 'qemuDomainSetMemoryFlags');
  const impact = modificationImpact(obj, flags & (LIVE | CONFIG));
  const conf = impact.config ? cloneDomainDef(persistentDef(obj)) : null;
  if (flags & DomainMemoryModFlags.MAXIMUM) {
    if (impact.live) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'cannot resize the maximum memory on an active domain');
    if (conf) {
      if (conf.maxMemory && newmem > conf.maxMemory.size) {
        throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'cannot set initial memory size greater than the maximum memory size');
      }
      conf.memory = newmem;
      if (conf.currentMemory > newmem) conf.currentMemory = newmem;
    }
  } else {
    const live = impact.live ? liveOf(obj) : null;
    for (const def of [live?.def, conf]) {
      if (def && newmem > def.memory) throw virError(ERR, ErrorNumber.INVALID_ARG, 'cannot set memory higher than max memory');
    }
    if (live) {
      const b = live.def.devices.memballoon;
      if (!b || b.model === 'none' || !b.alias) {
        throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'Unable to change memory of active domain without the balloon device and guest OS balloon driver');
      }
      await live.monitor!.execute('balloon', { value: newmem * 1024 });
      live.def.currentMemory = newmem;
      writeStatus(drv, obj);
    }
    if (conf) conf.currentMemory = newmem;
  }
  if (conf) { saveConfig(conf); setPersistentDef(obj, conf); }
}

// ---------------------------------------------------------------- vcpus

const vcpusOf = (d: DomainDef) => d.vcpuCurrent ?? d.vcpus;
function setCurrent(d: DomainDef, n: number): void { if (n === d.vcpus) delete d.vcpuCurrent; else d.vcpuCurrent = n; }

interface HotpluggableCpu { type: string; 'vcpus-count': number; props: Record<string, number>; 'qom-path'?: string }

/** Slots in libvirt's vcpu order (socket, die, core, thread). */
async function cpuSlots(live: LiveDomain): Promise<HotpluggableCpu[]> {
  const list = await live.monitor!.execute<HotpluggableCpu[]>('query-hotpluggable-cpus');
  const key = (c: HotpluggableCpu) => [c.props['socket-id'] ?? 0, c.props['die-id'] ?? 0, c.props['core-id'] ?? 0, c.props['thread-id'] ?? 0];
  return list.sort((a, b) => {
    const ka = key(a); const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  });
}

/** qemuDomainSetVcpusLive: plug or unplug CPUs until `n` are present. */
async function setVcpusLive(drv: QemuDriverState, obj: DomainObj, live: LiveDomain, n: number): Promise<void> {
  const cur = vcpusOf(live.def);
  if (n === cur) return;
  const mon = live.monitor!;
  const slots = await cpuSlots(live);
  if (n > cur) {
    const free = slots.map((s, i) => [s, i] as const).filter(([s]) => !s['qom-path']).slice(0, n - cur);
    for (const [s, i] of free) {
      await mon.execute('device_add', { driver: s.type, id: `vcpu${i}`, ...s.props });
      setCurrent(live.def, vcpusOf(live.def) + 1);
      writeStatus(drv, obj);
    }
    return;
  }
  // Only CPUs that were hot-plugged (they sit under /machine/peripheral) can go away again.
  const plugged = slots.map((s, i) => [s, i] as const).filter(([s]) => s['qom-path']?.startsWith('/machine/peripheral/')).reverse();
  if (plugged.length < cur - n) {
    throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `cannot unplug vcpus below ${cur - plugged.length}: only hot-plugged vcpus can be removed`);
  }
  for (const [s] of plugged.slice(0, cur - n)) {
    const qom = s['qom-path']!;
    await mon.execute('device_del', { id: qom.slice('/machine/peripheral/'.length) });
    // QEMU 7.2 reports DEVICE_DELETED only for the CPU's lapic child, so watch the slot empty.
    const end = Date.now() + drv.config.unplugTimeoutMs;
    for (;;) {
      const now = await mon.execute<HotpluggableCpu[]>('query-hotpluggable-cpus');
      if (!now.some((c) => c['qom-path'] === qom)) break;
      if (Date.now() > end) {
        throw virError(ERR, ErrorNumber.OPERATION_FAILED, 'vcpu unplug request timed out. Unplug result must be manually inspected in the domain');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    setCurrent(live.def, vcpusOf(live.def) - 1);
    writeStatus(drv, obj);
  }
}

/** qemuDomainSetVcpusFlags. */
export async function qemuDomainSetVcpus(drv: QemuDriverState, obj: DomainObj, nvcpus: number, flags: number,
  saveConfig: (def: DomainDef) => void): Promise<void> {
  const { MAXIMUM, GUEST, HOTPLUGGABLE } = DomainVcpuFlags;
  checkFlags(ERR, flags, LIVE | CONFIG | MAXIMUM | GUEST | HOTPLUGGABLE, 'qemuDomainSetVcpusFlags');
  if (flags & GUEST) throw virError(ERR, ErrorNumber.ARGUMENT_UNSUPPORTED, 'QEMU guest agent is not configured');
  const impact = modificationImpact(obj, flags & (LIVE | CONFIG));
  const conf = impact.config ? cloneDomainDef(persistentDef(obj)) : null;
  if (flags & MAXIMUM) {
    if (impact.live) throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, "maximum vcpu count of a live domain can't be modified");
    const caps = await drv.capsFor(conf!.os.arch, conf!.devices.emulator);
    const hvMax = caps.machines.find((m) => m.name === conf!.os.machine)?.maxCpus ?? 255;
    if (nvcpus > hvMax) {
      throw virError(ERR, ErrorNumber.INVALID_ARG, `requested vcpus is greater than max allowable vcpus for the connection: ${nvcpus} > ${hvMax}`);
    }
    const t = conf!.cpu?.topology;
    if (t && t.sockets * t.dies * t.cores * t.threads !== nvcpus) {
      throw virError(ERR, ErrorNumber.INVALID_ARG, "CPU topology doesn't match the desired vcpu count");
    }
    const cur = Math.min(vcpusOf(conf!), nvcpus);
    conf!.vcpus = nvcpus;
    setCurrent(conf!, cur);
  } else {
    if (impact.live) {
      const live = liveOf(obj);
      if (nvcpus > live.def.vcpus) {
        throw virError(ERR, ErrorNumber.INVALID_ARG, `requested vcpus is greater than max allowable vcpus for the live domain: ${nvcpus} > ${live.def.vcpus}`);
      }
    }
    if (conf && nvcpus > conf.vcpus) {
      throw virError(ERR, ErrorNumber.INVALID_ARG, `requested vcpus is greater than max allowable vcpus for the persistent domain: ${nvcpus} > ${conf.vcpus}`);
    }
    if (impact.live) await setVcpusLive(drv, obj, liveOf(obj), nvcpus);
    if (conf) setCurrent(conf, nvcpus);
  }
  if (conf) { saveConfig(conf); setPersistentDef(obj, conf); }
}

/** qemuDomainGetVcpusFlags (without the guest agent). */
export function qemuDomainGetVcpus(obj: DomainObj, flags: number): number {
  const { MAXIMUM, GUEST } = DomainVcpuFlags;
  checkFlags(ERR, flags, LIVE | CONFIG | MAXIMUM | GUEST, 'qemuDomainGetVcpusFlags');
  if ((flags & LIVE) && (flags & CONFIG)) {
    throw apiArgError("Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
  }
  const impact = modificationImpact(obj, flags & (LIVE | CONFIG));
  if (flags & GUEST) throw virError(ERR, ErrorNumber.ARGUMENT_UNSUPPORTED, 'QEMU guest agent is not configured');
  const def = impact.live ? obj.live!.def : persistentDef(obj);
  return flags & MAXIMUM ? def.vcpus : vcpusOf(def);
}

// ---------------------------------------------------------------- monitor passthrough, taint

/** libvirt's virDomainTaintMessage texts for the flags we set. */
const TAINT_MESSAGES: Record<string, string> = {
  'custom-monitor': 'custom monitor control commands issued',
};

/** qemuDomainObjTaint: remembered for this run and written to the domain log. */
export function qemuDomainTaint(drv: QemuDriverState, obj: DomainObj, live: LiveDomain, flag: string): void {
  if (live.taint.includes(flag)) return;
  live.taint.push(flag);
  try {
    fs.appendFileSync(logFilePath(drv, obj.name), `${new Date().toISOString()}: Domain id=${obj.id} is tainted: ${flag}\n`);
  } catch { /* the log is informative only */ }
  writeStatus(drv, obj);
}

/** virDomainGetMessages: DEPRECATION = 1, TAINTING = 2; 0 means both. */
export function qemuDomainGetMessages(obj: DomainObj, flags: number): string[] {
  checkFlags(ERR, flags, 1 | 2, 'qemuDomainGetMessages');
  if (flags && !(flags & 2)) return [];
  return (obj.live?.taint ?? []).map((t) => `tainted: ${TAINT_MESSAGES[t] ?? t}`);
}

/**
 * qemuDomainQemuMonitorCommand (virsh qemu-monitor-command): the user's QMP object, or an HMP
 * line with flags & 1, sent as is; the reply comes back as QEMU wrote it. The domain is
 * tainted: the driver no longer knows everything that happened to it.
 */
export async function qemuDomainMonitorCommand(drv: QemuDriverState, obj: DomainObj, cmd: string, flags: number): Promise<string> {
  checkFlags(ERR, flags, 1, 'qemuDomainQemuMonitorCommand');
  const live = liveOf(obj);
  qemuDomainTaint(drv, obj, live, 'custom-monitor');
  if (flags & 1) {
    return live.monitor!.execute<string>('human-monitor-command', { 'command-line': cmd });
  }
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(cmd) as Record<string, unknown>;
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new Error('not an object');
  } catch {
    throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `cannot parse json ${cmd}: unexpected data`);
  }
  return live.monitor!.executeRaw(msg);
}

// ---------------------------------------------------------------- rename

/** qemuDomainRename: only a persistent, shut-off domain without managed save. */
export function qemuDomainRenameCheck(drv: QemuDriverState, obj: DomainObj, newName: string | null, flags: number): string {
  checkFlags(ERR, flags, 0, 'qemuDomainRename');
  if (newName === null) throw apiArgError('new_name in virDomainRename must not be NULL');
  if (!obj.persistent) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'cannot rename a transient domain');
  if (obj.active) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'cannot rename active domain');
  if (obj.hasManagedSave) throw virError(ERR, ErrorNumber.OPERATION_INVALID, "domain with a managed saved state can't be renamed");
  if (obj.name === newName) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, "Can't rename domain to itself");
  if (drv.findByName(newName)) {
    throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, `domain with name '${newName}' already exists`);
  }
  if (newName.includes('/')) throw virError(ErrorDomain.DOMAIN, ErrorNumber.XML_ERROR, `name ${newName} cannot contain '/'`);
  return newName;
}
