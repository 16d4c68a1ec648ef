// Dispatch of CALLs to the QEMU program (0x20008087): the same checks as the remote program's
// (version, status, known procedure, open connection, read-only, NO_SUPPORT), then the driver
// method, on the ordinary worker pool. Rare calls: the plain async path is enough.
// libvirt counterpart: qemuProcs in remote_daemon_dispatch.c / virnetserverprogram.c.
import { writePacketHeader, type Packet } from '../rpc/packet.js';
import { MessageStatus, MessageType, PACKET_MIN, PROGRAM_VERSION } from '../rpc/protocol.js';
import { decodeCall, encodeReturnInto, readOnlyDenial } from '../rpc/procedures.js';
import { qemuNoSupportError, qemuProcedureByNumber } from '../rpc/qemu_program.js';
import { XdrReader, XdrWriter } from '../rpc/xdr.js';
import { ErrorDomain, ErrorNumber, isVirError, virError } from '../util/error.js';
import { notOpenError, type ClientSession } from './client.js';
import { toVirError } from './stream.js';

const rpcError = (msg: string) => virError(ErrorDomain.RPC, ErrorNumber.RPC, msg);

/** Handle one CALL of the QEMU program; never throws; `done` runs once when it is over. */
export function dispatchQemuCall(c: ClientSession, p: Packet, done: () => void): void {
  const h = p.header;
  const call = h.type === MessageType.CALL ? h : { ...h, type: MessageType.CALL };
  void (async () => {
    if (h.vers !== PROGRAM_VERSION) throw rpcError(`Cannot find program ${h.prog >>> 0} version ${h.vers >>> 0}`);
    if (h.status !== MessageStatus.OK) throw rpcError(`Unexpected message status ${h.status}`);
    const def = qemuProcedureByNumber(h.proc);
    if (!def) throw qemuNoSupportError(h.proc) ?? rpcError(`unknown procedure: ${h.proc}`);
    let args: unknown[];
    try {
      args = decodeCall(def, new XdrReader(p.payload)).args;
    } catch {
      throw rpcError('Unable to decode message payload');
    }
    const conn = c.conn;
    if (!conn) throw notOpenError(true);
    if (conn.conn.readonly) {
      const denial = readOnlyDenial(def, args);
      if (denial) throw denial;
    }
    if (!conn.conn.has(def.method)) throw virError(def.errDomain, ErrorNumber.NO_SUPPORT, def.api);
    const release = await c.host.workers.acquire(false);
    let value: unknown;
    try {
      if (c.closed) return;
      value = await conn.conn.invoke(def.method, args);
    } finally {
      release();
    }
    if (c.closed) return;
    const w = new XdrWriter(PACKET_MIN + 64 + (typeof value === 'string' ? value.length : 0));
    w.skip(PACKET_MIN);
    encodeReturnInto(w, def, value, { args });
    c.write(writePacketHeader(w.view(), call.prog, call.vers, call.proc, MessageType.REPLY, call.serial, MessageStatus.OK));
  })().catch((e: unknown) => {
    if (!isVirError(e)) c.log.error('unexpected failure in qemu program call', { proc: h.proc, error: (e as Error)?.stack ?? String(e) });
    try { c.replyError(call, toVirError(e)); } catch { /* client gone */ }
  }).finally(done);
}
