// The remote driver module: which URIs go to a daemon, and opening them.
// libvirt counterpart: remoteConnectOpen's "should we handle this URI" decision in remote_driver.c.
import type { ConnectURI, DriverConnection, OpenOptions } from '../driver.js';
import { registerDriver } from '../registry.js';
import { RemoteConnection } from './connection.js';

export { RemoteConnection } from './connection.js';
export type { CloseListener } from './connection.js';

/** Hypervisor URIs that only a daemon can serve, even without a transport or host. */
const DAEMON_SCHEMES = new Set(['qemu', 'network', 'storage', 'lxc', 'remote']);

/**
 * Never inside the daemon (it serves hypervisors itself). In the library: any URI naming a
 * transport or a host, and the daemon-only schemes; `test:///default` stays in-process unless
 * a transport or host sends it to a daemon.
 */
export function claims(uri: ConnectURI, ctx: { inDaemon: boolean }): boolean {
  if (ctx.inDaemon) return false;
  if (uri.transport !== null) return true;
  if (uri.host) return true;
  return DAEMON_SCHEMES.has(uri.scheme);
}

export async function openRemote(uri: ConnectURI, opts: OpenOptions): Promise<RemoteConnection> {
  const conn = new RemoteConnection(uri, opts);
  await conn.connect();
  return conn;
}

export function register(): void {
  registerDriver({
    name: 'remote',
    kind: 'remote',
    claims,
    open: (uri, opts): Promise<DriverConnection> => openRemote(uri, opts),
  });
}
