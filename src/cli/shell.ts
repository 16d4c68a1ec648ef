// Running parsed commands (virsh's vshCommandRun): one context per session, handlers imported
// lazily by group, errors reported the way virsh words them, a blank line after each command.
import type { Connection } from '../api/connection.js';
import type { Ctx, HandlerTable, Output, Session } from './defs.js';
import { CliError, CmdError, CmdOpts } from './opts.js';
import { ParseError, type ParsedCmd } from './parser.js';

/**
 * Group modules, imported on first use so that starting tsvirsh costs only the parser and the
 * static command table. Literal import() calls keep the graph visible to bundlers.
 */
const LOADERS: Record<string, () => Promise<{ handlers: HandlerTable }>> = {
  generic: () => import('./generic.js'),
  host: () => import('./host.js'),
  domain_list: () => import('./domain_list.js'),
  domain_info: () => import('./domain_info.js'),
  domain_lifecycle: () => import('./domain_lifecycle.js'),
  domain_config: () => import('./domain_config.js'),
  event: () => import('./event.js'),
  snapshot: () => import('./snapshot.js'),
  network: () => import('./network.js'),
  pool: () => import('./pool.js'),
  volume: () => import('./volume.js'),
  qemu: () => import('./qemu.js'),
  domain_devices: () => import('./domain_devices.js'),
  console: () => import('./console.js'),
  domxml: () => import('./domxml.js'),
  domain_extra: () => import('./domain_extra.js'),
  edit: () => import('./edit.js'),
  domain_tune: () => import('./domain_tune.js'),
  checkpoint: () => import('./checkpoint.js'),
  interface: () => import('./interface.js'),
  domain_misc: () => import('./domain_misc.js'),
  nodedev: () => import('./nodedev.js'),
  pool_extra: () => import('./pool_extra.js'),
  net_extra: () => import('./net_extra.js'),
  host_extra: () => import('./host_extra.js'),
  domain_block: () => import('./domain_block.js'),
  domain_rest: () => import('./domain_rest.js'),
  nwfilter: () => import('./nwfilter.js'),
  secret: () => import('./secret.js'),
};

/** Commands that never need a connection (virsh's VSH_CMD_FLAG_NOCONNECT). */
export const NOCONNECT = new Set(['help', 'echo', 'quit', 'exit', 'cd', 'pwd', 'connect']);

export function newSession(init: Partial<Session> = {}): Session {
  return { uri: null, readonly: false, quiet: false, interactive: false, conn: null, quit: false, timing: false, ...init };
}

export type Opener = (uri: string | null, readonly: boolean) => Promise<Connection>;

/** The default opener: the tsvirt library, imported only when a connection is needed. */
export const libraryOpener: Opener = async (uri, readonly) => {
  const { open } = await import('../api/connection.js');
  return open(uri, { readonly });
};

export class Shell {
  readonly ctx: Ctx;
  constructor(readonly session: Session, readonly stdout: Output, readonly stderr: Output, readonly opener: Opener = libraryOpener) {
    const self = this;
    this.ctx = {
      stdout, stderr, session,
      conn: () => self.connection(),
      print: (s) => stdout.write(s),
      printExtra: (s) => { if (!session.quiet) stdout.write(s); },
      error: (msg) => stderr.write(`error: ${msg}\n`),
    };
  }

  /** The session's connection, opened on demand (virshReconnect). */
  async connection(): Promise<Connection> {
    if (this.session.conn && !this.session.conn.isClosed) return this.session.conn;
    try {
      this.session.conn = await this.opener(this.session.uri, this.session.readonly);
    } catch (e) {
      throw new CmdError('failed to connect to the hypervisor', e);
    }
    return this.session.conn;
  }

  /** Print an error as virsh does: its own line(s), then the library error that caused it. */
  reportError(e: unknown): void {
    if (e instanceof ParseError) { for (const m of e.messages) this.ctx.error(m); return; }
    if (e instanceof CmdError) {
      this.ctx.error(e.message);
      if (e.cause !== undefined) this.reportError(e.cause);
      return;
    }
    if (e instanceof CliError) { this.ctx.error(e.message); return; }
    if (e instanceof Error) { this.ctx.error(e.message); return; }
    this.ctx.error(String(e));
  }

  /** Run one command; false when it failed (its error already printed). */
  async runOne(cmd: ParsedCmd): Promise<boolean> {
    const load = LOADERS[cmd.def.impl];
    try {
      if (!load) throw new CliError(`command '${cmd.name}' is not implemented by tsvirsh`);
      const mod = await load();
      const handler = mod.handlers[cmd.name];
      if (!handler) throw new CliError(`command '${cmd.name}' is not implemented by tsvirsh`);
      if (!NOCONNECT.has(cmd.name)) await this.connection();
      const r = await handler(this.ctx, new CmdOpts(cmd));
      return r !== false;
    } catch (e) {
      this.reportError(e);
      return false;
    }
  }

  /** vshCommandRun: run commands in order; the result is the last command's. */
  async run(cmds: readonly ParsedCmd[]): Promise<boolean> {
    let ok = true;
    for (const cmd of cmds) {
      const t0 = this.session.timing ? performance.now() : 0;
      ok = await this.runOne(cmd);
      if (cmd.name === 'quit' || cmd.name === 'exit') { this.session.quit = true; return ok; }
      if (this.session.timing) this.ctx.print(`\n(Time: ${(performance.now() - t0).toFixed(3)} ms)\n\n`);
      else this.ctx.printExtra('\n');
    }
    return ok;
  }

  async close(): Promise<void> {
    const c = this.session.conn;
    this.session.conn = null;
    if (c && !c.isClosed) await c.close().catch(() => undefined);
  }
}
