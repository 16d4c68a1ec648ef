// Connection: libvirt's virConnectPtr. `open(uri)` picks the driver that claims the URI
// (in-process test driver, or the remote driver to a daemon) and returns a Connection whose
// every call goes through the shared checks in drivers/access.ts.
import type {
  CpuMap, DomainEventPayload, DomainRef, DomainStatsRecord, InterfaceRef, NodeDeviceEventPayload, NodeDeviceRef, NWFilterBindingRef, NWFilterRef, NetworkEventPayload, NetworkRef, NodeInfo,
  PoolEventPayload, PoolRef, SecretEventPayload, SecretRef, SecurityModel, VolRef, ParamsReply, TypedParam,
} from '../drivers/driver.js';
import { openConnection } from '../drivers/registry.js';
import { apiNameOf } from '../drivers/access.js';
import type { GuardedConnection } from '../drivers/access.js';
import { ErrorDomain, ErrorNumber, VirError, rawError, virError } from '../util/error.js';
import { type CallOptions, withDeadline } from './call.js';
import { Domain } from './domain.js';
import { Interface } from './interface.js';
import { resolve as resolvePath } from 'node:path';
import { NodeDevice } from './node_device.js';
import { NWFilter, NWFilterBinding } from './nwfilter.js';
import { Secret } from './secret.js';
import { uuidParse } from '../util/uuid.js';
import { Network } from './network.js';
import { StoragePool, StorageVol } from './storage.js';

export interface OpenOptions extends CallOptions {
  /** Open read-only (VIR_CONNECT_RO): only non-mutating calls are allowed. */
  readonly?: boolean;
  /** Default CallOptions.timeout for every call on this connection (ms). */
  callTimeout?: number;
}

export type DomainEventHandler = (dom: Domain, payload: DomainEventPayload, eventID: number) => void;
export type NetworkEventHandler = (net: Network, payload: NetworkEventPayload, eventID: number) => void;
export type NodeDeviceEventHandler = (dev: NodeDevice, payload: NodeDeviceEventPayload, eventID: number) => void;
export type SecretEventHandler = (secret: Secret, payload: SecretEventPayload, eventID: number) => void;
export type PoolEventHandler = (pool: StoragePool, payload: PoolEventPayload, eventID: number) => void;

/** Open a connection. `uri` null/'' means the default (LIBVIRT_DEFAULT_URI, else qemu:///system). */
export async function open(uri: string | null = null, options: OpenOptions = {}): Promise<Connection> {
  const r = await withDeadline(openConnection(uri, { readonly: options.readonly ?? false, flags: options.readonly ? 1 : 0 }), 'virConnectOpen', options);
  return new Connection(r.uri.original, r.conn, r.driverName, options.callTimeout);
}

export class Connection {
  #g: GuardedConnection;
  #refs = 1;
  #closed = false;

  /** @internal use open() */
  constructor(readonly uri: string, g: GuardedConnection, readonly driverName: string, private readonly callTimeout?: number) {
    this.#g = g;
  }

  get readonly(): boolean { return this.#g.readonly; }
  get isClosed(): boolean { return this.#closed; }

  /** @internal the single path from every handle to the driver */
  _call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    if (this.#closed) return Promise.reject(virError(ErrorDomain.NONE, ErrorNumber.INVALID_CONN, apiNameOf(method)));
    const o = opts ?? (this.callTimeout ? { timeout: this.callTimeout } : undefined);
    return withDeadline(this.#g.invoke(method, args) as Promise<T>, apiNameOf(method), o);
  }
  /** Whether the driver implements a call (for clients that fall back, like virsh). */
  supports(method: string): boolean { return this.#g.has(method); }

  /** Take another reference (virConnectRef); each needs its own close(). */
  ref(): this { this.#refs++; return this; }
  /** Drop a reference; the last one releases the driver connection. Returns remaining refs. */
  async close(): Promise<number> {
    if (this.#closed) return 0;
    if (--this.#refs > 0) return this.#refs;
    this.#closed = true;
    await this.#g.invoke('connectClose', []).catch((e) => {
      if (e?.code !== ErrorNumber.NO_SUPPORT) throw e;
    });
    return 0;
  }

  /**
   * Re-open a connection whose transport dropped (remote URIs); event registrations survive
   * with the same callback ids. In-process drivers never drop, so this is a no-op for them.
   */
  async reconnect(): Promise<void> {
    if (this.#closed) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_CONN, 'virConnectReconnect');
    await this.#g.driver.reconnect?.();
  }
  /**
   * Be told when the connection closes by itself (EOF, keepalive timeout, daemon shutdown);
   * `reason` is a ConnectCloseReason. Returns a function that removes the listener.
   */
  onClose(cb: (reason: number, err: Error | null) => void): () => void {
    return this.#g.driver.onConnectionClosed?.(cb) ?? (() => undefined);
  }
  async isEncrypted(o?: CallOptions): Promise<boolean> { return (await this._call<number>('connectIsEncrypted', [], o)) !== 0; }

  // ---- host ----
  getType(o?: CallOptions): Promise<string> { return this._call('connectGetType', [], o); }
  getVersion(o?: CallOptions): Promise<number> { return this._call('connectGetVersion', [], o); }
  getLibVersion(o?: CallOptions): Promise<number> { return this._call('connectGetLibVersion', [], o); }
  getHostname(o?: CallOptions): Promise<string> { return this._call('connectGetHostname', [], o); }
  /** The canonical URI of the driver actually opened. */
  getURI(o?: CallOptions): Promise<string> { return this._call<string>('connectGetUri', [], o).catch(() => this.uri); }
  getMaxVcpus(type: string | null = null, o?: CallOptions): Promise<number> { return this._call('connectGetMaxVcpus', [type], o); }
  getCapabilities(o?: CallOptions): Promise<string> { return this._call('connectGetCapabilities', [], o); }
  getDomainCapabilities(emulatorbin: string | null = null, arch: string | null = null, machine: string | null = null, virttype: string | null = null, flags = 0, o?: CallOptions): Promise<string> {
    return this._call('connectGetDomainCapabilities', [emulatorbin, arch, machine, virttype, flags], o);
  }
  getSysinfo(flags = 0, o?: CallOptions): Promise<string> { return this._call('connectGetSysinfo', [flags], o); }
  /** A domain definition in the hypervisor's native form, e.g. the QEMU command line ('qemu-argv'). */
  domainXMLToNative(nativeFormat: string, domainXml: string, flags = 0, o?: CallOptions): Promise<string> {
    return this._call('connectDomainXmlToNative', [nativeFormat, domainXml, flags], o);
  }
  /** virConnectDomainXMLFromNative: a domain definition from the hypervisor's native form */
  domainXMLFromNative(nativeFormat: string, nativeConfig: string, flags = 0, o?: CallOptions): Promise<string> {
    return this._call('connectDomainXmlFromNative', [nativeFormat, nativeConfig, flags], o);
  }
  /**
   * virDomainQemuAttach (libvirt-qemu): adopt a QEMU process started outside libvirt. libvirt
   * refuses pid 0 in the public API, before any driver.
   */
  async qemuAttach(pid: number, flags = 0, o?: CallOptions): Promise<Domain> {
    if (pid === 0) {
      throw new VirError({ code: ErrorNumber.INVALID_ARG, domain: ErrorDomain.DOMAIN, message: 'pid_value in virDomainQemuAttach must not be zero' });
    }
    return new Domain(this, await this._call<DomainRef>('domainQemuAttach', [pid, flags], o));
  }
  async isSecure(o?: CallOptions): Promise<boolean> { return (await this._call<number>('connectIsSecure', [], o)) !== 0; }
  async isAlive(o?: CallOptions): Promise<boolean> {
    if (this.#closed) return false;
    return this.#g.has('connectIsAlive') ? (await this._call<number>('connectIsAlive', [], o)) !== 0 : true;
  }
  nodeGetInfo(o?: CallOptions): Promise<NodeInfo> { return this._call('nodeGetInfo', [], o); }
  nodeGetFreeMemory(o?: CallOptions): Promise<number> { return this._call('nodeGetFreeMemory', [], o); }
  nodeGetCellsFreeMemory(startCell: number, maxCells: number, o?: CallOptions): Promise<number[]> { return this._call('nodeGetCellsFreeMemory', [startCell, maxCells], o); }
  nodeGetSecurityModel(o?: CallOptions): Promise<SecurityModel> { return this._call('nodeGetSecurityModel', [], o); }
  nodeGetCPUMap(flags = 0, o?: CallOptions): Promise<CpuMap> { return this._call('nodeGetCpuMap', [1, 1, flags], o); }
  /** CPU model names the host knows for arch (virConnectGetCPUModelNames); [] means every model is accepted. */
  getCPUModelNames(arch: string, flags = 0, o?: CallOptions): Promise<string[]> { return this._call('connectGetCpuModelNames', [arch, flags], o); }
  /**
   * Host CPU time counters in ns (virNodeGetCPUStats): 'user', 'kernel', 'idle', 'iowait', ... for
   * cpuNum, or summed over all CPUs for -1 (NodeCpuStatsAllCpus). nparams 0 asks for the count.
   */
  nodeGetCPUStats(cpuNum = -1, nparams = 0, flags = 0, o?: CallOptions): Promise<{ params: { field: string; value: number }[]; nparams: number }> {
    // libvirt checks this in the public API, before any driver (virReportInvalidArg's own wording)
    if (cpuNum < -1) {
      return Promise.reject(new VirError({ code: ErrorNumber.INVALID_ARG, domain: ErrorDomain.NONE,
        message: 'cpuNum in virNodeGetCPUStats only accepts -1 as a negative value' }));
    }
    return this._call('nodeGetCpuStats', [cpuNum, nparams, flags], o);
  }
  /**
   * Free huge/normal pages (virNodeGetFreePages): for each of cellCount cells from startCell,
   * one count per page size in `pages` (KiB), in that order.
   */
  nodeGetFreePages(pages: number[], startCell: number, cellCount: number, flags = 0, o?: CallOptions): Promise<number[]> {
    return this._call('nodeGetFreePages', [pages, startCell, cellCount, flags], o);
  }
  /** Size the page pools (virNodeAllocPages); returns the number of pools changed. */
  nodeAllocPages(pageSizes: number[], pageCounts: number[], startCell: number, cellCount: number, flags = 0, o?: CallOptions): Promise<number> {
    return this._call('nodeAllocPages', [pageSizes, pageCounts, startCell, cellCount, flags], o);
  }
  /** virConnectCompareCPU: a CPUCompareResult. */
  compareCPU(xml: string, flags = 0, o?: CallOptions): Promise<number> { return this._call('connectCompareCpu', [xml, flags], o); }
  /** virConnectBaselineCPU: the <cpu> every given CPU can run. */
  baselineCPU(xmlCPUs: string[], flags = 0, o?: CallOptions): Promise<string> { return this._call('connectBaselineCpu', [xmlCPUs, flags], o); }
  /** virConnectCompareHypervisorCPU: a CPUCompareResult against the CPU the hypervisor can give a guest. */
  compareHypervisorCPU(emulator: string | null, arch: string | null, machine: string | null, virttype: string | null, xmlCPU: string, flags = 0, o?: CallOptions): Promise<number> {
    return this._call('connectCompareHypervisorCpu', [emulator, arch, machine, virttype, xmlCPU, flags], o);
  }
  /** virConnectBaselineHypervisorCPU */
  baselineHypervisorCPU(emulator: string | null, arch: string | null, machine: string | null, virttype: string | null, xmlCPUs: string[], flags = 0, o?: CallOptions): Promise<string> {
    return this._call('connectBaselineHypervisorCpu', [emulator, arch, machine, virttype, xmlCPUs, flags], o);
  }
  /** Kernel same-page-merging tunables (virNodeGetMemoryParameters); nparams 0 asks for the count. */
  nodeGetMemoryParameters(nparams: number, flags = 0, o?: CallOptions): Promise<ParamsReply> { return this._call('nodeGetMemoryParameters', [nparams, flags], o); }
  nodeSetMemoryParameters(params: TypedParam[], flags = 0, o?: CallOptions): Promise<void> { return this._call('nodeSetMemoryParameters', [params, flags], o); }
  /** Suspend the host (target: NodeSuspendTarget) and wake it after `duration` seconds. */
  nodeSuspendForDuration(target: number, duration: number, flags = 0, o?: CallOptions): Promise<void> {
    return this._call('nodeSuspendForDuration', [target, duration, flags], o);
  }
  /** The host's AMD SEV parameters (virNodeGetSEVInfo). */
  nodeGetSEVInfo(flags = 0, o?: CallOptions): Promise<ParamsReply> { return this._call('nodeGetSevInfo', [0, flags], o); }

  // ---- domains ----
  private dom(r: DomainRef): Domain { return new Domain(this, r); }
  async listAllDomains(flags = 0, o?: CallOptions): Promise<Domain[]> {
    return (await this._call<DomainRef[]>('connectListAllDomains', [flags], o)).map((r) => this.dom(r));
  }
  numOfDomains(o?: CallOptions): Promise<number> { return this._call('connectNumOfDomains', [], o); }
  listDomainsID(o?: CallOptions): Promise<number[]> { return this._call('connectListDomains', [16384], o); }
  numOfDefinedDomains(o?: CallOptions): Promise<number> { return this._call('connectNumOfDefinedDomains', [], o); }
  listDefinedDomains(o?: CallOptions): Promise<string[]> { return this._call('connectListDefinedDomains', [16384], o); }
  async lookupDomainByName(name: string, o?: CallOptions): Promise<Domain> { return this.dom(await this._call('domainLookupByName', [name], o)); }
  async lookupDomainById(id: number, o?: CallOptions): Promise<Domain> { return this.dom(await this._call('domainLookupById', [id], o)); }
  async lookupDomainByUUID(uuid: string, o?: CallOptions): Promise<Domain> { return this.dom(await this._call('domainLookupByUuid', [uuid], o)); }
  async defineDomainXML(xml: string, flags = 0, o?: CallOptions): Promise<Domain> {
    return this.dom(await (flags ? this._call<DomainRef>('domainDefineXmlFlags', [xml, flags], o) : this._call<DomainRef>('domainDefineXml', [xml], o)));
  }
  async createDomainXML(xml: string, flags = 0, o?: CallOptions): Promise<Domain> { return this.dom(await this._call('domainCreateXml', [xml, flags], o)); }
  /**
   * virDomainCreateXMLWithFiles: open file descriptors handed to the new guest (LXC uses them;
   * libvirt's test driver accepts and ignores them). Over a remote connection they travel as
   * SCM_RIGHTS, so only a local unix socket can carry them; the caller keeps (and closes) its fds.
   */
  async createDomainXMLWithFiles(xml: string, files: readonly number[], flags = 0, o?: CallOptions): Promise<Domain> {
    return this.dom(await this._call('domainCreateXmlWithFiles', [xml, flags, files], o));
  }
  restoreDomain(from: string, dxml: string | null = null, flags = 0, o?: CallOptions): Promise<void> {
    return dxml || flags ? this._call('domainRestoreFlags', [from, dxml, flags], o) : this._call('domainRestore', [from], o);
  }
  /** virDomainSaveImageGetXMLDesc: the domain XML kept in a save image (path made absolute: the daemon reads it). */
  domainSaveImageGetXMLDesc(file: string, flags = 0, o?: CallOptions): Promise<string> {
    return this._call('domainSaveImageGetXmlDesc', [resolvePath(file), flags], o);
  }
  /**
   * virDomainSaveImageDefineXML: replace the domain XML kept in a save image (the file path is
   * made absolute, as libvirt's client does). Flags: 2 SAVE_RUNNING, 4 SAVE_PAUSED (exclusive).
   */
  domainSaveImageDefineXML(file: string, dxml: string, flags = 0, o?: CallOptions): Promise<void> {
    if (!this.readonly && (flags & 2) && (flags & 4)) {
      return Promise.reject(new VirError({ code: ErrorNumber.INVALID_ARG, domain: ErrorDomain.DOMAIN,
        message: "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive" }));
    }
    return this._call('domainSaveImageDefineXml', [resolvePath(file), dxml, flags], o);
  }
  async getAllDomainStats(doms: Domain[], stats = 0, flags = 0, o?: CallOptions): Promise<{ domain: Domain; params: DomainStatsRecord['params'] }[]> {
    const recs = await this._call<DomainStatsRecord[]>('connectGetAllDomainStats', [doms.map((d) => d.ref), stats, flags], o);
    return recs.map((r) => ({ domain: this.dom(r.dom), params: r.params }));
  }

  /** Register for domain events (virConnectDomainEventRegisterAny); returns the callback id. */
  domainEventRegisterAny(dom: Domain | null, eventID: number, cb: DomainEventHandler, o?: CallOptions): Promise<number> {
    return this._call('connectDomainEventCallbackRegisterAny', [eventID, dom?.ref ?? null,
      (id: number, p: DomainEventPayload) => cb(this.dom(p.dom), p, id)], o);
  }
  domainEventDeregisterAny(callbackID: number, o?: CallOptions): Promise<void> {
    return this._call('connectDomainEventCallbackDeregisterAny', [callbackID], o);
  }

  // ---- networks ----
  private net(r: NetworkRef): Network { return new Network(this, r); }
  async listAllNetworks(flags = 0, o?: CallOptions): Promise<Network[]> {
    return (await this._call<NetworkRef[]>('connectListAllNetworks', [flags], o)).map((r) => this.net(r));
  }
  async lookupNetworkByName(name: string, o?: CallOptions): Promise<Network> { return this.net(await this._call('networkLookupByName', [name], o)); }
  async lookupNetworkByUUID(uuid: string, o?: CallOptions): Promise<Network> { return this.net(await this._call('networkLookupByUuid', [uuid], o)); }
  async defineNetworkXML(xml: string, flags = 0, o?: CallOptions): Promise<Network> {
    return this.net(await (flags ? this._call<NetworkRef>('networkDefineXmlFlags', [xml, flags], o) : this._call<NetworkRef>('networkDefineXml', [xml], o)));
  }
  async createNetworkXML(xml: string, flags = 0, o?: CallOptions): Promise<Network> {
    return this.net(await (flags ? this._call<NetworkRef>('networkCreateXmlFlags', [xml, flags], o) : this._call<NetworkRef>('networkCreateXml', [xml], o)));
  }
  networkEventRegisterAny(net: Network | null, eventID: number, cb: NetworkEventHandler, o?: CallOptions): Promise<number> {
    return this._call('connectNetworkEventRegisterAny', [eventID, net?.ref ?? null,
      (id: number, p: NetworkEventPayload) => cb(this.net(p.net), p, id)], o);
  }
  networkEventDeregisterAny(callbackID: number, o?: CallOptions): Promise<void> { return this._call('connectNetworkEventDeregisterAny', [callbackID], o); }

  // ---- storage ----
  private pool(r: PoolRef): StoragePool { return new StoragePool(this, r); }
  async listAllStoragePools(flags = 0, o?: CallOptions): Promise<StoragePool[]> {
    return (await this._call<PoolRef[]>('connectListAllStoragePools', [flags], o)).map((r) => this.pool(r));
  }
  async lookupStoragePoolByName(name: string, o?: CallOptions): Promise<StoragePool> { return this.pool(await this._call('storagePoolLookupByName', [name], o)); }
  async lookupStoragePoolByUUID(uuid: string, o?: CallOptions): Promise<StoragePool> { return this.pool(await this._call('storagePoolLookupByUuid', [uuid], o)); }
  async lookupStoragePoolByTargetPath(path: string, o?: CallOptions): Promise<StoragePool> { return this.pool(await this._call('storagePoolLookupByTargetPath', [path], o)); }
  async defineStoragePoolXML(xml: string, flags = 0, o?: CallOptions): Promise<StoragePool> { return this.pool(await this._call('storagePoolDefineXml', [xml, flags], o)); }
  async createStoragePoolXML(xml: string, flags = 0, o?: CallOptions): Promise<StoragePool> { return this.pool(await this._call('storagePoolCreateXml', [xml, flags], o)); }
  async lookupStorageVolByKey(key: string, o?: CallOptions): Promise<StorageVol> { return new StorageVol(this, await this._call<VolRef>('storageVolLookupByKey', [key], o)); }
  async lookupStorageVolByPath(path: string, o?: CallOptions): Promise<StorageVol> { return new StorageVol(this, await this._call<VolRef>('storageVolLookupByPath', [path], o)); }
  storagePoolEventRegisterAny(pool: StoragePool | null, eventID: number, cb: PoolEventHandler, o?: CallOptions): Promise<number> {
    return this._call('connectStoragePoolEventRegisterAny', [eventID, pool?.ref ?? null,
      (id: number, p: PoolEventPayload) => cb(this.pool(p.pool), p, id)], o);
  }
  storagePoolEventDeregisterAny(callbackID: number, o?: CallOptions): Promise<void> { return this._call('connectStoragePoolEventDeregisterAny', [callbackID], o); }
  /** virConnectFindStoragePoolSources: a <sources> document of what a pool of `type` could use. */
  findStoragePoolSources(type: string, srcSpec: string | null = null, flags = 0, o?: CallOptions): Promise<string> {
    return this._call('connectFindStoragePoolSources', [type, srcSpec, flags], o);
  }
  /** virConnectGetStoragePoolCapabilities: the <storagepoolCapabilities> document. */
  getStoragePoolCapabilities(flags = 0, o?: CallOptions): Promise<string> { return this._call('connectGetStoragePoolCapabilities', [flags], o); }

  // ---- host interfaces ----
  private iface(r: InterfaceRef): Interface { return new Interface(this, r); }
  /** virConnectListAllInterfaces; flags from ListAllInterfacesFlags (0 = all). */
  async listAllInterfaces(flags = 0, o?: CallOptions): Promise<Interface[]> {
    return (await this._call<InterfaceRef[]>('connectListAllInterfaces', [flags], o)).map((r) => this.iface(r));
  }
  /** Names of the active interfaces (virConnectListInterfaces). */
  listInterfaces(maxnames = 16384, o?: CallOptions): Promise<string[]> { return this._call('connectListInterfaces', [maxnames], o); }
  /** Names of the inactive interfaces (virConnectListDefinedInterfaces). */
  listDefinedInterfaces(maxnames = 16384, o?: CallOptions): Promise<string[]> { return this._call('connectListDefinedInterfaces', [maxnames], o); }
  numOfInterfaces(o?: CallOptions): Promise<number> { return this._call('connectNumOfInterfaces', [], o); }
  numOfDefinedInterfaces(o?: CallOptions): Promise<number> { return this._call('connectNumOfDefinedInterfaces', [], o); }
  async lookupInterfaceByName(name: string, o?: CallOptions): Promise<Interface> { return this.iface(await this._call('interfaceLookupByName', [name], o)); }
  async lookupInterfaceByMACString(mac: string, o?: CallOptions): Promise<Interface> {
    return this.iface(await this._call('interfaceLookupByMacString', [mac], o));
  }
  /** Define or replace a persistent interface (virInterfaceDefineXML); flags from InterfaceDefineFlags. */
  async defineInterfaceXML(xml: string, flags = 0, o?: CallOptions): Promise<Interface> {
    return this.iface(await this._call('interfaceDefineXml', [xml, flags], o));
  }
  /** Save the current interface set as a restore point (virInterfaceChangeBegin). */
  interfaceChangeBegin(flags = 0, o?: CallOptions): Promise<void> { return this._call('interfaceChangeBegin', [flags], o); }
  /** Keep the changes made since the restore point (virInterfaceChangeCommit). */
  interfaceChangeCommit(flags = 0, o?: CallOptions): Promise<void> { return this._call('interfaceChangeCommit', [flags], o); }
  /** Go back to the restore point (virInterfaceChangeRollback). */
  interfaceChangeRollback(flags = 0, o?: CallOptions): Promise<void> { return this._call('interfaceChangeRollback', [flags], o); }

  // ---- node devices ----
  private nodeDevice(r: NodeDeviceRef): NodeDevice { return new NodeDevice(this, r); }
  /** virConnectListAllNodeDevices; flags from ListAllNodeDevicesFlags (0 = all). */
  async listAllDevices(flags = 0, o?: CallOptions): Promise<NodeDevice[]> {
    return (await this._call<NodeDeviceRef[]>('connectListAllNodeDevices', [flags], o)).map((r) => this.nodeDevice(r));
  }
  /** How many devices have capability `cap` (all when null) (virNodeNumOfDevices). */
  numOfDevices(cap: string | null = null, flags = 0, o?: CallOptions): Promise<number> { return this._call('nodeNumOfDevices', [cap, flags], o); }
  /** Names of the devices with capability `cap` (virNodeListDevices). */
  listDevices(cap: string | null = null, maxnames = 65536, flags = 0, o?: CallOptions): Promise<string[]> {
    return this._call('nodeListDevices', [cap, maxnames, flags], o);
  }
  async lookupNodeDeviceByName(name: string, o?: CallOptions): Promise<NodeDevice> {
    return this.nodeDevice(await this._call('nodeDeviceLookupByName', [name], o));
  }
  /** The SCSI host (HBA) with these WWNs (virNodeDeviceLookupSCSIHostByWWN). */
  async lookupSCSIHostByWWN(wwnn: string, wwpn: string, flags = 0, o?: CallOptions): Promise<NodeDevice> {
    return this.nodeDevice(await this._call('nodeDeviceLookupScsiHostByWwn', [wwnn, wwpn, flags], o));
  }
  /** Create a transient device, e.g. a vHBA on an FC host (virNodeDeviceCreateXML); flags from NodeDeviceCreateXMLFlags. */
  async createNodeDeviceXML(xml: string, flags = 0, o?: CallOptions): Promise<NodeDevice> {
    return this.nodeDevice(await this._call('nodeDeviceCreateXml', [xml, flags], o));
  }
  /** Define a persistent device (virNodeDeviceDefineXML); flags from NodeDeviceDefineXMLFlags. */
  async defineNodeDeviceXML(xml: string, flags = 0, o?: CallOptions): Promise<NodeDevice> {
    return this.nodeDevice(await this._call('nodeDeviceDefineXml', [xml, flags], o));
  }
  /** virConnectNodeDeviceEventRegisterAny: eventID from NodeDeviceEventID, dev null = every device. */
  nodeDeviceEventRegisterAny(dev: NodeDevice | null, eventID: number, cb: NodeDeviceEventHandler, o?: CallOptions): Promise<number> {
    return this._call('connectNodeDeviceEventRegisterAny', [eventID, dev?.ref ?? null,
      (id: number, p: NodeDeviceEventPayload) => cb(this.nodeDevice(p.dev), p, id)], o);
  }
  nodeDeviceEventDeregisterAny(callbackID: number, o?: CallOptions): Promise<void> { return this._call('connectNodeDeviceEventDeregisterAny', [callbackID], o); }

  // ---- network filters and bindings ----
  private nwfilter(r: NWFilterRef): NWFilter { return new NWFilter(this, r); }
  private nwfilterBinding(r: NWFilterBindingRef): NWFilterBinding { return new NWFilterBinding(this, r); }
  /** virConnectListAllNWFilters (flags: none defined) */
  async listAllNWFilters(flags = 0, o?: CallOptions): Promise<NWFilter[]> {
    return (await this._call<NWFilterRef[]>('connectListAllNwfilters', [flags], o)).map((r) => this.nwfilter(r));
  }
  /** virConnectNumOfNWFilters */
  numOfNWFilters(o?: CallOptions): Promise<number> { return this._call('connectNumOfNwfilters', [], o); }
  /** virConnectListNWFilters: names */
  listNWFilters(maxnames = 16384, o?: CallOptions): Promise<string[]> { return this._call('connectListNwfilters', [maxnames], o); }
  async lookupNWFilterByName(name: string, o?: CallOptions): Promise<NWFilter> { return this.nwfilter(await this._call('nwfilterLookupByName', [name], o)); }
  async lookupNWFilterByUUID(uuid: string, o?: CallOptions): Promise<NWFilter> { return this.nwfilter(await this._call('nwfilterLookupByUuid', [uuid], o)); }
  /** virNWFilterDefineXML, or virNWFilterDefineXMLFlags when flags are given (1: VALIDATE) */
  async defineNWFilterXML(xml: string, flags?: number, o?: CallOptions): Promise<NWFilter> {
    return this.nwfilter(await (flags === undefined ? this._call<NWFilterRef>('nwfilterDefineXml', [xml], o)
      : this._call<NWFilterRef>('nwfilterDefineXmlFlags', [xml, flags], o)));
  }
  /** virConnectListAllNWFilterBindings (flags: none defined) */
  async listAllNWFilterBindings(flags = 0, o?: CallOptions): Promise<NWFilterBinding[]> {
    return (await this._call<NWFilterBindingRef[]>('connectListAllNwfilterBindings', [flags], o)).map((r) => this.nwfilterBinding(r));
  }
  async lookupNWFilterBindingByPortDev(portdev: string, o?: CallOptions): Promise<NWFilterBinding> {
    return this.nwfilterBinding(await this._call('nwfilterBindingLookupByPortDev', [portdev], o));
  }
  /** virNWFilterBindingCreateXML (flag 1: VALIDATE) */
  async createNWFilterBindingXML(xml: string, flags = 0, o?: CallOptions): Promise<NWFilterBinding> {
    return this.nwfilterBinding(await this._call('nwfilterBindingCreateXml', [xml, flags], o));
  }
  // ---- secrets ----
  private secret(r: SecretRef): Secret { return new Secret(this, r); }
  /** virConnectListAllSecrets; flags from ListAllSecretsFlags (0 = all). */
  async listAllSecrets(flags = 0, o?: CallOptions): Promise<Secret[]> {
    return (await this._call<SecretRef[]>('connectListAllSecrets', [flags], o)).map((r) => this.secret(r));
  }
  /** How many secrets the driver keeps (virConnectNumOfSecrets). */
  numOfSecrets(o?: CallOptions): Promise<number> { return this._call('connectNumOfSecrets', [], o); }
  /** The UUIDs of up to maxuuids secrets (virConnectListSecrets). */
  listSecrets(maxuuids = 16384, o?: CallOptions): Promise<string[]> { return this._call('connectListSecrets', [maxuuids], o); }
  /** virSecretLookupByUUID (uuid in any form uuidParse accepts). */
  async lookupSecretByUUID(uuid: string, o?: CallOptions): Promise<Secret> {
    return this.secret(await this._call('secretLookupByUuid', [uuid], o));
  }
  /** virSecretLookupByUUIDString: a string that is no UUID fails here, before any driver, as in libvirt. */
  async lookupSecretByUUIDString(uuidstr: string, o?: CallOptions): Promise<Secret> {
    const u = uuidParse(uuidstr);
    if (u === null) throw rawError(ErrorDomain.SECRET, ErrorNumber.INVALID_ARG, 'uuidstr in virSecretLookupByUUIDString must be a valid UUID');
    return this.lookupSecretByUUID(u, o);
  }
  /** virSecretLookupByUsage: usageType from SecretUsageType, usageID the volume path or name. */
  async lookupSecretByUsage(usageType: number, usageID: string, o?: CallOptions): Promise<Secret> {
    return this.secret(await this._call('secretLookupByUsage', [usageType, usageID], o));
  }
  /** Define or redefine a secret (virSecretDefineXML); flags from SecretDefineFlags. */
  async defineSecretXML(xml: string, flags = 0, o?: CallOptions): Promise<Secret> {
    return this.secret(await this._call('secretDefineXml', [xml, flags], o));
  }
  /** virConnectSecretEventRegisterAny: eventID from SecretEventID, secret null = every secret. */
  secretEventRegisterAny(secret: Secret | null, eventID: number, cb: SecretEventHandler, o?: CallOptions): Promise<number> {
    return this._call('connectSecretEventRegisterAny', [eventID, secret?.ref ?? null,
      (id: number, p: SecretEventPayload) => cb(this.secret(p.secret), p, id)], o);
  }
  secretEventDeregisterAny(callbackID: number, o?: CallOptions): Promise<void> { return this._call('connectSecretEventDeregisterAny', [callbackID], o); }
}
