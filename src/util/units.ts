// Scaled integers as libvirt reads them (virScaleInteger / virDomainParseScaledValue):
// memory and capacity values with a unit attribute, normalised to a base unit.
import { ErrorNumber, virError } from './error.js';

const POW2: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/**
 * Multiplier for a libvirt unit string. Accepted (case-insensitive): b/bytes, k/KiB/KB,
 * m/MiB/MB, g/GiB/GB, t/TiB/TB, p/PiB/PB, e/EiB/EB. "KB" is 1000, "KiB" and "k" are 1024.
 * Returns null for an unknown unit.
 */
export function unitMultiplier(unit: string): number | null {
  if (unit === '' ) return 1;
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1;
  const p = POW2[u[0]!];
  if (p === undefined) return null;
  const rest = u.slice(1);
  if (rest === '' || rest === 'ib') return 1024 ** p;
  if (rest === 'b') return 1000 ** p;
  return null;
}

/**
 * Scale `value` expressed in `unit` (default `defaultUnit`) to bytes and divide by `base`
 * (1 for bytes, 1024 for KiB), rounding up as libvirt does for memory. Raises libvirt's
 * errors for unknown units and overflow past `max` (in base units).
 */
export function scaleInteger(value: string, unit: string | undefined, defaultUnit: string,
  base: number, max: number, errDomain: number, what: string): number {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw virError(errDomain, ErrorNumber.XML_ERROR, `could not parse ${what} value '${value}'`);
  }
  const mult = unitMultiplier(unit ?? defaultUnit);
  if (mult === null) {
    throw virError(errDomain, ErrorNumber.INVALID_ARG, `unknown suffix '${unit}'`);
  }
  const bytes = BigInt(trimmed) * BigInt(mult);
  const scaled = (bytes + BigInt(base) - 1n) / BigInt(base);
  if (scaled > BigInt(max)) {
    throw virError(errDomain, ErrorNumber.OVERFLOW, `value too large: ${value}${unit ?? ''}`);
  }
  return Number(scaled);
}

/** virsh's way of reading "2G", "512M", "1024" (default unit given): returns bytes. */
export function parseSizeWithSuffix(s: string, defaultUnit = 'b'): number | null {
  const m = /^\s*(\d+)\s*([A-Za-z]*)\s*$/.exec(s);
  if (!m) return null;
  const mult = unitMultiplier(m[2] || defaultUnit);
  if (mult === null) return null;
  return Number(m[1]) * mult;
}
