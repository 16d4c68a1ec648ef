// Host interface calls of the test driver (libvirt's testInterface* and testConnect*Interfaces):
// define/undefine, start/stop, lookups, lists, and the change transaction that saves the whole
// interface set at begin and puts it back at rollback.
import { type InterfaceDef, interfaceDefFormat, interfaceDefParseString } from '../../conf/interface.js';
import type { InterfaceRef } from '../driver.js';
import { ErrorNumber, rawError, ErrorDomain } from '../../util/error.js';
import { checkFlags, testError } from './errors.js';
import type { ConnCtx, IfaceObj, TestDriver } from './state.js';

/** VIR_CONNECT_LIST_INTERFACES_INACTIVE | _ACTIVE */
const LIST_FILTERS_ACTIVE = 3;
/** VIR_INTERFACE_DEFINE_VALIDATE (accepted; there is no schema check here) */
const DEFINE_VALIDATE = 1;

const ref = (o: IfaceObj): InterfaceRef => ({ name: o.def.name, mac: o.def.mac ?? '' });

function findByName(drv: TestDriver, name: string): IfaceObj {
  const o = drv.ifaces.find((x) => x.def.name === name);
  if (!o) throw testError(ErrorNumber.NO_INTERFACE, `no interface with matching name '${name}'`);
  return o;
}

const names = (objs: IfaceObj[], max: number) => objs.map((o) => o.def.name).slice(0, Math.max(0, max));

/**
 * virInterfaceObjListClone: libvirt copies each definition by formatting and re-parsing it into
 * a fresh object, which starts inactive; a rollback therefore brings interfaces back down.
 */
function cloneSet(list: IfaceObj[]): IfaceObj[] {
  return list.map((o) => ({ def: structuredClone(o.def) as InterfaceDef, active: false }));
}

export const interfaceMethods = {
  async connectNumOfInterfaces(this: ConnCtx): Promise<number> { return this.drv.ifaces.filter((o) => o.active).length; },
  async connectListInterfaces(this: ConnCtx, maxnames: number): Promise<string[]> {
    return names(this.drv.ifaces.filter((o) => o.active), maxnames);
  },
  async connectNumOfDefinedInterfaces(this: ConnCtx): Promise<number> { return this.drv.ifaces.filter((o) => !o.active).length; },
  async connectListDefinedInterfaces(this: ConnCtx, maxnames: number): Promise<string[]> {
    return names(this.drv.ifaces.filter((o) => !o.active), maxnames);
  },
  async connectListAllInterfaces(this: ConnCtx, flags: number): Promise<InterfaceRef[]> {
    checkFlags(flags, LIST_FILTERS_ACTIVE, 'testConnectListAllInterfaces');
    const want = flags & LIST_FILTERS_ACTIVE;
    return this.drv.ifaces
      .filter((o) => want === 0 || want === LIST_FILTERS_ACTIVE || (want === 2) === o.active)
      .map(ref);
  },
  async interfaceLookupByName(this: ConnCtx, name: string): Promise<InterfaceRef> { return ref(findByName(this.drv, name)); },
  async interfaceLookupByMacString(this: ConnCtx, mac: string): Promise<InterfaceRef> {
    // libvirt compares MAC strings without regard to case, over active and inactive ones; an
    // interface without a MAC matches any (9.0 compares its NULL with g_ascii_strcasecmp, which
    // gives 0 after a GLib-CRITICAL warning)
    const want = mac.toLowerCase();
    const hits = this.drv.ifaces.filter((o) => o.def.mac === undefined || o.def.mac.toLowerCase() === want);
    if (hits.length === 0) throw testError(ErrorNumber.NO_INTERFACE, `no interface with matching mac '${mac}'`);
    // VIR_ERR_MULTIPLE_INTERFACES' message has no room for a detail
    if (hits.length > 1) throw rawError(ErrorDomain.TEST, ErrorNumber.MULTIPLE_INTERFACES, 'multiple matching interfaces found');
    return ref(hits[0]!);
  },
  async interfaceGetXmlDesc(this: ConnCtx, iface: InterfaceRef, flags: number): Promise<string> {
    checkFlags(flags, 0, 'testInterfaceGetXMLDesc');
    return interfaceDefFormat(findByName(this.drv, iface.name).def);
  },
  async interfaceDefineXml(this: ConnCtx, xml: string, flags: number): Promise<InterfaceRef> {
    checkFlags(flags, DEFINE_VALIDATE, 'testInterfaceDefineXML');
    const def = interfaceDefParseString(xml);
    // virInterfaceObjListAssignDef: a known name gets the new definition and keeps its state
    const existing = this.drv.ifaces.find((o) => o.def.name === def.name);
    if (existing) {
      existing.def = def;
      return ref(existing);
    }
    const o: IfaceObj = { def, active: false };
    this.drv.ifaces.push(o);
    return ref(o);
  },
  async interfaceUndefine(this: ConnCtx, iface: InterfaceRef): Promise<void> {
    const o = findByName(this.drv, iface.name);
    this.drv.ifaces.splice(this.drv.ifaces.indexOf(o), 1);
  },
  async interfaceCreate(this: ConnCtx, iface: InterfaceRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testInterfaceCreate');
    const o = findByName(this.drv, iface.name);
    if (o.active) throw testError(ErrorNumber.OPERATION_INVALID);
    o.active = true;
  },
  async interfaceDestroy(this: ConnCtx, iface: InterfaceRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testInterfaceDestroy');
    const o = findByName(this.drv, iface.name);
    if (!o.active) throw testError(ErrorNumber.OPERATION_INVALID);
    o.active = false;
  },
  async interfaceIsActive(this: ConnCtx, iface: InterfaceRef): Promise<number> { return findByName(this.drv, iface.name).active ? 1 : 0; },

  async interfaceChangeBegin(this: ConnCtx, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testInterfaceChangeBegin');
    if (this.drv.ifaceBackup) throw testError(ErrorNumber.OPERATION_INVALID, 'there is another transaction running.');
    this.drv.ifaceBackup = cloneSet(this.drv.ifaces);
  },
  async interfaceChangeCommit(this: ConnCtx, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testInterfaceChangeCommit');
    if (!this.drv.ifaceBackup) throw testError(ErrorNumber.OPERATION_INVALID, 'no transaction running, nothing to be committed.');
    this.drv.ifaceBackup = null;
  },
  async interfaceChangeRollback(this: ConnCtx, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testInterfaceChangeRollback');
    const backup = this.drv.ifaceBackup;
    if (!backup) throw testError(ErrorNumber.OPERATION_INVALID, 'no transaction running, nothing to rollback.');
    this.drv.ifaces.splice(0, this.drv.ifaces.length, ...backup);
    this.drv.ifaceBackup = null;
  },
};
