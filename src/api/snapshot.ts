// DomainSnapshot: libvirt's virDomainSnapshotPtr — a named snapshot of one domain.
import type { Domain } from './domain.js';
import type { CallOptions } from './call.js';
import type { SnapshotRef } from '../drivers/driver.js';

export class DomainSnapshot {
  constructor(readonly domain: Domain, readonly name: string) {}
  /** @internal */ get ref(): SnapshotRef { return { name: this.name, dom: this.domain.ref }; }

  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.domain.connection._call<T>(method, [this.ref, ...args], opts);
  }
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('domainSnapshotGetXmlDesc', [flags], opts); }
  async getParent(flags = 0, opts?: CallOptions): Promise<DomainSnapshot> {
    const r = await this.call<SnapshotRef>('domainSnapshotGetParent', [flags], opts);
    return new DomainSnapshot(this.domain, r.name);
  }
  async listAllChildren(flags = 0, opts?: CallOptions): Promise<DomainSnapshot[]> {
    const rs = await this.call<SnapshotRef[]>('domainSnapshotListAllChildren', [flags], opts);
    return rs.map((r) => new DomainSnapshot(this.domain, r.name));
  }
  numChildren(flags = 0, opts?: CallOptions): Promise<number> { return this.call('domainSnapshotNumChildren', [flags], opts); }
  async isCurrent(flags = 0, opts?: CallOptions): Promise<boolean> { return (await this.call<number>('domainSnapshotIsCurrent', [flags], opts)) !== 0; }
  async hasMetadata(flags = 0, opts?: CallOptions): Promise<boolean> { return (await this.call<number>('domainSnapshotHasMetadata', [flags], opts)) !== 0; }
  /** Revert the domain to this snapshot (virDomainRevertToSnapshot). */
  async revert(flags = 0, opts?: CallOptions): Promise<void> {
    await this.call('domainRevertToSnapshot', [flags], opts);
    this.domain.ref = await this.domain.connection._call('domainLookupByUuid', [this.domain.uuid], opts);
  }
  delete(flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainSnapshotDelete', [flags], opts); }
}
