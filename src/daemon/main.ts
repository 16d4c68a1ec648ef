// tsvirtd's command line: libvirtd's options plus --root and --list-drivers; config loading,
// logging set-up, signals (SIGTERM/SIGINT graceful stop, SIGHUP reload).
// libvirt counterpart: src/remote/remote_daemon.c main().
import * as fs from 'node:fs';
import { loadDriverModule } from '../drivers/registry.js';
import { LogConfigError, LogPriority, logger } from '../util/log.js';
import { ConfigError, loadConfigFile, type DaemonConfig } from './config.js';
import { daemonPaths } from './paths.js';
import { Daemon } from './server.js';

export interface MainIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = `
Usage:
  tsvirtd [options]

Options:
  -h | --help             Display program help
  -v | --verbose          Verbose messages
  -l | --listen           Listen for TCP/IP connections
  -t | --timeout <secs>   Exit after timeout period
  -f | --config <file>    Configuration file
  -V | --version          Display version information
  -p | --pid-file <file>  Change name of PID file
       --root <dir>       Keep every config, state, run, log and socket path under <dir>
       --list-drivers     Print the driver modules that load, then exit

tsvirtd speaks libvirt's remote protocol; point virsh at it with
  virsh -c 'test+unix:///default?socket=<run dir>/tsvirt-sock'

Default paths:
  Configuration file: /etc/tsvirt/tsvirtd.conf
  Sockets:            /run/tsvirt/tsvirt-sock, /run/tsvirt/tsvirt-sock-ro
  PID file:           /run/tsvirt/tsvirtd.pid
`;

export interface CliOptions {
  help: boolean;
  version: boolean;
  verbose: boolean;
  listen: boolean;
  timeout: number;
  config: string | null;
  pidFile: string | null;
  root: string | null;
  listDrivers: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { help: false, version: false, verbose: false, listen: false, timeout: 0, config: null, pidFile: null, root: null, listDrivers: false };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let inline: string | null = null;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) { inline = a.slice(eq + 1); a = a.slice(0, eq); }
    const value = (): string => {
      if (inline !== null) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option '${a}' requires an argument`);
      return v;
    };
    switch (a) {
      case '-h': case '--help': o.help = true; break;
      case '-V': case '--version': o.version = true; break;
      case '-v': case '--verbose': o.verbose = true; break;
      case '-l': case '--listen': o.listen = true; break;
      case '-t': case '--timeout': {
        const v = value();
        if (!/^\d+$/.test(v)) throw new UsageError(`Invalid value for timeout: '${v}'`);
        o.timeout = Number(v);
        break;
      }
      case '-f': case '--config': o.config = value(); break;
      case '-p': case '--pid-file': o.pidFile = value(); break;
      case '--root': o.root = value(); break;
      case '--list-drivers': o.listDrivers = true; break;
      default: throw new UsageError(`unrecognized option '${a}'`);
    }
  }
  return o;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch { return '0.0.0'; }
}

/** Apply log_level/log_outputs/log_filters (+ --verbose, which lowers the level to info). */
function configureLogging(c: DaemonConfig, verbose: boolean): void {
  let level = c.log_level as LogPriority;
  if (verbose && level > LogPriority.INFO) level = LogPriority.INFO;
  try {
    logger.configure({ level, outputs: c.log_outputs ?? `${level}:stderr`, filters: c.log_filters ?? '' });
  } catch (e) {
    if (e instanceof LogConfigError) throw new ConfigError(`log settings: ${e.message}`);
    throw e;
  }
}

/** Run tsvirtd. Resolves with the exit code once the daemon stopped (or could not start). */
export async function main(argv: string[], io: MainIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    io.stderr(`tsvirtd: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) { io.stdout(USAGE.trimStart()); return 0; }
  if (opts.version) { io.stdout(`tsvirtd (tsvirt) ${packageVersion()}\n`); return 0; }

  const paths = daemonPaths(opts.root);
  if (opts.root !== null) {
    // Drivers place their own state (persistent XML, run state, images) under the same root.
    process.env['TSVIRT_ROOT'] = paths.root!;
  }
  const configFile = opts.config ?? paths.configFile;
  let config: DaemonConfig;
  try {
    const loaded = loadConfigFile(configFile, opts.config !== null);
    config = loaded.config;
    configureLogging(config, opts.verbose);
    for (const w of loaded.warnings) logger.log('daemon.config', LogPriority.WARN, w);
  } catch (e) {
    io.stderr(`tsvirtd: error: ${(e as Error).message}\n`);
    return 1;
  }

  if (opts.listDrivers) {
    let ok = 0;
    for (const name of config.drivers) {
      try {
        await loadDriverModule(name);
        io.stdout(`${name}\n`);
        ok++;
      } catch (e) {
        io.stderr(`tsvirtd: ${(e as Error).message}\n`);
      }
    }
    return ok > 0 || config.drivers.length === 0 ? 0 : 1;
  }

  const daemon = new Daemon({
    paths, config, listen: opts.listen, timeout: opts.timeout,
    pidFile: opts.pidFile ?? paths.pidFile,
  });
  try {
    await daemon.start();
  } catch (e) {
    io.stderr(`tsvirtd: error: ${(e as Error).message}\n`);
    return 1;
  }

  const onStop = (sig: string) => () => { void daemon.shutdown(sig); };
  const onTerm = onStop('SIGTERM');
  const onInt = onStop('SIGINT');
  const onHup = () => {
    try {
      const loaded = loadConfigFile(configFile, opts.config !== null);
      configureLogging(loaded.config, opts.verbose);
      for (const w of loaded.warnings) logger.log('daemon.config', LogPriority.WARN, w);
      daemon.reload(loaded.config);
    } catch (e) {
      // A bad edit must not take a running daemon down: keep the old settings.
      logger.log('daemon.config', LogPriority.ERROR, `reload failed, keeping the previous configuration: ${(e as Error).message}`);
    }
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  // A bug in one client's handling must not take every guest's daemon down.
  const onUncaught = (e: unknown) => {
    logger.log('daemon', LogPriority.ERROR, `unexpected error: ${(e as Error)?.stack ?? String(e)}`);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  await daemon.stopped();
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  process.off('SIGHUP', onHup);
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  logger.close();
  return 0;
}
