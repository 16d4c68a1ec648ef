// The QEMU program (0x20008087 v1): libvirt-qemu's calls on the same socket as the remote
// program, with their own procedure numbers. tsvirt speaks DOMAIN_MONITOR_COMMAND; the other
// known procedures answer NO_SUPPORT. Entries have the remote table's shape, so the same
// codec helpers (decodeCall, encodeReturnInto, decodeReturn, encodeCallArgs) serve them.
// libvirt counterpart: src/remote/qemu_protocol.x.
import { t, domain, type StructField } from './types.js';
import type { ProcName } from './procnames.js';
import { ErrorDomain, ErrorNumber, virError, type VirError } from '../util/error.js';
import type { ProcedureDef } from './procedures.js';

/** QEMU_PROC_* numbers (qemu_protocol.x). */
export const QemuProc = {
  DOMAIN_MONITOR_COMMAND: 1,
  DOMAIN_ATTACH: 2,
  DOMAIN_AGENT_COMMAND: 3,
  CONNECT_DOMAIN_MONITOR_EVENT_REGISTER: 4,
  CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER: 5,
  /** server -> client event: never called */
  DOMAIN_MONITOR_EVENT: 6,
  DOMAIN_MONITOR_COMMAND_WITH_FILES: 7,
} as const;

/** Public API names of the known procedures, for "this function is not supported" errors. */
const QEMU_API: Record<number, string> = {
  [QemuProc.DOMAIN_MONITOR_COMMAND]: 'virDomainQemuMonitorCommand',
  [QemuProc.DOMAIN_ATTACH]: 'virDomainQemuAttach',
  [QemuProc.DOMAIN_AGENT_COMMAND]: 'virDomainQemuAgentCommand',
  [QemuProc.CONNECT_DOMAIN_MONITOR_EVENT_REGISTER]: 'virConnectDomainQemuMonitorEventRegister',
  [QemuProc.CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER]: 'virConnectDomainQemuMonitorEventDeregister',
  [QemuProc.DOMAIN_MONITOR_COMMAND_WITH_FILES]: 'virDomainQemuMonitorCommandWithFiles',
};

const f = (name: string, type: StructField[1]): StructField => [name, type];

/**
 * QEMU_PROC_DOMAIN_MONITOR_COMMAND: { remote_nonnull_domain dom; remote_nonnull_string cmd;
 * u32 flags } -> { remote_nonnull_string result }. Not allowed on read-only connections.
 */
export const QEMU_MONITOR_COMMAND: ProcedureDef = {
  proc: QemuProc.DOMAIN_MONITOR_COMMAND,
  // ProcName types the remote program's names; this entry lives in another program's table.
  name: 'QEMU_DOMAIN_MONITOR_COMMAND' as ProcName,
  method: 'domainQemuMonitorCommand',
  api: 'virDomainQemuMonitorCommand',
  args: t.struct([f('dom', domain), f('cmd', t.string), f('flags', t.uint)]),
  ret: t.struct([f('result', t.string)]),
  readonly: false,
  priority: 'low',
  errDomain: ErrorDomain.DOMAIN,
  retShape: 'single',
};

/**
 * QEMU_PROC_DOMAIN_AGENT_COMMAND: { remote_nonnull_domain dom; remote_nonnull_string cmd; int timeout;
 * u32 flags } -> { remote_string result }. Not allowed on read-only connections.
 */
export const QEMU_AGENT_COMMAND: ProcedureDef = {
  proc: QemuProc.DOMAIN_AGENT_COMMAND,
  name: 'QEMU_DOMAIN_AGENT_COMMAND' as ProcName,
  method: 'domainQemuAgentCommand',
  api: 'virDomainQemuAgentCommand',
  args: t.struct([f('dom', domain), f('cmd', t.string), f('timeout', t.int), f('flags', t.uint)]),
  ret: t.struct([f('result', t.optString)]),
  readonly: false,
  priority: 'low',
  errDomain: ErrorDomain.DOMAIN,
  retShape: 'single',
};

/**
 * QEMU_PROC_DOMAIN_ATTACH: { u32 pid_value; u32 flags } -> { remote_nonnull_domain dom }.
 * Not allowed on read-only connections.
 */
export const QEMU_ATTACH: ProcedureDef = {
  proc: QemuProc.DOMAIN_ATTACH,
  name: 'QEMU_DOMAIN_ATTACH' as ProcName,
  method: 'domainQemuAttach',
  api: 'virDomainQemuAttach',
  args: t.struct([f('pid_value', t.uint), f('flags', t.uint)]),
  ret: t.struct([f('dom', domain)]),
  readonly: false,
  priority: 'low',
  errDomain: ErrorDomain.DOMAIN,
  retShape: 'single',
};

const QEMU_PROCS = [QEMU_MONITOR_COMMAND, QEMU_AGENT_COMMAND, QEMU_ATTACH];
const byNumber = new Map<number, ProcedureDef>(QEMU_PROCS.map((d) => [d.proc, d]));
const byMethod = new Map<string, ProcedureDef>(QEMU_PROCS.map((d) => [d.method, d]));

export function qemuProcedureByNumber(n: number): ProcedureDef | undefined { return byNumber.get(n); }
export function qemuProcedureByMethod(method: string): ProcedureDef | undefined { return byMethod.get(method); }

/** Known to libvirt 9.0 but not spoken here: NO_SUPPORT; null for numbers nobody knows. */
export function qemuNoSupportError(n: number): VirError | null {
  const api = n === QemuProc.DOMAIN_MONITOR_EVENT ? undefined : QEMU_API[n];
  return api ? virError(ErrorDomain.DOMAIN, ErrorNumber.NO_SUPPORT, api) : null;
}
