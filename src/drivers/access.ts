// Decided once, above the drivers: read-only enforcement, "not supported", and the API names
// libvirt uses in those messages. Both the library and the daemon reach drivers through
// `GuardedConnection`, so a driver never repeats these checks; the daemon's procedure table
// (src/rpc/procedures.ts) takes its read-only facts from here too.
import type { DriverConnection, DriverMethodName } from './driver.js';
import { ErrorDomain, ErrorNumber, type VirError, virError } from '../util/error.js';

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
  'domainGetSchedulerParametersFlags', 'domainGetMemoryParameters', 'domainGetBlkioParameters', 'domainGetNumaParameters',
  'domainGetInterfaceParameters', 'domainGetBlockIoTune',
  'domainGetVcpuPinInfo', 'domainGetEmulatorPinInfo', 'domainGetIothreadInfo', 'domainGetPerfEvents', 'domainGetCpuStats',
  'domainGetMetadata', 'domainGetControlInfo', 'domainGetDiskErrors', 'domainInterfaceAddresses',
  'domainSnapshotGetXmlDesc', 'domainSnapshotNum', 'domainSnapshotListNames', 'domainListAllSnapshots',
  'domainSnapshotListAllChildren', 'domainSnapshotNumChildren', 'domainSnapshotListChildrenNames',
  'domainSnapshotLookupByName', 'domainHasCurrentSnapshot', 'domainSnapshotCurrent', 'domainSnapshotGetParent',
  'domainSnapshotIsCurrent', 'domainSnapshotHasMetadata',
  'domainCheckpointGetXmlDesc', 'domainListAllCheckpoints', 'domainCheckpointListAllChildren',
  'domainCheckpointLookupByName', 'domainCheckpointGetParent',
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
  'connectNumOfInterfaces', 'connectListInterfaces', 'connectNumOfDefinedInterfaces', 'connectListDefinedInterfaces',
  'connectListAllInterfaces', 'interfaceLookupByName', 'interfaceLookupByMacString', 'interfaceGetXmlDesc', 'interfaceIsActive',
  'nodeNumOfDevices', 'nodeListDevices', 'connectListAllNodeDevices', 'nodeDeviceLookupByName', 'nodeDeviceLookupScsiHostByWwn',
  'nodeDeviceGetXmlDesc', 'nodeDeviceGetParent', 'nodeDeviceNumOfCaps', 'nodeDeviceListCaps', 'nodeDeviceGetAutostart',
  'nodeDeviceIsPersistent', 'nodeDeviceIsActive', 'connectNodeDeviceEventRegisterAny', 'connectNodeDeviceEventDeregisterAny',
  'connectGetStoragePoolCapabilities', 'networkListAllPorts', 'networkPortLookupByUuid', 'networkPortGetXmlDesc',
  'connectGetCpuModelNames', 'nodeGetCpuStats', 'nodeGetFreePages', 'connectCompareCpu', 'connectBaselineCpu',
  'nodeGetMemoryParameters',
  // domain_rest: managed-save XML (not the secure one), migration downtime and cache reads
  'domainManagedSaveGetXmlDesc', 'domainMigrateGetMaxDowntime', 'domainMigrateGetCompressionCache',
  // nwfilter: the lookups, lists and XML
  'connectListAllNwfilters', 'connectNumOfNwfilters', 'connectListNwfilters', 'nwfilterLookupByName', 'nwfilterLookupByUuid',
  'nwfilterGetXmlDesc', 'connectListAllNwfilterBindings', 'nwfilterBindingLookupByPortDev', 'nwfilterBindingGetXmlDesc',
  'domainBackupGetXmlDesc',
  'domainGetBlockJobInfo',
  // secrets: metadata is readable, the value never is (libvirt's secret:read_secure)
  'connectNumOfSecrets', 'connectListSecrets', 'connectListAllSecrets', 'secretLookupByUuid', 'secretLookupByUsage',
  'secretGetXmlDesc', 'connectSecretEventRegisterAny', 'connectSecretEventDeregisterAny',
  // answered by the daemon itself or without a driver method, allowed all the same
  'connectOpen', 'authList', 'authSaslInit', 'authSaslStart', 'authSaslStep', 'authPolkit',
  'connectRegisterCloseCallback', 'connectUnregisterCloseCallback', 'domainGetJobInfo', 'domainGetJobStats',
  'connectDomainEventRegister', 'connectDomainEventDeregister', 'connectDomainEventRegisterAny',
  'connectDomainEventDeregisterAny',
  // Deliberately absent, as every state-changing call: domainQemuMonitorCommand (raw monitor
  // access can do anything to the guest; libvirt denies it on read-only connections).
]);

/**
 * Reads that a read-only connection may make only without a given flag (or argument value):
 * secure XML, guest-agent queries. Checked against libvirtd's captured denials.
 */
const READONLY_ARG_RULES: Record<string, { arg: number; mask?: number; equals?: number; detail?: string }> = {
  domainGetXmlDesc: { arg: 1, mask: 1, detail: 'virDomainGetXMLDesc with secure flag' },
  domainSnapshotGetXmlDesc: { arg: 1, mask: 1, detail: 'virDomainSnapshotGetXMLDesc with secure flag' },
  domainCheckpointGetXmlDesc: { arg: 1, mask: 1, detail: 'virDomainCheckpointGetXMLDesc with secure flag' },
  domainGetVcpusFlags: { arg: 1, mask: 8 },
  domainInterfaceAddresses: { arg: 1, equals: 1 },
  domainManagedSaveGetXmlDesc: { arg: 1, mask: 1, detail: 'virDomainManagedSaveGetXMLDesc with secure flag' },
};

/** domainGetXmlDesc -> DOMAIN_GET_XML_DESC: the remote procedure name behind a method. */
export function procNameOf(method: string): string {
  return method.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

// Words the public API spells in capitals (virDomainGetXMLDesc, virDomainLookupByUUID, ...).
const API_WORDS: Record<string, string> = {
  XML: 'XML', UUID: 'UUID', ID: 'ID', OS: 'OS', URI: 'URI', CPU: 'CPU', DHCP: 'DHCP', SEV: 'SEV',
  PM: 'PM', NMI: 'NMI', SCSI: 'SCSI', WWN: 'WWN', MAC: 'MAC', SSH: 'SSH',
  FSTRIM: 'FSTrim', FSFREEZE: 'FSFreeze', FSTHAW: 'FSThaw', FSINFO: 'FSInfo',
  IOTHREAD: 'IOThread', NWFILTER: 'NWFilter', NWFILTERS: 'NWFilters',
};

/** DOMAIN_GET_XML_DESC -> virDomainGetXMLDesc: the public API name used in error messages. */
export function apiNameForProc(name: string): string {
  return 'vir' + name.split('_').map((w) => API_WORDS[w] ?? w.charAt(0) + w.slice(1).toLowerCase()).join('');
}

/** libvirt's public API name for a driver method (virDomainGetXMLDesc). */
export function apiNameOf(method: string): string { return apiNameForProc(procNameOf(method)); }

/** ErrorDomain of an API family, from the procedure name (libvirt-<family>.c's VIR_FROM_THIS). */
export function errDomainForProc(name: string): number {
  if (name.includes('SNAPSHOT')) return ErrorDomain.DOMAIN_SNAPSHOT;
  if (name.includes('CHECKPOINT')) return ErrorDomain.DOMAIN_CHECKPOINT;
  if (name.includes('STORAGE')) return ErrorDomain.STORAGE;
  if (name.includes('NWFILTER')) return ErrorDomain.NWFILTER;
  if (name.includes('NETWORK')) return ErrorDomain.NETWORK;
  if (name.includes('SECRET')) return ErrorDomain.SECRET;
  if (name.includes('NODE_DEVICE')) return ErrorDomain.NODEDEV;
  // virNodeNumOfDevices / virNodeListDevices live in libvirt-nodedev.c
  if (name === 'NODE_NUM_OF_DEVICES' || name === 'NODE_LIST_DEVICES') return ErrorDomain.NODEDEV;
  if (name.includes('INTERFACE') && !name.startsWith('DOMAIN_')) return ErrorDomain.INTERFACE;
  // libvirt-domain.c and libvirt-host.c (connect/node calls) both report VIR_FROM_DOMAIN.
  return ErrorDomain.DOMAIN;
}

/** The error domain libvirt reports for a method's object family. */
export function errDomainOf(method: string): number { return errDomainForProc(procNameOf(method)); }

/**
 * The error a read-only connection gets for this call, or null when it is allowed: libvirt's
 * "operation forbidden: read only access prevents virXxx" (or the flag-specific wording).
 */
export function readonlyDenial(method: string, args: readonly unknown[]): VirError | null {
  if (!READONLY_OK.has(method)) {
    return virError(errDomainOf(method), ErrorNumber.OPERATION_DENIED, `read only access prevents ${apiNameOf(method)}`);
  }
  const rule = READONLY_ARG_RULES[method];
  if (!rule) return null;
  const v = Number(args[rule.arg] ?? 0);
  const hit = rule.mask !== undefined ? (v & rule.mask) !== 0 : v === rule.equals;
  if (!hit) return null;
  return virError(errDomainOf(method), ErrorNumber.OPERATION_DENIED, rule.detail ?? `read only access prevents ${apiNameOf(method)}`);
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
      const denial = readonlyDenial(method, args);
      if (denial) throw denial;
    }
    const fn = (this.driver as Record<string, unknown>)[method];
    if (typeof fn === 'function') return (fn as (...a: unknown[]) => Promise<unknown>).apply(this.driver, args);
    const fb = FALLBACKS[method as DriverMethodName];
    const p = fb?.(this.driver, args);
    if (p) return p;
    noSupport(method);
  }
}
