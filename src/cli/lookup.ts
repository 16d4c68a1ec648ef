// Finding the object a command names, as virsh does (virshLookupDomainBy, virshCommandOptNetworkBy,
// virshCommandOptPoolBy, virshCommandOptVolBy): by id, UUID or name, with virsh's error lines.
import type { Connection } from '../api/connection.js';
import type { Domain } from '../api/domain.js';
import type { Network } from '../api/network.js';
import type { StoragePool, StorageVol } from '../api/storage.js';
import type { Ctx } from './defs.js';
import { CliError, type CmdOpts } from './opts.js';
import { parseInteger } from './opts.js';

const UUID_LEN = 36;

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

export async function optNetwork(ctx: Ctx, o: CmdOpts, name = 'network'): Promise<Network> {
  const n = o.string(name)!;
  const conn = await ctx.conn();
  if (n.length === UUID_LEN) {
    try { return await conn.lookupNetworkByUUID(n); } catch { /* next */ }
  }
  try { return await conn.lookupNetworkByName(n); } catch { /* reported below */ }
  throw new CliError(`failed to get network '${n}'`);
}

export async function lookupPool(conn: Connection, n: string): Promise<StoragePool> {
  if (n.length === UUID_LEN) {
    try { return await conn.lookupStoragePoolByUUID(n); } catch { /* next */ }
  }
  try { return await conn.lookupStoragePoolByName(n); } catch { /* reported below */ }
  throw new CliError(`failed to get pool '${n}'`);
}

export async function optPool(ctx: Ctx, o: CmdOpts, name = 'pool'): Promise<StoragePool> {
  return lookupPool(await ctx.conn(), o.string(name)!);
}

/** virshCommandOptVolBy: in --pool by name, else by key, else by path. */
export async function optVol(ctx: Ctx, o: CmdOpts, name = 'vol', poolOpt = 'pool'): Promise<StorageVol> {
  const n = o.string(name)!;
  const p = o.string(poolOpt);
  const conn = await ctx.conn();
  let pool: StoragePool | null = null;
  if (p !== undefined) pool = await lookupPool(conn, p);
  if (pool) {
    try { return await pool.lookupVolByName(n); } catch { /* next */ }
  }
  try { return await conn.lookupStorageVolByKey(n); } catch { /* next */ }
  try { return await conn.lookupStorageVolByPath(n); } catch { /* reported below */ }
  if (pool) throw new CliError(`failed to get vol '${n}'`);
  throw new CliError(`failed to get vol '${n}', specifying --pool might help`);
}
