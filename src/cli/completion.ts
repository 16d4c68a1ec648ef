// Tab completion for interactive mode: command names, then the current command's --options
// (those not given yet), as virsh's readline completer offers them.
import type { CmdDef } from './defs.js';
import { COMMANDS } from './commands.js';
import { tokenize } from './parser.js';

/** Node readline's completer contract: [candidates, the text being completed]. */
export function complete(line: string, table: Readonly<Record<string, CmdDef>> = COMMANDS): [string[], string] {
  let toks;
  try { toks = tokenize(line, true); } catch { return [[], '']; }
  // the words of the command being typed: after the last separator
  let lastSep = -1;
  toks.forEach((t, i) => { if (t.kind === 'sep') lastSep = i; });
  const words = toks.slice(lastSep + 1).flatMap((t) => (t.kind === 'word' ? [t] : []));
  const endsInBlank = line.length > 0 && /[ \t]$/.test(line) && !(words.length && words[words.length - 1]!.end === line.length);
  const current = !endsInBlank && words.length && words[words.length - 1]!.end === line.length ? words[words.length - 1]! : null;
  const before = current ? words.slice(0, -1) : words;
  const prefix = current ? line.slice(current.start) : '';
  if (before.length === 0) {
    if (line.slice(0, line.length - prefix.length).trim().endsWith(';') || before.length === 0) {
      const hits = Object.keys(table).filter((n) => n.startsWith(prefix)).sort();
      return [hits, prefix];
    }
  }
  const def = table[before[0]!.text];
  if (!def) return [[], prefix];
  if (prefix === '' || prefix.startsWith('-')) {
    const given = new Set(before.slice(1).filter((w) => w.text.startsWith('--')).map((w) => w.text.slice(2).split('=')[0]));
    const hits = def.opts
      .filter((o) => o.t !== 'alias' && (o.t === 'argv' || !given.has(o.n)))
      .map((o) => `--${o.n}`)
      .filter((n) => n.startsWith(prefix));
    return [hits, prefix];
  }
  return [[], prefix];
}
