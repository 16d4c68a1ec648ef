// Secret: libvirt's virSecretPtr, a secret known by UUID with its usage (the volume, Ceph or
// iSCSI user, TLS or vTPM it is for). Calls on it pass the whole reference, as the remote
// protocol does (remote_nonnull_secret).
import type { Connection } from './connection.js';
import type { CallOptions } from './call.js';
import type { SecretRef } from '../drivers/driver.js';
import { SecretUsageType } from './constants.js';

export class Secret {
  constructor(readonly connection: Connection, readonly ref: SecretRef) {}
  /** virSecretGetUUIDString */
  get uuid(): string { return this.ref.uuid; }
  /** virSecretGetUsageType: a SecretUsageType (NONE when the secret has no usage) */
  get usageType(): number { return this.ref.usageType; }
  /** virSecretGetUsageID: the volume path, Ceph/iSCSI/TLS name or vTPM name the secret is for */
  get usageID(): string { return this.ref.usageID; }
  /** virsh's name for the usage type ("volume", "ceph", ...), as virSecretUsageTypeToString */
  get usageTypeName(): string | undefined { return SECRET_USAGE_NAMES[this.ref.usageType]; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref, ...args], opts);
  }
  /** The secret's XML description, without its value (virSecretGetXMLDesc; no flags are defined). */
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('secretGetXmlDesc', [flags], opts); }
  /** Set the value (virSecretSetValue); refused on read-only connections. */
  setValue(value: Buffer | Uint8Array | string, flags = 0, opts?: CallOptions): Promise<void> {
    const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    return this.call('secretSetValue', [buf, flags], opts);
  }
  /** The value (virSecretGetValue); private secrets and read-only connections are refused. */
  getValue(flags = 0, opts?: CallOptions): Promise<Buffer> { return this.call('secretGetValue', [flags], opts); }
  /** Delete the secret and its value (virSecretUndefine). */
  undefine(opts?: CallOptions): Promise<void> { return this.call('secretUndefine', [], opts); }
}

/** virSecretUsageType's names, index = SecretUsageType */
export const SECRET_USAGE_NAMES: readonly string[] = ['none', 'volume', 'ceph', 'iscsi', 'tls', 'vtpm'];

