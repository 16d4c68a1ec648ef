// IP and MAC address helpers shared by the network XML layer and the network driver.
// libvirt counterpart: src/util/virsocketaddr.c, src/util/virmacaddr.c. Pure: no I/O.
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';

export interface IpAddr { family: 4 | 6; bytes: number[] }

/** inet_aton's number forms: decimal, 0-prefixed octal, 0x hex. */
function atonPart(s: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(s)) return s.length === 2 ? 0 : parseInt(s.slice(2), 16);
  if (/^0[0-7]*$/.test(s)) return parseInt(s, 8);
  if (/^[1-9]\d*$/.test(s)) return Number(s);
  return null;
}

function parseIpv4(s: string): number[] | null {
  // getaddrinfo(AI_NUMERICHOST) accepts inet_aton's forms: a, a.b, a.b.c, a.b.c.d
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return null;
  const nums = parts.map(atonPart);
  if (nums.some((n) => n === null)) return null;
  const n = nums as number[];
  const last = n[n.length - 1]!;
  const lastMax = 2 ** (8 * (5 - n.length)) - 1;
  if (n.slice(0, -1).some((x) => x > 255) || last > lastMax) return null;
  const out = n.slice(0, -1);
  for (let i = 4 - n.length; i >= 0; i--) out.push(Math.floor(last / 2 ** (8 * i)) & 0xff);
  return out;
}

function parseIpv6(s: string): number[] | null {
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = s.slice(lastColon + 1).split('.');
    if (v4.length !== 4 || v4.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
    tail = v4.map(Number);
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const grp = (h: string) => (h === '' ? [] : h.split(':'));
  const head = grp(halves[0]!);
  const rest = halves.length === 2 ? grp(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...Array(8 - total).fill('0'), ...rest].map((g) => parseInt(g, 16));
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

export function parseIp(s: string): IpAddr | null {
  if (s.includes(':')) {
    const b = parseIpv6(s);
    return b ? { family: 6, bytes: b } : null;
  }
  const b = parseIpv4(s);
  return b ? { family: 4, bytes: b } : null;
}

/** virSocketAddrParse's failure: a system error from the NONE domain, as libvirt raises it. */
export function parseIpOrThrow(s: string): IpAddr {
  const a = parseIp(s);
  if (!a) throw virError(ErrorDomain.NONE, ErrorNumber.SYSTEM_ERROR, `Cannot parse socket address '${s}': Name or service not known`);
  return a;
}

/** inet_ntop's canonical text (IPv6: longest run of >= 2 zero groups becomes "::"). */
export function formatIp(a: IpAddr): string {
  if (a.family === 4) return a.bytes.join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((a.bytes[i]! << 8) | a.bytes[i + 1]!);
  const isV4Mapped = g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || (g[5] === 0 && (g[6] !== 0 || g[7]! > 1)));
  if (isV4Mapped && !(g[5] === 0 && g[6] === 0)) {
    return `::${g[5] ? 'ffff:' : ''}${a.bytes.slice(12).join('.')}`;
  }
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hx = g.map((x) => x.toString(16));
  if (bestLen < 2) return hx.join(':');
  return `${hx.slice(0, best).join(':')}::${hx.slice(best + bestLen).join(':')}`;
}

export function ipFamily(s: string): 4 | 6 | 0 {
  return parseIp(s)?.family ?? 0;
}

export function ipEqual(a: string, b: string): boolean {
  const x = parseIp(a), y = parseIp(b);
  return !!x && !!y && x.family === y.family && x.bytes.every((v, i) => v === y.bytes[i]);
}

function toBig(a: IpAddr): bigint {
  return a.bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/**
 * virSocketAddrGetRange's checks: same family, inside network/prefix (when given), not the
 * IPv4 network or broadcast address, not reversed, IPv6 ranges at most 65535 addresses.
 * libvirt raises these as internal errors from the NONE domain.
 */
export function ipRangeCheck(start: IpAddr, end: IpAddr, net?: IpAddr, prefix?: number): number {
  const s = formatIp(start), e = formatIp(end);
  const fail = (m: string) => virError(ErrorDomain.NONE, ErrorNumber.INTERNAL_ERROR, m);
  if (start.family !== end.family) throw fail(`mismatch of address family in range ${s} - ${e}`);
  if (net) {
    const n = formatIp(net);
    if (net.family !== start.family) throw fail(`mismatch of address family in range ${s} - ${e} for network ${n}`);
    const bits = start.family === 4 ? 32 : 128;
    if (prefix === undefined || prefix < 0 || prefix > bits) {
      throw fail(`bad prefix ${prefix ?? -1} for network ${n} when  checking range ${s} - ${e}`);
    }
    const shift = BigInt(bits - prefix);
    const nb = toBig(net) >> shift;
    if (toBig(start) >> shift !== nb || toBig(end) >> shift !== nb) {
      throw fail(`range ${s} - ${e} is not entirely within network ${n}/${prefix}`);
    }
    if (start.family === 4) {
      const hostMask = (1n << shift) - 1n;
      if ((toBig(start) & hostMask) === 0n) throw fail(`start of range ${s} - ${e} in network ${n}/${prefix} is the network address`);
      if ((toBig(end) & hostMask) === hostMask) throw fail(`end of range ${s} - ${e} in network ${n}/${prefix} is the broadcast address`);
    }
  }
  // libvirt sizes a range from the last 2 bytes (IPv4) or the last group (IPv6); everything
  // before them must match or the range is "too large"
  const keep = start.family === 4 ? 2 : 14;
  if (!start.bytes.slice(0, keep).every((v, i) => v === end.bytes[i])) throw fail(`range ${s} - ${e} is too large (> 65535)`);
  const word = (a: IpAddr) => (a.bytes[keep]! << 8) | a.bytes[keep + 1]!;
  const diff = word(end) - word(start);
  if (diff < 0) throw fail(start.family === 4 ? `range ${s} - ${e} is reversed ` : `range ${s} - ${e} start larger than end`);
  return diff + 1;
}

/** virMacAddrParse: six hex bytes separated by ':' (1 or 2 digits each); canonical lowercase. */
export function macParse(s: string): string | null {
  const parts = s.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return parts.map((p) => p.toLowerCase().padStart(2, '0')).join(':');
}

export function macIsMulticast(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** virMacAddrGenerate with libvirt's 52:54:00 prefix (the network driver's bridge MAC). */
export function macGenerate(prefix: [number, number, number] = [0x52, 0x54, 0x00]): string {
  const b = [...prefix, ...Array.from({ length: 3 }, () => Math.floor(Math.random() * 256))];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The address as an unsigned integer (IPv4: 32 bits, IPv6: 128 bits). */
export function ipToBigInt(a: IpAddr): bigint { return toBig(a); }

/**
 * Do two subnets share any address? (libvirt's networkCheckRouteCollision / the driver's
 * "already in use by interface" check compare network/prefix pairs this way.)
 */
export function subnetsOverlap(a: IpAddr, aPrefix: number, b: IpAddr, bPrefix: number): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const p = Math.min(aPrefix, bPrefix);
  const shift = BigInt(bits - p);
  return (toBig(a) >> shift) === (toBig(b) >> shift);
}

/** The network address of `a` under `prefix` (host bits cleared), as text. */
export function ipNetworkAddress(a: IpAddr, prefix: number): string {
  const bits = a.family === 4 ? 32 : 128;
  const shift = BigInt(bits - prefix);
  let v = (toBig(a) >> shift) << shift;
  const bytes: number[] = [];
  for (let i = 0; i < bits / 8; i++) { bytes.unshift(Number(v & 0xffn)); v >>= 8n; }
  return formatIp({ family: a.family, bytes });
}
