// Driver-wide state of one test driver instance (libvirt's testDriver): node info, NUMA cells,
// the object lists and one event bus. test:///default shares one instance between all
// connections of the process; each file URI connection gets its own.
import type { InterfaceDef } from '../../conf/interface.js';
import type { NodeDeviceDef } from '../../conf/node_device.js';
import type { DomainEventPayload, NetworkEventPayload, NodeDeviceEventPayload, NodeInfo, PoolEventPayload } from '../driver.js';
import { EventBus } from '../events.js';
import { DomainList } from './domain_obj.js';
import { NetworkList } from './network_obj.js';
import { PoolList } from './storage_obj.js';

/** libvirt's defaultNodeInfo: i686, 3 GiB, 16 CPUs at 1400 MHz, 2 nodes x 2 sockets x 2 cores x 2 threads. */
export const DEFAULT_NODE_INFO: Readonly<NodeInfo> = {
  model: 'i686', memory: 3 * 1024 * 1024, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2,
};

/** testConnectGetMaxVcpus */
export const MAX_VCPUS = 32;

export interface CellCpu { id: number; socketId: number; coreId: number; siblings: string }
/** One NUMA cell (memory in KiB). */
export interface TestCell { mem: number; freeMem: number; cpus: CellCpu[] }

/** An event as it travels on the driver's single bus; `kind` keeps the three families apart. */
export type BusEvent =
  | { kind: 'domain'; uuid: string; payload: DomainEventPayload }
  | { kind: 'network'; uuid: string; payload: NetworkEventPayload }
  | { kind: 'pool'; uuid: string; payload: PoolEventPayload }
  /** node devices have no UUID: their name is the key */
  | { kind: 'nodedev'; uuid: string; payload: NodeDeviceEventPayload };

/**
 * Registrations share one per-connection ID counter across domain, network and pool events (as
 * one libvirt eventState does), so event IDs are offset per family on the bus.
 */
export const EVENT_FAMILY_BASE = { domain: 0, network: 1000, pool: 2000, nodedev: 3000 } as const;

/** A host interface (libvirt's virInterfaceObj): its definition and whether it is up. */
export interface IfaceObj { def: InterfaceDef; active: boolean }

export class TestDriver {
  nodeInfo: NodeInfo = { ...DEFAULT_NODE_INFO };
  cells: TestCell[] = [];
  readonly domains = new DomainList();
  readonly networks = new NetworkList();
  readonly pools = new PoolList();
  readonly ifaces: IfaceObj[] = [];
  /** the interface set saved by interfaceChangeBegin, while a transaction runs */
  ifaceBackup: IfaceObj[] | null = null;
  /** node devices in the order they were added (libvirt's hash table order is random per process) */
  readonly nodedevs: NodeDeviceDef[] = [];
  readonly events = new EventBus<BusEvent>((e) => e.uuid);
  /** next id handed to a starting domain (g_atomic nextDomID, starts at 1) */
  private nextDomID = 1;
  /** open connections sharing this instance */
  refs = 0;
  /**
   * Moves on around every call that may change state (see connection.ts), so anything derived
   * from a definition (formatted XML) can be cached until the next change.
   */
  generation = 0;

  allocDomainId(): number { return this.nextDomID++; }

  emitDomain(eventID: number, payload: DomainEventPayload): void {
    this.events.emit(EVENT_FAMILY_BASE.domain + eventID, { kind: 'domain', uuid: payload.dom.uuid, payload });
  }
  emitNetwork(eventID: number, payload: NetworkEventPayload): void {
    this.events.emit(EVENT_FAMILY_BASE.network + eventID, { kind: 'network', uuid: payload.net.uuid, payload });
  }
  emitPool(eventID: number, payload: PoolEventPayload): void {
    this.events.emit(EVENT_FAMILY_BASE.pool + eventID, { kind: 'pool', uuid: payload.pool.uuid, payload });
  }
  emitNodeDevice(eventID: number, payload: NodeDeviceEventPayload): void {
    this.events.emit(EVENT_FAMILY_BASE.nodedev + eventID, { kind: 'nodedev', uuid: payload.dev.name, payload });
  }
}

/** The two-cell NUMA layout test:///default reports: 8 CPUs each, 2 GiB and 4 GiB. */
export function defaultCells(): TestCell[] {
  const cells: TestCell[] = [];
  for (let i = 0; i < 2; i++) cells.push({ mem: (i + 1) * 2048 * 1024, freeMem: (i + 1) * 1024 * 1024, cpus: [] });
  for (let i = 0; i < 16; i++) {
    cells[Math.floor(i / 8)]!.cpus.push({ id: i, socketId: Math.floor(i / 8), coreId: i % 8, siblings: String(i) });
  }
  return cells;
}

/** What every method of a test connection sees as `this`. */
export interface ConnCtx {
  readonly drv: TestDriver;
  /** the URI this connection was opened with */
  readonly uri: string;
  /** this connection's event registrations on the driver's bus */
  readonly events: import('../events.js').EventRegistrations<BusEvent>;
}
