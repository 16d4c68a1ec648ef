// Block device resizing and write thresholds, guest power management, and the domain's job as
// virDomainGetJobInfo/GetJobStats/AbortJob see it, for the QEMU driver over QMP.
// libvirt counterpart: qemuDomainBlockResize, qemuDomainSetBlockThreshold,
// qemuDomainPMSuspendForDuration, qemuDomainPMWakeup, qemuDomainGetJobStats and
// qemuDomainAbortJob in qemu_driver.c; qemuProcessHandleBlockThreshold in qemu_process.c.
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { TypedParamType, type JobInfo, type TypedParam } from '../driver.js';
import type { DiskDef } from '../../conf/domain.js';
import type { DomainObj, LiveDomain } from './domain_obj.js';

const ERR = ErrorDomain.QEMU;
const ULLONG_MAX = 2n ** 64n - 1n;
/** VIR_DOMAIN_BLOCK_RESIZE_BYTES */
const RESIZE_BYTES = 1;
/** virDomainJobType / virDomainJobOperation values used here */
const JOB_NONE = 0;
const JOB_UNBOUNDED = 2;
const OP_SAVE = 2;
/** the job owners (see driver.ts) that are libvirt async jobs, with their operation */
const ASYNC_JOBS: Record<string, number> = {
  remoteDispatchDomainSaveFlags: OP_SAVE, remoteDispatchDomainSave: OP_SAVE, remoteDispatchDomainManagedSave: OP_SAVE,
};

function monitorOf(obj: DomainObj): LiveDomain {
  const live = obj.live;
  if (!live?.monitor) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
  return live;
}

/** virDomainDiskByName: a disk by its target or its source path */
function diskByName(live: LiveDomain, name: string): DiskDef | undefined {
  return live.def.devices.disks.find((d) => d.target.dev === name)
    ?? live.def.devices.disks.find((d) => (d.source?.file ?? d.source?.dev) === name);
}

/**
 * qemuDomainBlockResize: block_resize on the disk's format node. Sizes are bytes inside (KiB
 * without the BYTES flag); qcow2 wants whole sectors, so its size is rounded up to 512.
 */
export async function qemuDomainBlockResize(obj: DomainObj, path: string, size: number | bigint, flags: number): Promise<void> {
  let bytes = BigInt(size);
  if (!(flags & RESIZE_BYTES)) {
    if (bytes > ULLONG_MAX / 1024n) throw virError(ERR, ErrorNumber.OVERFLOW, `size must be less than ${ULLONG_MAX / 1024n}`);
    bytes *= 1024n;
  }
  const live = monitorOf(obj);
  const disk = diskByName(live, path);
  if (!disk) throw virError(ERR, ErrorNumber.INVALID_ARG, `disk '${path}' was not found in the domain config`);
  const nodes = disk.alias ? live.diskNodes[disk.alias] : undefined;
  if (!nodes || disk.readonly) {
    throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, `can't resize empty or readonly disk '${disk.target.dev}'`);
  }
  if ((disk.driver?.type ?? 'raw') === 'qcow2') bytes = (bytes + 511n) / 512n * 512n;
  // QMP's size is an int64: past it QEMU itself refuses, with its own words
  await live.monitor!.execute('block_resize', { 'node-name': nodes.format, size: Number(bytes) });
}

/**
 * qemuDomainGetStorageSourceByDevstr: "vda" is the disk's top image, "vda[N]" an element of its
 * backing chain; tsvirt's disks have no backing chain, so only the top image (index 0 or the
 * disk's own index 1, as libvirt numbers the top layer with -blockdev) exists.
 */
function thresholdTarget(live: LiveDomain, dev: string): { disk: DiskDef; node: string; withIndex: boolean } {
  const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(dev);
  if (!m) throw virError(ERR, ErrorNumber.INVALID_ARG, `failed to parse block device '${dev}'`);
  const disk = live.def.devices.disks.find((d) => d.target.dev === m[1]);
  const nodes = disk?.alias ? live.diskNodes[disk.alias] : undefined;
  if (!disk || !nodes || (m[2] !== undefined && Number(m[2]) > 1)) throw virError(ERR, ErrorNumber.INVALID_ARG, `failed to find disk '${m[1]}'`);
  return { disk, node: nodes.format, withIndex: m[2] !== undefined };
}

/** Disks whose threshold was set with an index report it with one (libvirt's thresholdEventWithIndex). */
const thresholdWithIndex = new WeakMap<DiskDef, boolean>();

/** qemuDomainSetBlockThreshold: block-set-write-threshold on the disk's format node */
export async function qemuDomainSetBlockThreshold(obj: DomainObj, dev: string, threshold: number | bigint): Promise<void> {
  const live = monitorOf(obj);
  const t = thresholdTarget(live, dev);
  await live.monitor!.execute('block-set-write-threshold', { 'node-name': t.node, 'write-threshold': Number(threshold) });
  thresholdWithIndex.set(t.disk, t.withIndex);
}

/**
 * qemuProcessHandleBlockThreshold: QEMU's BLOCK_WRITE_THRESHOLD (it disarms the threshold as
 * it fires) becomes VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD naming the disk, its file, the
 * threshold and by how much the write passed it. Null for a node that is no disk's.
 */
export function blockThresholdEvent(live: LiveDomain, data: Record<string, unknown>): Record<string, unknown> | null {
  const node = data['node-name'];
  const alias = Object.keys(live.diskNodes).find((a) => live.diskNodes[a]!.format === node || live.diskNodes[a]!.storage === node);
  const disk = alias ? live.def.devices.disks.find((d) => d.alias === alias) : undefined;
  if (!disk) return null;
  const withIndex = thresholdWithIndex.get(disk) ?? false;
  thresholdWithIndex.delete(disk);
  return {
    dev: withIndex ? `${disk.target.dev}[1]` : disk.target.dev,
    path: disk.source?.file ?? disk.source?.dev ?? null,
    threshold: Number(data['write-threshold'] ?? 0),
    excess: Number(data['amount-exceeded'] ?? 0),
  };
}

/**
 * qemuDomainPMSuspendForDuration: suspending goes through the guest agent, which tsvirt's
 * QEMU driver does not run; libvirt's answer for a guest without one follows its checks.
 */
export function qemuDomainPMSuspendForDuration(obj: DomainObj, target: number): never {
  if (target > 2) throw virError(ERR, ErrorNumber.INVALID_ARG, `Unknown suspend target: ${target}`);
  monitorOf(obj);
  const agent = obj.live!.def.devices.channels.some((c) => c.target.name === 'org.qemu.guest_agent.0');
  if (agent) throw virError(ERR, ErrorNumber.AGENT_UNRESPONSIVE, 'QEMU guest agent is not connected');
  throw virError(ERR, ErrorNumber.ARGUMENT_UNSUPPORTED, 'QEMU guest agent is not configured');
}

/** qemuDomainPMWakeup: system_wakeup, when the machine can wake at all */
export async function qemuDomainPMWakeup(obj: DomainObj): Promise<void> {
  const live = monitorOf(obj);
  const mon = live.monitor!;
  const cur = await mon.execute<{ 'wakeup-suspend-support'?: boolean }>('query-current-machine').catch(() => null);
  if (cur && cur['wakeup-suspend-support'] === false) {
    throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, 'this domain does not support wakeup');
  }
  await mon.execute('system_wakeup');
}

interface Job { type: number; params: TypedParam[]; info: JobInfo }

const ull = (field: string, value: number): TypedParam => ({ field, type: TypedParamType.ULLONG, value });

/**
 * The domain's async job (a save) with its figures from query-migrate, or type NONE. Read
 * without taking the job: libvirt's GetJobStats runs beside the job it reports.
 */
async function currentJob(obj: DomainObj): Promise<Job> {
  const info: JobInfo = {
    type: JOB_NONE, timeElapsed: 0, timeRemaining: 0, dataTotal: 0, dataProcessed: 0, dataRemaining: 0,
    memTotal: 0, memProcessed: 0, memRemaining: 0, fileTotal: 0, fileProcessed: 0, fileRemaining: 0,
  };
  const op = obj.jobHeldBy ? ASYNC_JOBS[obj.jobHeldBy] : undefined;
  if (op === undefined || !obj.live?.monitor) return { type: JOB_NONE, params: [], info };
  info.type = JOB_UNBOUNDED;
  info.timeElapsed = Date.now() - obj.jobSince;
  const q = await obj.live.monitor.execute<{ ram?: { total?: number; transferred?: number; remaining?: number } }>('query-migrate')
    .catch(() => ({ ram: undefined }));
  const ram = q.ram ?? {};
  info.memTotal = info.dataTotal = ram.total ?? 0;
  info.memProcessed = info.dataProcessed = ram.transferred ?? 0;
  info.memRemaining = info.dataRemaining = ram.remaining ?? 0;
  const params: TypedParam[] = [
    { field: 'operation', type: TypedParamType.INT, value: op }, ull('time_elapsed', info.timeElapsed),
    ull('data_total', info.dataTotal), ull('data_processed', info.dataProcessed), ull('data_remaining', info.dataRemaining),
    ull('memory_total', info.memTotal), ull('memory_processed', info.memProcessed), ull('memory_remaining', info.memRemaining),
  ];
  return { type: JOB_UNBOUNDED, params, info };
}

/** qemuDomainGetJobInfo */
export async function qemuDomainGetJobInfo(obj: DomainObj): Promise<JobInfo> {
  monitorOf(obj);
  return (await currentJob(obj)).info;
}

/**
 * qemuDomainGetJobStats: the running job; with COMPLETED (1) the last completed one, which
 * tsvirt does not keep, so NONE as libvirt answers when there is none.
 */
export async function qemuDomainGetJobStats(obj: DomainObj, flags: number): Promise<{ type: number; params: TypedParam[] }> {
  if (flags & 1) return { type: JOB_NONE, params: [] };
  monitorOf(obj);
  const j = await currentJob(obj);
  return { type: j.type, params: j.params };
}

/** qemuDomainAbortJob: a save is a migration to a file, so migrate_cancel ends it */
export async function qemuDomainAbortJob(obj: DomainObj, flags: number): Promise<void> {
  const live = monitorOf(obj);
  const op = obj.jobHeldBy ? ASYNC_JOBS[obj.jobHeldBy] : undefined;
  if (flags & 1) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'current job is not outgoing migration in post-copy mode');
  if (op === undefined) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'no job is active on the domain');
  await live.monitor!.execute('migrate_cancel');
}
