// virsh's own commands (group 'virsh'): help, echo, connect, cd, pwd, quit, exit.
// libvirt counterpart: tools/vsh.c cmdHelp/cmdEcho/cmdCd/cmdPwd/cmdQuit and virsh.c cmdConnect.
import { homedir } from 'node:os';
import type { CmdDef, Ctx, HandlerTable } from './defs.js';
import { COMMANDS, GROUPS } from './commands.js';
import { CliError, type CmdOpts } from './opts.js';
import { exclusive, pad } from './format.js';
import { COMMAND_ALIASES } from './parser.js';

/** One group's listing (vshCmdGrpHelp). `colon` as in `help`; --help omits it. */
function groupHelp(g: (typeof GROUPS)[number], colon = true): string {
  let s = ` ${g.name} (help keyword '${g.keyword}')${colon ? ':' : ''}\n`;
  for (const c of g.commands) s += `    ${pad(c, 30)} ${COMMANDS[c]!.help}\n`;
  return s;
}

/** vshCmddefHelp: NAME, SYNOPSIS, DESCRIPTION, OPTIONS. */
export function commandHelp(name: string, def: CmdDef): string {
  let s = `  NAME\n    ${name} - ${def.help}\n\n  SYNOPSIS\n    ${name}`;
  let shortopt = false;
  for (const o of def.opts) {
    switch (o.t) {
      case 'bool': s += ` [--${o.n}]`; break;
      case 'int': s += o.req ? ` <${o.n}>` : ` [--${o.n} <number>]`; if (o.pos) shortopt = true; break;
      case 'string': s += ` [--${o.n} <string>]`; if (o.pos) shortopt = true; break;
      case 'data': s += o.req ? ` <${o.n}>` : ` [<${o.n}>]`; if (o.pos) shortopt = true; break;
      case 'argv':
        if (shortopt) s += o.req ? ` {[--${o.n}] <string>}...` : ` [[--${o.n}] <string>]...`;
        else s += o.req ? ` <${o.n}>...` : ` [<${o.n}>]...`;
        break;
      case 'alias': break;
    }
  }
  s += '\n';
  if (def.desc) s += `\n  DESCRIPTION\n    ${def.desc}\n`;
  const shown = def.opts.filter((o) => o.t !== 'alias');
  if (shown.length) {
    s += '\n  OPTIONS\n';
    for (const o of shown) {
      let buf = '';
      switch (o.t) {
        case 'bool': buf = `--${o.n}`; break;
        case 'int': buf = o.req ? `[--${o.n}] <number>` : `--${o.n} <number>`; break;
        case 'string': buf = `--${o.n} <string>`; break;
        case 'data': buf = `[--${o.n}] <string>`; break;
        case 'argv': buf = shortopt ? `[--${o.n}] <string>` : `<${o.n}>`; break;
      }
      s += `    ${pad(buf, 15)}  ${o.h}\n`;
    }
  }
  return s + '\n';
}

/** `tsvirsh --help` (vshUsage): usage, options, then every group. */
export function usage(prog: string): string {
  let s = `\n${prog} [options]... [<command_string>]\n${prog} [options]... <command> [args...]\n\n` +
    '  options:\n' +
    '    -c | --connect=URI      hypervisor connection URI\n' +
    '    -d | --debug=NUM        debug level [0-4]\n' +
    '    -e | --escape <char>    set escape sequence for console\n' +
    '    -h | --help             this help\n' +
    '    -k | --keepalive-interval=NUM\n' +
    '                            keepalive interval in seconds, 0 for disable\n' +
    '    -K | --keepalive-count=NUM\n' +
    '                            number of possible missed keepalive messages\n' +
    '    -l | --log=FILE         output logging to file\n' +
    '    -q | --quiet            quiet mode\n' +
    '    -r | --readonly         connect readonly\n' +
    '    -t | --timing           print timing information\n' +
    '    -v                      short version\n' +
    '    -V                      long version\n' +
    '         --version[=TYPE]   version, TYPE is short or long (default short)\n' +
    '  commands (non interactive mode):\n\n';
  for (const g of GROUPS) s += groupHelp(g, false) + '\n';
  s += '\n  (specify help <group> for details about the commands in the group)\n' +
    '\n  (specify help <command> for details about the command)\n\n';
  return s;
}

/** virBufferEscapeShell: quote only when needed, with '\'' for embedded quotes. */
export function shellQuote(s: string): string {
  if (s !== '' && !/[\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}
/** virBufferEscapeString for XML text */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** split on ',' with ',,' as a literal comma (vshStringToArray) */
export function splitCommas(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ',') {
      if (s[i + 1] === ',') { cur += ','; i++; continue; }
      out.push(cur); cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

function help(ctx: Ctx, o: CmdOpts): boolean {
  const name = o.raw('command');
  if (name === undefined) {
    let s = 'Grouped commands:\n\n';
    for (const g of GROUPS) s += groupHelp(g) + '\n';
    ctx.print(s);
    return true;
  }
  // a hidden alias shows its target's help, as virsh does
  const target = !Object.hasOwn(COMMANDS, name) && Object.hasOwn(COMMAND_ALIASES, name) ? COMMAND_ALIASES[name]! : name;
  const def = Object.prototype.hasOwnProperty.call(COMMANDS, target) ? COMMANDS[target] : undefined;
  if (def) { ctx.print(commandHelp(target, def)); return true; }
  const g = GROUPS.find((x) => x.name === name || x.keyword === name);
  if (g) { ctx.print(groupHelp(g)); return true; }
  throw new CliError(`command or command group '${name}' doesn't exist`);
}

function echo(ctx: Ctx, o: CmdOpts): boolean {
  exclusive(o, 'shell', 'xml');
  exclusive(o, 'shell', 'split');
  exclusive(o, 'xml', 'split');
  const shell = o.bool('shell');
  const xml = o.bool('xml');
  const split = o.bool('split');
  const parts: string[] = [];
  for (const arg of o.argv('string')) {
    const pieces = split ? splitCommas(arg) : [arg];
    // with --split every piece ends its own line
    parts.push(pieces.map((p) => (xml ? xmlEscape(p) : shell ? shellQuote(p) : p) + (split ? '\n' : '')).join(''));
  }
  if (!parts.length) return true;
  const text = parts.join(' ');
  if (o.bool('err')) ctx.error(text);
  else ctx.print(text);
  return true;
}

async function connect(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const s = ctx.session;
  const name = o.string('name');
  const ro = o.bool('readonly');
  if (s.conn) {
    const old = s.conn;
    s.conn = null;
    await old.close().catch(() => undefined);
  }
  if (name !== undefined) s.uri = name;
  s.readonly = ro;
  await ctx.conn();
  return true;
}

async function cd(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  if (!ctx.session.interactive) throw new CliError('cd: command valid only in interactive mode');
  const dir = o.string('dir') ?? (homedir() || '/');
  try {
    process.chdir(dir);
  } catch (e) {
    throw new CliError(`cd: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}: ${dir}`);
  }
  return true;
}

function pwd(ctx: Ctx): boolean {
  ctx.print(`${process.cwd()}\n`);
  return true;
}

function quit(ctx: Ctx): boolean {
  ctx.session.quit = true;
  return true;
}

export const handlers: HandlerTable = { help, echo, connect, cd, pwd, quit, exit: quit };
