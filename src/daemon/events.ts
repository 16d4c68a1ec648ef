// Which wire message carries an event a driver raised for a client's registration; the layouts
// themselves live in src/rpc/events.ts.
import {
  DOMAIN_EVENT_ID_LAST, encodeDomainEvent, encodeNetworkEvent, encodeStoragePoolEvent, encodeNodeDeviceEvent, encodeSecretEvent,
} from '../rpc/events.js';
import type { DomainEventPayload, NetworkEventPayload, NodeDeviceEventPayload, PoolEventPayload, SecretEventPayload } from '../drivers/driver.js';

export type EventFamily = 'domain' | 'network' | 'pool' | 'nodedev' | 'secret';

/** Valid event IDs per family in libvirt 9.0.0 (VIR_*_EVENT_ID_LAST). */
export const EVENT_ID_LIMIT: Record<EventFamily, number> = {
  domain: DOMAIN_EVENT_ID_LAST,
  network: 1,
  pool: 2,
  nodedev: 2,
  secret: 2,
};

/** The MESSAGE for one event, or null when it cannot be encoded (logged by the caller). */
export function encodeEventMessage(family: EventFamily, eventID: number, callbackID: number, payload: Record<string, unknown>): { proc: number; body: Buffer } | null {
  try {
    switch (family) {
      case 'domain': return encodeDomainEvent(eventID, callbackID, payload as unknown as DomainEventPayload);
      case 'network': return encodeNetworkEvent(eventID, callbackID, payload as unknown as NetworkEventPayload);
      case 'pool': return encodeStoragePoolEvent(eventID, callbackID, payload as unknown as PoolEventPayload);
      case 'nodedev': return encodeNodeDeviceEvent(eventID, callbackID, payload as unknown as NodeDeviceEventPayload);
      case 'secret': return encodeSecretEvent(eventID, callbackID, payload as unknown as SecretEventPayload);
    }
  } catch {
    return null;
  }
}
