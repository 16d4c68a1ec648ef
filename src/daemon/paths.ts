// Where tsvirtd keeps its config, sockets, pidfile, logs and state. `--root DIR` moves every
// one of them under DIR (tests run whole daemons in a temporary root).
// libvirt counterpart: remote_daemon.c daemonUnixSocketPaths / virDaemonSetupPaths.
import * as os from 'node:os';
import * as path from 'node:path';

export interface DaemonPaths {
  /** The --root given, or null for the system layout. */
  root: string | null;
  configFile: string;
  configDir: string;
  runDir: string;
  sockRw: string;
  sockRo: string;
  pidFile: string;
  logDir: string;
  stateDir: string;
  /** Directory for TLS material when the config does not name files. */
  pkiDir: string;
}

/** System layout (root uid, or any --root) vs. per-user layout (XDG dirs, non-root). */
export function daemonPaths(root: string | null, opts: { privileged?: boolean } = {}): DaemonPaths {
  const privileged = opts.privileged ?? (process.getuid?.() === 0);
  if (root !== null || privileged) {
    const r = root === null ? '/' : path.resolve(root);
    const at = (...p: string[]) => path.join(r, ...p);
    const runDir = at('run', 'tsvirt');
    return {
      root: root === null ? null : r,
      configFile: at('etc', 'tsvirt', 'tsvirtd.conf'),
      configDir: at('etc', 'tsvirt'),
      runDir,
      sockRw: path.join(runDir, 'tsvirt-sock'),
      sockRo: path.join(runDir, 'tsvirt-sock-ro'),
      pidFile: path.join(runDir, 'tsvirtd.pid'),
      logDir: at('var', 'log', 'tsvirt'),
      stateDir: at('var', 'lib', 'tsvirt'),
      pkiDir: at('etc', 'pki'),
    };
  }
  const home = os.homedir();
  const cfg = process.env['XDG_CONFIG_HOME'] || path.join(home, '.config');
  const cache = process.env['XDG_CACHE_HOME'] || path.join(home, '.cache');
  const data = process.env['XDG_DATA_HOME'] || path.join(home, '.local', 'share');
  const runtime = process.env['XDG_RUNTIME_DIR'] || path.join(cfg, 'tsvirt');
  const runDir = path.join(runtime, 'tsvirt');
  return {
    root: null,
    configFile: path.join(cfg, 'tsvirt', 'tsvirtd.conf'),
    configDir: path.join(cfg, 'tsvirt'),
    runDir,
    sockRw: path.join(runDir, 'tsvirt-sock'),
    sockRo: path.join(runDir, 'tsvirt-sock-ro'),
    pidFile: path.join(runDir, 'tsvirtd.pid'),
    logDir: path.join(cache, 'tsvirt', 'log'),
    stateDir: path.join(data, 'tsvirt'),
    pkiDir: path.join(home, '.pki'),
  };
}

/** TLS files: the config's choice, else libvirt's layout under the pki dir. */
export function tlsFiles(p: DaemonPaths, c: { key_file: string | null; cert_file: string | null; ca_file: string | null; crl_file: string | null }) {
  return {
    key: c.key_file ?? path.join(p.pkiDir, 'tsvirt', 'private', 'serverkey.pem'),
    cert: c.cert_file ?? path.join(p.pkiDir, 'tsvirt', 'servercert.pem'),
    ca: c.ca_file ?? path.join(p.pkiDir, 'CA', 'cacert.pem'),
    crl: c.crl_file,
  };
}
