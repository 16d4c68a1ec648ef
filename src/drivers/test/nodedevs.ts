// Node device calls of the test driver (libvirt's testNode* and testNodeDevice*): lookups,
// lists filtered by capability, parent and capabilities, the mocked vHBA creation (a copy of
// scsi_host11 named scsi_host12 with the new WWNs) and destruction, and lifecycle events.
// What libvirt 9.0's test driver lacks (define/undefine/start, autostart, active/persistent
// checks, detach/reattach/reset, lookup by WWN) stays out, so those calls are NO_SUPPORT.
import {
  CAP_TYPES, type NodeDeviceDef, nodeDeviceDefFormat, nodeDeviceDefParseString, nodeDeviceGetWWNs, nodeDeviceHasCap,
} from '../../conf/node_device.js';
import { unknownCauseError } from '../../conf/interface.js';
import type { NodeDeviceEventCallback, NodeDeviceRef } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { checkFlags, testError } from './errors.js';
import { type BusEvent, type ConnCtx, EVENT_FAMILY_BASE, type TestDriver } from './state.js';

/** VIR_CONNECT_LIST_NODE_DEVICES_FILTERS_CAP: one bit per capability type, in CAP_TYPES order */
const FILTERS_CAP = (1 << CAP_TYPES.length) - 1;
/** VIR_NODE_DEVICE_CREATE_XML_VALIDATE */
const CREATE_XML_VALIDATE = 1;
/** VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, _UPDATE */
const NODE_DEVICE_EVENT_ID_LAST = 2;
/** VIR_NODE_DEVICE_EVENT_CREATED, _DELETED */
const EVENT_CREATED = 0;
const EVENT_DELETED = 1;

export function findDevice(drv: TestDriver, name: string): NodeDeviceDef | undefined {
  return drv.nodedevs.find((d) => d.name === name);
}

/** testNodeDeviceObjFindByName */
function findByName(drv: TestDriver, name: string): NodeDeviceDef {
  const d = findDevice(drv, name);
  if (!d) throw testError(ErrorNumber.NO_NODE_DEVICE, `no node device with matching name '${name}'`);
  return d;
}

/** virNodeDeviceObjListAssignDef: a known name gets the new definition in place. */
export function assignDevice(drv: TestDriver, def: NodeDeviceDef): NodeDeviceDef {
  const i = drv.nodedevs.findIndex((d) => d.name === def.name);
  if (i >= 0) drv.nodedevs[i] = def; else drv.nodedevs.push(def);
  return def;
}

const nodedevErr = (detail: string) => virError(ErrorDomain.NODEDEV, ErrorNumber.INTERNAL_ERROR, detail);

const vportCapable = (d: NodeDeviceDef) => d.caps.some((c) => c.type === 'scsi_host' && c.vportOps);

/**
 * virNodeDeviceObjListGetParentHost: the parent named, or the one with the given WWNs or
 * fabric name, or else any vport-capable host; it must be able to create vports.
 */
function parentHost(drv: TestDriver, def: NodeDeviceDef): void {
  let parent: NodeDeviceDef | undefined;
  const fcOf = (d: NodeDeviceDef) => d.caps.find((c) => c.type === 'scsi_host' && c.fc);
  if (def.parent !== undefined) {
    parent = findDevice(drv, def.parent);
    if (!parent) throw nodedevErr(`Could not find parent device for '${def.name}'`);
  } else if (def.parentWwnn !== undefined && def.parentWwpn !== undefined) {
    parent = drv.nodedevs.find((d) => {
      const c = fcOf(d);
      return c?.type === 'scsi_host' && c.fc!.wwnn.toLowerCase() === def.parentWwnn!.toLowerCase()
        && c.fc!.wwpn.toLowerCase() === def.parentWwpn!.toLowerCase();
    });
    if (!parent) throw nodedevErr(`Could not find parent device for '${def.name}'`);
  } else if (def.parentFabricWwn !== undefined) {
    parent = drv.nodedevs.find((d) => {
      const c = fcOf(d);
      return c?.type === 'scsi_host' && c.fc!.fabricWwn?.toLowerCase() === def.parentFabricWwn!.toLowerCase() && vportCapable(d);
    });
    if (!parent) throw nodedevErr(`Could not find parent device for '${def.name}'`);
  } else {
    parent = drv.nodedevs.find(vportCapable);
    if (!parent) throw nodedevErr('Could not find any vport capable device');
  }
  if (!vportCapable(parent)) throw nodedevErr(`Parent device ${parent.name} is not capable of vport operations`);
}

/**
 * testNodeDeviceMockCreateVport: the new vHBA is scsi_host11's definition (formatted and parsed
 * again) named scsi_host12, its fc_host WWNs replaced; without scsi_host11 it fails silently.
 */
function mockCreateVport(ctx: ConnCtx, wwnn: string, wwpn: string): NodeDeviceDef {
  const model = findDevice(ctx.drv, 'scsi_host11');
  if (!model) throw unknownCauseError();
  const def = nodeDeviceDefParseString(nodeDeviceDefFormat(model), 'existing');
  def.name = 'scsi_host12';
  for (const c of def.caps) {
    if (c.type !== 'scsi_host') continue;
    if (c.fc) { c.fc.wwnn = wwnn; c.fc.wwpn = wwpn; } else { c.host++; c.uniqueId++; }
  }
  assignDevice(ctx.drv, def);
  ctx.drv.emitNodeDevice(0, { dev: { name: def.name }, event: EVENT_CREATED, detail: 0 });
  return def;
}

const matching = (drv: TestDriver, cap: string | null) => drv.nodedevs.filter((d) => cap === null || nodeDeviceHasCap(d, cap));

export const nodeDeviceMethods = {
  async nodeNumOfDevices(this: ConnCtx, cap: string | null, flags: number): Promise<number> {
    checkFlags(flags, 0, 'testNodeNumOfDevices');
    return matching(this.drv, cap).length;
  },
  async nodeListDevices(this: ConnCtx, cap: string | null, maxnames: number, flags: number): Promise<string[]> {
    checkFlags(flags, 0, 'testNodeListDevices');
    return matching(this.drv, cap).map((d) => d.name).slice(0, Math.max(0, maxnames));
  },
  async connectListAllNodeDevices(this: ConnCtx, flags: number): Promise<NodeDeviceRef[]> {
    // libvirt 9.0's test driver accepts only the capability filters: virsh's ACTIVE/INACTIVE
    // bits, which it always sends, are refused
    checkFlags(flags, FILTERS_CAP, 'testConnectListAllNodeDevices');
    const want = CAP_TYPES.filter((_, i) => flags & (1 << i));
    return this.drv.nodedevs
      .filter((d) => want.length === 0 || want.some((c) => nodeDeviceHasCap(d, c)))
      .map((d) => ({ name: d.name }));
  },
  async nodeDeviceLookupByName(this: ConnCtx, name: string): Promise<NodeDeviceRef> {
    return { name: findByName(this.drv, name).name };
  },
  async nodeDeviceGetXmlDesc(this: ConnCtx, name: string, flags: number): Promise<string> {
    checkFlags(flags, 0, 'testNodeDeviceGetXMLDesc');
    return nodeDeviceDefFormat(findByName(this.drv, name));
  },
  async nodeDeviceGetParent(this: ConnCtx, name: string): Promise<string | null> {
    const d = findByName(this.drv, name);
    if (d.parent === undefined) throw testError(ErrorNumber.INTERNAL_ERROR, 'no parent for this device');
    return d.parent;
  },
  /** top-level capabilities only (the nested fc_host/vports are not counted here) */
  async nodeDeviceNumOfCaps(this: ConnCtx, name: string): Promise<number> {
    return findByName(this.drv, name).caps.length;
  },
  async nodeDeviceListCaps(this: ConnCtx, name: string, maxnames: number): Promise<string[]> {
    return findByName(this.drv, name).caps.map((c) => c.type).slice(0, Math.max(0, maxnames));
  },
  async nodeDeviceCreateXml(this: ConnCtx, xml: string, flags: number): Promise<NodeDeviceRef> {
    // libvirt 9.0 checks VALIDATE against its schema; there is none here, so it is accepted
    checkFlags(flags, CREATE_XML_VALIDATE, 'testNodeDeviceCreateXML');
    const def = nodeDeviceDefParseString(xml, 'create');
    const { wwnn, wwpn } = nodeDeviceGetWWNs(def);
    parentHost(this.drv, def);
    return { name: mockCreateVport(this, wwnn, wwpn).name };
  },
  /**
   * testNodeDeviceDestroy: a device that is no vHBA, or whose parent is gone, is left alone and
   * the call still succeeds (libvirt 9.0 returns 0 on those paths).
   */
  async nodeDeviceDestroy(this: ConnCtx, name: string): Promise<void> {
    const d = findByName(this.drv, name);
    if (!d.caps.some((c) => c.type === 'scsi_host' && c.fc)) return;
    if (d.parent === undefined || !findDevice(this.drv, d.parent)) return;
    this.drv.nodedevs.splice(this.drv.nodedevs.indexOf(d), 1);
    this.drv.emitNodeDevice(0, { dev: { name }, event: EVENT_DELETED, detail: 0 });
  },
  async connectNodeDeviceEventRegisterAny(this: ConnCtx, eventID: number, dev: NodeDeviceRef | null, cb: NodeDeviceEventCallback): Promise<number> {
    if (eventID < 0 || eventID >= NODE_DEVICE_EVENT_ID_LAST) {
      throw virError(ErrorDomain.NODEDEV, ErrorNumber.INVALID_ARG, `unsupported event ID ${eventID}`);
    }
    return this.events.register(EVENT_FAMILY_BASE.nodedev + eventID, dev?.name ?? null, (_id, e: BusEvent) => {
      if (e.kind === 'nodedev') cb(eventID, e.payload);
    });
  },
  async connectNodeDeviceEventDeregisterAny(this: ConnCtx, callbackID: number): Promise<void> {
    if (!this.events.deregister(callbackID)) {
      throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `could not find event callback ${callbackID} for deletion`);
    }
  },
};
