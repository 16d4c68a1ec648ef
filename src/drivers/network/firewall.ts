// Firewall rules for managed networks, in an nftables table of tsvirt's own. The script is a pure
// function of the active networks and is applied as one nft transaction that deletes and
// re-creates the whole table: re-applying after a driver restart can never duplicate rules, and
// a network's rules vanish with it. libvirt counterpart: src/network/network_nftables.c (10.x)
// and network_iptables.c: masquerade for NAT, forward accept for the subnet, reject the rest
// to/from the bridge, DHCP/DNS accepted on input.
import { type NetworkDef, networkIpPrefix } from '../../conf/network.js';
import { ipFamily, ipNetworkAddress, parseIp } from '../../conf/net_addr.js';

export const FIREWALL_TABLE = 'tsvirt';
export const FIREWALL_FAMILY = 'inet';

const q = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

interface Subnet { family: 4 | 6; cidr: string }

function subnetsOf(def: NetworkDef): Subnet[] {
  const out: Subnet[] = [];
  for (const ip of def.ips) {
    const a = ip.address ? parseIp(ip.address) : null;
    if (!a) continue;
    const prefix = networkIpPrefix(ip);
    out.push({ family: a.family, cidr: `${ipNetworkAddress(a, prefix)}/${prefix}` });
  }
  return out;
}

/** The modes whose firewall this driver manages (bridge mode and 'open' get no rules). */
export function networkHasFirewall(def: NetworkDef): boolean {
  const mode = def.forward?.mode;
  return mode === undefined || mode === 'nat' || mode === 'route';
}

/** Rules for one network, grouped by chain. */
export function networkFirewallRules(def: NetworkDef): { input: string[]; forward: string[]; postrouting: string[] } {
  const r = { input: [] as string[], forward: [] as string[], postrouting: [] as string[] };
  if (!networkHasFirewall(def)) return r;
  const br = q(def.bridge?.name ?? '');
  const mode = def.forward?.mode;
  const outDev = def.forward?.dev ? ` oifname ${q(def.forward.dev)}` : '';
  const inDev = def.forward?.dev ? `iifname ${q(def.forward.dev)} ` : '';
  // guests may always reach dnsmasq on the bridge
  r.input.push(`iifname ${br} udp dport { 53, 67, 547 } accept`);
  r.input.push(`iifname ${br} tcp dport 53 accept`);
  const subnets = subnetsOf(def);
  if (mode === 'nat' || mode === 'route') {
    for (const s of subnets) {
      const fam = s.family === 4 ? 'ip' : 'ip6';
      // libvirt masquerades IPv4 only (IPv6 NAT only with <nat ipv6='yes'>) and routes IPv6
      const natted = mode === 'nat' && (s.family === 4 || def.forward?.nat?.ipv6 === 'yes');
      r.forward.push(`iifname ${br}${outDev} ${fam} saddr ${s.cidr} accept`);
      r.forward.push(`${inDev}oifname ${br} ${fam} daddr ${s.cidr}${natted ? ' ct state related,established' : ''} accept`);
      if (natted) {
        const nat = def.forward?.nat;
        const ports = `:${nat?.portStart || 1024}-${nat?.portEnd || 65535}`;
        const to = s.family === 4 && nat?.addressStart ? ` to ${nat.addressStart}-${nat.addressEnd ?? nat.addressStart}` : '';
        const base = `${fam} saddr ${s.cidr} ${fam} daddr != ${s.cidr}${outDev}`;
        if (s.family === 4) {
          // multicast and broadcast leave the subnet unmasqueraded (as libvirt does)
          r.postrouting.push(`${fam} saddr ${s.cidr} ${fam} daddr 224.0.0.0/24 return`);
          r.postrouting.push(`${fam} saddr ${s.cidr} ${fam} daddr 255.255.255.255 return`);
        }
        const toPorts = to ? `${to}${ports}` : ` to ${ports}`;
        r.postrouting.push(`meta l4proto tcp ${base} masquerade${toPorts}`);
        r.postrouting.push(`meta l4proto udp ${base} masquerade${toPorts}`);
        r.postrouting.push(`${base} masquerade${to}`);
      }
    }
  }
  // guests on the same bridge talk freely; everything else to/from the bridge is refused
  r.forward.push(`iifname ${br} oifname ${br} accept`);
  r.forward.push(`iifname ${br} reject`);
  r.forward.push(`oifname ${br} reject`);
  return r;
}

/**
 * The nft script that (re)creates tsvirt's table for the given active networks. The leading
 * "add table" makes the "delete table" valid when the table does not exist yet; both happen in
 * the same atomic transaction as the new content.
 */
export function firewallScript(active: NetworkDef[]): string {
  const T = `${FIREWALL_FAMILY} ${FIREWALL_TABLE}`;
  const input: string[] = [];
  const forward: string[] = [];
  const post: string[] = [];
  for (const def of [...active].sort((a, b) => a.name.localeCompare(b.name))) {
    const r = networkFirewallRules(def);
    if (!r.input.length && !r.forward.length && !r.postrouting.length) continue;
    const tag = ` comment ${q(`net:${def.name}`)}`;
    input.push(...r.input.map((x) => x + tag));
    forward.push(...r.forward.map((x) => x + tag));
    post.push(...r.postrouting.map((x) => x + tag));
  }
  const chain = (name: string, hook: string, prio: string, type: string, rules: string[]) => [
    `  chain ${name} {`,
    `    type ${type} hook ${hook} priority ${prio}; policy accept;`,
    ...rules.map((x) => `    ${x}`),
    '  }',
  ];
  const lines = [
    `add table ${T}`,
    `delete table ${T}`,
  ];
  if (input.length || forward.length || post.length) {
    lines.push(
      `table ${T} {`,
      ...chain('input', 'input', 'filter', 'filter', input),
      ...chain('forward', 'forward', 'filter', 'filter', forward),
      ...chain('postrouting', 'postrouting', 'srcnat', 'nat', post),
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

/** Does any of these networks need IP forwarding turned on? (per family) */
export function forwardingNeeded(def: NetworkDef): { v4: boolean; v6: boolean } {
  const mode = def.forward?.mode;
  if (mode !== 'nat' && mode !== 'route' && mode !== 'open') return { v4: false, v6: false };
  return {
    v4: def.ips.some((ip) => ipFamily(ip.address ?? '') === 4),
    v6: def.ips.some((ip) => ipFamily(ip.address ?? '') === 6),
  };
}
