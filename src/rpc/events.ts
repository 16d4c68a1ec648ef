// Event messages: which MESSAGE procedure carries each domain event ID, the body layouts, and
// encode/decode helpers for domain, network, storage-pool and connection-closed events.
// libvirt counterpart: the remote_*_event_*_msg structs of remote_protocol.x and the relay code
// of remote_daemon_dispatch.c.
//
// Wire layout of a callback-form domain event, whatever its vintage: int callbackID;
// [int reason, for the PM events]; remote_nonnull_domain dom; then the event's own fields.
// The legacy (pre-callback) messages are the same without callbackID and reason.

import { XdrReader, XdrWriter } from './xdr.js';
import {
  t, domain, network, storagePool, nodeDevice, secret, typedParams, type StructField, type XdrType,
} from './types.js';
import { Limits, MessageStatus, MessageType, Program, PROGRAM_VERSION } from './protocol.js';
import { encodePacket } from './packet.js';
import type { DomainEventPayload, NetworkEventPayload, NodeDeviceEventPayload, PoolEventPayload, SecretEventPayload } from '../drivers/driver.js';

export interface DomainEventDef {
  /** VIR_DOMAIN_EVENT_ID_* */
  readonly id: number;
  readonly name: string;
  /** MESSAGE procedure of the callback form */
  readonly proc: number;
  /** MESSAGE procedure of the legacy form (IDs 0-15 only) */
  readonly legacyProc?: number;
  /** PMWAKEUP/PMSUSPEND/PMSUSPEND_DISK carry `int reason` right after callbackID */
  readonly reasonFirst?: boolean;
  /** fields after `dom`, in wire order */
  readonly fields: readonly StructField[];
}

const S = t.string;
const I = t.int;
const graphicsAddress = t.struct([['family', I], ['node', S], ['service', S]]);
const graphicsIdentity = t.struct([['type', S], ['name', S]]);

function ev(id: number, name: string, proc: number, legacyProc: number | undefined, fields: [string, XdrType][], reasonFirst = false): DomainEventDef {
  return { id, name, proc, ...(legacyProc ? { legacyProc } : {}), ...(reasonFirst ? { reasonFirst } : {}), fields };
}

/** libvirt 9.0.0's 27 domain event IDs (0-26). */
export const DOMAIN_EVENTS: readonly DomainEventDef[] = [
  ev(0, 'LIFECYCLE', 318, 107, [['event', I], ['detail', I]]),
  ev(1, 'REBOOT', 319, 169, []),
  ev(2, 'RTC_CHANGE', 320, 170, [['offset', t.hyper]]),
  ev(3, 'WATCHDOG', 321, 171, [['action', I]]),
  ev(4, 'IO_ERROR', 322, 172, [['srcPath', S], ['devAlias', S], ['action', I]]),
  ev(5, 'GRAPHICS', 323, 173, [['phase', I], ['local', graphicsAddress], ['remote', graphicsAddress],
    ['authScheme', S], ['subject', t.array(graphicsIdentity, Limits.DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX)]]),
  ev(6, 'IO_ERROR_REASON', 324, 195, [['srcPath', S], ['devAlias', S], ['action', I], ['reason', S]]),
  ev(7, 'CONTROL_ERROR', 325, 224, []),
  ev(8, 'BLOCK_JOB', 326, 241, [['path', S], ['type', I], ['status', I]]),
  ev(9, 'DISK_CHANGE', 327, 248, [['oldSrcPath', t.optString], ['newSrcPath', t.optString], ['devAlias', S], ['reason', I]]),
  ev(10, 'TRAY_CHANGE', 328, 268, [['devAlias', S], ['reason', I]]),
  ev(11, 'PMWAKEUP', 329, 269, [], true),
  ev(12, 'PMSUSPEND', 330, 270, [], true),
  ev(13, 'BALLOON_CHANGE', 331, 276, [['actual', t.uhyper]]),
  ev(14, 'PMSUSPEND_DISK', 332, 292, [], true),
  ev(15, 'DEVICE_REMOVED', 333, 311, [['devAlias', S]]),
  ev(16, 'BLOCK_JOB_2', 339, undefined, [['dst', S], ['type', I], ['status', I]]),
  ev(17, 'TUNABLE', 346, undefined, [['params', typedParams(Limits.DOMAIN_EVENT_TUNABLE_MAX)]]),
  ev(18, 'AGENT_LIFECYCLE', 348, undefined, [['state', I], ['reason', I]]),
  ev(19, 'DEVICE_ADDED', 354, undefined, [['devAlias', S]]),
  ev(20, 'MIGRATION_ITERATION', 359, undefined, [['iteration', I]]),
  ev(21, 'JOB_COMPLETED', 363, undefined, [['params', typedParams(Limits.DOMAIN_JOB_STATS_MAX)]]),
  ev(22, 'DEVICE_REMOVAL_FAILED', 367, undefined, [['devAlias', S]]),
  ev(23, 'METADATA_CHANGE', 379, undefined, [['type', I], ['nsuri', t.optString]]),
  ev(24, 'BLOCK_THRESHOLD', 385, undefined, [['dev', S], ['path', t.optString], ['threshold', t.uhyper], ['excess', t.uhyper]]),
  ev(25, 'MEMORY_FAILURE', 423, undefined, [['recipient', I], ['action', I], ['flags', t.uint]]),
  ev(26, 'MEMORY_DEVICE_SIZE_CHANGE', 438, undefined, [['alias', S], ['size', t.uhyper]]),
];

/** Number of domain event IDs in libvirt 9.0.0 (VIR_DOMAIN_EVENT_ID_LAST). */
export const DOMAIN_EVENT_ID_LAST = DOMAIN_EVENTS.length;

export const NetworkEventId = { LIFECYCLE: 0 } as const;
export const PoolEventId = { LIFECYCLE: 0, REFRESH: 1 } as const;
export const NodeDeviceEventId = { LIFECYCLE: 0, UPDATE: 1 } as const;
export const SecretEventId = { LIFECYCLE: 0, VALUE_CHANGED: 1 } as const;

/** MESSAGE procedures of the non-domain events. */
export const EventProc = {
  DOMAIN_EVENT_LIFECYCLE: 107,
  NETWORK_EVENT_LIFECYCLE: 315,
  CONNECT_EVENT_CONNECTION_CLOSED: 362,
  STORAGE_POOL_EVENT_LIFECYCLE: 370,
  STORAGE_POOL_EVENT_REFRESH: 373,
  NODE_DEVICE_EVENT_LIFECYCLE: 376,
  NODE_DEVICE_EVENT_UPDATE: 377,
  SECRET_EVENT_LIFECYCLE: 382,
  SECRET_EVENT_VALUE_CHANGED: 383,
} as const;

const byProc = new Map<number, { def: DomainEventDef; legacy: boolean }>();
for (const d of DOMAIN_EVENTS) {
  byProc.set(d.proc, { def: d, legacy: false });
  if (d.legacyProc) byProc.set(d.legacyProc, { def: d, legacy: true });
}

export function domainEventById(id: number): DomainEventDef | undefined {
  return DOMAIN_EVENTS[id];
}

/** Is `proc` a server-to-client event message we can decode? */
export function isEventMessage(proc: number): boolean {
  return byProc.has(proc) || Object.values(EventProc).includes(proc as never);
}

function writeDomainBody(w: XdrWriter, def: DomainEventDef, payload: DomainEventPayload): void {
  domain.encode(w, payload.dom);
  for (const [name, ty] of def.fields) ty.encode(w, payload[name]);
}

/** A callback-form domain event: the MESSAGE procedure and its body. */
export function encodeDomainEvent(eventID: number, callbackID: number, payload: DomainEventPayload): { proc: number; body: Buffer } {
  const def = domainEventById(eventID);
  if (!def) throw new RangeError(`unknown domain event ID ${eventID}`);
  const w = new XdrWriter(128);
  w.int(callbackID);
  if (def.reasonFirst) w.int(Number(payload['reason'] ?? 0));
  writeDomainBody(w, def, payload);
  return { proc: def.proc, body: w.finish() };
}

/** A legacy (no callbackID) domain event, for clients that registered with 105/167. */
export function encodeLegacyDomainEvent(eventID: number, payload: DomainEventPayload): { proc: number; body: Buffer } {
  const def = domainEventById(eventID);
  if (!def?.legacyProc) throw new RangeError(`domain event ID ${eventID} has no legacy message`);
  const w = new XdrWriter(128);
  writeDomainBody(w, def, payload);
  return { proc: def.legacyProc, body: w.finish() };
}

export function encodeNetworkEvent(eventID: number, callbackID: number, payload: NetworkEventPayload): { proc: number; body: Buffer } {
  if (eventID !== NetworkEventId.LIFECYCLE) throw new RangeError(`unknown network event ID ${eventID}`);
  const w = new XdrWriter(64);
  w.int(callbackID);
  network.encode(w, payload.net);
  w.int(payload.event);
  w.int(payload.detail);
  return { proc: EventProc.NETWORK_EVENT_LIFECYCLE, body: w.finish() };
}

export function encodeStoragePoolEvent(eventID: number, callbackID: number, payload: PoolEventPayload): { proc: number; body: Buffer } {
  const w = new XdrWriter(64);
  w.int(callbackID);
  storagePool.encode(w, payload.pool);
  if (eventID === PoolEventId.LIFECYCLE) {
    w.int(payload.event ?? 0);
    w.int(payload.detail ?? 0);
    return { proc: EventProc.STORAGE_POOL_EVENT_LIFECYCLE, body: w.finish() };
  }
  if (eventID === PoolEventId.REFRESH) return { proc: EventProc.STORAGE_POOL_EVENT_REFRESH, body: w.finish() };
  throw new RangeError(`unknown storage pool event ID ${eventID}`);
}

/** NODE_DEVICE_EVENT_LIFECYCLE {callbackID, dev, event, detail} and _UPDATE {callbackID, dev}. */
export function encodeNodeDeviceEvent(eventID: number, callbackID: number, payload: NodeDeviceEventPayload): { proc: number; body: Buffer } {
  const w = new XdrWriter(64);
  w.int(callbackID);
  nodeDevice.encode(w, payload.dev);
  if (eventID === NodeDeviceEventId.LIFECYCLE) {
    w.int(payload.event ?? 0);
    w.int(payload.detail ?? 0);
    return { proc: EventProc.NODE_DEVICE_EVENT_LIFECYCLE, body: w.finish() };
  }
  if (eventID === NodeDeviceEventId.UPDATE) return { proc: EventProc.NODE_DEVICE_EVENT_UPDATE, body: w.finish() };
  throw new RangeError(`unknown node device event ID ${eventID}`);
}

/** SECRET_EVENT_LIFECYCLE {callbackID, secret, event, detail} and _VALUE_CHANGED {callbackID, secret}. */
export function encodeSecretEvent(eventID: number, callbackID: number, payload: SecretEventPayload): { proc: number; body: Buffer } {
  const w = new XdrWriter(64);
  w.int(callbackID);
  secret.encode(w, payload.secret);
  if (eventID === SecretEventId.LIFECYCLE) {
    w.int(payload.event ?? 0);
    w.int(payload.detail ?? 0);
    return { proc: EventProc.SECRET_EVENT_LIFECYCLE, body: w.finish() };
  }
  if (eventID === SecretEventId.VALUE_CHANGED) return { proc: EventProc.SECRET_EVENT_VALUE_CHANGED, body: w.finish() };
  throw new RangeError(`unknown secret event ID ${eventID}`);
}

/** CONNECT_EVENT_CONNECTION_CLOSED {int reason} (CloseReason). */
export function encodeConnectionClosed(reason: number): { proc: number; body: Buffer } {
  return { proc: EventProc.CONNECT_EVENT_CONNECTION_CLOSED, body: new XdrWriter(4).int(reason).finish() };
}

/**
 * The whole MESSAGE packet. libvirtd 9.0.0 sends events with serial 1 (the .x comment says 0;
 * clients ignore it), so we do the same.
 */
export function eventPacket(proc: number, body: Buffer): Buffer {
  return encodePacket({
    prog: Program.REMOTE, vers: PROGRAM_VERSION, proc,
    type: MessageType.MESSAGE, serial: 1, status: MessageStatus.OK,
  }, body);
}

export type DecodedEvent =
  | { kind: 'domain'; eventID: number; name: string; callbackID: number | null; payload: DomainEventPayload }
  | { kind: 'network'; eventID: number; callbackID: number; payload: NetworkEventPayload }
  | { kind: 'storagePool'; eventID: number; callbackID: number; payload: PoolEventPayload }
  | { kind: 'nodeDevice'; eventID: number; callbackID: number; payload: NodeDeviceEventPayload }
  | { kind: 'secret'; eventID: number; callbackID: number; payload: SecretEventPayload }
  | { kind: 'connectionClosed'; reason: number };

/** MESSAGE payload -> event; null for a procedure that is not an event we know. */
export function decodeEventMessage(proc: number, r: XdrReader): DecodedEvent | null {
  const hit = byProc.get(proc);
  if (hit) {
    const { def, legacy } = hit;
    const callbackID = legacy ? null : r.int();
    const reason = !legacy && def.reasonFirst ? r.int() : undefined;
    const payload: DomainEventPayload = { dom: domain.decode(r) };
    if (reason !== undefined) payload['reason'] = reason;
    for (const [name, ty] of def.fields) payload[name] = ty.decode(r);
    return { kind: 'domain', eventID: def.id, name: def.name, callbackID, payload };
  }
  switch (proc) {
    case EventProc.NETWORK_EVENT_LIFECYCLE: {
      const callbackID = r.int();
      const net = network.decode(r);
      return { kind: 'network', eventID: NetworkEventId.LIFECYCLE, callbackID, payload: { net, event: r.int(), detail: r.int() } };
    }
    case EventProc.STORAGE_POOL_EVENT_LIFECYCLE: {
      const callbackID = r.int();
      const pool = storagePool.decode(r);
      return { kind: 'storagePool', eventID: PoolEventId.LIFECYCLE, callbackID, payload: { pool, event: r.int(), detail: r.int() } };
    }
    case EventProc.STORAGE_POOL_EVENT_REFRESH: {
      const callbackID = r.int();
      return { kind: 'storagePool', eventID: PoolEventId.REFRESH, callbackID, payload: { pool: storagePool.decode(r) } };
    }
    case EventProc.NODE_DEVICE_EVENT_LIFECYCLE: {
      const callbackID = r.int();
      const dev = nodeDevice.decode(r);
      return { kind: 'nodeDevice', eventID: NodeDeviceEventId.LIFECYCLE, callbackID, payload: { dev, event: r.int(), detail: r.int() } };
    }
    case EventProc.NODE_DEVICE_EVENT_UPDATE: {
      const callbackID = r.int();
      return { kind: 'nodeDevice', eventID: NodeDeviceEventId.UPDATE, callbackID, payload: { dev: nodeDevice.decode(r) } };
    }
    case EventProc.SECRET_EVENT_LIFECYCLE: {
      const callbackID = r.int();
      const s = secret.decode(r);
      return { kind: 'secret', eventID: SecretEventId.LIFECYCLE, callbackID, payload: { secret: s, event: r.int(), detail: r.int() } };
    }
    case EventProc.SECRET_EVENT_VALUE_CHANGED: {
      const callbackID = r.int();
      return { kind: 'secret', eventID: SecretEventId.VALUE_CHANGED, callbackID, payload: { secret: secret.decode(r) } };
    }
    case EventProc.CONNECT_EVENT_CONNECTION_CLOSED:
      return { kind: 'connectionClosed', reason: r.int() };
    default:
      return null;
  }
}

/** Re-encode a decoded event (the inverse of decodeEventMessage), e.g. for a relay. */
export function encodeDecodedEvent(e: DecodedEvent): { proc: number; body: Buffer } {
  switch (e.kind) {
    case 'domain':
      return e.callbackID === null ? encodeLegacyDomainEvent(e.eventID, e.payload) : encodeDomainEvent(e.eventID, e.callbackID, e.payload);
    case 'network': return encodeNetworkEvent(e.eventID, e.callbackID, e.payload);
    case 'storagePool': return encodeStoragePoolEvent(e.eventID, e.callbackID, e.payload);
    case 'nodeDevice': return encodeNodeDeviceEvent(e.eventID, e.callbackID, e.payload);
    case 'secret': return encodeSecretEvent(e.eventID, e.callbackID, e.payload);
    case 'connectionClosed': return encodeConnectionClosed(e.reason);
  }
}
