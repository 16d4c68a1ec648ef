// Text helpers shared by the command groups: virsh's state names, capacities, typed parameters,
// the `%-15s %s` info layout, and the --json extension.
import type { TypedParam } from '../drivers/driver.js';
import type { Ctx } from './defs.js';
import type { CmdOpts } from './opts.js';
import { CliError, CmdError } from './opts.js';

/** virshDomainStateToString */
export const DOMAIN_STATES = ['no state', 'running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended'];
export function domainStateName(state: number): string { return DOMAIN_STATES[state] ?? 'no state'; }

/** virshDomainStateReasonToString, by state */
const REASONS: Record<number, string[]> = {
  0: ['unknown'],
  1: ['unknown', 'booted', 'migrated', 'restored', 'from snapshot', 'unpaused', 'migration canceled', 'save canceled',
    'event wakeup', 'crashed', 'post-copy', 'post-copy failed'],
  2: ['unknown'],
  3: ['unknown', 'user', 'migrating', 'saving', 'dumping', 'I/O error', 'watchdog', 'from snapshot', 'shutting down',
    'creating snapshot', 'crashed', 'starting up', 'post-copy', 'post-copy failed', 'api error'],
  4: ['unknown', 'user'],
  5: ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from snapshot', 'daemon'],
  6: ['unknown', 'panicked'],
  7: ['unknown'],
};
export function domainReasonName(state: number, reason: number): string { return REASONS[state]?.[reason] ?? 'unknown'; }

/** vshPrettyCapacity: the value scaled to the largest binary unit below it. */
export function prettyCapacity(bytes: number): [number, string] {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let limit = 1024;
  for (let i = 0; i < units.length - 1; i++) {
    if (bytes < limit) return [bytes / (limit / 1024), units[i]!];
    limit *= 1024;
  }
  return [bytes / (limit / 1024), 'EiB'];
}
/** `%.2lf %s` of prettyCapacity, as pool-list/vol-list print sizes */
export function capacityString(bytes: number, digits = 2): string {
  const [v, u] = prettyCapacity(bytes);
  return `${v.toFixed(digits)} ${u}`;
}

/** printf("%-Ns", s) */
export const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
/** one `%-15s %s` line of the info commands (dominfo, net-info, pool-info, ...) */
export const infoLine = (label: string, value: string | number): string => `${pad(label, 15)} ${value}\n`;

/** vshGetTypedParamValue */
export function typedParamValue(p: TypedParam): string {
  switch (p.type) {
    case 5: return (p.value as number).toFixed(6);
    case 6: return p.value ? 'yes' : 'no';
    default: return String(p.value);
  }
}

/** VSH_EXCLUSIVE_OPTIONS */
export function exclusive(o: CmdOpts, a: string, b: string): void {
  if (o.bool(a) && o.bool(b)) throw new CliError(`Options --${a} and --${b} are mutually exclusive`);
}

/**
 * tsvirsh's --json extension: when the command was given --json, print `value` as JSON and
 * report true so the caller skips its text output.
 */
export function json(ctx: Ctx, o: CmdOpts, value: unknown): boolean {
  if (!o.bool('json')) return false;
  ctx.print(JSON.stringify(value, null, 2) + '\n');
  return true;
}

/** --config/--live/--current to VIR_DOMAIN_AFFECT_* flags, with virsh's exclusivity checks. */
export function affectFlags(o: CmdOpts): number {
  exclusive(o, 'current', 'live');
  exclusive(o, 'current', 'config');
  let f = 0;
  if (o.bool('config')) f |= 2;
  if (o.bool('live')) f |= 1;
  return f;
}

/** Print an object's XML as the dumpxml commands do: whole, or the nodes `--xpath` selects. */
export async function printXml(ctx: Ctx, o: CmdOpts, xml: string): Promise<boolean> {
  const xpath = o.string('xpath');
  if (xpath !== undefined) {
    const { xpathSelect } = await import('./xpath.js');
    ctx.print(xpathSelect(xml, xpath, o.bool('wrap')));
    return true;
  }
  ctx.print(xml);
  return true;
}

/**
 * net-autostart / pool-autostart: mark or unmark (--disable), with virsh's wording for the
 * object kind ("network", "pool").
 */
export async function setAutostartCmd(ctx: Ctx, o: CmdOpts, obj: { name: string; setAutostart(on: boolean): Promise<void> },
  kind: 'network' | 'pool'): Promise<boolean> {
  const on = !o.bool('disable');
  try { await obj.setAutostart(on); } catch (e) {
    throw new CmdError(`failed to ${on ? 'mark' : 'unmark'} ${kind} ${obj.name} as autostarted`, e);
  }
  const noun = kind === 'network' ? 'Network' : 'Pool';
  ctx.printExtra(`${noun} ${obj.name} ${on ? 'marked' : 'unmarked'} as autostarted\n`);
  return true;
}
