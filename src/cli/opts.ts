// Typed access to a parsed command's options, with virsh's conversions and error wording
// (vshCommandOptInt/UInt/ULongLong/ScaledInt/StringReq/Bool/Argv).
import type { ParsedCmd, ParsedOpt } from './parser.js';

/** An error virsh itself reports (not a library error): printed as `error: MESSAGE`. */
export class CliError extends Error {
  constructor(message: string) { super(message); this.name = 'CliError'; }
}

/**
 * A command's own failure line followed by the library error that caused it, as virsh prints
 * them: `error: Failed to start domain 'x'` then `error: <libvirt message>`.
 */
export class CmdError extends Error {
  constructor(message: string, override readonly cause?: unknown) { super(message); this.name = 'CmdError'; }
}

const malformed = (value: string, name: string) => new CliError(`Numeric value '${value}' for <${name}> option is malformed or out of range`);

/** strtoll-like parse of a whole string (leading blanks and a sign allowed, nothing after). */
export function parseInteger(s: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(s);
  if (!m) return null;
  const v = BigInt(m[2]!);
  return m[1] === '-' ? -v : v;
}

/** parse a leading integer and return the rest (the unit suffix) */
function parseIntegerPrefix(s: string): { v: bigint; rest: string } | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)(.*)$/s.exec(s);
  if (!m) return null;
  const v = BigInt(m[2]!);
  return { v: m[1] === '-' ? -v : v, rest: m[3]! };
}

const INT_MAX = 2n ** 31n - 1n;
const INT_MIN = -(2n ** 31n);
const UINT_MAX = 2n ** 32n - 1n;
const ULL_MAX = 2n ** 64n - 1n;
const LL_MAX = 2n ** 63n - 1n;

/** virScaleInteger's suffixes: b/bytes; k/KiB (1024), KB (1000), ... up to E. */
export function scaleSuffix(suffix: string, defScale: number): bigint | null {
  if (suffix === '') return BigInt(defScale);
  const s = suffix;
  const m = /^([bkmgtpeBKMGTPE])(iB|B)?$/.exec(s) ?? (/^bytes$/i.test(s) ? ['bytes', 'b', undefined] as unknown as RegExpExecArray : null);
  if (!m) return null;
  const letter = m[1]!.toLowerCase();
  if (letter === 'b') return m[2] ? null : 1n;
  const base = m[2] === 'B' ? 1000n : 1024n;
  const pow = 'kmgtpe'.indexOf(letter) + 1;
  return base ** BigInt(pow);
}

export class CmdOpts {
  constructor(readonly cmd: ParsedCmd) {}

  get name(): string { return this.cmd.name; }

  private find(name: string): ParsedOpt | undefined { return this.cmd.opts.find((o) => o.def.n === name); }

  /** Whether the option was given (vshCommandOptBool; works for valued options too). */
  bool(name: string): boolean { return this.find(name) !== undefined; }

  /** The raw value, or undefined when absent. Empty values are an error unless emptyOk. */
  string(name: string, emptyOk = false): string | undefined {
    const o = this.find(name);
    if (!o) return undefined;
    const v = o.data ?? '';
    if (v === '' && !emptyOk) throw new CliError(`Failed to get option '${name}': Option argument is empty`);
    return v;
  }

  /** The raw value without any check (for messages). */
  raw(name: string): string | undefined { return this.find(name)?.data ?? undefined; }

  /** Every value given to an argv option, in order. */
  argv(name: string): string[] {
    return this.cmd.opts.filter((o) => o.def.n === name && o.data !== null).map((o) => o.data!);
  }

  private integer(name: string, lo: bigint, hi: bigint, wrapNegative: bigint | null): number | undefined {
    const o = this.find(name);
    if (!o) return undefined;
    const v = parseInteger(o.data ?? '');
    if (v === null) throw malformed(o.data ?? '', name);
    let x = v;
    if (x < 0n && wrapNegative !== null) {
      if (-x > wrapNegative) throw malformed(o.data ?? '', name);
      x = wrapNegative + 1n + x;
    }
    if (x < lo || x > hi) throw malformed(o.data ?? '', name);
    return Number(x);
  }

  /** vshCommandOptInt */
  int(name: string): number | undefined { return this.integer(name, INT_MIN, INT_MAX, null); }
  /** vshCommandOptUInt: negative numbers rejected */
  uint(name: string): number | undefined { return this.integer(name, 0n, UINT_MAX, null); }
  /** vshCommandOptUIntWrap: negative numbers wrap (-1 -> UINT_MAX) */
  uintWrap(name: string): number | undefined { return this.integer(name, 0n, UINT_MAX, UINT_MAX); }
  /** vshCommandOptULongLong (exact up to 2^53 as a JS number) */
  ull(name: string): number | undefined { return this.integer(name, 0n, ULL_MAX, null); }
  /** vshCommandOptLongLong */
  ll(name: string): number | undefined { return this.integer(name, -LL_MAX - 1n, LL_MAX, null); }

  /**
   * vshCommandOptScaledInt: an integer with an optional unit suffix; `scale` is the unit when
   * none is given (1 = bytes, 1024 = KiB); the result is in bytes and must not exceed `max`.
   */
  scaled(name: string, scale: number, max: bigint = ULL_MAX): bigint | undefined {
    const o = this.find(name);
    if (!o) return undefined;
    const raw = o.data ?? '';
    const bad = () => new CliError(`Scaled numeric value '${raw}' for <${name}> option is malformed or out of range`);
    const p = parseIntegerPrefix(raw);
    if (!p || p.v < 0n) throw bad();
    const mult = scaleSuffix(p.rest, scale);
    // libvirt's virScaleInteger reports the unit too, and virsh shows its error after its own
    if (mult === null) throw new CmdError(bad().message, new CliError(`invalid argument: unknown suffix '${p.rest}'`));
    const v = p.v * mult;
    if (p.v > ULL_MAX) throw bad();
    // a number strtoull takes but too large once scaled: virScaleInteger's overflow follows
    if (v > max) throw new CmdError(bad().message, new CliError(`numerical overflow: value too large: ${p.v}${p.rest}`));
    return v;
  }
}
