// Interactive mode: the prompt loop with node:readline — line editing, history kept across
// sessions, tab completion. On a non-terminal stdin the prompt and each line read are echoed
// to stdout, as virsh (readline) does, so piped sessions read like a transcript.
import { createInterface, type Interface } from 'node:readline';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Shell } from './shell.js';
import { ParseError, parseLine } from './parser.js';
import { complete } from './completion.js';

/** virsh keeps 500 lines (VIRSH_HISTSIZE default). */
const HISTORY_SIZE = 500;

export function historyPath(env: Record<string, string | undefined> = process.env): string {
  if (env['TSVIRSH_HISTORY']) return env['TSVIRSH_HISTORY'];
  const cache = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(cache, 'tsvirt', 'tsvirsh_history');
}

function loadHistory(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').slice(-HISTORY_SIZE);
  } catch { return []; }
}

function saveHistory(path: string, lines: string[]): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, lines.slice(-HISTORY_SIZE).join('\n') + (lines.length ? '\n' : ''));
  } catch { /* history is a convenience: never fatal */ }
}

export function banner(prog: string): string {
  return `Welcome to ${prog}, the virtualization interactive terminal.\n\n` +
    "Type:  'help' for help with commands\n" +
    "       'quit' to quit\n\n";
}

/** Run one input line; parse errors are printed and the loop goes on. */
async function runLine(shell: Shell, line: string): Promise<void> {
  let cmds;
  try {
    cmds = parseLine(line);
  } catch (e) {
    if (e instanceof ParseError) { shell.reportError(e); return; }
    throw e;
  }
  await shell.run(cmds);
}

export async function interactive(shell: Shell, prog: string, input: NodeJS.ReadableStream = process.stdin, isTTY = Boolean(process.stdin.isTTY)): Promise<void> {
  const s = shell.session;
  const out = shell.stdout;
  if (!s.quiet) out.write(banner(prog));
  const prompt = () => `${prog} ${s.readonly ? '>' : '#'} `;
  const histFile = isTTY ? historyPath() : null;
  const rl: Interface = isTTY
    ? createInterface({
      input, output: process.stdout, terminal: true, historySize: HISTORY_SIZE,
      history: histFile ? loadHistory(histFile).reverse() : [],
      completer: (line: string) => complete(line),
    })
    : createInterface({ input, terminal: false });
  if (isTTY) {
    // Ctrl-C abandons the line being typed, as in virsh; it does not leave the shell
    rl.on('SIGINT', () => { out.write('^C\n'); (rl as unknown as { line: string }).line = ''; rl.setPrompt(prompt()); rl.prompt(); });
  }
  const it = rl[Symbol.asyncIterator]();
  try {
    while (!s.quit) {
      if (isTTY) { rl.setPrompt(prompt()); rl.prompt(); } else out.write(prompt());
      const r = await it.next();
      if (r.done) break;
      const line = r.value as string;
      if (!isTTY) out.write(line + '\n');
      if (line.trim() === '') continue;
      if (!isTTY) { await runLine(shell, line); continue; }
      // While a command runs, the terminal belongs to it (console, an editor, a prompt): the
      // line editor stops reading, and keys typed ahead wait in the terminal for the next prompt.
      const keypress = input.listeners('keypress') as ((...a: unknown[]) => void)[];
      input.removeAllListeners('keypress');
      rl.pause();
      try {
        await runLine(shell, line);
      } finally {
        for (const l of keypress) input.on('keypress', l);
      }
    }
  } finally {
    out.write('\n');
    if (histFile) saveHistory(histFile, [...(rl as unknown as { history: string[] }).history].reverse());
    rl.close();
  }
}
