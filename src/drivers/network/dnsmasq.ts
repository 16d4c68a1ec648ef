// dnsmasq for a virtual network: the config file, the DHCP hosts file, the DNS hosts file (all
// pure functions of the definition, golden-tested) and the lease file parser.
// libvirt counterpart: src/network/bridge_driver.c networkDnsmasqConfContents and
// src/util/virdnsmasq.c (hostsfile/addnhosts), src/network/leaseshelper.c for the leases.
import { type DhcpLease, type NetworkDef, type NetworkIpDef, networkIpPrefix } from '../../conf/network.js';
import { ipFamily, ipRangeCheck, parseIp, ipNetworkAddress } from '../../conf/net_addr.js';

export interface DnsmasqPaths {
  pidFile: string;
  leaseFile: string;
  hostsFile: string;
  addnHostsFile: string;
}

/** lease time in dnsmasq's syntax: "infinite", "90m", "2h", "300" (seconds) */
function leaseTime(l: DhcpLease | undefined): string | undefined {
  if (!l) return undefined;
  if (l.expiry === 0) return 'infinite';
  const unit = l.unit ?? 'minutes';
  return unit === 'hours' ? `${l.expiry}h` : unit === 'minutes' ? `${l.expiry}m` : `${l.expiry}`;
}

function netmaskOf(prefix: number): string {
  const bytes = [0, 0, 0, 0].map((_, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return (0xff << (8 - bits)) & 0xff;
  });
  return bytes.join('.');
}

const hasDhcp = (ip: NetworkIpDef) => !!ip.dhcp && (ip.dhcp.ranges.length > 0 || ip.dhcp.hosts.length > 0);
const isV6 = (ip: NetworkIpDef) => ipFamily(ip.address ?? '') === 6;

/** Does this network need a dnsmasq at all (DNS on, or DHCP anywhere, or IPv6 RA)? */
export function networkNeedsDnsmasq(def: NetworkDef): boolean {
  if (def.ips.length === 0) return false;
  return def.dns?.enable !== 'no' || def.ips.some(hasDhcp) || def.ips.some(isV6);
}

/**
 * The dnsmasq configuration for a managed network. Every path it names comes from `paths`,
 * so the function is pure. `bridge` is the network's bridge device.
 */
export function dnsmasqConfig(def: NetworkDef, paths: DnsmasqPaths, opts: { user?: string } = {}): string {
  const bridge = def.bridge?.name ?? '';
  const L: string[] = [
    '##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE',
    '##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:',
    `##    virsh net-edit ${def.name}`,
    '## or other application using the libvirt API.',
    '##',
    '## dnsmasq conf file created by tsvirt',
    'strict-order',
  ];
  if (opts.user) L.push(`user=${opts.user}`);
  L.push(`pid-file=${paths.pidFile}`);
  const dns = def.dns;
  const dnsOff = dns?.enable === 'no';
  if (dnsOff) {
    // port=0 turns dnsmasq's DNS server off; it still serves DHCP
    L.push('port=0');
  } else {
    for (const f of dns?.forwarders ?? []) {
      if (f.domain !== undefined && f.addr === undefined) L.push(`server=/${f.domain}/#`);
      else {
        const where = f.addr === undefined ? '' : f.port ? `${f.addr}#${f.port}` : f.addr;
        L.push(f.domain !== undefined ? `server=/${f.domain}/${where}` : `server=${where}`);
      }
    }
    if (!def.forward) L.push('no-resolv');
    if (dns?.forwardPlainNames !== 'yes') {
      L.push('domain-needed');
      if (!def.domain) L.push('local=//');
    }
    if (def.domain) {
      L.push(`domain=${def.domain.name}`, 'expand-hosts');
      if (def.domain.localOnly !== 'no') L.push(`local=/${def.domain.name}/`);
    }
    for (const t of dns?.txts ?? []) L.push(`txt-record=${t.name},${t.value}`);
    for (const s of dns?.srvs ?? []) {
      let rec = `srv-host=_${s.service}._${s.protocol}`;
      if (s.domain) rec += `.${s.domain}`;
      if (s.target) rec += `,${s.target},${s.port ?? 0},${s.priority ?? 0},${s.weight ?? 0}`;
      L.push(rec);
    }
  }
  L.push('except-interface=lo', 'bind-dynamic', `interface=${bridge}`);
  // no default route for guests of a network that does not forward
  if (!def.forward) L.push('dhcp-option=3');

  let leases = 0;
  const v4 = def.ips.find((ip) => !isV6(ip) && hasDhcp(ip));
  const v6 = def.ips.find((ip) => isV6(ip) && hasDhcp(ip));
  for (const ip of [v4, v6]) {
    if (!ip) continue;
    const prefix = networkIpPrefix(ip);
    for (const r of ip.dhcp!.ranges) {
      const parts = [r.start, r.end, isV6(ip) ? String(prefix) : netmaskOf(prefix)];
      const lt = leaseTime(r.lease);
      if (lt) parts.push(lt);
      L.push(`dhcp-range=${parts.join(',')}`);
      leases += ipRangeCheck(parseIp(r.start)!, parseIp(r.end)!);
    }
    // a network with only static hosts still needs a "static" range for dnsmasq to answer
    if (ip.dhcp!.ranges.length === 0) {
      leases += ip.dhcp!.hosts.length;
      L.push(`dhcp-range=${ipNetworkAddress(parseIp(ip.address!)!, prefix)},static${isV6(ip) ? `,${prefix}` : ''}`);
    }
  }
  if (v4 || v6) {
    L.push('dhcp-no-override', 'dhcp-authoritative');
    L.push(`dhcp-leasefile=${paths.leaseFile}`);
    L.push(`dhcp-lease-max=${leases}`);
    L.push(`dhcp-hostsfile=${paths.hostsFile}`);
  }
  if (v4?.dhcp?.bootp) {
    const b = v4.dhcp.bootp;
    L.push(b.server ? `dhcp-boot=${b.file},,${b.server}` : `dhcp-boot=${b.file}`);
  }
  const tftp = def.ips.find((ip) => ip.tftpRoot !== undefined);
  if (tftp) L.push('enable-tftp', `tftp-root=${tftp.tftpRoot}`);
  if (!dnsOff) L.push(`addn-hosts=${paths.addnHostsFile}`);
  // IPv6 router advertisements: dnsmasq does RA for every IPv6 subnet of the bridge
  const v6s = def.ips.filter(isV6);
  if (v6s.length) {
    L.push('enable-ra');
    for (const ip of v6s) if (ip !== v6) L.push(`dhcp-range=${ip.address},ra-only`);
  }
  return L.join('\n') + '\n';
}

/** dhcp-hostsfile lines: "mac,ip,name[,lease]" (IPv4) / "id:duid,name,[ip6][,lease]" (IPv6). */
export function dnsmasqHostsFile(def: NetworkDef): string {
  const out: string[] = [];
  for (const ip of def.ips) {
    if (!hasDhcp(ip)) continue;
    for (const h of ip.dhcp!.hosts) {
      const parts: string[] = [];
      if (isV6(ip)) {
        if (h.id) parts.push(`id:${h.id}`);
        if (h.name) parts.push(h.name);
        if (h.ip) parts.push(`[${h.ip}]`);
      } else {
        if (h.mac) parts.push(h.mac);
        if (h.ip) parts.push(h.ip);
        if (h.name) parts.push(h.name);
      }
      const lt = leaseTime(h.lease);
      if (lt) parts.push(lt);
      out.push(parts.join(','));
    }
  }
  return out.map((l) => l + '\n').join('');
}

/** addn-hosts: DNS <host> records plus named DHCP hosts ("ip\tname1\tname2"). */
export function dnsmasqAddnHosts(def: NetworkDef): string {
  const byIp = new Map<string, string[]>();
  const add = (ip: string, names: string[]) => {
    const l = byIp.get(ip) ?? [];
    for (const n of names) if (!l.includes(n)) l.push(n);
    byIp.set(ip, l);
  };
  for (const h of def.dns?.hosts ?? []) add(h.ip, h.hostnames);
  for (const ip of def.ips) for (const h of ip.dhcp?.hosts ?? []) if (h.ip && h.name) add(h.ip, [h.name]);
  return [...byIp].map(([ip, names]) => `${ip}\t${names.join('\t')}\n`).join('');
}

export interface DnsmasqLease {
  /** seconds since the epoch; 0 = infinite */
  expiry: number;
  mac: string | null;
  ip: string;
  hostname: string | null;
  clientid: string | null;
  /** IPv6 leases: the IAID (dnsmasq's first field after "duid" lines is the IAID in place of the MAC) */
  iaid: string | null;
  family: 4 | 6;
}

/**
 * dnsmasq's lease file: "<expiry> <mac> <ip> <hostname|*> <client-id|*>" for IPv4; after a
 * "duid <server-duid>" line, IPv6 leases read "<expiry> <iaid> <ip6> <hostname|*> <duid>".
 */
export function parseDnsmasqLeases(text: string): DnsmasqLease[] {
  const out: DnsmasqLease[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[0] === 'duid') continue;
    const expiry = Number(f[0]);
    const ip = f[2]!;
    const fam = ipFamily(ip);
    if (!Number.isFinite(expiry) || fam === 0) continue;
    const star = (s: string | undefined) => (s === undefined || s === '*' ? null : s);
    out.push({
      expiry, ip, family: fam,
      mac: fam === 4 ? f[1]! : null,
      iaid: fam === 6 ? f[1]! : null,
      hostname: star(f[3]),
      clientid: star(f[4]),
    });
  }
  return out;
}
