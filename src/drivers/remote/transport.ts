// Transports of the remote driver: how the byte stream to the daemon is obtained for each
// `scheme+transport` URI (unix, tcp, tls, ssh, ext), and the client-only URI parameters that
// configure them. libvirt counterpart: remote_driver.c (doRemoteOpen's parameter parsing) and
// virnetclient.c / virnetsocket.c (virNetClientNewUNIX/TCP/SSH/External).
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { ConnectURI } from '../driver.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../util/error.js';

export type TransportKind = 'unix' | 'tcp' | 'tls' | 'ssh' | 'ext';

/** Everything the remote driver reads from the URI (and environment) before connecting. */
export interface RemoteParams {
  transport: TransportKind;
  host: string | null;
  port: number | null;
  user: string | null;
  /** `socket=`: the daemon's Unix socket (local path for unix, remote path for ssh) */
  socket: string | null;
  /** connection opened read-only: pick the -ro socket */
  readonly: boolean;
  /** per-user daemon (qemu:///session, or non-root without an explicit path) */
  session: boolean;
  /** `command=`: the ssh binary for ssh, the program to run for ext */
  command: string | null;
  /** `netcat=`: the netcat binary on the remote host (ssh) */
  netcat: string;
  keyfile: string | null;
  noTty: boolean;
  knownHosts: string | null;
  /** `known_hosts_verify=normal|auto|ignore` */
  knownHostsVerify: string | null;
  /** `pkipath=`: directory with cacert.pem, clientcert.pem, clientkey.pem (tls) */
  pkipath: string | null;
  /** `no_verify=1`: do not check the server certificate (tls) */
  noVerify: boolean;
  /** `auth=none|polkit|sasl...`: force this authentication type */
  auth: string | null;
  /** `call_timeout=` seconds (or TSVIRT_CALL_TIMEOUT): deadline of every call, 0 = none */
  callTimeoutMs: number;
  /** `keepalive_interval=` seconds, <= 0 disables our PINGs; `keepalive_count=` */
  keepaliveInterval: number;
  keepaliveCount: number;
}

/** Client-side parameters of tsvirt's own (not in libvirt): never sent to the server. */
export const TSVIRT_CLIENT_PARAMS = ['call_timeout', 'keepalive_interval', 'keepalive_count'] as const;

export const DEFAULT_CALL_TIMEOUT_S = 300;
export const DEFAULT_KEEPALIVE_INTERVAL = 5;
export const DEFAULT_KEEPALIVE_COUNT = 5;
export const TCP_PORT = 16509;
export const TLS_PORT = 16514;
export const SYSTEM_SOCKET_DIR = '/run/tsvirt';

function remoteErr(detail: string, code = ErrorNumber.INVALID_ARG): VirError {
  return virError(ErrorDomain.REMOTE, code, detail);
}

function numberParam(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw remoteErr(`${what} must be a number, got '${v}'`);
  return n;
}

/** Read the URI like libvirt's doRemoteOpen: transport, socket choice and client-only params. */
export function remoteParams(uri: ConnectURI, opts: { readonly: boolean; uid?: number; env?: NodeJS.ProcessEnv }): RemoteParams {
  const q = uri.query;
  const env = opts.env ?? process.env;
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  let transport: TransportKind;
  switch (uri.transport) {
    case null: transport = uri.host ? 'tls' : 'unix'; break; // libvirt: a host without transport means TLS
    case 'unix': case 'tcp': case 'tls': case 'ssh': case 'ext': transport = uri.transport; break;
    // libvirt's in-process ssh libraries; we drive the system ssh client for both.
    case 'libssh2': case 'libssh': transport = 'ssh'; break;
    default:
      throw remoteErr(`transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)`);
  }
  if (transport === 'unix' && uri.host && uri.host !== 'localhost') {
    throw remoteErr('transport methods unix, ssh and ext are not supported under Windows nor with a remote host for unix');
  }
  const session = uri.path === '/session' || (uid !== 0 && (uri.path === '' || uri.path === '/'));
  const envTimeout = env['TSVIRT_CALL_TIMEOUT'];
  const callTimeoutS = numberParam(q.get('call_timeout') ?? envTimeout, 'call_timeout', DEFAULT_CALL_TIMEOUT_S);
  return {
    transport,
    host: uri.host,
    port: uri.port,
    user: uri.user,
    socket: q.get('socket') || null,
    readonly: opts.readonly,
    session,
    command: q.get('command') || null,
    netcat: q.get('netcat') || 'nc',
    keyfile: q.get('keyfile') || null,
    noTty: q.has('no_tty') && q.get('no_tty') !== '0',
    knownHosts: q.get('known_hosts') || null,
    knownHostsVerify: q.get('known_hosts_verify') || null,
    pkipath: q.get('pkipath') || null,
    noVerify: q.has('no_verify') && q.get('no_verify') !== '0',
    auth: q.get('auth') || null,
    callTimeoutMs: Math.max(0, callTimeoutS * 1000),
    keepaliveInterval: numberParam(q.get('keepalive_interval'), 'keepalive_interval', DEFAULT_KEEPALIVE_INTERVAL),
    keepaliveCount: numberParam(q.get('keepalive_count'), 'keepalive_count', DEFAULT_KEEPALIVE_COUNT),
  };
}

/** The per-user runtime directory, chosen exactly as tsvirtd chooses it (daemon/paths.ts). */
function sessionRunDir(env: NodeJS.ProcessEnv): string {
  const cfg = env['XDG_CONFIG_HOME'] || path.join(os.homedir(), '.config');
  const runtime = env['XDG_RUNTIME_DIR'] || path.join(cfg, 'tsvirt');
  return path.join(runtime, 'tsvirt');
}

/** Local socket path of the unix transport. */
export function unixSocketPath(p: RemoteParams, env: NodeJS.ProcessEnv = process.env): string {
  if (p.socket) return p.socket;
  if (p.session) return path.join(sessionRunDir(env), 'tsvirt-sock');
  return path.join(SYSTEM_SOCKET_DIR, p.readonly ? 'tsvirt-sock-ro' : 'tsvirt-sock');
}

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The argv of the ssh transport (libvirt's virNetClientNewSSH shape): the system ssh client runs
 * netcat on the remote host against the daemon's socket, and our packets ride on its stdio.
 * Remote socket: `socket=` if given, else the system socket (-ro when read-only), or for a
 * session URI the per-user socket under the remote user's runtime directory.
 */
export function sshArgv(p: RemoteParams): string[] {
  if (!p.host) throw remoteErr('ssh transport requires a host name');
  const argv: string[] = [p.command || 'ssh'];
  if (p.port) argv.push('-p', String(p.port));
  if (p.user) argv.push('-l', p.user);
  if (p.keyfile) argv.push('-i', p.keyfile);
  argv.push('-T');
  if (p.noTty) argv.push('-o', 'BatchMode=yes');
  if (p.knownHosts) argv.push('-o', `UserKnownHostsFile=${p.knownHosts}`);
  switch (p.knownHostsVerify) {
    case null: case 'normal': break;
    case 'auto': argv.push('-o', 'StrictHostKeyChecking=accept-new'); break;
    case 'ignore': argv.push('-o', 'StrictHostKeyChecking=no'); break;
    default: throw remoteErr(`invalid known_hosts_verify value '${p.knownHostsVerify}'`);
  }
  argv.push('-e', 'none', '--', p.host, 'sh', '-c', shellQuote(sshRemoteCommand(p)));
  return argv;
}

/** The shell snippet run on the remote host: netcat to the daemon socket (-q0 where nc has it). */
export function sshRemoteCommand(p: RemoteParams): string {
  const nc = shellQuote(p.netcat);
  let sock: string;
  if (p.socket) sock = shellQuote(p.socket);
  else if (p.session) sock = '"${XDG_RUNTIME_DIR:-$HOME/.config/tsvirt}/tsvirt/tsvirt-sock"';
  else sock = shellQuote(path.posix.join(SYSTEM_SOCKET_DIR, p.readonly ? 'tsvirt-sock-ro' : 'tsvirt-sock'));
  return `if ${nc} -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;${nc} $ARG -U ${sock}`;
}

/** TLS material like libvirt's client: pkipath, else /etc/pki (root) or ~/.pki/libvirt first. */
export function tlsFiles(p: RemoteParams, uid: number = process.getuid?.() ?? 0): { ca: string; cert: string; key: string } {
  if (p.pkipath) {
    return { ca: path.join(p.pkipath, 'cacert.pem'), cert: path.join(p.pkipath, 'clientcert.pem'), key: path.join(p.pkipath, 'clientkey.pem') };
  }
  if (uid !== 0) {
    const dir = path.join(os.homedir(), '.pki', 'libvirt');
    return { ca: path.join(dir, 'cacert.pem'), cert: path.join(dir, 'clientcert.pem'), key: path.join(dir, 'clientkey.pem') };
  }
  return { ca: '/etc/pki/CA/cacert.pem', cert: '/etc/pki/libvirt/clientcert.pem', key: '/etc/pki/libvirt/private/clientkey.pem' };
}

/** The byte pipe to the daemon, plus the facts the driver reports about it. */
export interface Transport {
  readonly kind: TransportKind;
  readonly stream: Duplex;
  /** libvirt's priv->is_secure: local socket, TLS or ssh */
  readonly secure: boolean;
  /** traffic is encrypted by us (TLS) */
  readonly encrypted: boolean;
  /** what a command transport printed on stderr, for error messages */
  diagnostics(): string;
  /** command transports: resolves once the command has exited and its stderr is read (bounded wait) */
  settled?(): Promise<void>;
  /** Keep the process alive while the transport is open (or not). */
  setRef(on: boolean): void;
  destroy(): void;
}

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory', ECONNREFUSED: 'Connection refused', EACCES: 'Permission denied',
  ECONNRESET: 'Connection reset by peer', EPIPE: 'Broken pipe', ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host', ENETUNREACH: 'Network is unreachable', ENOTSOCK: 'Socket operation on non-socket',
  ENAMETOOLONG: 'File name too long', EPERM: 'Operation not permitted',
};

/** strerror()-style text for a Node system error. */
export function strerror(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err?.code && STRERROR[err.code]) || err?.message || String(e);
}

function systemRpcError(detail: string): VirError {
  return virError(ErrorDomain.RPC, ErrorNumber.SYSTEM_ERROR, detail);
}

function socketTransport(kind: TransportKind, s: net.Socket, secure: boolean, encrypted: boolean): Transport {
  return {
    kind, stream: s, secure, encrypted,
    diagnostics: () => '',
    setRef: (on) => { if (on) s.ref(); else s.unref(); },
    destroy: () => { s.destroy(); },
  };
}

/** Wait for a socket's connect (or secureConnect) event, turning failure into libvirt's error text. */
function connected<T extends net.Socket>(s: T, event: 'connect' | 'secureConnect', describe: (e: unknown) => VirError): Promise<T> {
  return new Promise((resolve, reject) => {
    const onErr = (e: Error) => { s.off(event, onOk); s.destroy(); reject(describe(e)); };
    const onOk = () => { s.off('error', onErr); resolve(s); };
    s.once('error', onErr);
    s.once(event, onOk);
  });
}

async function openUnix(p: RemoteParams): Promise<Transport> {
  const sockPath = unixSocketPath(p);
  const s = net.connect({ path: sockPath });
  await connected(s, 'connect', (e) => systemRpcError(`Failed to connect socket to '${sockPath}': ${strerror(e)}`));
  return socketTransport('unix', s, true, false);
}

async function openTcp(p: RemoteParams): Promise<Transport> {
  const host = p.host || 'localhost';
  const port = p.port ?? TCP_PORT;
  const s = net.connect({ host, port });
  await connected(s, 'connect', (e) => systemRpcError(`unable to connect to server at '${host}:${port}': ${strerror(e)}`));
  return socketTransport('tcp', s, false, false);
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw virError(ErrorDomain.RPC, ErrorNumber.SYSTEM_ERROR, `Cannot read ${what} '${file}': ${strerror(e)}`);
  }
}

async function openTls(p: RemoteParams): Promise<Transport> {
  const host = p.host || 'localhost';
  const port = p.port ?? TLS_PORT;
  const files = tlsFiles(p);
  const ca = readPem(files.ca, 'CA certificate');
  const cert = readPem(files.cert, 'client certificate');
  const key = readPem(files.key, 'client key');
  const s = tls.connect({ host, port, ca, cert, key, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: !p.noVerify });
  await connected(s, 'secureConnect', (e) => {
    const err = e as NodeJS.ErrnoException;
    if (err.code && STRERROR[err.code]) return systemRpcError(`unable to connect to server at '${host}:${port}': ${strerror(e)}`);
    return virError(ErrorDomain.RPC, ErrorNumber.GNUTLS_ERROR, `TLS handshake failed: ${err.message}`);
  });
  await serverConfirmation(s);
  return socketTransport('tls', s, true, true);
}

/**
 * After the TLS handshake libvirtd checks our certificate (and its allowed-DN list) and sends one
 * byte, 0x01, before any packet; a refusal is a hang-up instead. libvirt: virNetClientSetTLSSession.
 */
function serverConfirmation(s: tls.TLSSocket): Promise<void> {
  const refused = () => virError(ErrorDomain.RPC, ErrorNumber.RPC, 'server verification (of our certificate or IP address) failed');
  return new Promise((resolve, reject) => {
    const cleanup = () => { s.off('readable', onReadable); s.off('end', onEnd); s.off('error', onEnd); };
    const onEnd = () => { cleanup(); s.destroy(); reject(refused()); };
    const onReadable = () => {
      const b = s.read(1) as Buffer | null;
      if (b === null) return;
      cleanup();
      if (b[0] === 1) resolve();
      else { s.destroy(); reject(refused()); }
    };
    s.on('readable', onReadable);
    s.once('end', onEnd);
    s.once('error', onEnd);
  });
}

/** ssh and ext: our packets travel over a child process's stdin/stdout. */
function commandTransport(kind: TransportKind, argv: string[]): Promise<Transport> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      reject(systemRpcError(`Unable to run '${argv[0]}': ${strerror(e)}`));
      return;
    }
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => { stderr = (stderr + d).slice(-4096); });
    const stream = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
    const exited = new Promise<void>((res) => child.once('close', () => res()));
    const t: Transport = {
      kind, stream, secure: true, encrypted: false,
      diagnostics: () => stderr.trim(),
      settled: () => Promise.race([exited, new Promise<void>((res) => setTimeout(res, 1000).unref())]),
      setRef: (on) => {
        for (const h of [child, child.stdin, child.stdout, child.stderr] as { ref?(): void; unref?(): void }[]) {
          if (on) h?.ref?.(); else h?.unref?.();
        }
      },
      destroy: () => {
        stream.destroy();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      },
    };
    child.once('error', (e) => reject(systemRpcError(`Unable to run '${argv[0]}': ${strerror(e)}`)));
    child.once('spawn', () => resolve(t));
  });
}

/** Connect with the transport the URI asked for, within the call deadline. */
export function openTransport(p: RemoteParams): Promise<Transport> {
  const opening = openTransportNow(p);
  if (!(p.callTimeoutMs > 0)) return opening;
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(virError(ErrorDomain.RPC, ErrorNumber.OPERATION_TIMEOUT, `connecting to the daemon took longer than ${p.callTimeoutMs} ms`));
    }, p.callTimeoutMs);
    timer.unref();
    opening.then((t) => {
      clearTimeout(timer);
      if (late) t.destroy(); else resolve(t);
    }, (e) => { clearTimeout(timer); if (!late) reject(e); });
  });
}

async function openTransportNow(p: RemoteParams): Promise<Transport> {
  switch (p.transport) {
    case 'unix': return openUnix(p);
    case 'tcp': return openTcp(p);
    case 'tls': return openTls(p);
    case 'ssh': return commandTransport('ssh', sshArgv(p));
    case 'ext':
      if (!p.command) throw remoteErr("for 'ext' transport, command is required");
      return commandTransport('ext', [p.command]);
  }
}
