// tsvirtd.conf: libvirtd.conf's syntax, knob names and defaults, plus tsvirt's `drivers` list.
// libvirt counterpart: src/util/virconf.c (the syntax) and src/remote/remote_daemon_config.c.
//
// Syntax: `key = value` statements separated by newlines or ';'; values are "strings" or
// 'strings' (no escapes; """triple""" may span lines), integers, or lists `[ v, v, ]` that may
// span lines; '#' starts a comment. A syntax error is fatal and names file:line; an unknown key
// is only a warning (an admin's libvirtd.conf keeps working).
import * as fs from 'node:fs';

export type ConfValue = string | number | ConfValue[];

export class ConfigError extends Error {
  constructor(message: string) { super(message); this.name = 'ConfigError'; }
}

export interface ConfEntry { key: string; value: ConfValue; line: number }

/** Parse virconf text into entries (in file order; a later key overrides an earlier one). */
export function parseConf(text: string, filename = '<config>'): ConfEntry[] {
  let pos = 0;
  let line = 1;
  const fail = (msg: string): never => { throw new ConfigError(`${filename}:${line}: ${msg}`); };
  const peek = () => text[pos];
  const skipBlanks = (newlines: boolean) => {
    for (;;) {
      const c = text[pos];
      if (c === ' ' || c === '\t' || c === '\r') pos++;
      else if (c === '\n' && newlines) { pos++; line++; }
      else if (c === '#') { while (pos < text.length && text[pos] !== '\n') pos++; }
      else break;
    }
  };
  const parseValue = (inList: boolean): ConfValue => {
    const c = peek();
    if (c === undefined) return fail('expecting a value');
    if (c === '"' || c === "'") {
      if (c === '"' && text.startsWith('"""', pos)) {
        const end = text.indexOf('"""', pos + 3);
        if (end < 0) return fail('unterminated string');
        const s = text.slice(pos + 3, end);
        line += s.split('\n').length - 1;
        pos = end + 3;
        return s;
      }
      const end = text.indexOf(c, pos + 1);
      const nl = text.indexOf('\n', pos + 1);
      if (end < 0 || (nl >= 0 && nl < end)) return fail('unterminated string');
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    if (c === '[') {
      if (inList) return fail('lists cannot be nested');
      pos++;
      const items: ConfValue[] = [];
      for (;;) {
        skipBlanks(true);
        if (peek() === ']') { pos++; return items; }
        items.push(parseValue(true));
        skipBlanks(true);
        if (peek() === ',') { pos++; continue; }
        if (peek() === ']') { pos++; return items; }
        return fail('expecting a separator in list');
      }
    }
    const m = /^[-+]?\d+/.exec(text.slice(pos, pos + 32));
    if (m) {
      pos += m[0].length;
      const n = Number(m[0]);
      if (!Number.isSafeInteger(n)) return fail(`integer '${m[0]}' out of range`);
      return n;
    }
    return fail('expecting a value');
  };

  const entries: ConfEntry[] = [];
  for (;;) {
    skipBlanks(true);
    if (pos >= text.length) break;
    if (peek() === ';') { pos++; continue; }
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(pos, pos + 256));
    if (!m) fail('expecting a name');
    const key = m![0];
    const keyLine = line;
    pos += key.length;
    skipBlanks(false);
    if (peek() !== '=') fail("expecting an assignment");
    pos++;
    skipBlanks(false);
    const value = parseValue(false);
    entries.push({ key, value, line: keyLine });
    skipBlanks(false);
    const c = peek();
    if (c === undefined) break;
    if (c === ';' || c === '\n') { pos++; if (c === '\n') line++; continue; }
    fail('expecting a separator');
  }
  return entries;
}

/** Daemon settings with libvirtd's knob names (snake_case kept so admins can grep). */
export interface DaemonConfig {
  unix_sock_group: string | null;
  unix_sock_ro_perms: string;
  unix_sock_rw_perms: string;
  unix_sock_dir: string | null;
  listen_tcp: number;
  listen_tls: number;
  tcp_port: string;
  tls_port: string;
  listen_addr: string | null;
  auth_unix_ro: string;
  auth_unix_rw: string;
  auth_tcp: string;
  auth_tls: string;
  max_clients: number;
  max_queued_clients: number;
  max_anonymous_clients: number;
  min_workers: number;
  max_workers: number;
  prio_workers: number;
  max_client_requests: number;
  keepalive_interval: number;
  keepalive_count: number;
  log_level: number;
  log_outputs: string | null;
  log_filters: string | null;
  key_file: string | null;
  cert_file: string | null;
  ca_file: string | null;
  crl_file: string | null;
  tls_no_verify_certificate: number;
  tls_no_sanity_certificate: number;
  tls_allowed_dn_list: string[] | null;
  /** tsvirt: driver modules loaded at start-up. */
  drivers: string[];
  /**
   * tsvirt: seconds a connection may stay without a CONNECT_OPEN before it is dropped, so a
   * flood of idle connections cannot hold every slot (libvirt bounds them only by count).
   */
  anonymous_client_timeout: number;
  /**
   * tsvirt: microseconds to keep polling a client's socket after its reply, so a client that
   * calls back to back does not have to wake a sleeping daemon each time (daemon/busy_poll.ts).
   * Only while a single client is being served; 0 switches it off.
   */
  busy_poll_us: number;
}

export function defaultConfig(): DaemonConfig {
  return {
    unix_sock_group: null,
    unix_sock_ro_perms: '0777',
    unix_sock_rw_perms: '0700',
    unix_sock_dir: null,
    listen_tcp: 0,
    listen_tls: 1,
    tcp_port: '16509',
    tls_port: '16514',
    listen_addr: null,
    auth_unix_ro: 'none',
    auth_unix_rw: 'none',
    auth_tcp: 'none',
    auth_tls: 'none',
    max_clients: 5000,
    max_queued_clients: 1000,
    max_anonymous_clients: 20,
    min_workers: 5,
    max_workers: 20,
    prio_workers: 5,
    max_client_requests: 5,
    keepalive_interval: 5,
    keepalive_count: 5,
    log_level: 3,
    log_outputs: null,
    log_filters: null,
    key_file: null,
    cert_file: null,
    ca_file: null,
    crl_file: null,
    tls_no_verify_certificate: 0,
    tls_no_sanity_certificate: 0,
    tls_allowed_dn_list: null,
    drivers: ['test', 'qemu', 'network', 'storage', 'secret'],
    anonymous_client_timeout: 60,
    busy_poll_us: 50,
  };
}

type Kind = 'string' | 'int' | 'list' | 'perms' | 'auth' | 'port';
const KNOBS: Record<keyof DaemonConfig, Kind> = {
  unix_sock_group: 'string', unix_sock_ro_perms: 'perms', unix_sock_rw_perms: 'perms',
  unix_sock_dir: 'string', listen_tcp: 'int', listen_tls: 'int', tcp_port: 'port', tls_port: 'port',
  listen_addr: 'string', auth_unix_ro: 'auth', auth_unix_rw: 'auth', auth_tcp: 'auth', auth_tls: 'auth',
  max_clients: 'int', max_queued_clients: 'int', max_anonymous_clients: 'int', min_workers: 'int',
  max_workers: 'int', prio_workers: 'int', max_client_requests: 'int', keepalive_interval: 'int',
  keepalive_count: 'int', log_level: 'int', log_outputs: 'string', log_filters: 'string',
  key_file: 'string', cert_file: 'string', ca_file: 'string', crl_file: 'string',
  tls_no_verify_certificate: 'int', tls_no_sanity_certificate: 'int', tls_allowed_dn_list: 'list',
  drivers: 'list', anonymous_client_timeout: 'int', busy_poll_us: 'int',
};

/** libvirtd.conf keys we accept and ignore (no warning): they configure features tsvirtd lacks. */
const IGNORED = new Set([
  'unix_sock_admin_perms', 'tcp_min_ssf', 'mdns_adv', 'mdns_name', 'tls_priority',
  'sasl_allowed_username_list', 'access_drivers', 'host_uuid', 'host_uuid_source', 'audit_level',
  'audit_logging', 'ovs_timeout', 'max_requests', 'keepalive_required', 'log_buffer_size',
  'ipv6_listen_addr', 'listen_addr6',
]);

/** Auth schemes tsvirtd implements; libvirt's others are refused rather than silently ignored. */
const SUPPORTED_AUTH = new Set(['none']);
const KNOWN_AUTH = new Set(['none', 'sasl', 'polkit']);

export interface LoadedConfig { config: DaemonConfig; warnings: string[] }

/** Turn parsed entries into a DaemonConfig over the defaults; throws ConfigError on bad values. */
export function configFromEntries(entries: ConfEntry[], filename = '<config>'): LoadedConfig {
  const config = defaultConfig();
  const warnings: string[] = [];
  const c = config as unknown as Record<string, unknown>;
  for (const { key, value, line } of entries) {
    const where = `${filename}:${line}`;
    const bad = (msg: string): never => { throw new ConfigError(`${where}: ${msg}`); };
    if (key.startsWith('admin_') || IGNORED.has(key)) continue;
    const kind = KNOBS[key as keyof DaemonConfig];
    if (!kind) { warnings.push(`${where}: unknown configuration key '${key}' ignored`); continue; }
    switch (kind) {
      case 'int':
        if (typeof value !== 'number') bad(`${key}: expected an integer`);
        // keepalive_interval = -1 disables keepalive, as in libvirtd.conf.
        if ((value as number) < 0 && !(key === 'keepalive_interval' && value === -1)) bad(`${key}: must not be negative`);
        c[key] = value;
        break;
      case 'string':
        if (typeof value !== 'string') bad(`${key}: expected a string`);
        c[key] = value;
        break;
      case 'perms':
        if (typeof value !== 'string' || !/^0?[0-7]{1,4}$/.test(value)) bad(`${key}: expected an octal permission string such as "0770"`);
        c[key] = value;
        break;
      case 'port': {
        const s = typeof value === 'number' ? String(value) : value;
        if (typeof s !== 'string' || !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 65535) bad(`${key}: expected a port number`);
        c[key] = s;
        break;
      }
      case 'auth':
        if (typeof value !== 'string') bad(`${key}: expected a string`);
        if (!KNOWN_AUTH.has(value as string)) bad(`${key}: unknown authentication type '${value as string}'`);
        if (!SUPPORTED_AUTH.has(value as string)) bad(`${key}: authentication type '${value as string}' is not supported by tsvirtd (only "none")`);
        c[key] = value;
        break;
      case 'list': {
        const list = typeof value === 'string' ? [value] : value;
        if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) bad(`${key}: expected a list of strings`);
        c[key] = list;
        break;
      }
    }
  }
  if (config.log_level < 1 || config.log_level > 4) throw new ConfigError(`${filename}: log_level must be 1..4`);
  if (config.max_client_requests < 1) throw new ConfigError(`${filename}: max_client_requests must be at least 1`);
  if (config.max_clients < 1) throw new ConfigError(`${filename}: max_clients must be at least 1`);
  return { config, warnings };
}

/** Read and parse a config file. A missing file gives the defaults (as libvirtd does). */
export function loadConfigFile(file: string, mustExist = false): LoadedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return { config: defaultConfig(), warnings: [] };
    throw new ConfigError(`cannot read configuration file ${file}: ${(e as Error).message}`);
  }
  return configFromEntries(parseConf(text, file), file);
}

/** "0770" → 0o770 */
export function parsePerms(s: string): number { return parseInt(s, 8); }
