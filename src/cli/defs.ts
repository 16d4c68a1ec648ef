// tsvirsh's command model: static definitions (virsh's vshCmdDef/vshCmdOptDef in data form) and
// the handler contract every command group module implements.
import type { Connection } from '../api/connection.js';
import type { CmdOpts } from './opts.js';

/**
 * Option kinds, as virsh's VSH_OT_*: 'bool' flag; 'int'/'string' take a value; 'data' is a
 * required value that may be given bare; 'argv' collects every remaining bare word; 'alias'
 * is a hidden old name (`h` holds the real option, or `name=value` for a preset value).
 */
export type OptType = 'bool' | 'int' | 'string' | 'data' | 'argv' | 'alias';

export interface OptDef {
  /** name, without the leading `--` */
  readonly n: string;
  readonly t: OptType;
  /** required (virsh's VSH_OFLAG_REQ) */
  readonly req?: boolean;
  /** a bare word can fill it, in declaration order (virsh: no VSH_OFLAG_REQ_OPT) */
  readonly pos?: boolean;
  /** help text */
  readonly h: string;
}

export interface CmdDef {
  /** help keyword of the group the command belongs to */
  readonly group: string;
  /** module under src/cli/ holding the handler, imported only when the command runs */
  readonly impl: string;
  readonly help: string;
  readonly desc: string;
  readonly opts: readonly OptDef[];
}

export interface GroupDef { readonly name: string; readonly keyword: string; readonly commands: readonly string[] }

/** Where a command writes; tests pass string collectors, the binary passes the process streams. */
export interface Output { write(s: string): void }

/** State shared by the commands of one shell session (virsh's vshControl + virshControl). */
export interface Session {
  /** URI given with -c/--connect or `connect`, null for the default */
  uri: string | null;
  readonly: boolean;
  quiet: boolean;
  /** interactive mode (prompt loop) rather than one-shot */
  interactive: boolean;
  /** the open connection, if any */
  conn: Connection | null;
  /** set by quit/exit to leave the interactive loop */
  quit: boolean;
  /** print `(Time: N ms)` after each command (-t) */
  timing: boolean;
}

/** What a handler gets: its output streams, the session, and the connection on demand. */
export interface Ctx {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly session: Session;
  /** The session's connection; opened on first use (virsh connects before any command needing it). */
  conn(): Promise<Connection>;
  /** vshPrint */
  print(s: string): void;
  /** vshPrintExtra: suppressed by --quiet */
  printExtra(s: string): void;
  /** vshError: `error: MSG` on stderr */
  error(msg: string): void;
}

/**
 * A command handler. Returning false (or throwing) makes the command fail with exit status 1;
 * thrown errors are printed as virsh prints them (see shell.ts reportError).
 */
export type Handler = (ctx: Ctx, opts: CmdOpts) => Promise<boolean | void> | boolean | void;
export type HandlerTable = Readonly<Record<string, Handler>>;
