// Driver registry: driver modules register their tables here; opening a URI picks the driver
// that claims it (libvirt's virConnectOpen walk over virHypervisorDriverTab), and a hypervisor
// connection is completed with the network, storage and interface drivers' methods where it
// has none (a call no registered driver serves is NO_SUPPORT, as in libvirtd).
import type { ConnectURI, DriverConnection, DriverModule } from './driver.js';
import { parseURI } from './uri.js';
import { GuardedConnection } from './access.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';

const modules: DriverModule[] = [];

/** Called by each driver module's register(). Re-registering a name replaces it. */
export function registerDriver(m: DriverModule): void {
  const i = modules.findIndex((x) => x.name === m.name);
  if (i >= 0) modules[i] = m; else modules.push(m);
}

export function registeredDrivers(): readonly DriverModule[] { return modules; }

/** Built-in modules the library can load by name (the daemon's config lists which to load). */
const MODULE_PATHS: Record<string, string> = {
  test: './test/index.js',
  remote: './remote/index.js',
  qemu: './qemu/index.js',
  network: './network/index.js',
  storage: './storage/index.js',
  secret: './secret/index.js',
};

type DriverModuleExports = { register?: () => void | Promise<void> };

/**
 * Driver modules compiled into a single-file bundle (tsvirtd's), which cannot follow the
 * computed import() below: the bundle hands over a loader per name, evaluated on first load.
 */
const PROVIDED = new Map<string, () => DriverModuleExports>();

export function provideDriverModule(name: string, load: () => DriverModuleExports): void {
  PROVIDED.set(name, load);
}

/**
 * Import a driver module by name and call its register() (the seed's "load module, call its
 * register function"). Throws a VirError naming the module when it cannot be loaded.
 */
export async function loadDriverModule(name: string): Promise<void> {
  const path = MODULE_PATHS[name];
  const provided = PROVIDED.get(name);
  if (!path && !provided) throw virError(ErrorDomain.NONE, ErrorNumber.INTERNAL_ERROR, `unknown driver module '${name}'`);
  let mod: DriverModuleExports;
  try {
    mod = provided ? provided() : await import(path!) as DriverModuleExports;
  } catch (e) {
    throw virError(ErrorDomain.NONE, ErrorNumber.INTERNAL_ERROR, `failed to load driver module '${name}': ${(e as Error).message}`);
  }
  if (typeof mod.register !== 'function') {
    throw virError(ErrorDomain.NONE, ErrorNumber.INTERNAL_ERROR, `driver module '${name}' has no register()`);
  }
  await mod.register();
}

export interface OpenResult { uri: ConnectURI; conn: GuardedConnection; driverName: string }

export interface RegistryOpenOptions {
  readonly?: boolean;
  flags?: number;
  /** true inside tsvirtd: the remote driver is not a candidate, hypervisor drivers serve directly. */
  inDaemon?: boolean;
}

/** libvirt's default URI when none is given. */
export function defaultURI(inDaemon: boolean): string {
  const env = process.env['TSVIRT_DEFAULT_URI'] ?? process.env['LIBVIRT_DEFAULT_URI'];
  if (env) return env;
  if (inDaemon) {
    if (modules.some((m) => m.name === 'qemu')) return process.getuid?.() === 0 ? 'qemu:///system' : 'qemu:///session';
    return 'test:///default';
  }
  return process.getuid?.() === 0 ? 'qemu:///system' : 'qemu:///session';
}

let remoteLoadError: VirError | null = null;

async function ensureBuiltins(inDaemon: boolean): Promise<void> {
  // The library loads its in-process drivers lazily: importing tsvirt costs nothing until open().
  if (!inDaemon) {
    if (!modules.some((m) => m.name === 'test')) await loadDriverModule('test');
    if (!modules.some((m) => m.name === 'remote') && !remoteLoadError) {
      // Kept, not thrown: in-process URIs still work; a URI that needs the daemon reports it.
      try { await loadDriverModule('remote'); } catch (e) { remoteLoadError = e as VirError; }
    }
  }
}

/** Open a connection to whichever registered driver claims the URI. */
export async function openConnection(uriString: string | null | undefined, opts: RegistryOpenOptions = {}): Promise<OpenResult> {
  const inDaemon = opts.inDaemon ?? false;
  await ensureBuiltins(inDaemon);
  const uri = parseURI(uriString || defaultURI(inDaemon));
  const openOpts = { readonly: opts.readonly ?? false, flags: opts.flags ?? 0 };
  const hv = modules.filter((m) => m.kind === 'hypervisor' || m.kind === 'remote');
  // In-process hypervisor drivers first, then the remote driver (libvirt's order).
  const ordered = [...hv.filter((m) => m.kind === 'hypervisor'), ...(inDaemon ? [] : hv.filter((m) => m.kind === 'remote'))];
  for (const m of ordered) {
    if (!m.claims || !m.claims(uri, { inDaemon })) continue;
    const driver = await m.open(uri, openOpts);
    const composed = m.kind === 'hypervisor' && m.name !== 'test' ? await withSecondaryDrivers(driver, uri, openOpts) : driver;
    return { uri, conn: new GuardedConnection(composed, openOpts.readonly), driverName: m.name };
  }
  if (!inDaemon && remoteLoadError) throw remoteLoadError;
  throw noDriverFor(uri.original);
}

function noDriverFor(uri: string): VirError {
  return virError(ErrorDomain.NONE, ErrorNumber.NO_CONNECT, uri);
}

/**
 * A hypervisor connection gains the network, storage, interface and node device drivers' methods that it lacks,
 * as libvirt attaches the secondary driver tables to every virConnect.
 */
async function withSecondaryDrivers(hv: DriverConnection, uri: ConnectURI, opts: { readonly: boolean; flags: number }): Promise<DriverConnection> {
  const secondaries: DriverConnection[] = [];
  for (const m of modules) {
    if (m.kind !== 'network' && m.kind !== 'storage' && m.kind !== 'interface' && m.kind !== 'nodedev' && m.kind !== 'secret') continue;
    secondaries.push(await m.open(uri, opts));
  }
  if (secondaries.length === 0) return hv;
  const composed: Record<string, unknown> = {};
  for (const s of secondaries) {
    for (const k of methodNames(s)) composed[k] = (s as Record<string, (...a: unknown[]) => unknown>)[k]!.bind(s);
  }
  for (const k of methodNames(hv)) composed[k] = (hv as Record<string, (...a: unknown[]) => unknown>)[k]!.bind(hv);
  const closeAll = async () => {
    await hv.connectClose?.();
    for (const s of secondaries) await s.connectClose?.();
  };
  composed['connectClose'] = closeAll;
  return composed as DriverConnection;
}

function methodNames(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (k !== 'constructor' && typeof (o as Record<string, unknown>)[k] === 'function') names.add(k);
    }
  }
  return [...names];
}
