// One open test:/// connection: the driver instance it uses plus its own event registrations.
// The call tables of the other files are mixed into the prototype, so every method is a plain
// DriverConnection method with `this` the connection.
import type { DriverConnection } from '../driver.js';
import type { EventRegistrations } from '../events.js';
import { domainMethods } from './domains.js';
import { domainInfoMethods } from './domain_info.js';
import { domainExtraMethods } from './domain_extra.js';
import { domainTuneMethods } from './domain_tune.js';
import { domainMiscMethods } from './domain_misc.js';
import { hostMethods } from './host.js';
import { hostExtraMethods } from './host_extra.js';
import { interfaceMethods } from './interfaces.js';
import { networkMethods } from './networks.js';
import { nodeDeviceMethods } from './nodedevs.js';
import { snapshotMethods } from './snapshots.js';
import { checkpointMethods } from './checkpoints.js';
import type { BusEvent, ConnCtx, TestDriver } from './state.js';
import { storageMethods } from './storage.js';

export class TestConnection implements ConnCtx {
  private closed = false;
  constructor(
    readonly drv: TestDriver,
    readonly events: EventRegistrations<BusEvent>,
    readonly uri: string,
    private readonly release: (drv: TestDriver) => void,
  ) {}

  async connectClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
    this.release(this.drv);
  }
}

/**
 * Calls that only read state. Every other call may change a definition, so it moves the driver's
 * generation on, before it runs and again once it settled: a cached answer made from older
 * state (DomainObj.xmlCache) is then never served. Unlisted calls count as changes, so a new
 * call is safe by default; listing a call here is a promise that it changes nothing.
 */
const READERS = new Set<string>([
  'connectListAllDomains', 'connectNumOfDomains', 'connectListDomains', 'connectNumOfDefinedDomains',
  'connectListDefinedDomains', 'domainLookupById', 'domainLookupByName', 'domainLookupByUuid',
  'domainGetInfo', 'domainGetState', 'domainGetXmlDesc', 'domainGetOsType', 'domainGetMaxMemory',
  'domainGetAutostart', 'domainIsActive', 'domainIsPersistent', 'domainIsUpdated', 'domainHasManagedSaveImage',
  'connectGetType', 'connectGetVersion', 'connectGetLibVersion', 'connectGetHostname', 'connectGetUri',
  'connectGetMaxVcpus', 'connectIsSecure', 'connectIsEncrypted', 'connectIsAlive', 'connectSupportsFeature',
  'connectGetSysinfo', 'connectGetCapabilities', 'nodeGetInfo', 'nodeGetFreeMemory', 'nodeGetCellsFreeMemory',
  'nodeGetCpuMap', 'nodeGetSecurityModel', 'domainGetControlInfo', 'domainGetDiskErrors', 'domainGetTime',
  'connectNumOfInterfaces', 'connectListInterfaces', 'connectNumOfDefinedInterfaces', 'connectListDefinedInterfaces',
  'connectListAllInterfaces', 'interfaceLookupByName', 'interfaceLookupByMacString', 'interfaceGetXmlDesc', 'interfaceIsActive',
  'nodeNumOfDevices', 'nodeListDevices', 'connectListAllNodeDevices', 'nodeDeviceLookupByName', 'nodeDeviceGetXmlDesc',
  'nodeDeviceGetParent', 'nodeDeviceNumOfCaps', 'nodeDeviceListCaps',
]);

type Method = (this: TestConnection, ...args: unknown[]) => unknown;

function countingChanges(fn: Method): Method {
  return function (this: TestConnection, ...args: unknown[]): unknown {
    const drv = this.drv;
    drv.generation++;
    let r: unknown;
    try {
      r = fn.apply(this, args);
    } catch (e) {
      drv.generation++;
      throw e;
    }
    if (r instanceof Promise) return r.finally(() => { drv.generation++; });
    drv.generation++;
    return r;
  };
}

const tables = [hostMethods, domainMethods, domainInfoMethods, domainExtraMethods, snapshotMethods, networkMethods, storageMethods,
  domainTuneMethods, checkpointMethods, interfaceMethods, domainMiscMethods, nodeDeviceMethods, hostExtraMethods];
for (const table of tables) {
  for (const [name, fn] of Object.entries(table)) {
    (TestConnection.prototype as unknown as Record<string, Method>)[name] = READERS.has(name) ? fn as Method : countingChanges(fn as Method);
  }
}

// The mixed-in tables make a TestConnection a full DriverConnection (checked here once).
export interface TestConnection extends DriverConnection {}
type Tables = typeof hostMethods & typeof domainMethods & typeof domainInfoMethods & typeof domainExtraMethods & typeof snapshotMethods
  & typeof networkMethods & typeof storageMethods & typeof domainTuneMethods & typeof checkpointMethods
  & typeof interfaceMethods & typeof domainMiscMethods & typeof nodeDeviceMethods & typeof hostExtraMethods;
const _check: Partial<Record<keyof Tables, unknown>> & { [K in keyof Tables]: K extends keyof DriverConnection ? unknown : never } = {} as Tables;
void _check;
