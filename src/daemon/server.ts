// tsvirtd's server: listeners (read-write and read-only Unix sockets, optional TCP and TLS),
// client bookkeeping and limits, idle exit, reload and graceful shutdown.
// libvirt counterpart: virnetserver.c, virnetserverservice.c and remote_daemon.c's main loop.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { loadDriverModule, registeredDrivers } from '../drivers/registry.js';
import { acquirePidFile, type PidFileHandle } from '../util/pidfile.js';
import { logger as rootLogger, type CategoryLogger, type Logger } from '../util/log.js';
import { ClientSession, type ClientHost, type Transport } from './client.js';
import { parsePerms, type DaemonConfig } from './config.js';
import { tlsFiles, type DaemonPaths } from './paths.js';
import { WorkerPool } from './workers.js';

export interface DaemonOptions {
  paths: DaemonPaths;
  config: DaemonConfig;
  /** --listen: also serve TCP/TLS as listen_tcp / listen_tls say. */
  listen?: boolean;
  /** --timeout: exit after this many idle seconds (0 = never). */
  timeout?: number;
  /** --pid-file (default paths.pidFile); null = no pidfile (tests of the library only). */
  pidFile?: string | null;
  logger?: Logger;
}

interface Listener { kind: Transport; readonly: boolean; server: net.Server; address: string }

/** Fatal start-up problems (pidfile held, socket in use, bad TLS files) with a clear message. */
export class DaemonStartError extends Error {
  constructor(message: string) { super(message); this.name = 'DaemonStartError'; }
}

export class Daemon implements ClientHost {
  config: DaemonConfig;
  readonly paths: DaemonPaths;
  readonly workers: WorkerPool;
  readonly log: CategoryLogger;
  readonly clients = new Set<ClientSession>();
  readonly listeners: Listener[] = [];
  /** Driver modules that loaded at start-up, in config order. */
  readonly loadedDrivers: string[] = [];

  private pidfile: PidFileHandle | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private idleSince = Date.now();
  private stopping: Promise<void> | null = null;
  private readonly stoppedWaiters: (() => void)[] = [];
  private anonymous = new Set<ClientSession>();

  constructor(private readonly opts: DaemonOptions) {
    this.config = opts.config;
    this.paths = opts.paths;
    this.workers = new WorkerPool(this.config.max_workers, this.config.prio_workers);
    this.log = (opts.logger ?? rootLogger).child('daemon');
  }

  get sockRw(): string { return this.config.unix_sock_dir ? path.join(this.config.unix_sock_dir, path.basename(this.paths.sockRw)) : this.paths.sockRw; }
  get sockRo(): string { return this.config.unix_sock_dir ? path.join(this.config.unix_sock_dir, path.basename(this.paths.sockRo)) : this.paths.sockRo; }

  /** Acquire the pidfile, load drivers, open listeners. Throws DaemonStartError. */
  async start(): Promise<void> {
    const pidFile = this.opts.pidFile === undefined ? this.paths.pidFile : this.opts.pidFile;
    for (const d of [this.paths.runDir, this.paths.stateDir, this.paths.logDir, this.paths.configDir]) {
      fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    }
    if (pidFile) {
      try {
        this.pidfile = acquirePidFile(pidFile);
      } catch (e) {
        throw new DaemonStartError(`Failed to acquire pid file '${pidFile}': ${(e as Error).message}`);
      }
    }
    try {
      await this.loadDrivers();
      await this.listenUnix(this.sockRw, parsePerms(this.config.unix_sock_rw_perms), false);
      await this.listenUnix(this.sockRo, parsePerms(this.config.unix_sock_ro_perms), true);
      if (this.opts.listen) {
        if (this.config.listen_tcp) await this.listenTcp();
        if (this.config.listen_tls) await this.listenTls();
      }
    } catch (e) {
      await this.closeListeners();
      this.pidfile?.release();
      throw e instanceof DaemonStartError ? e : new DaemonStartError((e as Error).message);
    }
    this.startIdleTimer();
    this.log.info('tsvirtd started', { pid: process.pid, socket: this.sockRw, drivers: this.loadedDrivers.join(',') });
  }

  private async loadDrivers(): Promise<void> {
    for (const name of this.config.drivers) {
      try {
        await loadDriverModule(name);
        this.loadedDrivers.push(name);
        this.log.info('loaded driver module', { name });
      } catch (e) {
        // A module that cannot load is skipped: the rest of the daemon still serves.
        this.log.error((e as Error).message, { module: name });
      }
    }
  }

  // ------------------------------------------------------------------ listeners

  private async listenUnix(sockPath: string, perms: number, readonly: boolean): Promise<void> {
    fs.mkdirSync(path.dirname(sockPath), { recursive: true, mode: 0o755 });
    // We hold the pidfile, so a socket file left here belongs to a dead daemon.
    try {
      if (fs.lstatSync(sockPath).isSocket()) fs.unlinkSync(sockPath);
      else throw new DaemonStartError(`${sockPath} exists and is not a socket`);
    } catch (e) {
      if (e instanceof DaemonStartError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // paused: a client session reads it itself (recvmsg, for fd passing) or resumes it
    const server = net.createServer({ pauseOnConnect: true }, (s) => this.accept(s, 'unix', readonly));
    // The socket is created with the umask's mode: narrow it so there is no window with wider perms.
    const oldMask = process.umask(~perms & 0o777);
    try {
      await listenOn(server, { path: sockPath });
    } finally {
      process.umask(oldMask);
    }
    fs.chmodSync(sockPath, perms);
    if (this.config.unix_sock_group !== null) {
      const gid = resolveGroup(this.config.unix_sock_group);
      if (gid === null) throw new DaemonStartError(`Failed to look up group '${this.config.unix_sock_group}'`);
      fs.chownSync(sockPath, -1, gid);
    }
    this.listeners.push({ kind: 'unix', readonly, server, address: sockPath });
    this.log.debug('listening', { socket: sockPath, readonly, perms: perms.toString(8) });
  }

  private async listenTcp(): Promise<void> {
    const server = net.createServer((s) => this.accept(s, 'tcp', false));
    const port = Number(this.config.tcp_port);
    await listenOn(server, this.config.listen_addr ? { host: this.config.listen_addr, port } : { port });
    this.listeners.push({ kind: 'tcp', readonly: false, server, address: formatAddress(server) });
    this.log.info('listening on TCP', { address: formatAddress(server) });
  }

  private async listenTls(): Promise<void> {
    const files = tlsFiles(this.paths, this.config);
    const read = (what: string, f: string) => {
      try { return fs.readFileSync(f); } catch (e) {
        throw new DaemonStartError(`Cannot read ${what} '${f}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    };
    const verify = !this.config.tls_no_verify_certificate;
    const opts: tls.TlsOptions = {
      key: read('server key', files.key),
      cert: read('server certificate', files.cert),
      ca: read('CA certificate', files.ca),
      requestCert: verify,
      rejectUnauthorized: verify,
    };
    if (files.crl) opts.crl = read('certificate revocation list', files.crl);
    let server: tls.Server;
    try {
      server = tls.createServer(opts, (s) => {
        const dnErr = this.checkAllowedDN(s);
        if (dnErr) {
          this.log.warn('TLS client rejected', { reason: dnErr });
          s.destroy();
          return;
        }
        // libvirt's TLS confirmation: one 0x01 byte (in an encrypted record) once the certificate
        // checks passed; the client waits for it before its first packet.
        s.write(Buffer.from([1]));
        this.accept(s, 'tls', false);
      });
    } catch (e) {
      throw new DaemonStartError(`Unable to set up TLS: ${(e as Error).message}`);
    }
    server.on('tlsClientError', (e) => this.log.info('TLS handshake failed', { error: e.message }));
    const port = Number(this.config.tls_port);
    await listenOn(server, this.config.listen_addr ? { host: this.config.listen_addr, port } : { port });
    this.listeners.push({ kind: 'tls', readonly: false, server, address: formatAddress(server) });
    this.log.info('listening on TLS', { address: formatAddress(server) });
  }

  /** tls_allowed_dn_list: the client certificate's DN must match one pattern ('*' wildcards). */
  private checkAllowedDN(s: tls.TLSSocket): string | null {
    const list = this.config.tls_allowed_dn_list;
    if (!list || this.config.tls_no_verify_certificate) return null;
    const cert = s.getPeerCertificate();
    if (!cert || !cert.subject) return 'no client certificate';
    const parts = Object.entries(cert.subject).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`));
    const candidates = [parts.join(','), [...parts].reverse().join(',')];
    const ok = list.some((pat) => {
      const re = new RegExp('^' + pat.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
      return candidates.some((dn) => re.test(dn));
    });
    return ok ? null : `client DN '${candidates[0]}' is not in tls_allowed_dn_list`;
  }

  // ------------------------------------------------------------------ clients

  private accept(socket: net.Socket, transport: Transport, readonly: boolean): void {
    if (this.stopping) { socket.destroy(); return; }
    if (this.clients.size >= this.config.max_clients) {
      this.log.warn('too many active clients, dropping connection', { max_clients: this.config.max_clients });
      socket.destroy();
      return;
    }
    // Clients without an open connection are "anonymous". When they reach the limit the one
    // that has waited longest makes room, so an idle flood can never lock real clients out.
    if (this.anonymous.size >= this.config.max_anonymous_clients) {
      const oldest = [...this.anonymous].filter((c) => c.inFlight === 0).sort((a, b) => a.createdAt - b.createdAt)[0];
      if (oldest) {
        this.log.warn('too many anonymous clients, dropping the oldest', { client: oldest.id });
        this.anonymous.delete(oldest);
        oldest.close('anonymous client limit', true);
      } else {
        socket.destroy();
        return;
      }
    }
    const c = new ClientSession(socket, readonly, transport, this);
    this.clients.add(c);
    this.anonymous.add(c);
    this.idleSince = Date.now();
    c.log.debug('client connected', { transport, readonly, clients: this.clients.size });
  }

  clientOpened(c: ClientSession): void { this.anonymous.delete(c); }

  clientClosed(c: ClientSession): void {
    this.clients.delete(c);
    this.anonymous.delete(c);
    if (this.clients.size === 0) this.idleSince = Date.now();
    c.log.debug('client gone', { clients: this.clients.size });
  }

  // ------------------------------------------------------------------ idle exit, reload, stop

  private startIdleTimer(): void {
    const timeout = this.opts.timeout ?? 0;
    if (timeout <= 0) return;
    this.idleTimer = setInterval(() => {
      if (this.clients.size > 0 || this.driversBusy()) { this.idleSince = Date.now(); return; }
      if (Date.now() - this.idleSince >= timeout * 1000) {
        this.log.info('idle timeout reached, shutting down', { timeout });
        void this.shutdown('timeout');
      }
    }, Math.min(1000, timeout * 1000));
    this.idleTimer.unref();
  }

  /**
   * Do drivers hold running objects (guests, networks)? See DriverModule.activeObjects;
   * modules without it never hold the daemon up.
   */
  private driversBusy(): boolean {
    for (const m of registeredDrivers()) {
      try { if ((m.activeObjects?.() ?? 0) > 0) return true; } catch { /* a broken hook must not keep us alive */ }
    }
    return false;
  }

  /** SIGHUP: take the new settings. Listeners stay as they are (as libvirtd). */
  reload(config: DaemonConfig): void {
    this.config = config;
    this.workers.resize(config.max_workers, config.prio_workers);
    this.log.info('configuration reloaded');
  }

  /** Resolves once the daemon has fully stopped. */
  stopped(): Promise<void> {
    return new Promise((resolve) => this.stoppedWaiters.push(resolve));
  }

  /** Stop accepting, close every client (releasing its driver state), remove sockets and pidfile. */
  shutdown(reason: string): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.log.info('shutting down', { reason });
      if (this.idleTimer) clearInterval(this.idleTimer);
      const listenersClosed = this.closeListeners();
      const gone = [...this.clients].map((c) => new Promise<void>((resolve) => {
        if (c.socket.destroyed && !this.clients.has(c)) return resolve();
        const check = setInterval(() => { if (!this.clients.has(c)) { clearInterval(check); resolve(); } }, 10);
        c.close('daemon shutting down', true);
      }));
      await Promise.race([Promise.all([...gone, listenersClosed]), new Promise((r) => setTimeout(r, 5000).unref())]);
      for (const m of registeredDrivers()) {
        try { await m.shutdown?.(); } catch (e) { this.log.error('driver shutdown failed', { driver: m.name, error: (e as Error).message }); }
      }
      this.pidfile?.release();
      this.log.info('stopped');
      for (const w of this.stoppedWaiters.splice(0)) w();
    })();
    return this.stopping;
  }

  /**
   * Stop accepting and remove the socket files. The returned promise settles once the servers
   * are fully closed, which Node only reports after every accepted connection has ended, so
   * callers close the clients before awaiting it.
   */
  private closeListeners(): Promise<void> {
    const ls = this.listeners.splice(0);
    const done = Promise.all(ls.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))));
    for (const l of ls) {
      if (l.kind === 'unix') fs.rmSync(l.address, { force: true });
    }
    return done.then(() => undefined);
  }
}

function listenOn(server: net.Server, opts: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const where = opts.path ?? `${opts.host ?? '*'}:${opts.port}`;
      reject(new DaemonStartError(`Failed to bind socket to '${where}': ${e.code === 'EADDRINUSE' ? 'Address already in use' : e.message}`));
    };
    server.once('error', onError);
    server.listen(opts, () => {
      server.off('error', onError);
      server.on('error', () => { /* per-connection accept errors (EMFILE) must not kill the daemon */ });
      resolve();
    });
  });
}

function formatAddress(s: net.Server): string {
  const a = s.address();
  if (!a || typeof a === 'string') return String(a);
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Group name (or number) → gid, from /etc/group. */
function resolveGroup(name: string): number | null {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const [g, , gid] = line.split(':');
      if (g === name && gid !== undefined) return Number(gid);
    }
  } catch { /* no /etc/group */ }
  return null;
}
