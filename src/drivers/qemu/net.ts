// Host side of guest NICs: the tap device behind <interface type='network|bridge|ethernet'>.
// type='network' asks the network driver (it owns the bridge and counts connections); bridge
// and ethernet taps are made here with `ip`. libvirt counterpart: qemu_interface.c
// (qemuInterfaceBridgeConnect / qemuInterfaceEthernetConnect) and virDomainNetAllocateActualDevice.
import * as fs from 'node:fs';
import { runCommand } from '../../util/command.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import type { InterfaceDef } from '../../conf/domain.js';

/** What the QEMU driver needs from the network driver (injectable for tests). */
export interface TapHooks {
  allocateTap(network: string, domain: string, mac: string): Promise<{ tap: string; bridge: string }>;
  releaseTap(tap: string): Promise<void>;
}

/** A tap prepared for one interface; `owner` says who removes it at stop/unplug. */
export interface TapRecord { tap: string; owner: 'network' | 'self' | 'none' }

const defaultHooks: TapHooks = {
  async allocateTap(network, domain, mac) {
    const m = await import('../network/index.js');
    return m.networkAllocateTap(network, domain, mac);
  },
  async releaseTap(tap) {
    const m = await import('../network/index.js');
    await m.networkReleaseTap(tap);
  },
};

const SBIN = '/usr/sbin:/usr/bin:/sbin:/bin';
/** Names handed out by this process but maybe not visible in /sys yet. */
const reserved = new Set<string>();

/** `ip` in the namespace QEMU runs in (null: the daemon's own). */
function ipArgv(netns: string | null, args: string[]): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, 'ip', ...args] : ['ip', ...args];
}

async function ip(lines: string[], netns: string | null): Promise<void> {
  const r = await runCommand({ argv: ipArgv(netns, ['-batch', '-']), input: lines.join('\n') + '\n', path: SBIN, timeoutMs: 30_000 });
  if (r.code !== 0) {
    throw virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR,
      `Unable to create tap device: ${(r.stderr || r.stdout).trim() || `exit status ${r.code}`}`);
  }
}

/** Interface names in the namespace (/sys shows the daemon's own namespace only). */
async function linkNames(netns: string | null): Promise<Set<string>> {
  if (!netns) return new Set(fs.readdirSync('/sys/class/net'));
  const r = await runCommand({ argv: ipArgv(netns, ['-o', 'link', 'show']), path: SBIN, timeoutMs: 30_000 });
  return new Set(r.stdout.split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1]).filter((x): x is string => !!x));
}

function freeTapName(have: Set<string>): string {
  for (let i = 0; ; i++) {
    const n = `vnet${i}`;
    if (!have.has(n) && !reserved.has(n)) { reserved.add(n); return n; }
  }
}

/** libvirt gives the host end the guest's MAC with the first byte 0xfe, so the bridge never takes it. */
function hostMac(mac: string): string { return `fe${mac.slice(2)}`; }

/** Create (or find) the tap for one interface; nothing for user-mode networking. */
export async function qemuInterfacePrepare(n: InterfaceDef, domain: string, hooks: TapHooks = defaultHooks, netns: string | null = null): Promise<TapRecord | null> {
  switch (n.type) {
    case 'network': {
      const net = n.source?.network;
      if (!net) throw virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, 'missing source network for interface');
      const { tap } = await hooks.allocateTap(net, domain, n.mac);
      return { tap, owner: 'network' };
    }
    case 'bridge': {
      const br = n.source?.bridge;
      const links = await linkNames(netns);
      if (!br || !links.has(br)) {
        throw virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, `Cannot get interface MTU on '${br ?? ''}': No such device`);
      }
      const tap = freeTapName(links);
      try {
        await ip([`tuntap add dev ${tap} mode tap`, `link set dev ${tap} address ${hostMac(n.mac)}`,
          `link set dev ${tap} master ${br}`, `link set dev ${tap} up`], netns);
      } catch (e) {
        await runCommand({ argv: ipArgv(netns, ['link', 'del', tap]), path: SBIN }).catch(() => undefined);
        throw e;
      } finally { reserved.delete(tap); }
      return { tap, owner: 'self' };
    }
    case 'ethernet': {
      // managed='no': the admin made the tap; we only hand its name to QEMU.
      if (n.target?.dev && n.target.managed === 'no') return { tap: n.target.dev, owner: 'none' };
      const tap = n.target?.dev && !n.target.dev.startsWith('vnet') ? n.target.dev : freeTapName(await linkNames(netns));
      try {
        await ip([`tuntap add dev ${tap} mode tap`, `link set dev ${tap} address ${hostMac(n.mac)}`, `link set dev ${tap} up`], netns);
      } finally { reserved.delete(tap); }
      return { tap, owner: 'self' };
    }
    default:
      return null;
  }
}

/** Undo qemuInterfacePrepare (stop, unplug, failed start). Never throws: a leftover tap is logged. */
export async function qemuInterfaceRelease(rec: TapRecord, hooks: TapHooks = defaultHooks, netns: string | null = null): Promise<void> {
  try {
    if (rec.owner === 'network') await hooks.releaseTap(rec.tap);
    else if (rec.owner === 'self') await runCommand({ argv: ipArgv(netns, ['link', 'del', rec.tap]), path: SBIN, timeoutMs: 30_000 });
  } catch (e) {
    process.emitWarning(`cannot remove tap device ${rec.tap}: ${(e as Error).message}`);
  }
}
