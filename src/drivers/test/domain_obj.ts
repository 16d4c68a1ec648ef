// Domain objects and the indexed list holding them (libvirt's virDomainObj / virdomainobjlist.c):
// lookups by name, UUID and running id are map hits, so 10,000 domains cost nothing per call.
import type { DomainDef } from '../../conf/domain_def.js';
import type { DomainRef } from '../driver.js';
import { ErrorNumber } from '../../util/error.js';
import { domainError } from './errors.js';
import { SnapshotList } from './snapshot_obj.js';
import { CheckpointList } from './checkpoint_obj.js';

export enum DomainState { NOSTATE = 0, RUNNING = 1, BLOCKED = 2, PAUSED = 3, SHUTDOWN = 4, SHUTOFF = 5, CRASHED = 6, PMSUSPENDED = 7 }

/** Test-namespace extras of a domain in a node file (<test:runstate> and friends). */
export interface TestDomainExtras { runstate: number; transient: boolean; hasManagedSave: boolean }

export class DomainObj {
  /** the running definition while active, else the persistent one */
  def: DomainDef;
  /** the persistent definition while active (virDomainObj.newDef) */
  newDef: DomainDef | null = null;
  state = DomainState.SHUTOFF;
  reason = 0;
  persistent = false;
  autostart = false;
  hasManagedSave = false;
  readonly snapshots = new SnapshotList();
  readonly checkpoints = new CheckpointList();
  /** running id, -1 when inactive */
  id = -1;
  /** loaded from a node file, where libvirt checks the definition for taints */
  loadedTaint = false;
  /** The last GET_XML_DESC answer: valid while the driver's generation and the flags match. */
  xmlCache: { generation: number; flags: number; xml: string } | null = null;
  /** The guest clock of GetTime/SetTime (testDomainObjPrivate's seconds/nseconds); it also
   * drives the fake GetControlInfo answer, as in libvirt. */
  seconds = 627319920;
  nseconds = 0;
  /** FSFreeze state of the test driver's two fake file systems, '/' and '/boot' (kept across
   * restarts, as libvirt's) */
  frozen = [false, false];

  constructor(def: DomainDef) { this.def = def; }

  get active(): boolean { return this.id !== -1; }
  get ref(): DomainRef { return { name: this.def.name, uuid: this.def.uuid, id: this.id }; }
  /** virDomainObjGetPersistentDef */
  get persistentDef(): DomainDef { return this.active && this.newDef ? this.newDef : this.def; }

  setState(state: DomainState, reason: number): void { this.state = state; this.reason = reason; }
}

export const ListFlags = {
  ACTIVE: 1, INACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, RUNNING: 16, PAUSED: 32, SHUTOFF: 64, OTHER: 128,
  MANAGEDSAVE: 256, NO_MANAGEDSAVE: 512, AUTOSTART: 1024, NO_AUTOSTART: 2048, HAS_SNAPSHOT: 4096,
  NO_SNAPSHOT: 8192, HAS_CHECKPOINT: 16384, NO_CHECKPOINT: 32768,
} as const;
export const LIST_FILTERS_ALL = 0xffff;

/** One either/or filter pair: passes when neither or both bits are set, else `cond` must match. */
function pair(flags: number, yes: number, no: number, cond: boolean): boolean {
  const y = (flags & yes) !== 0; const n = (flags & no) !== 0;
  if (y === n) return true;
  return y ? cond : !cond;
}

/** virDomainObjListFilter's rules for listAllDomains / getAllDomainStats flags. */
export function domainMatchesFilter(o: DomainObj, flags: number): boolean {
  if (!pair(flags, ListFlags.ACTIVE, ListFlags.INACTIVE, o.active)) return false;
  if (!pair(flags, ListFlags.PERSISTENT, ListFlags.TRANSIENT, o.persistent)) return false;
  const stateBits = flags & (ListFlags.RUNNING | ListFlags.PAUSED | ListFlags.SHUTOFF | ListFlags.OTHER);
  if (stateBits) {
    const s = o.state;
    const bit = s === DomainState.RUNNING ? ListFlags.RUNNING : s === DomainState.PAUSED ? ListFlags.PAUSED
      : s === DomainState.SHUTOFF ? ListFlags.SHUTOFF : ListFlags.OTHER;
    if (!(stateBits & bit)) return false;
  }
  if (!pair(flags, ListFlags.MANAGEDSAVE, ListFlags.NO_MANAGEDSAVE, o.hasManagedSave)) return false;
  if (!pair(flags, ListFlags.AUTOSTART, ListFlags.NO_AUTOSTART, o.autostart)) return false;
  if (!pair(flags, ListFlags.HAS_SNAPSHOT, ListFlags.NO_SNAPSHOT, o.snapshots.size > 0)) return false;
  if (!pair(flags, ListFlags.HAS_CHECKPOINT, ListFlags.NO_CHECKPOINT, o.checkpoints.size > 0)) return false;
  return true;
}

export class DomainList {
  private byUuid = new Map<string, DomainObj>();
  private byName = new Map<string, DomainObj>();
  private byId = new Map<number, DomainObj>();

  get size(): number { return this.byUuid.size; }
  values(): IterableIterator<DomainObj> { return this.byUuid.values(); }
  findByUuid(uuid: string): DomainObj | undefined { return this.byUuid.get(uuid.toLowerCase()); }
  findByName(name: string): DomainObj | undefined { return this.byName.get(name); }
  findById(id: number): DomainObj | undefined { return this.byId.get(id); }

  /**
   * virDomainObjListAdd: a new object, or the existing one with the same UUID and name whose
   * definition is replaced (live: as the running definition). Returns the previous persistent
   * definition (libvirt's oldDef) when one was replaced.
   */
  add(def: DomainDef, opts: { live?: boolean; checkLive?: boolean } = {}): { obj: DomainObj; oldDef: DomainDef | null; created: boolean } {
    const existing = this.byUuid.get(def.uuid);
    if (existing) {
      if (existing.def.name !== def.name) {
        throw domainError(ErrorNumber.OPERATION_FAILED, `domain '${existing.def.name}' is already defined with uuid ${existing.def.uuid}`);
      }
      if (opts.checkLive) {
        if (existing.active) throw domainError(ErrorNumber.OPERATION_INVALID, `domain '${existing.def.name}' is already active`);
        if (!existing.persistent) throw domainError(ErrorNumber.OPERATION_INVALID, `domain '${existing.def.name}' is already being started`);
      }
      const oldDef = this.assignDef(existing, def, opts.live ?? false);
      return { obj: existing, oldDef, created: false };
    }
    const clash = this.byName.get(def.name);
    if (clash) throw domainError(ErrorNumber.OPERATION_FAILED, `domain '${def.name}' already exists with uuid ${clash.def.uuid}`);
    const obj = new DomainObj(def);
    this.byUuid.set(def.uuid, obj);
    this.byName.set(def.name, obj);
    return { obj, oldDef: null, created: true };
  }

  /** virDomainObjAssignDef */
  private assignDef(o: DomainObj, def: DomainDef, live: boolean): DomainDef | null {
    if (o.active) {
      const old = o.newDef;
      o.newDef = def;
      return old;
    }
    if (live) {
      if (!o.newDef) o.newDef = o.def;
      o.def = def;
      return null;
    }
    const old = o.def;
    o.def = def;
    return old;
  }

  remove(o: DomainObj): void {
    this.byUuid.delete(o.def.uuid);
    if (this.byName.get(o.def.name) === o) this.byName.delete(o.def.name);
    if (o.id !== -1 && this.byId.get(o.id) === o) this.byId.delete(o.id);
  }

  setId(o: DomainObj, id: number): void {
    if (o.id !== -1) this.byId.delete(o.id);
    o.id = id;
    o.def.id = id === -1 ? undefined : id;
    if (id !== -1) this.byId.set(id, o);
  }

  rename(o: DomainObj, newName: string): void {
    this.byName.delete(o.def.name);
    o.def.name = newName;
    if (o.newDef) o.newDef.name = newName;
    this.byName.set(newName, o);
  }

  hasName(name: string): boolean { return this.byName.has(name); }
}
