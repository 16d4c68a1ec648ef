// Finding the object a command names, as virsh does (virshLookupDomainBy, virshCommandOptNetworkBy,
// virshCommandOptPoolBy, virshCommandOptVolBy): by id, UUID or name, with virsh's error lines.
import type { Connection } from '../api/connection.js';
import type { Domain } from '../api/domain.js';
import type { Network } from '../api/network.js';
import type { StoragePool, StorageVol } from '../api/storage.js';
import type { Ctx } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { parseInteger } from './opts.js';

const UUID_LEN = 36;
/** which of the object's keys a lookup tries (virsh's VIRSH_BYUUID / VIRSH_BYNAME) */
export const BYUUID = 1;
export const BYNAME = 2;

/** virshLookupDomainBy(ID|UUID|NAME): the library's own error is dropped, virsh's line is shown. */
export async function lookupDomain(conn: Connection, n: string): Promise<Domain> {
  const id = parseInteger(n);
  if (id !== null && id >= 0n && id <= 2147483647n) {
    try { return await conn.lookupDomainById(Number(id)); } catch { /* next */ }
  }
  if (n.length === UUID_LEN) {
    try { return await conn.lookupDomainByUUID(n); } catch { /* next */ }
  }
  try { return await conn.lookupDomainByName(n); } catch { /* reported below */ }
  throw new CliError(`failed to get domain '${n}'`);
}

/** virshCommandOptDomain: the domain named by option `name` (default 'domain'). */
export async function optDomain(ctx: Ctx, o: CmdOpts, name = 'domain'): Promise<Domain> {
  const n = o.string(name);
  if (n === undefined) throw new CliError(`Failed to get option '${name}': Mandatory option not present`);
  return lookupDomain(await ctx.conn(), n);
}

/** virshCommandOptNetworkBy: unlike domains, the library's error is shown after virsh's line. */
export async function optNetwork(ctx: Ctx, o: CmdOpts, by = BYUUID | BYNAME, optName = 'network'): Promise<Network> {
  const n = o.string(optName)!;
  const conn = await ctx.conn();
  let err: unknown;
  if (by & BYUUID && n.length === UUID_LEN) {
    try { return await conn.lookupNetworkByUUID(n); } catch (e) { err = e; }
  }
  if (by & BYNAME) {
    try { return await conn.lookupNetworkByName(n); } catch (e) { err = e; }
  }
  throw new CmdError(`failed to get network '${n}'`, err);
}

/** virshCommandOptPoolBy: virsh's line, then the library's error. */
export async function optPool(ctx: Ctx, o: CmdOpts, optName = 'pool', byUUID = true, byName = true): Promise<StoragePool> {
  const n = o.string(optName)!;
  const conn = await ctx.conn();
  let err: unknown;
  if (byUUID && n.length === UUID_LEN) {
    try { return await conn.lookupStoragePoolByUUID(n); } catch (e) { err = e; }
  }
  if (byName) {
    try { return await conn.lookupStoragePoolByName(n); } catch (e) { err = e; }
  }
  throw new CmdError(`failed to get pool '${n}'`, err);
}

/** virshCommandOptVolBy: by name in --pool, else by key, else by path; virsh's line then the library's. */
export async function optVol(ctx: Ctx, o: CmdOpts, name = 'vol', poolOpt = 'pool'): Promise<StorageVol> {
  const n = o.string(name)!;
  const hasPool = o.raw(poolOpt) !== undefined;
  const conn = await ctx.conn();
  let pool: StoragePool | null = null;
  if (hasPool) pool = await optPool(ctx, o, poolOpt);
  let err: unknown;
  if (pool) {
    try { return await pool.lookupVolByName(n); } catch (e) { err = e; }
  }
  try { return await conn.lookupStorageVolByKey(n); } catch (e) { err = e; }
  try { return await conn.lookupStorageVolByPath(n); } catch (e) { err = e; }
  throw new CmdError(pool ? `failed to get vol '${n}'` : `failed to get vol '${n}', specifying --pool might help`, err);
}
