// pool-event, find-storage-pool-sources(-as) and pool-capabilities, as virsh 9.0's
// tools/virsh-pool.c.
import type { StoragePool } from '../api/storage.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { optPool } from './lookup.js';
import { readXmlFile } from './domain_lifecycle.js';
import { waitObjectEvent } from './net_extra.js';

/** virshStoragePoolEventToString */
const POOL_LIFECYCLE = ['Defined', 'Undefined', 'Started', 'Stopped', 'Created', 'Deleted'];
/** VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, _REFRESH */
const POOL_EVENTS = ['lifecycle', 'refresh'];

async function poolEvent(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  return waitObjectEvent<StoragePool>(ctx, o, {
    names: POOL_EVENTS,
    objOpt: 'pool',
    lookup: (c, opts) => optPool(c, opts),
    register: (conn, pool, id, emit) => conn.storagePoolEventRegisterAny(pool, id, (p, payload, eid) => {
      emit(eid === 0
        ? `event 'lifecycle' for storage pool ${p.name}: ${POOL_LIFECYCLE[payload.event ?? -1] ?? 'unknown'}\n`
        : `event '${POOL_EVENTS[eid] ?? 'unknown'}' for storage pool ${p.name}\n`);
    }),
    deregister: (conn, cb) => conn.storagePoolEventDeregisterAny(cb),
  });
}

async function findSources(ctx: Ctx, type: string, srcSpec: string | null): Promise<boolean> {
  const conn = await ctx.conn();
  let list: string;
  try { list = await conn.findStoragePoolSources(type, srcSpec, 0); } catch (e) {
    throw new CmdError(`Failed to find any ${type} pool sources`, e);
  }
  ctx.print(list);
  return true;
}

/** cmdPoolDiscoverSources: the search narrowed by a <source> document read from a file. */
async function findStoragePoolSources(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const type = o.string('type')!;
  const file = o.string('srcSpec');
  const spec = file !== undefined ? readXmlFile(file) : null;
  return findSources(ctx, type, spec);
}

/** cmdPoolDiscoverSourcesAs: the <source> document written from --host, --port and --initiator. */
async function findStoragePoolSourcesAs(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const type = o.string('type')!;
  const host = o.string('host');
  const initiator = o.string('initiator');
  let spec: string | null = null;
  if (host !== undefined) {
    let port: string | undefined;
    try { port = o.string('port'); } catch (e) {
      if (e instanceof CliError) ctx.error(e.message);
      throw new CliError('missing argument');
    }
    spec = `<source>\n  <host name='${host}'${port !== undefined ? ` port='${port}'` : ''}/>\n`;
    if (initiator !== undefined) spec += `  <initiator>\n    <iqn name='${initiator}'/>\n  </initiator>\n`;
    spec += '</source>\n';
  }
  return findSources(ctx, type, spec);
}

async function poolCapabilities(ctx: Ctx): Promise<boolean> {
  const conn = await ctx.conn();
  let caps: string;
  try { caps = await conn.getStoragePoolCapabilities(0); } catch (e) {
    throw new CmdError('failed to get storage pool capabilities', e);
  }
  ctx.print(`${caps}\n`);
  return true;
}

export const handlers: HandlerTable = {
  'pool-event': poolEvent,
  'find-storage-pool-sources': findStoragePoolSources,
  'find-storage-pool-sources-as': findStoragePoolSourcesAs,
  'pool-capabilities': poolCapabilities,
};
