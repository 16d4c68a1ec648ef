// One open test:/// connection: the driver instance it uses plus its own event registrations.
// The call tables of the other files are mixed into the prototype, so every method is a plain
// DriverConnection method with `this` the connection.
import type { DriverConnection } from '../driver.js';
import type { EventRegistrations } from '../events.js';
import { domainMethods } from './domains.js';
import { domainInfoMethods } from './domain_info.js';
import { hostMethods } from './host.js';
import { networkMethods } from './networks.js';
import { snapshotMethods } from './snapshots.js';
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

Object.assign(TestConnection.prototype, hostMethods, domainMethods, domainInfoMethods, snapshotMethods, networkMethods, storageMethods);

// The mixed-in tables make a TestConnection a full DriverConnection (checked here once).
export interface TestConnection extends DriverConnection {}
type Tables = typeof hostMethods & typeof domainMethods & typeof domainInfoMethods & typeof snapshotMethods
  & typeof networkMethods & typeof storageMethods;
const _check: Partial<Record<keyof Tables, unknown>> & { [K in keyof Tables]: K extends keyof DriverConnection ? unknown : never } = {} as Tables;
void _check;
