// Dispatch of one CALL: packet → procedure table entry → decoded args → driver method through
// the guarded connection → REPLY (or remote_error). The connection-level procedures (auth,
// open/close, features, URI, close callback, event registration) are answered here because
// they act on the client session, not on a driver object.
// libvirt counterpart: virnetserverprogram.c (checks and error replies) and the hand-written
// parts of remote_daemon_dispatch.c.
import * as diagnostics from 'node:diagnostics_channel';
import { writePacketHeader, type Packet } from '../rpc/packet.js';
import { AuthType, CONNECT_RO, DrvFeature, MessageStatus, MessageType, PACKET_MIN, Program, PROGRAM_VERSION } from '../rpc/protocol.js';
import { Proc, callableProcedureName } from '../rpc/procnames.js';
import {
  decodeCall, encodeReturn, encodeReturnInto, noSupportError, procedureByNumber, readOnlyDenial, type ProcedureDef,
} from '../rpc/procedures.js';
import { XdrReader, XdrWriter } from '../rpc/xdr.js';
import { defaultURI, openConnection } from '../drivers/registry.js';
import { ErrorDomain, ErrorNumber, VirError, isVirError, virError } from '../util/error.js';
import { LogPriority } from '../util/log.js';
import { notOpenError, streamKey, type ClientSession, type HeldRegistration } from './client.js';
import { fdPass } from '../util/fdpass.js';
import { ServerStream, isDriverStream, toVirError } from './stream.js';
import { encodeEventMessage, EVENT_ID_LIMIT, type EventFamily } from './events.js';
import { dispatchQemuCall } from './qemu_dispatch.js';

/** Calls that must run alone: nothing else of the client is in flight around them. */
export function isBarrierCall(proc: number): boolean {
  return proc === Proc.CONNECT_OPEN || proc === Proc.CONNECT_CLOSE;
}

/**
 * Every dispatched call is published here once answered: { client, proc, name, serial,
 * durationMs, error? } (style: observable by default; subscribe to trace a live daemon).
 */
export const callChannel = diagnostics.channel('tsvirt:daemon:call');

const rpcError = (msg: string) => virError(ErrorDomain.RPC, ErrorNumber.RPC, msg);

/** Procedures that pass file descriptors, refused as not supported on this connection... */
const FD_PROCS = new Set<number>([
  Proc.DOMAIN_OPEN_GRAPHICS, Proc.DOMAIN_CREATE_XML_WITH_FILES, Proc.DOMAIN_CREATE_WITH_FILES,
  Proc.DOMAIN_OPEN_GRAPHICS_FD, Proc.DOMAIN_FD_ASSOCIATE,
]);
/** ...except these when the client can pass fds (unix socket read with recvmsg, fd_reader.ts). */
const FD_PROCS_WITH_FDPASS = new Set<number>([Proc.DOMAIN_CREATE_XML_WITH_FILES, Proc.DOMAIN_CREATE_WITH_FILES, Proc.DOMAIN_OPEN_GRAPHICS_FD]);

/** Families whose calls report "connection not open" rather than "hypervisor connection not open". */
const SECONDARY_DOMAINS = new Set<number>([
  ErrorDomain.STORAGE, ErrorDomain.NETWORK, ErrorDomain.NODEDEV, ErrorDomain.INTERFACE,
  ErrorDomain.SECRET, ErrorDomain.NWFILTER,
]);

/**
 * Features the daemon itself answers, whatever the driver (remoteDispatchConnectSupportsFeature).
 * FD_PASSING is a transport feature: libvirtd says 1 (checked against libvirtd 9.0.0); tsvirtd
 * then refuses the few fd procedures with NO_SUPPORT, since Node cannot receive SCM_RIGHTS.
 */
const DAEMON_FEATURES = new Set<number>([
  DrvFeature.FD_PASSING, DrvFeature.PROGRAM_KEEPALIVE, DrvFeature.REMOTE_EVENT_CALLBACK, DrvFeature.REMOTE_CLOSE_CALLBACK,
]);
/** Answered 1 when the driver does not say (what libvirtd's test driver answers). */
const DEFAULT_DRIVER_FEATURES = new Set<number>([
  DrvFeature.TYPED_PARAM_STRING, DrvFeature.NETWORK_UPDATE_HAS_CORRECT_ORDER,
]);

const EVENT_REGISTER: Record<number, { family: EventFamily; deregister: string }> = {
  [Proc.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY]: { family: 'domain', deregister: 'connectDomainEventCallbackDeregisterAny' },
  [Proc.CONNECT_NETWORK_EVENT_REGISTER_ANY]: { family: 'network', deregister: 'connectNetworkEventDeregisterAny' },
  [Proc.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY]: { family: 'pool', deregister: 'connectStoragePoolEventDeregisterAny' },
  [Proc.CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY]: { family: 'nodedev', deregister: 'connectNodeDeviceEventDeregisterAny' },
  [Proc.CONNECT_SECRET_EVENT_REGISTER_ANY]: { family: 'secret', deregister: 'connectSecretEventDeregisterAny' },
};
const EVENT_DEREGISTER: Record<number, EventFamily> = {
  [Proc.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY]: 'domain',
  [Proc.CONNECT_NETWORK_EVENT_DEREGISTER_ANY]: 'network',
  [Proc.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY]: 'pool',
  [Proc.CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY]: 'nodedev',
  [Proc.CONNECT_SECRET_EVENT_DEREGISTER_ANY]: 'secret',
};

/** callableProcedureName per procedure number, remembered (it is asked on every call). */
const callableNames = new Map<number, string | null>();
function callableName(proc: number): string | null {
  let name = callableNames.get(proc);
  if (name === undefined) {
    name = callableProcedureName(proc);
    if (callableNames.size < 4096) callableNames.set(proc, name);
  }
  return name;
}

/**
 * Handle one CALL / CALL_WITH_FDS packet; never throws (errors become replies). `done` runs
 * exactly once, when the call is over (answered, or dropped because the client left).
 *
 * An ordinary driver call takes a path with no async frames of its own: the checks, the decode
 * and the worker slot are synchronous and the driver's promise is the only one waited on. The
 * connection-level procedures, and a call that must queue for a worker, take the async path.
 */
export function dispatchCall(c: ClientSession, p: Packet, done: () => void): void {
  const h = p.header;
  // Replies echo the call's header with their own type and status, so a plain CALL's decoded
  // header (a fresh object per packet) serves as is.
  const call = h.type === MessageType.CALL ? h : { ...h, type: MessageType.CALL };
  // The checks virNetServerProgramDispatch makes, in its order (§1.5).
  if (h.prog === Program.QEMU) return dispatchQemuCall(c, p, done);
  if (h.prog !== Program.REMOTE || h.vers !== PROGRAM_VERSION) {
    c.replyError(call, rpcError(`Cannot find program ${h.prog >>> 0} version ${h.vers >>> 0}`));
    return done();
  }
  if (h.status !== MessageStatus.OK) {
    c.replyError(call, rpcError(`Unexpected message status ${h.status}`));
    return done();
  }
  const name = callableName(h.proc);
  if (name === null) {
    c.replyError(call, rpcError(`unknown procedure: ${h.proc}`));
    return done();
  }
  const def = procedureByNumber(h.proc);
  if (!def || (FD_PROCS.has(h.proc) && !(c.fdPassing && FD_PROCS_WITH_FDPASS.has(h.proc)))) {
    // Known to libvirt 9.0.0 but not spoken by tsvirtd (or needs fd passing).
    c.replyError(call, noSupportError(name));
    return done();
  }

  let args: unknown[];
  let needResults: boolean;
  try {
    ({ args, needResults } = decodeCall(def, new XdrReader(p.payload)));
  } catch {
    // Trailing bytes after well-formed args are ignored (libvirtd does the same).
    c.replyError(call, rpcError('Unable to decode message payload'));
    return done();
  }

  // Tracing costs a clock read and a log record per call: only when someone listens.
  const traced = callChannel.hasSubscribers || c.log.enabled(LogPriority.DEBUG);
  const t: CallTrace | null = traced ? { def, serial: h.serial, started: performance.now() } : null;
  const finish = (e?: unknown) => {
    try {
      if (e !== undefined) replyFailure(c, call, def, e);
      if (t) traceCall(c, t, e);
    } catch (err) {
      // Runs inside promise callbacks: a throw here would be an unhandled rejection.
      c.log.error('cannot answer a call', { proc: def.name, error: (err as Error)?.stack ?? String(err) });
    }
    done();
  };

  if (SPECIAL[h.proc] || EVENT_REGISTER[h.proc] || EVENT_DEREGISTER[h.proc]) {
    dispatchConnectionCall(c, def, args, call).then(() => finish(), finish);
    return;
  }
  let release: (() => void) | null = null;
  let pending: Promise<unknown>;
  try {
    const conn = driverCallChecks(c, def, args);
    release = c.host.workers.tryAcquire(def.priority === 'high');
    if (release === null) {
      // Every worker is busy: wait in line (the async path).
      dispatchDriverCall(c, def, args, needResults, call).then(() => finish(), finish);
      return;
    }
    if (c.closed) { release(); return finish(); }
    pending = conn.conn.invoke(def.method, args);
  } catch (e) {
    release?.();
    return finish(e);
  }
  const free = release;
  pending.then((value) => {
    free();
    try {
      answerDriverCall(c, def, args, needResults, call, value);
    } catch (e) {
      return finish(e);
    }
    finish();
  }, (e) => {
    free();
    finish(e);
  });
}

interface CallTrace { def: ProcedureDef; serial: number; started: number }

function traceCall(c: ClientSession, t: CallTrace, e: unknown): void {
  const durationMs = Math.round((performance.now() - t.started) * 1000) / 1000;
  const fields = { proc: t.def.name, serial: t.serial, durationMs, ...(e !== undefined ? { error: toVirError(e).message } : {}) };
  c.log.debug('call', fields);
  if (callChannel.hasSubscribers) callChannel.publish({ client: c.id, ...fields });
}

/** Procedures answered by the daemon itself (auth, open/close, features, events, ...). */
async function dispatchConnectionCall(c: ClientSession, def: ProcedureDef, args: unknown[], call: Packet['header']): Promise<void> {
  const proc = call.proc;
  const special = SPECIAL[proc];
  const reg = EVENT_REGISTER[proc];
  const dereg = EVENT_DEREGISTER[proc];
  if (special) await special(c, def, args, call);
  else if (reg) await registerEvent(c, def, args, call, reg.family);
  else if (dereg) await deregisterEvent(c, def, args, call, dereg);
}

function replyFailure(c: ClientSession, call: Packet['header'], def: ProcedureDef, e: unknown): void {
  if (!isVirError(e)) {
    c.log.error('unexpected failure in call', { proc: def.name, error: (e as Error)?.stack ?? String(e) });
  }
  c.replyError(call, toVirError(e));
}

/** The connection a call needs, or libvirt's "not open" error. */
function needConn(c: ClientSession, def: ProcedureDef) {
  if (!c.conn) throw notOpenError(!SECONDARY_DOMAINS.has(def.errDomain));
  return c.conn;
}

/**
 * Before a driver call: an open connection, and NO_SUPPORT answered before a worker slot is
 * taken. The read-only rules are enforced by the connection's invoke() (drivers/access.ts).
 */
function driverCallChecks(c: ClientSession, def: ProcedureDef, args: unknown[]) {
  const conn = needConn(c, def);
  if (conn.conn.readonly && !conn.conn.has(def.method)) {
    // a read-only client asking for a missing mutating call hears "forbidden", as from libvirtd
    const denial = readOnlyDenial(def, args);
    if (denial) throw denial;
  }
  if (!conn.conn.has(def.method)) throw noSupportError(def.name, def.api);
  return conn;
}

/** A driver call that waits for a worker slot: checks, slot, invoke, answer. */
export async function dispatchDriverCall(c: ClientSession, def: ProcedureDef, args: unknown[], needResults: boolean, call: Packet['header']): Promise<void> {
  const conn = driverCallChecks(c, def, args);
  const release = await c.host.workers.acquire(def.priority === 'high');
  let value: unknown;
  try {
    if (c.closed) return;
    value = await conn.conn.invoke(def.method, args);
  } finally {
    release();
  }
  answerDriverCall(c, def, args, needResults, call, value);
}

/** The driver answered: start the stream it opened, or encode and send the REPLY. */
function answerDriverCall(c: ClientSession, def: ProcedureDef, args: unknown[], needResults: boolean, call: Packet['header'], value: unknown): void {
  if (def.stream) {
    if (!isDriverStream(value)) throw virError(ErrorDomain.RPC, ErrorNumber.INTERNAL_ERROR, `${def.api} did not return a stream`);
    if (c.closed) { value.abort(new Error('client disconnected')); return; }
    // Register before replying: the client may send data right after reading the reply.
    const key = streamKey(call.proc, call.serial);
    c.streams.get(key)?.abortFromDisconnect();
    const s = new ServerStream(c, call, value, key);
    c.streams.set(key, s);
    // a stream call's own answer (screenshot's MIME type) rides on the stream object
    c.reply(call, encodeReturn(def, def.retShape === 'void' ? undefined : value.result ?? null, { args }));
    s.start();
    return;
  }
  if (c.closed) { closeReturnedFds(def, value); return; }
  if (def.replyFds) {
    c.replyWithFds(call, (value as { fds: number[] }).fds);
    return;
  }
  // The reply is encoded once, into one buffer: header space first, then the payload. A
  // string result (XML) sizes the buffer up front instead of growing it.
  const w = new XdrWriter(typeof value === 'string' ? PACKET_MIN + 16 + value.length : 256);
  w.skip(PACKET_MIN);
  try {
    encodeReturnInto(w, def, value, { args, needResults });
  } catch (e) {
    c.log.error('driver result does not fit the wire', { proc: def.name, error: (e as Error).message });
    throw virError(ErrorDomain.RPC, ErrorNumber.INTERNAL_ERROR, `cannot encode reply of ${def.api}: ${(e as Error).message}`);
  }
  c.writeReply(writePacketHeader(w.view(), call.prog, call.vers, call.proc, MessageType.REPLY, call.serial, MessageStatus.OK));
}

/** A result carrying fds whose client left: the daemon's copies are closed. */
function closeReturnedFds(def: ProcedureDef, value: unknown): void {
  if (!def.replyFds) return;
  for (const fd of (value as { fds?: number[] })?.fds ?? []) fdPass()?.closeFd(fd);
}

type Special = (c: ClientSession, def: ProcedureDef, args: unknown[], call: Packet['header']) => Promise<void>;

const authFailed = () => virError(ErrorDomain.RPC, ErrorNumber.AUTH_FAILED, 'authentication failed');

const SPECIAL: Record<number, Special> = {
  [Proc.AUTH_LIST]: async (c, def, _a, call) => { c.reply(call, encodeReturn(def, [AuthType.NONE])); },
  // tsvirtd offers no SASL or polkit: asking for them fails as libvirtd does when unconfigured.
  [Proc.AUTH_SASL_INIT]: async () => { throw authFailed(); },
  [Proc.AUTH_SASL_START]: async () => { throw authFailed(); },
  [Proc.AUTH_SASL_STEP]: async () => { throw authFailed(); },
  [Proc.AUTH_POLKIT]: async () => { throw authFailed(); },

  [Proc.CONNECT_OPEN]: async (c, def, args, call) => {
    if (c.conn) {
      // libvirtd's error path for this case also releases the connection that was open
      // (remoteDispatchConnectOpen's cleanup); later calls get "hypervisor connection not open".
      await c.releaseConnection();
      throw virError(ErrorDomain.RPC, ErrorNumber.INTERNAL_ERROR, 'connection already open');
    }
    const name = (args[0] as string | null) || null;
    const flags = (args[1] as number) >>> 0;
    // The -ro socket forces read-only whatever the flags say (virsh sends 0 there).
    const readonly = c.listenerReadonly || (flags & CONNECT_RO) !== 0;
    const opened = await openConnection(name, { readonly, flags: readonly ? flags | CONNECT_RO : flags, inDaemon: true });
    if (c.closed) {
      // The client left while we were opening: do not leak the driver connection.
      await opened.conn.invoke('connectClose', []).catch(() => undefined);
      return;
    }
    c.conn = opened;
    c.openedUri = name ?? defaultURI(true);
    c.markOpened();
    c.log.info('connection opened', { uri: c.openedUri, driver: opened.driverName, readonly });
    c.reply(call, encodeReturn(def, undefined));
  },

  [Proc.CONNECT_CLOSE]: async (c, def, _a, call) => {
    await c.releaseConnection();
    c.reply(call, encodeReturn(def, undefined));
    c.close('client sent CONNECT_CLOSE');
  },

  [Proc.CONNECT_SUPPORTS_FEATURE]: async (c, def, args, call) => {
    const feature = args[0] as number;
    let supported: number;
    if (feature === DrvFeature.PROGRAM_KEEPALIVE) {
      // Answerable before CONNECT_OPEN (virsh asks right after AUTH_LIST); asking turns it on.
      c.startKeepalive();
      supported = 1;
    } else {
      const conn = needConn(c, def);
      if (DAEMON_FEATURES.has(feature)) supported = 1;
      else if (feature === DrvFeature.REMOTE) supported = 0;
      else if (conn.conn.has('connectSupportsFeature')) supported = (await conn.conn.invoke('connectSupportsFeature', [feature])) ? 1 : 0;
      else supported = DEFAULT_DRIVER_FEATURES.has(feature) ? 1 : 0;
    }
    c.reply(call, encodeReturn(def, supported));
  },

  [Proc.CONNECT_GET_URI]: async (c, def, _a, call) => {
    const conn = needConn(c, def);
    let uri: string;
    if (conn.conn.has('connectGetUri')) uri = (await conn.conn.invoke('connectGetUri', [])) as string;
    else uri = conn.uri.original;
    c.reply(call, encodeReturn(def, uri));
  },

  [Proc.CONNECT_REGISTER_CLOSE_CALLBACK]: async (c, def, _a, call) => {
    needConn(c, def);
    c.closeCallbackRegistered = true;
    c.reply(call, encodeReturn(def, undefined));
  },
  [Proc.CONNECT_UNREGISTER_CLOSE_CALLBACK]: async (c, def, _a, call) => {
    needConn(c, def);
    c.closeCallbackRegistered = false;
    c.reply(call, encodeReturn(def, undefined));
  },
};

/**
 * Event registration: the driver allocates the callback ID (per connection, 0, 1, 2, ... as
 * libvirt does); each event becomes a MESSAGE carrying that ID. Events raised before the
 * driver's promise resolves are held back and sent right after the reply.
 */
async function registerEvent(c: ClientSession, def: ProcedureDef, args: unknown[], call: Packet['header'], family: EventFamily): Promise<void> {
  const conn = needConn(c, def);
  const eventID = args[0] as number;
  if (eventID < 0 || eventID >= EVENT_ID_LIMIT[family]) {
    throw virError(ErrorDomain.RPC, ErrorNumber.INTERNAL_ERROR, `unsupported event ID ${eventID}`);
  }
  if (!conn.conn.has(def.method)) throw noSupportError(def.name, def.api);
  let callbackID: number | null = null;
  const early: [number, Record<string, unknown>][] = [];
  const deliver = (ev: number, payload: Record<string, unknown>) => {
    if (c.closed) return;
    const msg = encodeEventMessage(family, ev, callbackID!, payload);
    if (!msg) { c.log.debug('event not forwarded: no wire form', { family, eventID: ev }); return; }
    c.sendEventMessage(msg.proc, msg.body);
  };
  const cb = (ev: number, payload: object) => {
    if (callbackID === null) early.push([ev, payload as Record<string, unknown>]);
    else deliver(ev, payload as Record<string, unknown>);
  };
  const id = (await conn.conn.invoke(def.method, [...args, cb])) as number;
  const held: HeldRegistration = { family, id };
  if (c.closed || c.conn !== conn) {
    await conn.conn.invoke(EVENT_REGISTER[call.proc]!.deregister, [id]).catch(() => undefined);
    return;
  }
  c.registrations.push(held);
  callbackID = id;
  c.reply(call, encodeReturn(def, id));
  for (const [ev, payload] of early.splice(0)) deliver(ev, payload);
}

async function deregisterEvent(c: ClientSession, def: ProcedureDef, args: unknown[], call: Packet['header'], family: EventFamily): Promise<void> {
  const conn = needConn(c, def);
  const id = args[0] as number;
  if (!conn.conn.has(def.method)) throw noSupportError(def.name, def.api);
  await conn.conn.invoke(def.method, [id]);
  const i = c.registrations.findIndex((r) => r.family === family && r.id === id);
  if (i >= 0) c.registrations.splice(i, 1);
  c.reply(call, encodeReturn(def, undefined));
}

