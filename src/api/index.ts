// tsvirt: the public library. `import { open } from 'tsvirt'`.
export { open, Connection } from './connection.js';
export type { OpenOptions, DomainEventHandler, NetworkEventHandler, PoolEventHandler } from './connection.js';
export { Domain } from './domain.js';
export { DomainSnapshot } from './snapshot.js';
export {
  DomainCheckpoint, DomainCheckpointCreateFlags, DomainCheckpointXMLFlags, DomainCheckpointListFlags, DomainCheckpointDeleteFlags,
} from './checkpoint.js';
export type { DomainCheckpointCreateFlag, DomainCheckpointXMLFlag, DomainCheckpointListFlag, DomainCheckpointDeleteFlag } from './checkpoint.js';
export { Network, NetworkPort } from './network.js';
export { Interface } from './interface.js';
export { NodeDevice } from './node_device.js';
export { Secret } from './secret.js';
export { StoragePool, StorageVol } from './storage.js';
export { Stream } from './stream.js';
export type { CallOptions } from './call.js';
export * from './constants.js';
export { VirError, ErrorNumber, ErrorDomain, ErrorLevel } from '../util/error.js';
export type {
  DomainInfo, DomainState as DomainStateInfo, NodeInfo, BlockStats, InterfaceStats, MemoryStat, BlockInfo,
  PoolInfo, VolInfo, TypedParam, DomainEventPayload, NetworkEventPayload, PoolEventPayload, NetworkDhcpLease,
  StreamChunk,
} from '../drivers/driver.js';
