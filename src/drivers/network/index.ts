// The network driver module: virtual networks on Linux bridges — NAT, routed, open and isolated
// networks (bridge, addresses, nftables rules, one dnsmasq each) and bridge-mode networks on an
// existing host bridge (nothing managed). libvirt counterpart: src/network/bridge_driver.c.
//
// Layout under the driver's root (default "/", `tsvirtd --root DIR` sets TSVIRT_ROOT):
//   ROOT/etc/tsvirt/network/NAME.xml             persistent definitions
//   ROOT/etc/tsvirt/network/autostart/NAME.xml   symlink = autostart
//   ROOT/run/tsvirt/network/NAME.xml, NAME.pid   live definition, dnsmasq pid
//   ROOT/var/lib/tsvirt/dnsmasq/NAME.{conf,hostsfile,addnhosts,leases}
// Firewall: one nftables table `inet tsvirt`, rebuilt atomically from the active networks.
// TSVIRT_NETNS (or createNetworkDriver({ netns })) runs every ip/nft/dnsmasq command inside
// that network namespace.
//
// Interface for the QEMU driver (guest NICs of type 'network'):
//   networkAllocateTap(netName, domainName, mac) -> { tap, bridge }
//       creates a persistent tap device (vnetN) with MAC fe:xx:..., attaches it to the
//       network's bridge and brings it up; QEMU opens it with -netdev tap,ifname=TAP,script=no
//       (run QEMU in the same namespace: networkNamespace() returns it, or null).
//   networkReleaseTap(tap)  removes it (guest stopped / NIC detached).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DriverConnection } from '../driver.js';
import { registerDriver } from '../registry.js';
import { NetworkConnection } from './conn.js';
import { NetworkDriver, type NetworkDriverOptions } from './driver.js';
import { tsvirtRoot } from '../../util/root.js';

export { NetworkDriver, NetworkConnection };
export type { NetworkDriverOptions };
export { dnsmasqConfig, dnsmasqHostsFile, dnsmasqAddnHosts, parseDnsmasqLeases } from './dnsmasq.js';
export { firewallScript } from './firewall.js';

export interface NetworkDriverHandle {
  readonly driver: NetworkDriver;
  connect(): NetworkConnection & DriverConnection;
}

/** Create and initialise a driver (loads configs, re-attaches running networks, autostarts). */
export async function createNetworkDriver(opts: NetworkDriverOptions = {}): Promise<NetworkDriverHandle> {
  const driver = new NetworkDriver(opts);
  await driver.init({ autostart: opts.autostart });
  return { driver, connect: () => new NetworkConnection(driver) };
}

let shared: Promise<NetworkDriverHandle> | null = null;
/** The shared driver once initialised (the daemon's idle check is synchronous). */
let sharedReady: NetworkDriverHandle | null = null;

/** The process-wide driver behind the registered module (created at first use). */
export function sharedNetworkDriver(): Promise<NetworkDriverHandle> {
  shared ??= createNetworkDriver({ root: tsvirtRoot(), netns: process.env['TSVIRT_NETNS'] || null })
    .then((h) => { sharedReady = h; return h; });
  return shared;
}

/** Tap for a guest NIC on network `netName` (see the header). */
export async function networkAllocateTap(netName: string, domainName: string, mac: string): Promise<{ tap: string; bridge: string }> {
  return (await sharedNetworkDriver()).driver.allocateTap(netName, domainName, mac);
}
export async function networkReleaseTap(tap: string): Promise<void> {
  await (await sharedNetworkDriver()).driver.releaseTap(tap);
}
/** The namespace the network driver works in (QEMU must run there to open its taps). */
export async function networkNamespace(): Promise<string | null> {
  return (await sharedNetworkDriver()).driver.runner.netns;
}

/**
 * Active networks keep an idle daemon alive. Before the driver was first opened, the run
 * state files say which networks a previous daemon left running.
 */
function networkActiveCount(): number {
  if (sharedReady) return sharedReady.driver.values().filter((o) => o.active).length;
  try {
    return fs.readdirSync(path.join(tsvirtRoot(), 'run', 'tsvirt', 'network')).filter((f) => f.endsWith('.xml')).length;
  } catch { return 0; }
}

export function register(): void {
  registerDriver({
    name: 'network',
    kind: 'network',
    async open() { return (await sharedNetworkDriver()).connect(); },
    activeObjects: networkActiveCount,
    // Bridges, rules and dnsmasq outlive the daemon by design (re-attached at the next start).
  });
}
