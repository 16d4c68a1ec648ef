// tsvirsh entry point: virsh's global options, one-shot and interactive modes, exit codes.
// libvirt counterpart: tools/virsh.c main/virshParseArgv. Kept small on purpose: everything else
// (command groups, the library, the driver) is imported only when a command needs it.
import type { Output } from './defs.js';
import { ParseError, parseArgv, parseLine, type ParsedCmd } from './parser.js';
import { newSession, Shell, type Opener } from './shell.js';

export interface MainIO {
  stdout: Output;
  stderr: Output;
  /** environment (defaults to process.env) */
  env?: Record<string, string | undefined>;
  opener?: Opener;
}

const PROG = 'tsvirsh';

interface GlobalOpts {
  uri: string | null;
  readonly: boolean;
  quiet: boolean;
  timing: boolean;
  rest: string[];
}

/** virshParseArgv: getopt_long("+:c:d:e:hk:K:l:qrtvV") semantics — options stop at the first word. */
function parseGlobal(argv: string[], io: MainIO): GlobalOpts | number {
  const g: GlobalOpts = { uri: null, readonly: false, quiet: false, timing: false, rest: [] };
  const long: Record<string, { short: string; arg: 'none' | 'required' | 'optional' }> = {
    connect: { short: 'c', arg: 'required' }, debug: { short: 'd', arg: 'required' }, escape: { short: 'e', arg: 'required' },
    help: { short: 'h', arg: 'none' }, 'keepalive-interval': { short: 'k', arg: 'required' },
    'keepalive-count': { short: 'K', arg: 'required' }, log: { short: 'l', arg: 'required' }, quiet: { short: 'q', arg: 'none' },
    readonly: { short: 'r', arg: 'none' }, timing: { short: 't', arg: 'none' }, version: { short: 'version', arg: 'optional' },
  };
  const withArg = new Set(['c', 'd', 'e', 'k', 'K', 'l']);
  const err = (m: string) => io.stderr.write(`error: ${m}\n`);
  let i = 0;
  const handle = (opt: string, val: string | undefined): number | undefined => {
    switch (opt) {
      case 'c': g.uri = val!; break;
      case 'd': {
        if (!/^[+-]?\d+$/.test(val!.trim())) { err('option -d takes a numeric argument'); return 1; }
        const n = Number(val);
        if (n < 0 || n > 4) err(`ignoring debug level ${n} out of range [0-4]`);
        break;
      }
      case 'e': break;
      case 'h': return SHOW_HELP;
      case 'k': case 'K':
        if (!/^\d+$/.test(val!)) { err(`Invalid value for option -${opt}`); return 1; }
        break;
      case 'l': break;
      case 'q': g.quiet = true; break;
      case 'r': g.readonly = true; break;
      case 't': g.timing = true; break;
      case 'v': io.stdout.write(`${VERSION}\n`); return 0;
      case 'V': io.stdout.write(longVersion()); return 0;
      case 'version':
        if (val === 'long') io.stdout.write(longVersion());
        else io.stdout.write(`${VERSION}\n`);
        return 0;
    }
    return undefined;
  };
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = long[name];
      if (!spec) { err(`unsupported option '${a}'. See --help.`); return 1; }
      let val: string | undefined = eq >= 0 ? a.slice(eq + 1) : undefined;
      if (spec.arg === 'none' && val !== undefined) { err(`unsupported option '${a}'. See --help.`); return 1; }
      if (spec.arg === 'required' && val === undefined) {
        if (i + 1 >= argv.length) { err(`option '-${spec.short}'/'--${name}' requires an argument`); return 1; }
        val = argv[++i];
      }
      const r = handle(spec.short, val);
      if (r !== undefined) return r;
      i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        if (!'cdehkKlqrtvV'.includes(c)) { err(`unsupported option '-${c}'. See --help.`); return 1; }
        let val: string | undefined;
        if (withArg.has(c)) {
          if (k + 1 < a.length) val = a.slice(k + 1);
          else if (i + 1 < argv.length) val = argv[++i];
          else {
            const ln = Object.entries(long).find(([, s]) => s.short === c)![0];
            err(`option '-${c}'/'--${ln}' requires an argument`);
            return 1;
          }
          k = a.length;
        }
        const r = handle(c, val);
        if (r !== undefined) return r;
      }
      i++;
      continue;
    }
    break;
  }
  g.rest = argv.slice(i);
  return g;
}

/** tsvirt's own version, not libvirt's: tsvirsh speaks virsh 9.0's language but is not virsh. */
const VERSION = '0.1.0';
function longVersion(): string {
  return `Virsh-compatible command line tool of tsvirt ${VERSION} (implements virsh 9.0.0 commands)\n` +
    'Connections are served by the tsvirt library: test:/// in-process, anything else through tsvirtd or libvirtd.\n';
}
/** parseGlobal's answer for -h/--help: print the usage (which needs the command table) and exit 0 */
const SHOW_HELP = -1;

/** Run tsvirsh with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: string[], io: MainIO): Promise<number> {
  const g = parseGlobal(argv, io);
  if (g === SHOW_HELP) {
    const { usage } = await import('./generic.js');
    io.stdout.write(usage(PROG));
    return 0;
  }
  if (typeof g === 'number') return g;
  const env = io.env ?? process.env;
  const uri = g.uri ?? env['VIRSH_DEFAULT_CONNECT_URI'] ?? null;
  const session = newSession({ uri, readonly: g.readonly, quiet: g.quiet, timing: g.timing });
  const shell = new Shell(session, io.stdout, io.stderr, io.opener);

  let cmds: ParsedCmd[] | null = null;
  if (g.rest.length === 1 && g.rest[0] === '') return 1;
  if (g.rest.length) {
    try {
      cmds = g.rest.length === 1 ? parseLine(g.rest[0]!) : parseArgv(g.rest);
    } catch (e) {
      if (e instanceof ParseError) { shell.reportError(e); return 1; }
      throw e;
    }
  }

  // virsh connects before running anything, even commands that need no connection
  try {
    await shell.connection();
  } catch (e) {
    shell.reportError(e);
    return 1;
  }

  try {
    if (cmds) return (await shell.run(cmds)) ? 0 : 1;
    session.interactive = true;
    const { interactive } = await import('./interactive.js');
    await interactive(shell, PROG);
    return 0;
  } finally {
    await shell.close();
  }
}
