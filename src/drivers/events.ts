// Event fan-out shared by drivers: a driver emits once; every connection's registrations with
// a matching event ID (and object filter) are called. Callback IDs are per connection, 0, 1, 2...
// as libvirt allocates them (observed on the wire).

export interface ObjectFilter { uuid: string }

interface Registration<P> { id: number; eventID: number; uuid: string | null; cb: (eventID: number, p: P) => void }

/** The driver-wide bus. Connections attach a `EventRegistrations` scope to it. */
export class EventBus<P extends object> {
  private scopes = new Set<EventRegistrations<P>>();
  constructor(private readonly uuidOf: (p: P) => string) {}

  scope(): EventRegistrations<P> {
    const s = new EventRegistrations<P>(this, this.uuidOf);
    this.scopes.add(s);
    return s;
  }
  /** @internal */ detach(s: EventRegistrations<P>): void { this.scopes.delete(s); }

  /** Deliver asynchronously, after the state change that caused it is complete. */
  emit(eventID: number, payload: P): void {
    if (this.scopes.size === 0) return;
    queueMicrotask(() => { for (const s of this.scopes) s.deliver(eventID, payload); });
  }
  get listenerCount(): number { let n = 0; for (const s of this.scopes) n += s.size; return n; }
}

/** One connection's registrations on a bus. */
export class EventRegistrations<P extends object> {
  private regs = new Map<number, Registration<P>>();
  private nextId = 0;
  constructor(private readonly bus: EventBus<P>, private readonly uuidOf: (p: P) => string) {}

  register(eventID: number, uuid: string | null, cb: (eventID: number, p: P) => void): number {
    const id = this.nextId++;
    this.regs.set(id, { id, eventID, uuid, cb });
    return id;
  }
  deregister(id: number): boolean { return this.regs.delete(id); }
  has(id: number): boolean { return this.regs.has(id); }
  get size(): number { return this.regs.size; }

  deliver(eventID: number, payload: P): void {
    for (const r of this.regs.values()) {
      if (r.eventID !== eventID) continue;
      if (r.uuid !== null && r.uuid !== this.uuidOf(payload)) continue;
      try { r.cb(eventID, payload); } catch (e) {
        // A user's callback throwing must not stop delivery to others; report it loudly.
        process.emitWarning(`event callback ${r.id} threw: ${(e as Error)?.stack ?? e}`);
      }
    }
  }
  close(): void { this.regs.clear(); this.bus.detach(this); }
}
