// Dispatch of CALLs to the QEMU program (0x20008087): the same checks as the remote program's
// (version, status, known procedure), then the remote program's own driver-call path.
// libvirt counterpart: qemuProcs in remote_daemon_dispatch.c / virnetserverprogram.c.
import type { Packet } from '../rpc/packet.js';
import { MessageStatus, MessageType, PROGRAM_VERSION } from '../rpc/protocol.js';
import { decodeCall } from '../rpc/procedures.js';
import { qemuNoSupportError, qemuProcedureByNumber } from '../rpc/qemu_program.js';
import { XdrReader } from '../rpc/xdr.js';
import { ErrorDomain, ErrorNumber, isVirError, virError } from '../util/error.js';
import type { ClientSession } from './client.js';
import { dispatchDriverCall } from './dispatch.js';
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
    // from here on a QEMU-program call is an ordinary driver call (checks, worker slot, reply)
    await dispatchDriverCall(c, def, args, false, call);
  })().catch((e: unknown) => {
    if (!isVirError(e)) c.log.error('unexpected failure in qemu program call', { proc: h.proc, error: (e as Error)?.stack ?? String(e) });
    try { c.replyError(call, toVirError(e)); } catch { /* client gone */ }
  }).finally(done);
}
