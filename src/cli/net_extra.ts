// net-event and the net-port-* commands, as virsh 9.0's tools/virsh-network.c. The event wait
// (waitObjectEvent) is shared with pool-event, whose loop virsh writes the same way.
import type { Connection } from '../api/connection.js';
import type { Network, NetworkPort } from '../api/network.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { optNetwork } from './lookup.js';
import { readXmlFile } from './domain_lifecycle.js';
import { printXml } from './format.js';
import { Table } from './table.js';
import { EventLoop, eventTimestamp } from './event.js';

/** vshCommandOptTimeoutToMs: seconds, 1..INT_MAX/1000. */
function timeoutMs(o: CmdOpts): number | undefined {
  const raw = o.raw('timeout');
  if (raw === undefined) return undefined;
  const t = o.int('timeout')!;
  if (t <= 0 || t > Math.floor(2147483647 / 1000)) throw new CliError(`Numeric value '${raw}' for <timeout> option is malformed or out of range`);
  return t * 1000;
}

/** What an object event command registers: one event id, and the line each event prints. */
export interface ObjectEventSpec<T> {
  names: readonly string[];
  /** option naming the object ('network', 'pool') */
  objOpt: string;
  lookup: (ctx: Ctx, o: CmdOpts) => Promise<T>;
  register: (conn: Connection, obj: T | null, id: number, emit: (line: string) => void) => Promise<number>;
  deregister: (conn: Connection, cb: number) => Promise<void>;
}

/**
 * cmdNetworkEvent / cmdStoragePoolEvent: --list, or one --event type waited for once (or with
 * --loop until --timeout or ^C). An object that is not found is reported at once and the wait
 * covers every object, as virsh does; its error is shown at the end when nothing arrived.
 * Success means at least one event was received.
 */
export async function waitObjectEvent<T>(ctx: Ctx, o: CmdOpts, spec: ObjectEventSpec<T>): Promise<boolean> {
  if (o.bool('list')) {
    ctx.print(spec.names.map((n) => `${n}\n`).join(''));
    return true;
  }
  const name = o.string('event');
  if (name === undefined) throw new CliError('either --list or --event <type> is required');
  const id = spec.names.indexOf(name);
  if (id < 0) throw new CliError(`unknown event type ${name}`);
  const loop = o.bool('loop');
  const stamp = o.bool('timestamp');
  const ms = timeoutMs(o);
  const conn = await ctx.conn();
  let obj: T | null = null;
  let lookupErr: unknown;
  if (o.bool(spec.objOpt)) {
    try { obj = await spec.lookup(ctx, o); } catch (e) {
      if (!(e instanceof CmdError)) throw e;
      ctx.error(e.message);
      lookupErr = e.cause;
    }
  }
  let count = 0;
  const evloop = new EventLoop();
  const cb = await spec.register(conn, obj, id, (line) => {
    // one-shot: events already queued behind the first are dropped, as virsh's callbacks do
    if (!loop && count) return;
    ctx.print(stamp ? `${eventTimestamp()}${line}` : line);
    count++;
    if (!loop) evloop.done();
  });
  const why = await evloop.wait(ms);
  await spec.deregister(conn, cb).catch(() => undefined);
  if (why === 'timeout') ctx.print('event loop timed out\n');
  if (why === 'interrupt') ctx.print('event loop interrupted\n');
  ctx.print(`events received: ${count}\n`);
  if (count) return true;
  if (lookupErr !== undefined) throw lookupErr;
  return false;
}

/** virshNetworkEventToString */
const NET_LIFECYCLE = ['Defined', 'Undefined', 'Started', 'Stopped'];

async function netEvent(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  return waitObjectEvent<Network>(ctx, o, {
    names: ['lifecycle'],
    objOpt: 'network',
    lookup: (c, opts) => optNetwork(c, opts),
    register: (conn, net, id, emit) => conn.networkEventRegisterAny(net, id, (n, p) => {
      emit(`event 'lifecycle' for network ${n.name}: ${NET_LIFECYCLE[p.event] ?? 'unknown'}\n`);
    }),
    deregister: (conn, cb) => conn.networkEventDeregisterAny(cb),
  });
}

/** VIR_NETWORK_PORT_CREATE_VALIDATE */
const PORT_CREATE_VALIDATE = 2;

/**
 * virsh 9.0's net-port-dumpxml and net-port-delete start out successful: a network or port that
 * is not found prints virsh's line only (not the library's error) and the command still
 * succeeds. Null then means "stop, reported".
 */
async function optPortLenient(ctx: Ctx, o: CmdOpts): Promise<NetworkPort | null> {
  let net: Network;
  try { net = await optNetwork(ctx, o); } catch (e) {
    if (!(e instanceof CmdError)) throw e;
    ctx.error(e.message);
    return null;
  }
  let uuid: string;
  try { uuid = o.string('port')!; } catch (e) {
    if (!(e instanceof CliError)) throw e;
    ctx.error(e.message);
    return null;
  }
  try { return await net.lookupPortByUUID(uuid); } catch {
    ctx.error(`failed to get network port '${uuid}'`);
    return null;
  }
}

async function netPortList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const uuidOnly = o.bool('uuid');
  if (uuidOnly && o.bool('table')) throw new CliError('Only one argument from --table and --uuid may be specified.');
  const net = await optNetwork(ctx, o);
  const ports = (await net.listAllPorts(0)).map((p) => p.uuid).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (uuidOnly) {
    ctx.print(ports.map((u) => `${u}\n`).join(''));
    return true;
  }
  const t = new Table(['UUID']);
  for (const u of ports) t.add(u);
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function netPortCreate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const net = await optNetwork(ctx, o);
  const from = o.string('file')!;
  const xml = readXmlFile(from);
  let port: NetworkPort;
  try { port = await net.createPortXML(xml, o.bool('validate') ? PORT_CREATE_VALIDATE : 0); } catch (e) {
    // sic: virsh 9.0 says "network" here
    throw new CmdError(`Failed to create network from ${from}`, e);
  }
  ctx.printExtra(`Network port ${port.uuid} created from ${from}\n`);
  return true;
}

async function netPortDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const port = await optPortLenient(ctx, o);
  if (!port) return true;
  return printXml(ctx, o, await port.getXMLDesc(0));
}

async function netPortDelete(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const port = await optPortLenient(ctx, o);
  if (!port) return true;
  try { await port.delete(0); } catch (e) {
    throw new CmdError(`Failed to delete network port ${port.uuid}`, e);
  }
  ctx.printExtra(`Network port ${port.uuid} deleted\n`);
  return true;
}

export const handlers: HandlerTable = {
  'net-event': netEvent, 'net-port-list': netPortList, 'net-port-create': netPortCreate, 'net-port-dumpxml': netPortDumpxml,
  'net-port-delete': netPortDelete,
};
