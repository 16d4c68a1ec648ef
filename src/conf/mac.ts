// MAC addresses as libvirt handles them (virMacAddrParse / virDomainNetGenerateMAC).
import { randomBytesPooled as randomBytes } from '../util/random.js';

/** libvirt's default prefix for generated guest MACs (QEMU's OUI). */
export const MAC_PREFIX_LIBVIRT = '52:54:00';

/**
 * Parse "aa:bb:cc:dd:ee:ff" (each part one or two hex digits, ':' separators) into the
 * canonical lowercase two-digit form; null when malformed.
 */
const CANONICAL_MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
export function macParse(s: string): string | null {
  if (CANONICAL_MAC.test(s)) return s;
  const parts = s.trim().split(':');
  if (parts.length !== 6) return null;
  const out: string[] = [];
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    out.push(p.toLowerCase().padStart(2, '0'));
  }
  return out.join(':');
}

export function macIsMulticast(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** A random unicast MAC under libvirt's 52:54:00 prefix. */
export function generateMac(prefix = MAC_PREFIX_LIBVIRT): string {
  const b = randomBytes(3);
  return `${prefix}:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}
