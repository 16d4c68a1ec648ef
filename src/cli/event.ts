// `event`: list domain event types, or wait for domain events and print them as virsh does.
// libvirt counterpart: tools/virsh-domain-event.c (lifecycle events are decoded; the other
// types are printed by name).
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, type CmdOpts } from './opts.js';
import { optDomain } from './lookup.js';

/** virsh's event names, indexed by VIR_DOMAIN_EVENT_ID_* */
const EVENT_NAMES = ['lifecycle', 'reboot', 'rtc-change', 'watchdog', 'io-error', 'graphics', 'io-error-reason',
  'control-error', 'block-job', 'disk-change', 'tray-change', 'pm-wakeup', 'pm-suspend', 'balloon-change',
  'pm-suspend-disk', 'device-removed', 'block-job-2', 'tunable', 'agent-lifecycle', 'device-added',
  'migration-iteration', 'job-completed', 'device-removal-failed', 'metadata-change', 'block-threshold',
  'memory-failure', 'memory-device-size-change'];

const LIFECYCLE: [string, string[]][] = [
  ['Defined', ['Added', 'Updated', 'Renamed', 'Snapshot']],
  ['Undefined', ['Removed', 'Renamed']],
  ['Started', ['Booted', 'Migrated', 'Restored', 'Snapshot', 'Event wakeup']],
  ['Suspended', ['Paused', 'Migrated', 'I/O Error', 'Watchdog', 'Restored', 'Snapshot', 'API error', 'Post-copy', 'Post-copy Error']],
  ['Resumed', ['Unpaused', 'Migrated', 'Snapshot', 'Post-copy', 'Post-copy Error']],
  ['Stopped', ['Shutdown', 'Destroyed', 'Crashed', 'Migrated', 'Saved', 'Failed', 'Snapshot']],
  ['Shutdown', ['Finished', 'Finished after guest request', 'Finished after host request']],
  ['PMSuspended', ['Memory', 'Disk']],
  ['Crashed', ['Panicked', 'Crashloaded']],
];

export type EventLoopEnd = 'done' | 'timeout' | 'interrupt';

/** virsh's vshEventStart/Wait/Cleanup: one wait that ends on done(), the timeout or Ctrl-C. */
export class EventLoop {
  private finish!: (why: EventLoopEnd) => void;
  private readonly ended = new Promise<EventLoopEnd>((r) => { this.finish = r; });
  done(): void { this.finish('done'); }
  async wait(timeoutMs?: number): Promise<EventLoopEnd> {
    const timer = timeoutMs !== undefined ? setTimeout(() => this.finish('timeout'), timeoutMs) : undefined;
    const onInt = () => this.finish('interrupt');
    process.once('SIGINT', onInt);
    try {
      return await this.ended;
    } finally {
      if (timer) clearTimeout(timer);
      process.removeListener('SIGINT', onInt);
    }
  }
}

export interface EventOptions { eventID: number; name: string; loop: boolean; stamp: boolean; timeoutMs?: number }

/**
 * The options the object event commands share (nodedev-event, secret-event): --list prints the
 * event names (null is returned), else the chosen event and the loop settings, checked as virsh.
 */
export function eventOptions(ctx: Ctx, o: CmdOpts, names: readonly string[]): EventOptions | null {
  if (o.bool('list')) {
    ctx.print(names.map((n) => `${n}\n`).join(''));
    return null;
  }
  const name = o.string('event');
  if (name === undefined) throw new CliError('either --list or --event <type> is required');
  const eventID = names.indexOf(name);
  if (eventID < 0) throw new CliError(`unknown event type ${name}`);
  const timeout = o.int('timeout');
  if (timeout !== undefined && timeout <= 0) throw new CliError(`Numeric value '${timeout}' for <timeout> option is malformed or out of range`);
  return { eventID, name, loop: o.bool('loop'), stamp: o.bool('timestamp'), timeoutMs: timeout !== undefined ? timeout * 1000 : undefined };
}

/**
 * The object event commands' loop (nodedev-event, secret-event): each line the registration
 * emits is printed (only the first without --loop), then virsh's closing lines.
 */
export async function followEvents(ctx: Ctx, o: { loop: boolean; stamp: boolean; timeoutMs?: number },
  register: (emit: (line: string) => void) => Promise<number>, deregister: (id: number) => Promise<void>): Promise<boolean> {
  let count = 0;
  const evloop = new EventLoop();
  const id = await register((line) => {
    if (!o.loop && count) return;
    ctx.print(`${o.stamp ? eventTimestamp() : ''}${line}\n`);
    count++;
    if (!o.loop) evloop.done();
  });
  const why = await evloop.wait(o.timeoutMs);
  let ok = count > 0;
  try { await deregister(id); } catch { ok = false; }
  if (why === 'timeout') ctx.print('event loop timed out\n');
  if (why === 'interrupt') ctx.print('event loop interrupted\n');
  ctx.print(`events received: ${count}\n`);
  return ok;
}

/** virsh's --timestamp prefix of an event line: virTimeStringNowRaw, UTC with milliseconds, then ': '. */
export function eventTimestamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:`
    + `${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000: `;
}

async function event(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  if (o.bool('list')) {
    ctx.print(EVENT_NAMES.map((n) => `${n}\n`).join(''));
    return true;
  }
  const all = o.bool('all');
  const name = o.string('event');
  if (!all && name === undefined) throw new CliError('one of --list, --all, or --event <type> is required');
  if (all && name !== undefined) throw new CliError('Options --all and --event are mutually exclusive');
  let ids: number[];
  if (all) ids = EVENT_NAMES.map((_, i) => i);
  else {
    const i = EVENT_NAMES.indexOf(name!);
    if (i < 0) throw new CliError(`unknown event type ${name}`);
    ids = [i];
  }
  const timeout = o.int('timeout');
  if (timeout !== undefined && timeout <= 0) throw new CliError(`Numeric value '${timeout}' for <timeout> option is malformed or out of range`);
  const loop = o.bool('loop');
  const stamp = o.bool('timestamp');
  const conn = await ctx.conn();
  const dom = o.raw('domain') !== undefined ? await optDomain(ctx, o) : null;
  let count = 0;
  const evloop = new EventLoop();
  const cbs: number[] = [];
  for (const id of ids) {
    try {
      cbs.push(await conn.domainEventRegisterAny(dom, id, (d, p, eid) => {
        let line = `event '${EVENT_NAMES[eid]}' for domain '${d.name}'`;
        if (eid === 0) {
          const [ev, details] = LIFECYCLE[p.event ?? -1] ?? ['unknown', []];
          line += `: ${ev} ${details[p.detail ?? -1] ?? 'unknown'}`;
        }
        ctx.print(`${stamp ? eventTimestamp() : ''}${line}\n`);
        count++;
        if (!loop) evloop.done();
      }));
    } catch (e) {
      if (!all) throw e;
    }
  }
  const why = await evloop.wait(timeout !== undefined ? timeout * 1000 : undefined);
  for (const c of cbs) await conn.domainEventDeregisterAny(c).catch(() => undefined);
  if (why === 'timeout') ctx.print('event loop timed out\n');
  ctx.print(`events received: ${count}\n`);
  // virsh reports failure when the wait ended without the event
  return why !== 'timeout';
}

export const handlers: HandlerTable = { event };
