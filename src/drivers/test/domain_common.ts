// Helpers shared by the domain call files: object lookup from a handle, start/stop state
// transitions (testDomainStartState / testDomainShutdownState), lifecycle events, and the
// LIVE/CONFIG definition selection of virDomainObjGetDefs / virDomainObjGetOneDef.
import { cloneDomainDef, type DomainDef } from '../../conf/domain.js';
import type { DomainRef } from '../driver.js';
import { ErrorNumber, VirError } from '../../util/error.js';
import { type DomainObj, DomainState } from './domain_obj.js';
import { domainError, noDomainForRef } from './errors.js';
import type { ConnCtx, TestDriver } from './state.js';

export enum EventType { DEFINED = 0, UNDEFINED = 1, STARTED = 2, SUSPENDED = 3, RESUMED = 4, STOPPED = 5, SHUTDOWN = 6 }
export const Detail = {
  DEFINED_ADDED: 0, DEFINED_UPDATED: 1, DEFINED_RENAMED: 2, DEFINED_FROM_SNAPSHOT: 3,
  UNDEFINED_REMOVED: 0, UNDEFINED_RENAMED: 1,
  STARTED_BOOTED: 0, STARTED_RESTORED: 2, STARTED_FROM_SNAPSHOT: 3,
  SUSPENDED_PAUSED: 0, SUSPENDED_FROM_SNAPSHOT: 5,
  RESUMED_UNPAUSED: 0, RESUMED_FROM_SNAPSHOT: 2,
  STOPPED_SHUTDOWN: 0, STOPPED_DESTROYED: 1, STOPPED_SAVED: 4, STOPPED_FROM_SNAPSHOT: 6,
} as const;
export const RunningReason = { BOOTED: 1, RESTORED: 3, FROM_SNAPSHOT: 4, UNPAUSED: 5 } as const;
export const PausedReason = { USER: 1, FROM_SNAPSHOT: 7 } as const;
export const ShutoffReason = { UNKNOWN: 0, SHUTDOWN: 1, DESTROYED: 2, SAVED: 5, FAILED: 6, FROM_SNAPSHOT: 7 } as const;

export const AFFECT_LIVE = 1;
export const AFFECT_CONFIG = 2;

/** testDomObjFromDomain */
export function domObj(ctx: ConnCtx, ref: DomainRef): DomainObj {
  const o = ctx.drv.domains.findByUuid(ref.uuid);
  if (!o) throw noDomainForRef(ref.uuid, ref.name);
  return o;
}

/** virDomainObjCheckActive */
export function checkActive(o: DomainObj): void {
  if (!o.active) throw domainError(ErrorNumber.OPERATION_INVALID, 'domain is not running');
}

export function lifecycleEvent(drv: TestDriver, o: DomainObj, event: EventType, detail: number): void {
  drv.emitDomain(0, { dom: o.ref, event, detail });
}

/** testDomainStartState: running with a fresh id; the persistent definition kept aside. */
export function startState(drv: TestDriver, o: DomainObj, reason: number): void {
  o.setState(DomainState.RUNNING, reason);
  // the persistent definition is shared with the live one until either changes (splitDefs)
  if (o.persistent && !o.newDef) o.newDef = o.def;
  drv.domains.setId(o, drv.allocDomainId());
  o.hasManagedSave = false;
}

/** testDomainShutdownState: back to the persistent definition, shut off for `reason`. */
export function shutdownState(drv: TestDriver, o: DomainObj, reason: number): void {
  if (o.newDef) { o.def = o.newDef; o.newDef = null; }
  drv.domains.setId(o, -1);
  o.setState(DomainState.SHUTOFF, reason);
}

/** Drop a stopped transient domain (libvirt's virDomainObjListRemove after shutdown). */
export function removeIfTransient(drv: TestDriver, o: DomainObj): void {
  if (!o.persistent) drv.domains.remove(o);
}

const exclusiveFlags = () => new VirError({
  code: ErrorNumber.INVALID_ARG, domain: 20,
  message: "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
});

/** virDomainObjUpdateModificationImpact: CURRENT resolved, and impossible requests refused. */
export function modificationImpact(o: DomainObj, flags: number): number {
  if ((flags & (AFFECT_LIVE | AFFECT_CONFIG)) === 0) flags |= o.active ? AFFECT_LIVE : AFFECT_CONFIG;
  if (!o.active && (flags & AFFECT_LIVE)) throw domainError(ErrorNumber.OPERATION_INVALID, 'domain is not running');
  if (!o.persistent && (flags & AFFECT_CONFIG)) {
    throw domainError(ErrorNumber.OPERATION_INVALID, 'transient domains do not have any persistent config');
  }
  return flags;
}

/** Give a running domain its own copy of the persistent definition before one of them changes. */
export function splitDefs(o: DomainObj): void {
  if (o.newDef && o.newDef === o.def) {
    o.newDef = cloneDomainDef(o.def);
    delete o.newDef.id;
  }
}

/** virDomainObjGetDefs: the live and/or persistent definition a call should change. */
export function getDefs(o: DomainObj, flags: number): { live: DomainDef | null; config: DomainDef | null } {
  flags = modificationImpact(o, flags);
  splitDefs(o);
  return {
    live: flags & AFFECT_LIVE ? o.def : null,
    config: flags & AFFECT_CONFIG ? o.persistentDef : null,
  };
}

/** virDomainObjGetOneDefState: exactly one definition; `live` tells which. */
export function getOneDef(o: DomainObj, flags: number): { def: DomainDef; live: boolean } {
  if ((flags & AFFECT_LIVE) && (flags & AFFECT_CONFIG)) throw exclusiveFlags();
  flags = modificationImpact(o, flags);
  splitDefs(o);
  const live = (flags & AFFECT_LIVE) !== 0;
  return { def: live ? o.def : o.persistentDef, live };
}

/** The public API's argument errors (libvirt-domain.c): "X in virFoo must not be NULL". */
export function apiArgError(message: string): VirError {
  return new VirError({ code: ErrorNumber.INVALID_ARG, domain: 20, message });
}

/** Current vCPU count of a definition (virDomainDefGetVcpus). */
export const vcpusOf = (d: DomainDef): number => d.vcpuCurrent ?? d.vcpus;
