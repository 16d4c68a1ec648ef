// Virtual network objects and their list (libvirt's virNetworkObj / virnetworkobj.c), indexed
// by name and UUID.
import type { NetworkDef } from '../../conf/network.js';
import type { NetworkRef } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';

export class NetworkObj {
  /** the persistent definition to restore when a live one replaced it */
  newDef: NetworkDef | null = null;
  active = false;
  persistent = false;
  autostart = false;
  constructor(public def: NetworkDef) {}
  get ref(): NetworkRef { return { name: this.def.name, uuid: this.def.uuid }; }
}

const netErr = (code: ErrorNumber, detail: string) => virError(ErrorDomain.NETWORK, code, detail);

export const NetListFlags = { INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32 } as const;

export class NetworkList {
  private byUuid = new Map<string, NetworkObj>();
  private byName = new Map<string, NetworkObj>();

  values(): IterableIterator<NetworkObj> { return this.byUuid.values(); }
  findByUuid(uuid: string): NetworkObj | undefined { return this.byUuid.get(uuid.toLowerCase()); }
  findByName(name: string): NetworkObj | undefined { return this.byName.get(name); }

  /** virNetworkObjAssignDef; `live` for createXML (a transient, running object). */
  assign(def: NetworkDef, opts: { live?: boolean; checkLive?: boolean } = {}): NetworkObj {
    const existing = this.byUuid.get(def.uuid);
    if (existing) {
      if (existing.def.name !== def.name) {
        throw netErr(ErrorNumber.OPERATION_FAILED, `network '${existing.def.name}' is already defined with uuid ${existing.def.uuid}`);
      }
      if (opts.checkLive && existing.active) {
        throw netErr(ErrorNumber.OPERATION_INVALID, `network is already active as '${existing.def.name}'`);
      }
      if (existing.active) {
        if (opts.live) existing.def = def; else { existing.newDef = def; existing.persistent = true; }
      } else if (opts.live) {
        if (existing.persistent && !existing.newDef) existing.newDef = existing.def;
        existing.def = def;
      } else {
        existing.def = def;
        existing.newDef = null;
        existing.persistent = true;
      }
      return existing;
    }
    const clash = this.byName.get(def.name);
    if (clash) throw netErr(ErrorNumber.OPERATION_FAILED, `network '${def.name}' already exists with uuid ${clash.def.uuid}`);
    const obj = new NetworkObj(def);
    obj.persistent = !opts.live;
    this.byUuid.set(def.uuid, obj);
    this.byName.set(def.name, obj);
    return obj;
  }

  remove(o: NetworkObj): void {
    this.byUuid.delete(o.def.uuid);
    this.byName.delete(o.def.name);
  }

  /** A stopped network goes back to its persistent definition, or away when transient. */
  deactivate(o: NetworkObj): void {
    o.active = false;
    if (o.newDef) { o.def = o.newDef; o.newDef = null; }
    if (!o.persistent) this.remove(o);
  }

  filter(flags: number): NetworkObj[] {
    const out: NetworkObj[] = [];
    const F = NetListFlags;
    for (const o of this.byUuid.values()) {
      if ((flags & (F.ACTIVE | F.INACTIVE)) === F.ACTIVE && !o.active) continue;
      if ((flags & (F.ACTIVE | F.INACTIVE)) === F.INACTIVE && o.active) continue;
      if ((flags & (F.PERSISTENT | F.TRANSIENT)) === F.PERSISTENT && !o.persistent) continue;
      if ((flags & (F.PERSISTENT | F.TRANSIENT)) === F.TRANSIENT && o.persistent) continue;
      if ((flags & (F.AUTOSTART | F.NO_AUTOSTART)) === F.AUTOSTART && !o.autostart) continue;
      if ((flags & (F.AUTOSTART | F.NO_AUTOSTART)) === F.NO_AUTOSTART && o.autostart) continue;
      out.push(o);
    }
    return out;
  }
}
