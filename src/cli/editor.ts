// The *-edit commands' shared loop (virsh's vshEdit* helpers and virsh-edit.c): the object's
// XML goes to a temporary file, the user's $VISUAL/$EDITOR runs on it, and the result is
// defined again — with virsh's retry prompt when that fails on a terminal.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants as fsc, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Ctx } from './defs.js';
import { CliError } from './opts.js';

/** Characters virsh lets into $EDITOR or the temporary file name without a shell (ACCEPTED_CHARS). */
const PLAIN = /^[A-Za-z0-9\-/_.:@]*$/;
const MAX_XML = 10 * 1024 * 1024; // VSH_MAX_XML_FILE

/** virBufferEscapeShell: quote an argument only when it holds shell metacharacters. */
export function shellQuote(s: string): string {
  if (s !== '' && !/[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** virsh's temporary file: $TMPDIR/virshXXXXXX.xml, created exclusively, mode 0600 (mkstemp). */
export function writeTempFile(doc: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['TMPDIR'] || '/tmp';
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let attempt = 0; ; attempt++) {
    const bytes = randomBytes(6);
    const file = join(dir, `virsh${Array.from(bytes, (b) => chars[b % chars.length]).join('')}.xml`);
    let fd: number;
    try { fd = openSync(file, 'wx', 0o600); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue;
      throw new CliError(`g_mkstemp_full: failed to create temporary file: ${errnoText(e)}`);
    }
    try { writeSync(fd, doc); } catch (e) {
      closeSync(fd);
      throw new CliError(`write: ${file}: failed to write to temporary file: ${errnoText(e)}`);
    }
    closeSync(fd);
    return file;
  }
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const texts: Record<string, string> = {
    ENOENT: 'No such file or directory', EACCES: 'Permission denied', ENOSPC: 'No space left on device',
    EROFS: 'Read-only file system', ENOTDIR: 'Not a directory', EISDIR: 'Is a directory',
  };
  return (code && texts[code]) || (e instanceof Error ? e.message : String(e));
}

/** virFindFileInPath: the editor's executable as virCommand finds it. */
function findInPath(prog: string, env: NodeJS.ProcessEnv): string | null {
  if (prog.includes('/')) return prog;
  for (const dir of (env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    const p = join(dir || '.', prog);
    try { accessSync(p, fsc.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

/**
 * vshEditFile: run the editor on FILE with the terminal handed over. The event loop keeps
 * running meanwhile (a remote connection's keepalives are still answered), but tsvirsh stops
 * reading its stdin so that every key reaches the editor.
 */
export async function runEditor(ctx: Ctx, file: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // set-but-empty counts as set, as in virsh (getenv)
  const editor = env['VISUAL'] ?? env['EDITOR'] ?? 'vi';
  let argv: string[];
  if (!PLAIN.test(editor)) {
    if (!PLAIN.test(file)) {
      throw new CliError(`${file}: temporary filename contains shell meta or other unacceptable characters (is $TMPDIR wrong?)`);
    }
    argv = ['sh', '-c', `${editor} ${file}`];
  } else {
    argv = [editor, file];
  }
  const cmdline = argv.map(shellQuote).join(' ');
  const exe = findInPath(argv[0]!, env);
  if (!exe) throw new CliError(`Cannot find '${argv[0]}' in path: No such file or directory`);
  const restore = releaseTerminal();
  let result: { code: number | null; signal: NodeJS.Signals | null };
  try {
    result = await new Promise((resolve) => {
      const child = spawn(exe, argv.slice(1), { stdio: 'inherit', argv0: argv[0], env });
      child.on('error', (e) => {
        // what libvirt's child writes before exiting when exec fails
        process.stderr.write(`libvirt:  error : cannot execute binary ${exe}: ${errnoText(e)}\n`);
        resolve({ code: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126, signal: null });
      });
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
  } finally {
    restore();
  }
  if (result.signal) {
    const num = osConstants.signals[result.signal];
    throw new CliError(`internal error: Child process (${cmdline}) unexpected fatal signal ${num}`);
  }
  if (result.code !== 0) throw new CliError(`internal error: Child process (${cmdline}) unexpected exit status ${result.code}`);
}

type TtyIn = NodeJS.ReadStream & { isRaw?: boolean };

/** Hand the terminal to a child: no raw mode, no reading. Returns what puts it back. */
function releaseTerminal(): () => void {
  const stdin = process.stdin as TtyIn;
  if (!stdin.isTTY) return () => undefined;
  const wasRaw = Boolean(stdin.isRaw);
  const flowing = stdin.readableFlowing === true;
  if (wasRaw) stdin.setRawMode(false);
  if (flowing) stdin.pause();
  return () => {
    if (wasRaw) stdin.setRawMode(true);
    if (flowing) stdin.resume();
  };
}

/** vshEditReadBackFile */
function readBack(file: string): string {
  try {
    const b = readFileSync(file);
    if (b.length > MAX_XML) throw new CliError(`${file}: failed to read temporary file: File too large`);
    return b.toString('utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: failed to read temporary file: ${errnoText(e)}`);
  }
}

/**
 * vshAskReedit: on a terminal, show the error and ask what to do, one key in raw mode.
 * Returns null when stdin is not a terminal (nobody to ask).
 */
async function askReedit(ctx: Ctx, msg: string, relax: boolean, err: unknown): Promise<string | null> {
  const stdin = process.stdin as TtyIn;
  if (!stdin.isTTY) return null;
  reportOnly(ctx, err);
  const wasRaw = Boolean(stdin.isRaw);
  const flowing = stdin.readableFlowing === true;
  stdin.setRawMode(true);
  const choices = relax ? 'ynif' : 'ynf';
  try {
    for (;;) {
      ctx.print(`\r${msg} Try again? ${relax ? '[y,n,i,f,?]' : '[y,n,f,?]'}: `);
      const c = (await readKey(stdin)).toLowerCase();
      if (c === '?') {
        const lines = ['', 'y - yes, start editor again', 'n - no, throw away my changes'];
        if (relax) lines.push('i - turn off validation and try to redefine again');
        lines.push('f - force, try to redefine again', '? - print this help');
        ctx.print(lines.map((l) => `${l}\r\n`).join(''));
        continue;
      }
      if (c.length === 1 && choices.includes(c)) { ctx.print('\r\n'); return c; }
    }
  } finally {
    stdin.setRawMode(wasRaw);
    if (flowing) stdin.resume(); else stdin.pause();
  }
}

function readKey(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve) => {
    const onData = (b: Buffer) => { stdin.off('data', onData); stdin.pause(); resolve(b.toString('latin1', 0, 1)); };
    stdin.on('data', onData);
    stdin.resume();
  });
}

function reportOnly(ctx: Ctx, err: unknown): void {
  if (err !== undefined) ctx.error(err instanceof Error ? err.message : String(err));
}

export interface EditSpec<T> {
  /** the object's XML as the editor starts from it (EDIT_GET_XML) */
  getXml(): Promise<string>;
  /** define the edited document (EDIT_DEFINE); `relaxed` after the user chose to skip validation */
  define(doc: string, relaxed: boolean): Promise<T>;
  /** offer the prompt's `i` choice (EDIT_RELAX) */
  relax?: boolean;
  /** whether an unchanged document still goes on to be defined (snapshot-edit --current) */
  defineUnchanged?: boolean;
}

/** unchanged: the user saved nothing new; abandoned: the user threw the changes away at the prompt. */
export type EditResult<T> = { kind: 'unchanged' } | { kind: 'abandoned' } | { kind: 'defined'; value: T };

/**
 * virsh-edit.c's loop. On a terminal a failed define asks "Try again?" as virsh does. Without
 * one, virsh 9.0 prints "error: Failed." and then claims success (its message names "(null)");
 * tsvirsh reports the real error and fails instead, which is what a script can act on.
 */
export async function editXml<T>(ctx: Ctx, spec: EditSpec<T>): Promise<EditResult<T>> {
  let doc = await spec.getXml();
  const tmp = writeTempFile(doc);
  let relaxAvail = spec.relax ?? false;
  let relaxed = false;
  try {
    for (let reedit = true; ;) {
      let edited = '';
      if (reedit) {
        await runEditor(ctx, tmp);
        edited = readBack(tmp);
        if (edited === doc && !spec.defineUnchanged) return { kind: 'unchanged' };
      } else {
        edited = readBack(tmp);
      }
      // Someone else may have changed the object meanwhile, or it may be gone.
      const reread = await spec.getXml();
      let msg: string;
      let err: unknown;
      if (reread !== doc) {
        msg = 'The XML configuration was changed by another user.';
        doc = reread;
      } else {
        try {
          return { kind: 'defined', value: await spec.define(edited, relaxed) };
        } catch (e) {
          msg = 'Failed.';
          err = e;
        }
      }
      const c = await askReedit(ctx, msg, relaxAvail, err);
      if (c === null) {
        if (err !== undefined) throw err;
        throw new CliError(msg);
      }
      if (c === 'n') return { kind: 'abandoned' };
      if (c === 'i') { relaxAvail = false; relaxed = true; reedit = false; continue; }
      reedit = c === 'y';
    }
  } finally {
    try { unlinkSync(tmp); } catch { /* already gone */ }
  }
}

/**
 * edit, net-edit, pool-edit and the like: the editor loop, then virsh's "<Kind NAME> XML
 * configuration not changed." or "... edited." (the latter with the defined object's name).
 */
export async function editDefinition<T extends { name: string }>(ctx: Ctx, name: string, label: (name: string) => string,
  spec: EditSpec<T>): Promise<boolean> {
  const r = await editXml(ctx, spec);
  if (r.kind === 'abandoned') return false;
  if (r.kind === 'unchanged') ctx.printExtra(`${label(name)} XML configuration not changed.\n`);
  else ctx.printExtra(`${label(r.value.name)} XML configuration edited.\n`);
  return true;
}
