// Decided once, above the drivers: read-only enforcement, "not supported", and the API names
// libvirt uses in those messages. Both the library and the daemon reach drivers through
// `guardConnection`, so a driver never repeats these checks.
import type { DriverConnection, DriverMethodName } from './driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';

/** Methods a read-only connection may call (libvirt's ACL "read" permission; see protocol §9.3). */
const READONLY_OK = new Set<string>([
  'connectClose', 'connectGetType', 'connectGetVersion', 'connectGetLibVersion', 'connectGetHostname',
  'connectGetUri', 'connectGetMaxVcpus', 'connectGetCapabilities', 'connectGetSysinfo', 'connectIsSecure',
  'connectIsEncrypted', 'connectIsAlive', 'connectSupportsFeature', 'nodeGetInfo', 'nodeGetFreeMemory',
  'nodeGetCellsFreeMemory', 'nodeGetSecurityModel', 'nodeGetMemoryStats', 'nodeGetCpuMap',
  'connectListAllDomains', 'connectNumOfDomains', 'connectListDomains', 'connectNumOfDefinedDomains',
  'connectListDefinedDomains', 'domainLookupById', 'domainLookupByName', 'domainLookupByUuid',
  'domainHasManagedSaveImage', 'domainGetInfo', 'domainGetState', 'domainGetXmlDesc', 'domainGetOsType',
  'domainGetAutostart', 'domainIsActive', 'domainIsPersistent', 'domainIsUpdated', 'domainGetSecurityLabel',
  'domainGetMessages', 'domainGetMaxMemory', 'domainGetMaxVcpus', 'domainGetVcpusFlags', 'domainGetVcpus',
  'domainBlockStats', 'domainBlockStatsFlags', 'domainInterfaceStats', 'domainMemoryStats', 'domainGetBlockInfo',
  'connectGetAllDomainStats', 'domainGetSchedulerType', 'domainGetSchedulerParameters',
  'domainGetSchedulerParametersFlags', 'domainGetMemoryParameters', 'domainGetBlkioParameters',
  'domainGetMetadata', 'domainInterfaceAddresses', 'domainSaveImageGetXmlDesc',
  'domainSnapshotGetXmlDesc', 'domainSnapshotNum', 'domainSnapshotListNames', 'domainListAllSnapshots',
  'domainSnapshotListAllChildren', 'domainSnapshotNumChildren', 'domainSnapshotListChildrenNames',
  'domainSnapshotLookupByName', 'domainHasCurrentSnapshot', 'domainSnapshotCurrent', 'domainSnapshotGetParent',
  'domainSnapshotIsCurrent', 'domainSnapshotHasMetadata',
  'connectDomainEventCallbackRegisterAny', 'connectDomainEventCallbackDeregisterAny',
  'connectListAllNetworks', 'connectNumOfNetworks', 'connectListNetworks', 'connectNumOfDefinedNetworks',
  'connectListDefinedNetworks', 'networkLookupByName', 'networkLookupByUuid', 'networkGetXmlDesc',
  'networkGetAutostart', 'networkGetBridgeName', 'networkIsActive', 'networkIsPersistent', 'networkGetDhcpLeases',
  'connectNetworkEventRegisterAny', 'connectNetworkEventDeregisterAny',
  'connectListAllStoragePools', 'connectNumOfStoragePools', 'connectListStoragePools',
  'connectNumOfDefinedStoragePools', 'connectListDefinedStoragePools', 'storagePoolLookupByName',
  'storagePoolLookupByUuid', 'storagePoolLookupByVolume', 'storagePoolLookupByTargetPath', 'storagePoolGetInfo',
  'storagePoolGetXmlDesc', 'storagePoolGetAutostart', 'storagePoolIsActive', 'storagePoolIsPersistent',
  'storagePoolNumOfVolumes', 'storagePoolListVolumes', 'storagePoolListAllVolumes',
  'connectStoragePoolEventRegisterAny', 'connectStoragePoolEventDeregisterAny',
  'storageVolLookupByName', 'storageVolLookupByKey', 'storageVolLookupByPath', 'storageVolGetInfo',
  'storageVolGetInfoFlags', 'storageVolGetXmlDesc', 'storageVolGetPath',
  // Deliberately absent, as every state-changing call: domainQemuMonitorCommand (raw monitor
  // access can do anything to the guest; libvirt denies it on read-only connections).
]);

const WORD_FIXUPS: [RegExp, string][] = [
  [/Xml/g, 'XML'], [/Uuid/g, 'UUID'], [/ById$/, 'ByID'], [/Dhcp/g, 'DHCP'], [/Cpu/g, 'CPU'],
];

/** libvirt's public API name for a driver method, as used in error messages (virDomainGetXMLDesc). */
export function apiNameOf(method: string): string {
  let n = 'vir' + method[0]!.toUpperCase() + method.slice(1);
  for (const [re, s] of WORD_FIXUPS) n = n.replace(re, s);
  return n.replace(/^virDomainSnapshotListAllChildren$/, 'virDomainSnapshotListAllChildren');
}

/** The error domain libvirt reports for a method's object family. */
export function errDomainOf(method: string): number {
  if (/^(domainSnapshot|domainRevertToSnapshot|domainListAllSnapshots|domainHasCurrentSnapshot)/.test(method)) return ErrorDomain.DOMAIN_SNAPSHOT;
  if (/^(domain|connect(List|Num)\w*Domains|connectGetAllDomainStats|connectDomainEvent)/.test(method)) return ErrorDomain.DOMAIN;
  if (/^(network|connect(List|Num)\w*Networks|connectNetworkEvent)/.test(method)) return ErrorDomain.NETWORK;
  if (/^(storage|connect(List|Num)\w*StoragePools|connectStoragePoolEvent)/.test(method)) return ErrorDomain.STORAGE;
  return ErrorDomain.NONE;
}

function denied(method: string, what = apiNameOf(method)): never {
  throw virError(errDomainOf(method), ErrorNumber.OPERATION_DENIED, `read only access prevents ${what}`);
}

/** Argument-dependent read-only rules (secure XML, guest-agent queries). */
function checkReadonlyArgs(method: string, args: unknown[]): void {
  if (method === 'domainGetXmlDesc' && ((args[1] as number) & 1)) {
    throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_DENIED, 'virDomainGetXMLDesc with secure flag');
  }
  if (method === 'domainGetVcpusFlags' && ((args[1] as number) & 8)) denied(method);
  if (method === 'domainInterfaceAddresses' && (args[1] as number) === 1) denied(method);
}

export function isReadonlyAllowed(method: string): boolean { return READONLY_OK.has(method); }

/** Thrown for a driver that lacks a method: libvirt's VIR_ERR_NO_SUPPORT with the API name. */
export function noSupport(method: string): never {
  throw virError(errDomainOf(method), ErrorNumber.NO_SUPPORT, apiNameOf(method));
}

/**
 * Fallbacks between the plain and the *Flags variant of a call, so a driver can implement one
 * and serve both (the daemon dispatches whichever procedure the client sent).
 */
type Fallback = (c: DriverConnection, args: unknown[]) => Promise<unknown> | undefined;
const FALLBACKS: Partial<Record<DriverMethodName, Fallback>> = {
  domainShutdown: (c, [d]) => c.domainShutdownFlags?.(d as never, 0),
  domainShutdownFlags: (c, [d, f]) => (f === 0 ? c.domainShutdown?.(d as never) : undefined),
  domainDestroy: (c, [d]) => c.domainDestroyFlags?.(d as never, 0),
  domainDestroyFlags: (c, [d, f]) => (f === 0 ? c.domainDestroy?.(d as never) : undefined),
  domainUndefine: (c, [d]) => c.domainUndefineFlags?.(d as never, 0),
  domainUndefineFlags: (c, [d, f]) => (f === 0 ? c.domainUndefine?.(d as never) : undefined),
  domainCreate: (c, [d]) => c.domainCreateWithFlags?.(d as never, 0)?.then(() => undefined),
  domainDefineXml: (c, [x]) => c.domainDefineXmlFlags?.(x as string, 0),
  domainDefineXmlFlags: (c, [x, f]) => (f === 0 ? c.domainDefineXml?.(x as string) : undefined),
  domainSave: (c, [d, to]) => c.domainSaveFlags?.(d as never, to as string, null, 0),
  domainRestore: (c, [from]) => c.domainRestoreFlags?.(from as string, null, 0),
  domainSetVcpus: (c, [d, n]) => c.domainSetVcpusFlags?.(d as never, n as number, 1),
  domainSetMemory: (c, [d, m]) => c.domainSetMemoryFlags?.(d as never, m as number, 1),
  domainSetMaxMemory: (c, [d, m]) => c.domainSetMemoryFlags?.(d as never, m as number, 4),
  domainAttachDevice: (c, [d, x]) => c.domainAttachDeviceFlags?.(d as never, x as string, 1),
  domainDetachDevice: (c, [d, x]) => c.domainDetachDeviceFlags?.(d as never, x as string, 1),
  domainGetSchedulerParameters: (c, [d, n]) => c.domainGetSchedulerParametersFlags?.(d as never, n as number, 0),
  networkDefineXml: (c, [x]) => c.networkDefineXmlFlags?.(x as string, 0),
  networkCreateXml: (c, [x]) => c.networkCreateXmlFlags?.(x as string, 0),
  networkDefineXmlFlags: (c, [x, f]) => (f === 0 ? c.networkDefineXml?.(x as string) : undefined),
  networkCreateXmlFlags: (c, [x, f]) => (f === 0 ? c.networkCreateXml?.(x as string) : undefined),
  storageVolGetInfo: (c, [v]) => c.storageVolGetInfoFlags?.(v as never, 0),
  storageVolGetInfoFlags: (c, [v, f]) => (f === 0 ? c.storageVolGetInfo?.(v as never) : undefined),
};

/**
 * Wrap a driver connection so that every call goes through the shared checks:
 * read-only denial, NO_SUPPORT for missing methods, and flag-variant fallbacks.
 * `invoke(method, args)` is the single entry point used by the API layer and the daemon.
 */
export class GuardedConnection {
  constructor(readonly driver: DriverConnection, readonly readonly: boolean) {}

  has(method: string): boolean {
    return typeof (this.driver as Record<string, unknown>)[method] === 'function' || method in FALLBACKS;
  }

  async invoke(method: string, args: unknown[]): Promise<unknown> {
    if (this.readonly) {
      if (!READONLY_OK.has(method)) denied(method);
      checkReadonlyArgs(method, args);
    }
    const fn = (this.driver as Record<string, unknown>)[method];
    if (typeof fn === 'function') return (fn as (...a: unknown[]) => Promise<unknown>).apply(this.driver, args);
    const fb = FALLBACKS[method as DriverMethodName];
    const p = fb?.(this.driver, args);
    if (p) return p;
    noSupport(method);
  }
}
