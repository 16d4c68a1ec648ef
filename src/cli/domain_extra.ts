// More domain commands: domcontrol, domblkerror, domtime, inject-nmi, send-key.
// libvirt counterpart: tools/virsh-domain-monitor.c (domcontrol, domblkerror) and
// tools/virsh-domain.c (domtime, inject-nmi, send-key).
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, type CmdOpts } from './opts.js';
import { exclusive } from './format.js';
import { optDomain } from './lookup.js';

const CONTROL_STATES = ['ok', 'background job', 'occupied', 'error'];
const CONTROL_ERROR_REASONS = ['none', 'unknown', 'monitor failure', 'internal (locking) error'];

async function domcontrol(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const i = await d.getControlInfo(0);
  const state = CONTROL_STATES[i.state] ?? 'unknown';
  if (i.state !== 0 && i.state !== 3) ctx.print(`${state} (${(i.stateTime / 1000).toFixed(3)}s)\n`);
  else if (i.state === 3 && i.details > 0) ctx.print(`${state}: ${CONTROL_ERROR_REASONS[i.details] ?? 'unknown'}\n`);
  else ctx.print(`${state}\n`);
  return true;
}

const DISK_ERRORS = ['no error', 'unspecified error', 'no space'];

async function domblkerror(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  // first the count, then that many entries (virsh's two calls)
  const count = (await d.getDiskErrors(0, 0)).nerrors;
  const errs = count ? (await d.getDiskErrors(count, 0)).errors : [];
  if (!errs.length) { ctx.print('No errors found\n'); return true; }
  ctx.print(errs.map((e) => `${e.disk}: ${DISK_ERRORS[e.error] ?? 'unknown'}\n`).join(''));
  return true;
}

/** virTimeStringThen: UTC, "%Y-%m-%d %H:%M:%S" */
function timeString(seconds: number): string {
  const t = new Date(seconds * 1000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}`;
}

async function domtime(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'time', 'now');
  exclusive(o, 'time', 'sync');
  exclusive(o, 'now', 'sync');
  const d = await optDomain(ctx, o);
  const set = o.ll('time');
  const now = o.bool('now');
  const sync = o.bool('sync');
  if (set !== undefined || now || sync) {
    // the guest's nanoseconds are set to zero: virsh has no better value
    await d.setTime(now ? Math.floor(Date.now() / 1000) : set ?? 0, 0, sync ? 1 : 0);
    return true;
  }
  const t = await d.getTime(0);
  // no newline: virsh's line is ended by the blank line printed after every command
  ctx.print(o.bool('pretty') ? `Time: ${timeString(t.seconds)}` : `Time: ${t.seconds}`);
  return true;
}

async function injectNmi(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  await d.injectNMI(0);
  return true;
}

/** virKeycodeSet names, in enum order (VIR_KEYCODE_SET_*); "rfb" is the old name of qnum. */
const CODESETS = ['linux', 'xt', 'atset1', 'atset2', 'atset3', 'os_x', 'xt_kbd', 'usb', 'win32', 'qnum'];
const SEND_KEY_MAX = 16;
/** The codesets with key names in libvirt (linux, os_x, win32) and the shape of those names. */
const NAMED: Record<number, RegExp> = { 0: /^(KEY|BTN)_\w+$/, 5: /^[A-Z][A-Za-z]+$/, 8: /^VK_\w+$/ };

/** virStrToLong_i with base 0, then virsh's 0..0xffff range; null when not a number. */
function numericKeycode(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(s);
  if (!m) return null;
  const body = m[2]!;
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  const n = m[1] === '-' ? -v : v;
  return n < 0 || n > 0xffff ? null : n;
}

async function sendKey(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const csName = o.string('codeset') ?? 'linux';
  const codeset = csName === 'rfb' ? 9 : CODESETS.indexOf(csName);
  if (codeset < 0) throw new CliError(`unknown codeset: '${csName}'`);
  const holdtime = o.uint('holdtime') ?? 0;
  const keycodes: number[] = [];
  for (const k of o.argv('keycode')) {
    if (keycodes.length === SEND_KEY_MAX) throw new CliError('too many keycodes');
    const n = numericKeycode(k);
    if (n === null) {
      // virsh also takes key names (KEY_A, ...) from libvirt's keymap tables, which tsvirsh lacks
      if (NAMED[codeset]?.test(k)) {
        throw new CliError(`keycode names are not supported by tsvirsh yet: '${k}'`);
      }
      throw new CliError(`invalid keycode: '${k}'`);
    }
    keycodes.push(n);
  }
  await d.sendKey(codeset, holdtime, keycodes, 0);
  return true;
}

export const handlers: HandlerTable = {
  domcontrol, domblkerror, domtime, 'inject-nmi': injectNmi, 'send-key': sendKey,
};
