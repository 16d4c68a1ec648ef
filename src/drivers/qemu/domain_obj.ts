// The QEMU driver's per-domain object: definition(s), state, the running process and the job
// lock that serializes state changes. libvirt counterpart: virDomainObj + qemuDomainObjPrivate
// and the job code of qemu_domain_job.c.
import type { DomainDef } from '../../conf/domain.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { DomainState } from '../../api/constants.js';
import type { QemuMonitor } from './monitor.js';
import type { TapRecord } from './net.js';

/** What exists only while QEMU runs (also persisted in the status file). */
export interface LiveDomain {
  pid: number;
  monitorPath: string;
  monitor: QemuMonitor | null;
  /** The live definition: aliases, addresses, pty paths, allocated ports. */
  def: DomainDef;
  vncPorts: number[];
  /** Set while the driver itself is stopping QEMU (destroy, shutdown handling). */
  beingDestroyed: boolean;
  /** The guest (or an ACPI shutdown) said SHUTDOWN: an EOF afterwards is not a crash. */
  gotShutdown: boolean;
  /** virDomainReboot in progress: turn the guest's shutdown into a reset. */
  fakeReboot: boolean;
  /** STOP/RESUME events caused by our own commands, not to be reported twice. */
  expectStop: number;
  expectResume: number;
  startTime: number;
  /** Block node names per disk alias (hot-plugged disks get fresh numbers, as libvirt's). */
  diskNodes: Record<string, { storage: string; format: string }>;
  /** N of the next libvirt-N-storage/format pair. */
  nodeIndex: number;
  /** The tap behind each tap-backed interface, by alias. */
  taps: Record<string, TapRecord>;
  /** Detaches waiting for QEMU's DEVICE_DELETED, by alias. */
  unplugWaiters: Map<string, () => void>;
  /** libvirt's taint flags for this run ('custom-monitor', ...). */
  taint: string[];
}

export class DomainObj {
  id = -1;
  state: number = DomainState.SHUTOFF;
  reason = 0;
  persistent = false;
  autostart = false;
  /** Persistent config changed while running: applied at the next stop. */
  newDef: DomainDef | null = null;
  live: LiveDomain | null = null;
  hasManagedSave = false;
  /** Removed from the list (undefined/transient stop) while a caller still holds it. */
  removed = false;
  private jobOwner: string | null = null;
  /** When the current job started (ms since the epoch), for GetJobInfo's elapsed time. */
  jobSince = 0;
  private jobWaiters: (() => void)[] = [];

  constructor(public def: DomainDef) {}

  get name(): string { return this.def.name; }
  get uuid(): string { return this.def.uuid; }
  get active(): boolean { return this.live !== null; }
  ref(): { name: string; uuid: string; id: number } { return { name: this.def.name, uuid: this.def.uuid, id: this.id }; }

  /**
   * Run `fn` as the domain's only job. A second caller waits up to `timeoutMs`, then fails with
   * libvirt's wording naming the API holding the lock.
   */
  async withJob<T>(owner: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    await this.acquire(owner, timeoutMs);
    try { return await fn(); } finally { this.release(); }
  }

  private async acquire(owner: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.jobOwner !== null) {
      const left = deadline - Date.now();
      const held = this.jobOwner;
      const got = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => { this.jobWaiters = this.jobWaiters.filter((w) => w !== wake); resolve(false); }, Math.max(0, left));
        const wake = () => { clearTimeout(t); resolve(true); };
        this.jobWaiters.push(wake);
      });
      if (!got && this.jobOwner !== null) {
        throw virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_TIMEOUT,
          `cannot acquire state change lock (held by monitor=${held})`);
      }
    }
    this.jobOwner = owner;
    this.jobSince = Date.now();
  }

  private release(): void {
    this.jobOwner = null;
    const w = this.jobWaiters.shift();
    if (w) w();
  }

  get jobHeldBy(): string | null { return this.jobOwner; }
}
