// QEMU-specific commands: qemu-monitor-command (libvirt-qemu's virDomainQemuMonitorCommand).
// libvirt counterpart: cmdQemuMonitorCommand in tools/virsh-domain.c.
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, type CmdOpts } from './opts.js';
import { exclusive } from './format.js';
import { optDomain } from './lookup.js';

/** VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP */
const HMP = 1;

/**
 * virsh's QMP wrapping: a JSON object is sent as is; otherwise the first word is the command
 * and every further `key=value` an argument (the value parsed as JSON when it is JSON).
 */
export function qmpWrap(words: string[]): string {
  const full = words.join(' ');
  try {
    const v = JSON.parse(full) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return full;
  } catch { /* not JSON: wrap it */ }
  const [name, ...rest] = words;
  const cmd: Record<string, unknown> = { execute: name };
  if (rest.length > 0) {
    const args: Record<string, unknown> = {};
    for (const kv of rest) {
      const i = kv.indexOf('=');
      if (i < 0) throw new CliError(`Incorrect argument '${kv}'`);
      const raw = kv.slice(i + 1);
      let val: unknown;
      try { val = JSON.parse(raw); } catch { val = raw; }
      args[kv.slice(0, i)] = val;
    }
    cmd['arguments'] = args;
  }
  return JSON.stringify(cmd);
}

async function qemuMonitorCommand(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'hmp', 'pretty');
  exclusive(o, 'hmp', 'return-value');
  if (o.bool('pass-fds')) throw new CliError('passing file descriptors is not supported by tsvirsh');
  const d = await optDomain(ctx, o);
  const words = o.argv('cmd');
  const hmp = o.bool('hmp');
  const monitorCmd = hmp ? words.join(' ') : qmpWrap(words);
  // A failure is reported as the library's error alone (virsh adds no line of its own).
  const result = await d.qemuMonitorCommand(monitorCmd, hmp ? HMP : 0);
  const pretty = o.bool('pretty');
  const returnValue = o.bool('return-value');
  let parsed: unknown;
  let isJson = false;
  if (pretty || returnValue) {
    try { parsed = JSON.parse(result); isJson = true; } catch { /* printed raw */ }
    if (returnValue && !isJson) { ctx.error('failed to parse JSON returned by qemu'); return false; }
  }
  if (!isJson) { ctx.print(`${result}\n`); return true; }
  let value = parsed;
  if (returnValue) {
    if (parsed === null || typeof parsed !== 'object' || !('return' in parsed)) { ctx.error("'return' member missing"); return false; }
    value = (parsed as Record<string, unknown>)['return'];
  }
  ctx.print(`${(pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)).trim()}\n`);
  return true;
}

export const handlers: HandlerTable = {
  'qemu-monitor-command': qemuMonitorCommand,
};
