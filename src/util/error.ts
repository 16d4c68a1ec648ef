// VirError: the one error type of tsvirt; mirrors libvirt's virError / the wire's remote_error
// field for field, so an error raised in a driver reaches the real virsh unchanged.

/** libvirt's virErrorNumber values (libvirt 9.0). */
export enum ErrorNumber {
  OK = 0, INTERNAL_ERROR = 1, NO_MEMORY = 2, NO_SUPPORT = 3, UNKNOWN_HOST = 4, NO_CONNECT = 5,
  INVALID_CONN = 6, INVALID_DOMAIN = 7, INVALID_ARG = 8, OPERATION_FAILED = 9, GET_FAILED = 10,
  POST_FAILED = 11, HTTP_ERROR = 12, SEXPR_SERIAL = 13, NO_XEN = 14, XEN_CALL = 15, OS_TYPE = 16,
  NO_KERNEL = 17, NO_ROOT = 18, NO_SOURCE = 19, NO_TARGET = 20, NO_NAME = 21, NO_OS = 22,
  NO_DEVICE = 23, NO_XENSTORE = 24, DRIVER_FULL = 25, CALL_FAILED = 26, XML_ERROR = 27,
  DOM_EXIST = 28, OPERATION_DENIED = 29, OPEN_FAILED = 30, READ_FAILED = 31, PARSE_FAILED = 32,
  CONF_SYNTAX = 33, WRITE_FAILED = 34, XML_DETAIL = 35, INVALID_NETWORK = 36, NETWORK_EXIST = 37,
  SYSTEM_ERROR = 38, RPC = 39, GNUTLS_ERROR = 40, WAR_NO_NETWORK = 41, NO_DOMAIN = 42,
  NO_NETWORK = 43, INVALID_MAC = 44, AUTH_FAILED = 45, INVALID_STORAGE_POOL = 46,
  INVALID_STORAGE_VOL = 47, WAR_NO_STORAGE = 48, NO_STORAGE_POOL = 49, NO_STORAGE_VOL = 50,
  WAR_NO_NODE = 51, INVALID_NODE_DEVICE = 52, NO_NODE_DEVICE = 53, NO_SECURITY_MODEL = 54,
  OPERATION_INVALID = 55, WAR_NO_INTERFACE = 56, NO_INTERFACE = 57, INVALID_INTERFACE = 58,
  MULTIPLE_INTERFACES = 59, WAR_NO_NWFILTER = 60, INVALID_NWFILTER = 61, NO_NWFILTER = 62,
  BUILD_FIREWALL = 63, WAR_NO_SECRET = 64, INVALID_SECRET = 65, NO_SECRET = 66,
  CONFIG_UNSUPPORTED = 67, OPERATION_TIMEOUT = 68, MIGRATE_PERSIST_FAILED = 69,
  HOOK_SCRIPT_FAILED = 70, INVALID_DOMAIN_SNAPSHOT = 71, NO_DOMAIN_SNAPSHOT = 72,
  INVALID_STREAM = 73, ARGUMENT_UNSUPPORTED = 74, STORAGE_PROBE_FAILED = 75,
  STORAGE_POOL_BUILT = 76, SNAPSHOT_REVERT_RISKY = 77, OPERATION_ABORTED = 78,
  AUTH_CANCELLED = 79, NO_DOMAIN_METADATA = 80, MIGRATE_UNSAFE = 81, OVERFLOW = 82,
  BLOCK_COPY_ACTIVE = 83, OPERATION_UNSUPPORTED = 84, SSH = 85, AGENT_UNRESPONSIVE = 86,
  RESOURCE_BUSY = 87, ACCESS_DENIED = 88, DBUS_SERVICE = 89, STORAGE_VOL_EXIST = 90,
  CPU_INCOMPATIBLE = 91, XML_INVALID_SCHEMA = 92, MIGRATE_FINISH_OK = 93, AUTH_UNAVAILABLE = 94,
  NO_SERVER = 95, NO_CLIENT = 96, AGENT_UNSYNCED = 97, LIBSSH = 98, DEVICE_MISSING = 99,
  INVALID_NWFILTER_BINDING = 100, NO_NWFILTER_BINDING = 101, INVALID_DOMAIN_CHECKPOINT = 102,
  NO_DOMAIN_CHECKPOINT = 103, NO_DOMAIN_BACKUP = 104, INVALID_NETWORK_PORT = 105,
  NETWORK_PORT_EXIST = 106, NO_NETWORK_PORT = 107, NO_HOSTNAME = 108,
  CHECKPOINT_INCONSISTENT = 109, MULTIPLE_DOMAINS = 110,
}

/** libvirt's virErrorDomain values: which subsystem raised the error. */
export enum ErrorDomain {
  NONE = 0, XEN = 1, XEND = 2, XENSTORE = 3, SEXPR = 4, XML = 5, DOM = 6, RPC = 7, PROXY = 8,
  CONF = 9, QEMU = 10, NET = 11, TEST = 12, REMOTE = 13, OPENVZ = 14, XENXM = 15,
  STATS_LINUX = 16, LXC = 17, STORAGE = 18, NETWORK = 19, DOMAIN = 20, UML = 21, NODEDEV = 22,
  XEN_INOTIFY = 23, SECURITY = 24, VBOX = 25, INTERFACE = 26, ONE = 27, ESX = 28, PHYP = 29,
  SECRET = 30, CPU = 31, XENAPI = 32, NWFILTER = 33, HOOK = 34, DOMAIN_SNAPSHOT = 35, AUDIT = 36,
  SYSINFO = 37, STREAMS = 38, VMWARE = 39, EVENT = 40, LIBXL = 41, LOCKING = 42, HYPERV = 43,
  CAPABILITIES = 44, URI = 45, AUTH = 46, DBUS = 47, PARALLELS = 48, DEVICE = 49, SSH = 50,
  LOCKSPACE = 51, INITCTL = 52, IDENTITY = 53, CGROUP = 54, ACCESS = 55, SYSTEMD = 56,
  BHYVE = 57, CRYPTO = 58, FIREWALL = 59, POLKIT = 60, THREAD = 61, ADMIN = 62, LOGGING = 63,
  XENXL = 64, PERF = 65, LIBSSH = 66, RESCTRL = 67, FIREWALLD = 68, DOMAIN_CHECKPOINT = 69,
  TPM = 70, BPF = 71, CH = 72,
}

export enum ErrorLevel { NONE = 0, WARNING = 1, ERROR = 2 }

/**
 * Message templates by code, as libvirt words them: [without detail, with detail (%s)].
 * Users and scripts match on these, so the wording is libvirt's.
 */
const TEMPLATES: Record<number, [string, string]> = {
  1: ['internal error', 'internal error: %s'],
  2: ['out of memory', 'out of memory: %s'],
  3: ['this function is not supported by the connection driver', 'this function is not supported by the connection driver: %s'],
  4: ['unknown host', 'unknown host %s'],
  5: ['no connection driver available', 'no connection driver available for %s'],
  6: ['invalid connection pointer in', 'invalid connection pointer in %s'],
  7: ['invalid domain pointer in', 'invalid domain pointer in %s'],
  8: ['invalid argument', 'invalid argument: %s'],
  9: ['operation failed', 'operation failed: %s'],
  16: ['unknown OS type', 'unknown OS type %s'],
  17: ['missing kernel information', 'missing kernel information: %s'],
  19: ['missing source information for device', 'missing source information for device %s'],
  20: ['missing target information for device', 'missing target information for device %s'],
  21: ['missing name information', 'missing name information in %s'],
  22: ['missing operating system information', 'missing operating system information for %s'],
  23: ['missing devices information', 'missing devices information for %s'],
  26: ['library call failed', 'library call failed: %s'],
  27: ['XML description is invalid or not well formed', 'XML error: %s'],
  28: ['this domain exists already', 'domain %s exists already'],
  29: ['operation forbidden for read only access', 'operation forbidden: %s'],
  30: ['failed to open configuration file', 'failed to open configuration file %s'],
  31: ['failed to read configuration file', 'failed to read configuration file %s'],
  32: ['failed to parse configuration file', 'failed to parse configuration file %s'],
  33: ['configuration file syntax error', 'configuration file syntax error: %s'],
  34: ['failed to write configuration file', 'failed to write configuration file: %s'],
  35: ['parser error', '%s'],
  36: ['invalid network pointer in', 'invalid network pointer in %s'],
  37: ['this network exists already', 'network %s exists already'],
  38: ['system call error', '%s'],
  39: ['RPC error', '%s'],
  40: ['GNUTLS call error', '%s'],
  42: ['Domain not found', 'Domain not found: %s'],
  43: ['Network not found', 'Network not found: %s'],
  44: ['invalid MAC address', 'invalid MAC address: %s'],
  45: ['authentication failed', 'authentication failed: %s'],
  46: ['invalid storage pool pointer in', 'invalid storage pool pointer in %s'],
  47: ['invalid storage volume pointer in', 'invalid storage volume pointer in %s'],
  49: ['Storage pool not found', 'Storage pool not found: %s'],
  50: ['Storage volume not found', 'Storage volume not found: %s'],
  53: ['Node device not found', 'Node device not found: %s'],
  54: ['Security model not found', 'Security model not found: %s'],
  55: ['Requested operation is not valid', 'Requested operation is not valid: %s'],
  57: ['Interface not found', 'Interface not found: %s'],
  58: ['invalid interface pointer in', 'invalid interface pointer in %s'],
  63: ['Error while building firewall', 'Error while building firewall: %s'],
  66: ['Secret not found', 'Secret not found: %s'],
  67: ['unsupported configuration', 'unsupported configuration: %s'],
  68: ['Timed out during operation', 'Timed out during operation: %s'],
  70: ['Hook script execution failed', 'Hook script execution failed: %s'],
  71: ['Invalid domain snapshot', 'Invalid domain snapshot: %s'],
  72: ['Domain snapshot not found', 'Domain snapshot not found: %s'],
  73: ['invalid stream pointer', 'invalid stream pointer in %s'],
  74: ['argument unsupported', 'argument unsupported: %s'],
  75: ['Storage pool probe failed', 'Storage pool probe failed: %s'],
  76: ['Storage pool already built', 'Storage pool already built: %s'],
  77: ['revert requires force', 'revert requires force: %s'],
  78: ['operation aborted', 'operation aborted: %s'],
  80: ['metadata not found', 'metadata not found: %s'],
  82: ['numerical overflow', 'numerical overflow: %s'],
  84: ['Operation not supported', 'Operation not supported: %s'],
  85: ['SSH transport error', 'SSH transport error: %s'],
  87: ['resource busy', 'resource busy: %s'],
  88: ['access denied', 'access denied: %s'],
  90: ['this storage volume exists already', 'storage volume %s exists already'],
  92: ['XML document failed to validate against schema', 'XML document failed to validate against schema: %s'],
  99: ['device not found', 'device not found: %s'],
  102: ['Invalid domain checkpoint', 'Invalid domain checkpoint: %s'],
  103: ['Domain checkpoint not found', 'Domain checkpoint not found: %s'],
  110: ['multiple matching domains found', 'multiple matching domains found: %s'],
};

/** libvirt's virErrorMsg(): the full message for a code and an optional detail. */
export function errorMessage(code: number, detail?: string | null): string {
  const t = TEMPLATES[code];
  if (!t) return detail ?? 'unknown error';
  if (detail === undefined || detail === null || detail === '') return t[0];
  return t[1].replace('%s', detail);
}

export interface VirErrorFields {
  code: number;
  domain: number;
  message: string;
  level?: number;
  str1?: string | null;
  str2?: string | null;
  str3?: string | null;
  int1?: number;
  int2?: number;
}

/** A libvirt error: code and domain numbers plus the message virsh prints after "error: ". */
export class VirError extends Error {
  readonly code: number;
  readonly domain: number;
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;

  constructor(fields: VirErrorFields) {
    super(fields.message);
    this.name = 'VirError';
    this.code = fields.code;
    this.domain = fields.domain;
    this.level = fields.level ?? ErrorLevel.ERROR;
    this.str1 = fields.str1 ?? null;
    this.str2 = fields.str2 ?? null;
    this.str3 = fields.str3 ?? null;
    this.int1 = fields.int1 ?? -1;
    this.int2 = fields.int2 ?? -1;
  }

  /** Symbolic name of the code, e.g. "NO_DOMAIN". */
  get codeName(): string { return ErrorNumber[this.code] ?? String(this.code); }
  get domainName(): string { return ErrorDomain[this.domain] ?? String(this.domain); }
}

/**
 * Raise-style constructor used everywhere: `virError(ErrorDomain.TEST, ErrorNumber.NO_DOMAIN)`
 * or with a detail that fills libvirt's template (`Domain not found: no domain with ...`).
 */
export function virError(domain: ErrorDomain | number, code: ErrorNumber | number, detail?: string): VirError {
  const t = TEMPLATES[code];
  return new VirError({
    code, domain,
    message: errorMessage(code, detail),
    str1: t ? (detail ? t[1] : t[0]) : null,
    str2: detail ?? null,
  });
}

/** "unsupported flags (0x%x) in function %s" — libvirt's virCheckFlags wording. */
export function unsupportedFlags(domain: number, flags: number, fn: string): VirError {
  // virCheckFlags reports the bare text, without the "invalid argument: " template prefix.
  const message = `unsupported flags (0x${(flags >>> 0).toString(16)}) in function ${fn}`;
  return new VirError({ code: ErrorNumber.INVALID_ARG, domain, message, str1: message, int1: 0 });
}

/** An error whose message is exactly `message` (libvirt's virReportErrorHelper with a raw text). */
export function rawError(domain: number, code: number, message: string): VirError {
  return new VirError({ code, domain, message, str1: message });
}

/** Reject flags outside `allowed` the way libvirt's virCheckFlags does. */
export function checkFlags(domain: number, flags: number, allowed: number, fn: string): void {
  const extra = (flags >>> 0) & ~(allowed >>> 0);
  if (extra) throw unsupportedFlags(domain, extra, fn);
}

export function isVirError(e: unknown): e is VirError { return e instanceof VirError; }

/** Wrap a foreign exception (EACCES from fs, ...) into a SYSTEM_ERROR VirError with context. */
export function systemError(domain: number, what: string, err: unknown): VirError {
  const msg = err instanceof Error ? err.message : String(err);
  return virError(domain, ErrorNumber.SYSTEM_ERROR, `${what}: ${msg}`);
}
