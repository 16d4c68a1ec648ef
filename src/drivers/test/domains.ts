// Domain lifecycle calls of the test driver (libvirt's testDomain* in test_driver.c): listing,
// lookups, define/undefine, create/start/stop/pause, save/restore, managed save, autostart
// and domain event registration. Errors carry libvirt's codes, domains and wording.
import { formatDomainXml, parseDomainXml, testDriverDomainDefPostParse, type DomainDef } from '../../conf/domain.js';
import type { DomainEventCallback, DomainRef } from '../driver.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../util/error.js';
import {
  Detail, EventType, RunningReason, ShutoffReason, checkActive, domObj, lifecycleEvent, removeIfTransient,
  shutdownState, startState,
} from './domain_common.js';
import { DomainState, LIST_FILTERS_ALL, domainMatchesFilter, type DomainObj } from './domain_obj.js';
import { checkFlags, testError } from './errors.js';
import { readSaveImage, writeSaveImage } from './save_image.js';
import { type BusEvent, type ConnCtx, EVENT_FAMILY_BASE } from './state.js';

/** VIR_DOMAIN_EVENT_ID_LAST in libvirt 9.0 */
const DOMAIN_EVENT_ID_LAST = 27;

/** Parse a definition as the test driver accepts it (its post-parse, testnetN names). */
export function testParseDomain(xml: string): DomainDef {
  const def = parseDomainXml(xml);
  testDriverDomainDefPostParse(def);
  return def;
}

function illegalNameCheck(def: DomainDef): void {
  if (def.name.includes('\n')) {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_DETAIL, 'invalid char in name: 0x0a');
  }
}

/** Domain list by the running/inactive split libvirt's old list calls use. */
function pick(ctx: ConnCtx, active: boolean): DomainObj[] {
  const out: DomainObj[] = [];
  for (const o of ctx.drv.domains.values()) if (o.active === active) out.push(o);
  return out;
}

function shutdownWithAction(ctx: ConnCtx, o: DomainObj, action: string): void {
  // testDomainActionSetState: restart actions keep it running; anything else shuts it off
  if (action === 'restart' || action === 'rename-restart') {
    o.setState(DomainState.RUNNING, RunningReason.BOOTED);
    return;
  }
  shutdownState(ctx.drv, o, ShutoffReason.SHUTDOWN);
  lifecycleEvent(ctx.drv, o, EventType.STOPPED, Detail.STOPPED_SHUTDOWN);
  removeIfTransient(ctx.drv, o);
}

export const domainMethods = {
  async connectListAllDomains(this: ConnCtx, flags: number): Promise<DomainRef[]> {
    checkFlags(flags, LIST_FILTERS_ALL, 'testConnectListAllDomains');
    const out: DomainRef[] = [];
    for (const o of this.drv.domains.values()) if (!flags || domainMatchesFilter(o, flags)) out.push(o.ref);
    return out;
  },
  async connectNumOfDomains(this: ConnCtx): Promise<number> { return pick(this, true).length; },
  async connectListDomains(this: ConnCtx, maxids: number): Promise<number[]> {
    return pick(this, true).slice(0, Math.max(0, maxids)).map((o) => o.id);
  },
  async connectNumOfDefinedDomains(this: ConnCtx): Promise<number> { return pick(this, false).length; },
  async connectListDefinedDomains(this: ConnCtx, maxnames: number): Promise<string[]> {
    return pick(this, false).slice(0, Math.max(0, maxnames)).map((o) => o.def.name);
  },

  async domainLookupById(this: ConnCtx, id: number): Promise<DomainRef> {
    const o = this.drv.domains.findById(id);
    if (!o) throw testError(ErrorNumber.NO_DOMAIN);
    return o.ref;
  },
  async domainLookupByName(this: ConnCtx, name: string): Promise<DomainRef> {
    const o = this.drv.domains.findByName(name);
    if (!o) throw testError(ErrorNumber.NO_DOMAIN);
    return o.ref;
  },
  async domainLookupByUuid(this: ConnCtx, uuid: string): Promise<DomainRef> {
    const o = this.drv.domains.findByUuid(uuid);
    if (!o) throw testError(ErrorNumber.NO_DOMAIN);
    return o.ref;
  },

  async domainDefineXmlFlags(this: ConnCtx, xml: string, flags: number): Promise<DomainRef> {
    checkFlags(flags, 1, 'testDomainDefineXMLFlags');
    const def = testParseDomain(xml);
    illegalNameCheck(def);
    const { obj, oldDef } = this.drv.domains.add(def);
    obj.persistent = true;
    lifecycleEvent(this.drv, obj, EventType.DEFINED, oldDef ? Detail.DEFINED_UPDATED : Detail.DEFINED_ADDED);
    return obj.ref;
  },

  async domainUndefineFlags(this: ConnCtx, dom: DomainRef, flags: number): Promise<void> {
    checkFlags(flags, 1 | 2, 'testDomainUndefineFlags');
    const o = domObj(this, dom);
    if (o.hasManagedSave && !(flags & 1)) {
      throw testError(ErrorNumber.OPERATION_INVALID, 'Refusing to undefine while domain managed save image exists');
    }
    if (!o.active && o.snapshots.size && !(flags & 2)) {
      throw testError(ErrorNumber.OPERATION_INVALID, `cannot delete inactive domain with ${o.snapshots.size} snapshots`);
    }
    lifecycleEvent(this.drv, o, EventType.UNDEFINED, Detail.UNDEFINED_REMOVED);
    o.hasManagedSave = false;
    if (o.active) o.persistent = false;
    else this.drv.domains.remove(o);
  },

  async domainCreateXml(this: ConnCtx, xml: string, flags: number): Promise<DomainRef> {
    checkFlags(flags, 16 /* START_VALIDATE */, 'testDomainCreateXML');
    const def = testParseDomain(xml);
    const { obj } = this.drv.domains.add(def, { live: true, checkLive: true });
    startState(this.drv, obj, RunningReason.BOOTED);
    lifecycleEvent(this.drv, obj, EventType.STARTED, Detail.STARTED_BOOTED);
    return obj.ref;
  },

  // libvirt's test driver takes the files of the *WithFiles calls and ignores them (the daemon
  // closes them once the call is over)
  async domainCreateXmlWithFiles(this: ConnCtx, xml: string, flags: number): Promise<DomainRef> {
    return domainMethods.domainCreateXml.call(this, xml, flags);
  },

  async domainCreateWithFiles(this: ConnCtx, dom: DomainRef, flags: number): Promise<DomainRef> {
    return domainMethods.domainCreateWithFlags.call(this, dom, flags);
  },

  async domainCreateWithFlags(this: ConnCtx, dom: DomainRef, flags: number): Promise<DomainRef> {
    checkFlags(flags, 0, 'testDomainCreateWithFlags');
    const o = domObj(this, dom);
    if (o.state !== DomainState.SHUTOFF) throw testError(ErrorNumber.INTERNAL_ERROR, `Domain '${dom.name}' is already running`);
    startState(this.drv, o, RunningReason.BOOTED);
    lifecycleEvent(this.drv, o, EventType.STARTED, Detail.STARTED_BOOTED);
    return o.ref;
  },

  async domainDestroyFlags(this: ConnCtx, dom: DomainRef, flags: number): Promise<void> {
    checkFlags(flags, 1 /* GRACEFUL */, 'testDomainDestroyFlags');
    const o = domObj(this, dom);
    checkActive(o);
    shutdownState(this.drv, o, ShutoffReason.DESTROYED);
    lifecycleEvent(this.drv, o, EventType.STOPPED, Detail.STOPPED_DESTROYED);
    removeIfTransient(this.drv, o);
  },

  async domainShutdownFlags(this: ConnCtx, dom: DomainRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainShutdownFlags');
    const o = domObj(this, dom);
    if (o.state === DomainState.SHUTOFF) throw testError(ErrorNumber.INTERNAL_ERROR, `domain '${dom.name}' not running`);
    shutdownWithAction(this, o, o.def.onPoweroff);
  },

  async domainReboot(this: ConnCtx, dom: DomainRef, flags: number): Promise<void> {
    checkFlags(flags, 0x1f, 'testDomainReboot');
    const o = domObj(this, dom);
    checkActive(o);
    shutdownWithAction(this, o, o.def.onReboot);
  },

  async domainReset(this: ConnCtx, dom: DomainRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainReset');
    checkActive(domObj(this, dom));
  },

  async domainSuspend(this: ConnCtx, dom: DomainRef): Promise<void> {
    const o = domObj(this, dom);
    if (o.state === DomainState.SHUTOFF || o.state === DomainState.PAUSED) {
      throw testError(ErrorNumber.INTERNAL_ERROR, `domain '${dom.name}' not running`);
    }
    o.setState(DomainState.PAUSED, 1 /* PAUSED_USER */);
    lifecycleEvent(this.drv, o, EventType.SUSPENDED, Detail.SUSPENDED_PAUSED);
  },

  async domainResume(this: ConnCtx, dom: DomainRef): Promise<void> {
    const o = domObj(this, dom);
    if (o.state !== DomainState.PAUSED) throw testError(ErrorNumber.INTERNAL_ERROR, `domain '${dom.name}' not paused`);
    o.setState(DomainState.RUNNING, RunningReason.UNPAUSED);
    lifecycleEvent(this.drv, o, EventType.RESUMED, Detail.RESUMED_UNPAUSED);
  },

  async domainSaveFlags(this: ConnCtx, dom: DomainRef, to: string, dxml: string | null, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainSaveFlags');
    if (dxml) throw testError(ErrorNumber.ARGUMENT_UNSUPPORTED, 'xml modification unsupported');
    const o = domObj(this, dom);
    checkActive(o);
    writeSaveImage(to, o.def.name, formatDomainXml(o.def, { secure: true, id: o.id }));
    shutdownState(this.drv, o, ShutoffReason.SAVED);
    lifecycleEvent(this.drv, o, EventType.STOPPED, Detail.STOPPED_SAVED);
    removeIfTransient(this.drv, o);
  },

  async domainRestoreFlags(this: ConnCtx, from: string, dxml: string | null, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainRestoreFlags');
    if (dxml) throw testError(ErrorNumber.ARGUMENT_UNSUPPORTED, 'xml modification unsupported');
    const def = testParseDomain(readSaveImage(from));
    const { obj } = this.drv.domains.add(def, { live: true, checkLive: true });
    startState(this.drv, obj, RunningReason.RESTORED);
    lifecycleEvent(this.drv, obj, EventType.STARTED, Detail.STARTED_RESTORED);
  },

  async domainSaveImageGetXmlDesc(this: ConnCtx, file: string, flags: number): Promise<string> {
    checkFlags(flags, 1, 'testDomainSaveImageGetXMLDesc');
    const def = testParseDomain(readSaveImage(file));
    return formatDomainXml(def, { secure: true });
  },

  async domainManagedSave(this: ConnCtx, dom: DomainRef, flags: number): Promise<void> {
    checkFlags(flags, 1 | 2 | 4, 'testDomainManagedSave');
    const o = domObj(this, dom);
    checkActive(o);
    if (!o.persistent) throw testError(ErrorNumber.OPERATION_INVALID, 'cannot do managed save for transient domain');
    shutdownState(this.drv, o, ShutoffReason.SAVED);
    lifecycleEvent(this.drv, o, EventType.STOPPED, Detail.STOPPED_SAVED);
    o.hasManagedSave = true;
  },
  async domainHasManagedSaveImage(this: ConnCtx, dom: DomainRef, flags: number): Promise<number> {
    checkFlags(flags, 0, 'testDomainHasManagedSaveImage');
    return domObj(this, dom).hasManagedSave ? 1 : 0;
  },
  async domainManagedSaveRemove(this: ConnCtx, dom: DomainRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainManagedSaveRemove');
    domObj(this, dom).hasManagedSave = false;
  },

  async domainGetAutostart(this: ConnCtx, dom: DomainRef): Promise<number> { return domObj(this, dom).autostart ? 1 : 0; },
  async domainSetAutostart(this: ConnCtx, dom: DomainRef, autostart: number): Promise<void> {
    domObj(this, dom).autostart = autostart !== 0;
  },
  async domainIsActive(this: ConnCtx, dom: DomainRef): Promise<number> { return domObj(this, dom).active ? 1 : 0; },
  async domainIsPersistent(this: ConnCtx, dom: DomainRef): Promise<number> { return domObj(this, dom).persistent ? 1 : 0; },
  async domainIsUpdated(this: ConnCtx, dom: DomainRef): Promise<number> { domObj(this, dom); return 0; },

  async connectDomainEventCallbackRegisterAny(this: ConnCtx, eventID: number, dom: DomainRef | null, cb: DomainEventCallback): Promise<number> {
    if (eventID < 0 || eventID >= DOMAIN_EVENT_ID_LAST) {
      throw virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, `unsupported event ID ${eventID}`);
    }
    return this.events.register(EVENT_FAMILY_BASE.domain + eventID, dom?.uuid ?? null, (_id, e: BusEvent) => {
      if (e.kind === 'domain') cb(eventID, e.payload);
    });
  },
  async connectDomainEventCallbackDeregisterAny(this: ConnCtx, callbackID: number): Promise<void> {
    if (!this.events.deregister(callbackID)) {
      throw new VirError({ code: ErrorNumber.INVALID_ARG, domain: ErrorDomain.NONE, message: `invalid argument: could not find event callback ${callbackID} for deletion` });
    }
  },
};
