// DomainCheckpoint: libvirt's virDomainCheckpointPtr — a named point from which a later
// incremental backup copies what changed. The flags below carry libvirt's numeric values.
import type { Domain } from './domain.js';
import type { CallOptions } from './call.js';
import type { CheckpointRef } from '../drivers/driver.js';

/** virDomainCheckpointCreateFlags */
export const DomainCheckpointCreateFlags = { REDEFINE: 1, QUIESCE: 2, REDEFINE_VALIDATE: 4 } as const;
/** virDomainCheckpointXMLFlags */
export const DomainCheckpointXMLFlags = { SECURE: 1, NO_DOMAIN: 2, SIZE: 4 } as const;
/** virDomainCheckpointListFlags (ROOTS for a domain's list, DESCENDANTS for a checkpoint's children) */
export const DomainCheckpointListFlags = { ROOTS: 1, DESCENDANTS: 1, TOPOLOGICAL: 2, LEAVES: 4, NO_LEAVES: 8 } as const;
/** virDomainCheckpointDeleteFlags */
export const DomainCheckpointDeleteFlags = { CHILDREN: 1, METADATA_ONLY: 2, CHILDREN_ONLY: 4 } as const;

type Flags<T> = T[keyof T];
export type DomainCheckpointCreateFlag = Flags<typeof DomainCheckpointCreateFlags>;
export type DomainCheckpointXMLFlag = Flags<typeof DomainCheckpointXMLFlags>;
export type DomainCheckpointListFlag = Flags<typeof DomainCheckpointListFlags>;
export type DomainCheckpointDeleteFlag = Flags<typeof DomainCheckpointDeleteFlags>;

export class DomainCheckpoint {
  constructor(readonly domain: Domain, readonly name: string) {}
  /** @internal */ get ref(): CheckpointRef { return { name: this.name, dom: this.domain.ref }; }

  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.domain.connection._call<T>(method, [this.ref, ...args], opts);
  }
  /** virDomainCheckpointGetXMLDesc: flags from DomainCheckpointXMLFlags (SECURE needs a read-write connection) */
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('domainCheckpointGetXmlDesc', [flags], opts); }
  /** virDomainCheckpointGetParent: fails with NO_DOMAIN_CHECKPOINT for a root */
  async getParent(flags = 0, opts?: CallOptions): Promise<DomainCheckpoint> {
    const r = await this.call<CheckpointRef>('domainCheckpointGetParent', [flags], opts);
    return new DomainCheckpoint(this.domain, r.name);
  }
  /** virDomainCheckpointListAllChildren: direct children, or all descendants with DESCENDANTS */
  async listAllChildren(flags = 0, opts?: CallOptions): Promise<DomainCheckpoint[]> {
    const rs = await this.call<CheckpointRef[]>('domainCheckpointListAllChildren', [flags], opts);
    return rs.map((r) => new DomainCheckpoint(this.domain, r.name));
  }
  /** virDomainCheckpointDelete: flags from DomainCheckpointDeleteFlags */
  delete(flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainCheckpointDelete', [flags], opts); }
}
