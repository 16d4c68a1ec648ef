// virsh's command grammar (vshCommandParse / vshCommandStringGetArg): words with shell-like
// quoting, `;` and newlines between commands, `#` comments, `--opt value`, `--opt=value`, bare
// words filling options in declared order, `--` ending options, and `--help` on any command.
import type { CmdDef, OptDef } from './defs.js';
import { COMMANDS } from './commands.js';

/** A parse failure; `messages` are the `error: ...` lines virsh prints (usually one). */
export class ParseError extends Error {
  constructor(readonly messages: string[]) { super(messages.join('\n')); this.name = 'ParseError'; }
}

export interface ParsedOpt { readonly def: OptDef; readonly data: string | null }
export interface ParsedCmd { readonly name: string; readonly def: CmdDef; readonly opts: ParsedOpt[] }

/** One word of a command string, or a command separator. */
export type Token = { kind: 'word'; text: string; start: number; end: number } | { kind: 'sep' };

/**
 * Split a command string into words and separators as virsh does: blanks separate words; `;`
 * and newline end a command; `'...'` is literal; `"..."` groups and still honours `\`; a `\`
 * outside single quotes escapes the next character; backslash-newline disappears; an unquoted
 * word starting with `#` comments out the rest of the line.
 * An unterminated single quote is accepted (as virsh does); an unterminated double quote or a
 * trailing backslash is an error unless `partial` (tab completion on a line being typed).
 */
export function tokenize(line: string, partial = false): Token[] {
  const out: Token[] = [];
  let p = 0;
  const n = line.length;
  for (;;) {
    while (p < n && (line[p] === ' ' || line[p] === '\t' || (line[p] === '\\' && line[p + 1] === '\n'))) p += line[p] === '\\' ? 2 : 1;
    if (p >= n) break;
    const c = line[p];
    if (c === ';' || c === '\n') { out.push({ kind: 'sep' }); p++; continue; }
    if (c === '#') {
      // an unquoted word starting with '#' comments out the rest of the line
      while (p < n && line[p] !== '\n') p++;
      if (p < n) p++;
      out.push({ kind: 'sep' });
      continue;
    }
    const start = p;
    let sq = false;
    let dq = false;
    let text = '';
    while (p < n) {
      const ch = line[p]!;
      if (!sq && !dq && (ch === ' ' || ch === '\t' || ch === ';' || ch === '\n')) break;
      if (!dq && ch === "'") { sq = !sq; p++; continue; }
      if (!sq && ch === '\\') {
        p++;
        if (p >= n) {
          if (partial) break;
          throw new ParseError(['dangling \\']);
        }
        if (line[p] === '\n') { p++; continue; }
      } else if (!sq && ch === '"') { dq = !dq; p++; continue; }
      text += line[p];
      p++;
    }
    if (dq && !partial) throw new ParseError(['missing "']);
    out.push({ kind: 'word', text, start, end: p });
  }
  return out;
}

export interface ParseOptions {
  /** the command table (tests may pass their own) */
  commands?: Readonly<Record<string, CmdDef>>;
  /** tolerate errors and return what was understood so far (tab completion) */
  partial?: boolean;
}

/** Parse a command string (one-shot single argument, or an interactive line). */
export function parseLine(line: string, o: ParseOptions = {}): ParsedCmd[] {
  const toks = tokenize(line, o.partial);
  const groups: string[][] = [[]];
  for (const t of toks) {
    if (t.kind === 'sep') groups.push([]);
    else groups[groups.length - 1]!.push(t.text);
  }
  return parseGroups(groups, o);
}

/** Parse argv words of `virsh cmd args...` (no quoting, no separators: one command). */
export function parseArgv(argv: readonly string[], o: ParseOptions = {}): ParsedCmd[] {
  return parseGroups([argv.slice()], o);
}

function parseGroups(groups: string[][], o: ParseOptions): ParsedCmd[] {
  const out: ParsedCmd[] = [];
  for (const words of groups) {
    if (words.length === 0 || words[0]!.startsWith('#')) continue;
    out.push(parseCommand(words, o));
  }
  return out;
}

/** virsh's hidden command aliases (VSH_CMD_FLAG_ALIAS): accepted and run as their target, never listed. */
export const COMMAND_ALIASES: Readonly<Record<string, string>> = { 'nodedev-dettach': 'nodedev-detach' };

function lookupCommand(name: string, table: Readonly<Record<string, CmdDef>>): CmdDef | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

const HELP_OPT: OptDef = { n: 'help', t: 'bool', h: 'print help for this function' };

/** vshCommandParse for one command's words. */
export function parseCommand(words: readonly string[], o: ParseOptions = {}): ParsedCmd {
  const table = o.commands ?? COMMANDS;
  const given = words[0]!;
  const alias = lookupCommand(given, table) ? undefined : COMMAND_ALIASES[given];
  const name = alias !== undefined && Object.hasOwn(COMMAND_ALIASES, given) ? alias : given;
  const def = lookupCommand(name, table);
  if (!def) throw new ParseError([`unknown command: '${given}'`]);
  const isHelp = name === 'help';
  const opts: ParsedOpt[] = [];
  // Bare words fill the options that accept them, in declared order; argv keeps taking more.
  const positional = def.opts.filter((x) => x.pos && x.t !== 'bool' && x.t !== 'alias');
  const filled = new Set<string>();
  const seen = new Set<string>();
  let dataOnly = false;
  let sawHelp = false;

  const nextPositional = (): OptDef | undefined => positional.find((x) => x.t === 'argv' || !filled.has(x.n));

  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (!dataOnly && w.startsWith('--') && /^[A-Za-z0-9]/.test(w.slice(2))) {
      const eq = w.indexOf('=', 2);
      let optName = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      let value: string | null = eq >= 0 ? w.slice(eq + 1) : null;
      if (optName === 'help') { sawHelp = true; continue; }
      let od = def.opts.find((x) => x.n === optName);
      if (od && od.t === 'alias') {
        const target = od.h;
        const vi = target.indexOf('=');
        if (vi >= 0) {
          if (value !== null) {
            if (o.partial) break;
            throw new ParseError([`invalid '=' after option --${od.n}`]);
          }
          value = target.slice(vi + 1);
          optName = target.slice(0, vi);
        } else {
          optName = target;
        }
        od = def.opts.find((x) => x.n === optName && x.t !== 'alias');
      }
      if (!od) {
        if (isHelp) continue;
        if (o.partial) break;
        throw new ParseError([`command '${name}' doesn't support option --${optName}`]);
      }
      if (seen.has(od.n) && od.t !== 'argv') {
        if (o.partial) break;
        throw new ParseError([`option --${optName} already seen`]);
      }
      seen.add(od.n);
      if (od.t === 'bool') {
        if (value !== null) {
          if (o.partial) break;
          throw new ParseError([`invalid '=' after option --${od.n}`]);
        }
        opts.push({ def: od, data: null });
        continue;
      }
      if (value === null) {
        if (i + 1 >= words.length) {
          if (o.partial) { opts.push({ def: od, data: '' }); break; }
          throw new ParseError([`expected syntax: --${od.n} <${od.t === 'int' ? 'number' : 'string'}>`]);
        }
        value = words[++i]!;
      }
      if (od.t !== 'argv') filled.add(od.n);
      opts.push({ def: od, data: value });
      continue;
    }
    if (!dataOnly && w === '--') { dataOnly = true; continue; }
    const od = nextPositional();
    if (!od) {
      if (isHelp) continue;
      if (o.partial) break;
      throw new ParseError([`unexpected data '${w}'`]);
    }
    if (od.t !== 'argv') filled.add(od.n);
    seen.add(od.n);
    opts.push({ def: od, data: w });
  }

  if (sawHelp) {
    // virsh turns `CMD ... --help` into `help CMD`
    const helpDef = lookupCommand('help', table);
    if (helpDef) return { name: 'help', def: helpDef, opts: [{ def: helpDef.opts[0] ?? HELP_OPT, data: name }] };
  }
  if (!o.partial) {
    const missing = def.opts.filter((x) => x.req && x.t !== 'alias' && !seen.has(x.n));
    if (missing.length) {
      throw new ParseError(missing.map((x) => (x.t === 'data' || x.t === 'argv'
        ? `command '${name}' requires <${x.n}> option`
        : `command '${name}' requires --${x.n} option`)));
    }
  }
  return { name, def, opts };
}
