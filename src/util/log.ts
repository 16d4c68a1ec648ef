// Structured logging in libvirt's model: a global log level, per-category filters and several
// outputs, each with its own threshold. Priorities are libvirt's: 1 debug, 2 info, 3 warning,
// 4 error. Settings use libvirt's syntax: log_outputs "3:stderr 1:file:/var/log/x.log",
// log_filters "1:rpc 3:daemon". libvirt counterpart: src/util/virlog.c.
import * as fs from 'node:fs';
import * as path from 'node:path';

export enum LogPriority { DEBUG = 1, INFO = 2, WARN = 3, ERROR = 4 }

const PRIO_NAME: Record<number, string> = { 1: 'debug', 2: 'info', 3: 'warning', 4: 'error' };

/** A malformed log setting (the daemon reports it with the config key). */
export class LogConfigError extends Error {
  constructor(message: string) { super(message); this.name = 'LogConfigError'; }
}

export interface LogOutputSpec { priority: LogPriority; kind: 'stderr' | 'file' | 'syslog' | 'journald'; target: string | null }
export interface LogFilterSpec { priority: LogPriority; match: string }

function parsePriority(s: string, what: string): LogPriority {
  if (!/^[1-4]$/.test(s)) throw new LogConfigError(`invalid priority '${s}' in ${what}`);
  return Number(s) as LogPriority;
}

/** "3:stderr 1:file:/path" → specs. syslog/journald are accepted and written to stderr. */
export function parseLogOutputs(text: string): LogOutputSpec[] {
  const out: LogOutputSpec[] = [];
  for (const item of text.trim().split(/\s+/)) {
    if (!item) continue;
    const m = /^(\d+):(stderr|file|syslog|journald)(?::(.*))?$/.exec(item);
    if (!m) throw new LogConfigError(`invalid log output '${item}'`);
    const kind = m[2] as LogOutputSpec['kind'];
    const target = m[3] ?? null;
    if (kind === 'file' && !target) throw new LogConfigError(`log output '${item}' needs a file path`);
    if (kind === 'file' && !path.isAbsolute(target!)) throw new LogConfigError(`log output '${item}': file path must be absolute`);
    out.push({ priority: parsePriority(m[1]!, `log output '${item}'`), kind, target });
  }
  return out;
}

/** "1:rpc 3:daemon +2:qemu" → specs (libvirt's '+' = with stack traces; ignored here). */
export function parseLogFilters(text: string): LogFilterSpec[] {
  const out: LogFilterSpec[] = [];
  for (const item of text.trim().split(/\s+/)) {
    if (!item) continue;
    const m = /^\+?(\d+):(\S+)$/.exec(item);
    if (!m) throw new LogConfigError(`invalid log filter '${item}'`);
    out.push({ priority: parsePriority(m[1]!, `log filter '${item}'`), match: m[2]! });
  }
  return out;
}

interface Sink { spec: LogOutputSpec; write(line: string): void; close(): void }

function openSink(spec: LogOutputSpec): Sink {
  if (spec.kind === 'file') {
    fs.mkdirSync(path.dirname(spec.target!), { recursive: true });
    const fd = fs.openSync(spec.target!, 'a', 0o600);
    return {
      spec,
      write(line) { try { fs.writeSync(fd, line); } catch { /* a full disk must not take the daemon down */ } },
      close() { try { fs.closeSync(fd); } catch { /* already closed */ } },
    };
  }
  return { spec, write(line) { try { process.stderr.write(line); } catch { /* stderr gone */ } }, close() { /* shared */ } };
}

/** libvirt matches filter names as globs when they contain '*', else as substrings. */
function filterMatches(match: string, category: string): boolean {
  if (!match.includes('*')) return category.includes(match);
  const re = new RegExp('^' + match.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(category);
}

export interface LogSettings {
  level?: LogPriority;
  outputs?: string;
  filters?: string;
}

export type LogFields = Record<string, unknown>;

/** One logger per process; categories name the subsystem ("daemon.server", "rpc"). */
export class Logger {
  private level: LogPriority = LogPriority.WARN;
  private filters: LogFilterSpec[] = [];
  private sinks: Sink[] = [openSink({ priority: LogPriority.WARN, kind: 'stderr', target: null })];

  /** Apply settings; all three are validated before anything changes. Throws LogConfigError. */
  configure(s: LogSettings): void {
    const outputs = s.outputs !== undefined && s.outputs.trim() !== '' ? parseLogOutputs(s.outputs) : null;
    const filters = s.filters !== undefined ? parseLogFilters(s.filters) : this.filters;
    const level = s.level ?? this.level;
    const newSinks = (outputs ?? [{ priority: level, kind: 'stderr', target: null } as LogOutputSpec]).map(openSink);
    for (const k of this.sinks) k.close();
    this.sinks = newSinks;
    this.filters = filters;
    this.level = level;
  }

  close(): void { for (const k of this.sinks) k.close(); this.sinks = []; }

  /** Would a message of this priority from this category be written anywhere? */
  enabled(category: string, priority: LogPriority): boolean {
    const f = this.filters.find((x) => filterMatches(x.match, category));
    if (priority < (f ? f.priority : this.level)) return false;
    return this.sinks.some((k) => priority >= k.spec.priority);
  }

  log(category: string, priority: LogPriority, message: string, fields?: LogFields): void {
    if (!this.enabled(category, priority)) return;
    const extra = fields && Object.keys(fields).length
      ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ')
      : '';
    const line = `${timestamp()}: ${process.pid}: ${PRIO_NAME[priority]} : ${category} : ${message}${extra}\n`;
    for (const k of this.sinks) if (priority >= k.spec.priority) k.write(line);
  }

  child(category: string): CategoryLogger { return new CategoryLogger(this, category); }
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return String(v);
}

/** libvirt's "2024-01-02 03:04:05.678+0000" */
function timestamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

export class CategoryLogger {
  constructor(readonly root: Logger, readonly category: string) {}
  debug(msg: string, fields?: LogFields): void { this.root.log(this.category, LogPriority.DEBUG, msg, fields); }
  info(msg: string, fields?: LogFields): void { this.root.log(this.category, LogPriority.INFO, msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.root.log(this.category, LogPriority.WARN, msg, fields); }
  error(msg: string, fields?: LogFields): void { this.root.log(this.category, LogPriority.ERROR, msg, fields); }
  enabled(p: LogPriority): boolean { return this.root.enabled(this.category, p); }
  child(sub: string): CategoryLogger { return new CategoryLogger(this.root, `${this.category}.${sub}`); }
}

/** The process-wide logger. */
export const logger = new Logger();
