// Wire type descriptors: a small combinator set over XdrWriter/XdrReader, the object references
// of remote_protocol.x (domain, network, pool, volume, snapshot), typed parameters and
// remote_error <-> VirError. The procedure table (procedures.ts) is written with these.

import { XdrError, XdrReader, XdrWriter, type Hyper } from './xdr.js';
import { STRING_MAX, UUID_BUFLEN } from './protocol.js';
import { uuidToBytes } from '../util/uuid.js';
import { ErrorLevel, VirError, errorMessage } from '../util/error.js';
import {
  TypedParamType,
  type DomainRef, type InterfaceRef, type NodeDeviceRef, type NWFilterRef, type NWFilterBindingRef, type SecretRef, type NetworkRef, type PoolRef, type SnapshotRef, type CheckpointRef, type TypedParam, type VolRef,
} from '../drivers/driver.js';

/** A wire type: how one value is written and read. `minSize` bounds array counts on decode. */
export interface XdrType<T = any> {
  readonly kind: string;
  readonly minSize: number;
  encode(w: XdrWriter, v: T): void;
  decode(r: XdrReader): T;
}

export type StructField = readonly [name: string, type: XdrType];

/** A struct keeps its field list so the procedure helpers can map fields <-> positional args. */
export interface StructType<T = any> extends XdrType<T> {
  readonly kind: 'struct';
  readonly fields: readonly StructField[];
}

function prim<T>(kind: string, minSize: number, encode: (w: XdrWriter, v: T) => void, decode: (r: XdrReader) => T): XdrType<T> {
  return { kind, minSize, encode, decode };
}

/**
 * A struct's encoder and decoder are generated once per struct type (the field list is our own
 * table, never input): each field then has its own call site and a named property access, which
 * V8 keeps monomorphic. A generic loop over the fields made every call and load megamorphic,
 * and those two dominated the per-call cost of the codec.
 */
function struct<T = any>(fields: readonly StructField[]): StructType<T> {
  const minSize = fields.reduce((n, [, ty]) => n + ty.minSize, 0);
  const names = fields.map(([name]) => name);
  const types = fields.map(([, ty]) => ty);
  const key = (name: string) => JSON.stringify(name);
  const encodeBody = names.map((name, i) => `at = ${i}; t${i}.encode(w, v[${key(name)}]);`).join('\n');
  const decodeBody = names.map((name, i) => `${key(name)}: t${i}.decode(r)`).join(',\n');
  const bind = types.map((_, i) => `const t${i} = types[${i}];`).join('\n');
  const compile = () => new Function('types', 'names', 'XdrError', `${bind}
    return {
      encode(w, v) {
        if (v === null || typeof v !== 'object') throw new XdrError('struct value expected');
        let at = 0;
        try {
          ${encodeBody}
        } catch (e) {
          if (e instanceof XdrError) throw new XdrError(names[at] + ': ' + e.message);
          throw e;
        }
      },
      decode(r) {
        return {
          ${decodeBody}
        };
      },
    };`) as (types: XdrType[], names: string[], err: typeof XdrError) => Pick<XdrType, 'encode' | 'decode'>;
  // Compiled on first use: the table declares about a thousand structs and a daemon uses a few
  // dozen, so compiling them all would cost start-up time for nothing.
  const st: StructType<T> = {
    kind: 'struct', fields, minSize,
    encode(w, v) { compileInto(); st.encode(w, v); },
    decode(r) { compileInto(); return st.decode(r); },
  };
  const compileInto = () => {
    const c = compile()(types, names, XdrError);
    (st as { encode: XdrType['encode'] }).encode = c.encode;
    (st as { decode: XdrType['decode'] }).decode = c.decode;
  };
  return st;
}

function array<T>(el: XdrType<T>, max: number): XdrType<T[]> {
  return prim(`array<${el.kind}>`, 4,
    (w, v) => w.array(v, max, (w2, x) => el.encode(w2, x)),
    (r) => r.array(max, (r2) => el.decode(r2), el.minSize));
}

function fixedArray<T>(el: XdrType<T>, n: number): XdrType<T[]> {
  return prim(`array[${n}]`, el.minSize * n,
    (w, v) => w.fixedArray(v, n, (w2, x) => el.encode(w2, x)),
    (r) => r.fixedArray(n, (r2) => el.decode(r2)));
}

function optional<T>(el: XdrType<T>): XdrType<T | null> {
  return prim(`optional<${el.kind}>`, 4,
    (w, v) => w.optional(v, (w2, x) => el.encode(w2, x)),
    (r) => r.optional((r2) => el.decode(r2)));
}

/** `union switch (int d)`: value is `{ d, v }` with the arm chosen by `d`. */
function union(arms: Record<number, XdrType>): XdrType<{ d: number; v: any }> {
  return prim('union', 4,
    (w, u) => {
      const arm = arms[u.d];
      if (!arm) throw new XdrError(`union: no arm for discriminant ${u.d}`);
      w.int(u.d);
      arm.encode(w, u.v);
    },
    (r) => {
      const d = r.int();
      const arm = arms[d];
      if (!arm) throw new XdrError(`union: no arm for discriminant ${d}`);
      return { d, v: arm.decode(r) };
    });
}

function cstringBytes(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);
}
function fromCstring(b: Buffer): string {
  const nul = b.indexOf(0);
  return (nul >= 0 ? b.subarray(0, nul) : b).toString('utf8');
}

/**
 * `char x<max>` holding a C string: libvirtd counts and sends the trailing NUL, one 4-byte word
 * per char ("testSecurity" -> count 13; "" -> count 1, one zero word).
 */
function charArray(max: number): XdrType<string> {
  return prim('char<>', 4,
    (w, s) => w.chars(cstringBytes(s), max),
    (r) => fromCstring(r.chars(max)));
}

/** `char x<max>` holding raw bytes (SASL data): no NUL convention. */
function charBytes(max: number): XdrType<Buffer> {
  return prim('char<>', 4, (w, b) => w.chars(b, max), (r) => r.chars(max));
}

/** `char x[n]` holding a NUL-padded C string (NODE_GET_INFO model: 32 words). */
function fixedCharArray(n: number): XdrType<string> {
  return prim(`char[${n}]`, 4 * n,
    (w, s) => {
      const b = Buffer.from(s, 'utf8');
      if (b.length > n) throw new XdrError(`string of ${b.length} bytes does not fit char[${n}]`);
      const padded = Buffer.alloc(n);
      b.copy(padded);
      w.fixedChars(padded, n);
    },
    (r) => fromCstring(r.fixedChars(n)));
}

function opaque(max: number): XdrType<Buffer> {
  return prim('opaque<>', 4, (w, b) => w.opaque(b, max), (r) => r.opaque(max));
}

function fixedOpaque(n: number): XdrType<Buffer> {
  return prim(`opaque[${n}]`, n + ((4 - (n & 3)) & 3), (w, b) => w.fixedOpaque(b, n), (r) => r.fixedOpaque(n));
}

// UUIDs cross the wire on every domain call: the canonical 36-character form is converted
// with lookup tables straight into/out of the packet; anything else takes uuidToBytes' path.
const HEX_CHARS = Buffer.from('0123456789abcdef', 'latin1');
const uuidText = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}
/** Offsets of the 16 byte pairs in "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
const UUID_PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const uuidScratch = Buffer.alloc(UUID_BUFLEN);

/** The canonical form's 16 bytes in uuidScratch, or false when `s` is not canonical. */
function canonicalUuidBytes(s: string): boolean {
  if (s.length !== 36 || s.charCodeAt(8) !== 45 || s.charCodeAt(13) !== 45 || s.charCodeAt(18) !== 45 || s.charCodeAt(23) !== 45) return false;
  for (let i = 0; i < 16; i++) {
    const o = UUID_PAIRS[i]!;
    const c1 = s.charCodeAt(o);
    const c2 = s.charCodeAt(o + 1);
    const hi = c1 < 128 ? HEX_VALUE[c1]! : -1;
    const lo = c2 < 128 ? HEX_VALUE[c2]! : -1;
    if (hi < 0 || lo < 0) return false;
    uuidScratch[i] = (hi << 4) | lo;
  }
  return true;
}

const uuid: XdrType<string> = prim('uuid', UUID_BUFLEN,
  (w, s) => {
    if (typeof s !== 'string') throw new XdrError('uuid string expected');
    w.fixedOpaque(canonicalUuidBytes(s) ? uuidScratch : uuidToBytes(s), UUID_BUFLEN);
  },
  (r) => {
    // The text is assembled in a scratch buffer and read out once: one flat string, where a
    // concatenation would allocate a rope of twenty pieces per UUID.
    const b = r.fixedOpaqueView(UUID_BUFLEN);
    const t = uuidText;
    for (let i = 0; i < 16; i++) {
      const o = UUID_PAIRS[i]!;
      const v = b[i]!;
      t[o] = HEX_CHARS[v >>> 4]!;
      t[o + 1] = HEX_CHARS[v & 15]!;
    }
    return t.toString('latin1', 0, 36);
  });

const string: XdrType<string> = prim('string', 4, (w, s) => w.string(s, STRING_MAX), (r) => r.string(STRING_MAX));

export const t = {
  int: prim<number>('int', 4, (w, v) => w.int(v), (r) => r.int()),
  uint: prim<number>('uint', 4, (w, v) => w.uint(v), (r) => r.uint()),
  hyper: prim<Hyper>('hyper', 8, (w, v) => w.hyper(v), (r) => r.hyper()),
  uhyper: prim<Hyper>('uhyper', 8, (w, v) => w.uhyper(v), (r) => r.uhyper()),
  double: prim<number>('double', 8, (w, v) => w.double(v), (r) => r.double()),
  bool: prim<boolean>('bool', 4, (w, v) => w.bool(v), (r) => r.bool()),
  /** rpcgen `unsigned char` / `unsigned short`: one 4-byte word. */
  uchar: prim<number>('uchar', 4, (w, v) => w.uint(v), (r) => r.uint()),
  /** rpcgen `char`: one 4-byte signed word. */
  char: prim<number>('char', 4, (w, v) => w.int(v), (r) => r.int()),
  /** remote_nonnull_string */
  string,
  /** remote_string (NULL-able) */
  optString: optional(string),
  /** remote_uuid: 16 raw bytes <-> canonical string */
  uuid,
  struct,
  array,
  fixedArray,
  optional,
  union,
  charArray,
  charBytes,
  fixedCharArray,
  opaque,
  fixedOpaque,
};

// ---- object references ----

export const domain: StructType<DomainRef> = struct([['name', string], ['uuid', uuid], ['id', t.int]]);
export const network: StructType<NetworkRef> = struct([['name', string], ['uuid', uuid]]);
export const storagePool: StructType<PoolRef> = struct([['name', string], ['uuid', uuid]]);
export const storageVol: StructType<VolRef> = struct([['pool', string], ['name', string], ['key', string]]);
export const snapshot: StructType<SnapshotRef> = struct([['name', string], ['dom', domain]]);
/** remote_nonnull_domain_checkpoint: the same layout as a snapshot's */
export const checkpoint: StructType<CheckpointRef> = struct([['name', string], ['dom', domain]]);
export const iface: StructType<InterfaceRef> = struct([['name', string], ['mac', string]]);
/** remote_domain / remote_network / remote_storage_pool: NULL-able references. */
export const optDomain = optional(domain);
export const optNetwork = optional(network);
export const optStoragePool = optional(storagePool);
/** remote_nonnull_node_device (its name) and remote_node_device, the NULL-able one */
export const nodeDevice: StructType<NodeDeviceRef> = struct([['name', string]]);
export const optNodeDevice = optional(nodeDevice);
/** remote_nonnull_nwfilter and remote_nonnull_nwfilter_binding */
export const nwfilter: StructType<NWFilterRef> = struct([['name', string], ['uuid', uuid]]);
export const nwfilterBinding: StructType<NWFilterBindingRef> = struct([['portdev', string], ['filtername', string]]);
/** remote_nonnull_secret (uuid, usage type, usage id) and remote_secret, the NULL-able one */
export const secret: StructType<SecretRef> = struct([['uuid', uuid], ['usageType', t.int], ['usageID', string]]);
export const optSecret = optional(secret);

// ---- typed parameters ----

/** remote_typed_param <-> TypedParam; an unknown type code is a decode error. */
export const typedParam: XdrType<TypedParam> = prim('typed_param', 12,
  (w, p) => {
    w.string(p.field, STRING_MAX);
    w.int(p.type);
    const v = p.value as any;
    switch (p.type) {
      case TypedParamType.INT: w.int(v); break;
      case TypedParamType.UINT: w.uint(v); break;
      case TypedParamType.LLONG: w.hyper(v); break;
      case TypedParamType.ULLONG: w.uhyper(v); break;
      case TypedParamType.DOUBLE: w.double(v); break;
      case TypedParamType.BOOLEAN: w.int(v ? 1 : 0); break;
      case TypedParamType.STRING: w.string(v, STRING_MAX); break;
      default: throw new XdrError(`typed param ${p.field}: unknown type ${p.type}`);
    }
  },
  (r) => {
    const field = r.string(STRING_MAX);
    const type = r.int();
    let value: any;
    switch (type) {
      case TypedParamType.INT: value = r.int(); break;
      case TypedParamType.UINT: value = r.uint(); break;
      case TypedParamType.LLONG: value = r.hyper(); break;
      case TypedParamType.ULLONG: value = r.uhyper(); break;
      case TypedParamType.DOUBLE: value = r.double(); break;
      case TypedParamType.BOOLEAN: value = r.int() !== 0; break;
      case TypedParamType.STRING: value = r.string(STRING_MAX); break;
      default: throw new XdrError(`typed param ${field}: unknown type ${type}`);
    }
    return { field, type, value };
  });

export function typedParams(max: number): XdrType<TypedParam[]> {
  return array(typedParam, max);
}

/**
 * libvirt's virTypedParamsSerialize drops STRING params unless the caller's flags carry
 * VIR_TYPED_PARAM_STRING_OKAY (4); a client that never asked cannot decode them.
 */
export function filterStringParams(params: TypedParam[], flags: number): TypedParam[] {
  if (flags & 4) return params;
  return params.filter((p) => p.type !== TypedParamType.STRING);
}

// ---- remote_error ----

const errorStruct = struct([
  ['code', t.int],
  ['domain', t.int],
  ['message', t.optString],
  ['level', t.int],
  ['dom', optDomain],
  ['str1', t.optString],
  ['str2', t.optString],
  ['str3', t.optString],
  ['int1', t.int],
  ['int2', t.int],
  ['net', optNetwork],
]);

/** VirError -> remote_error (dom and net are "unused" and always NULL, as libvirtd sends them). */
export function writeError(w: XdrWriter, e: VirError): void {
  errorStruct.encode(w, {
    code: e.code,
    domain: e.domain,
    message: e.message,
    level: e.level ?? ErrorLevel.ERROR,
    dom: null,
    str1: e.str1,
    str2: e.str2,
    str3: e.str3,
    int1: e.int1,
    int2: e.int2,
    net: null,
  });
}

export function encodeError(e: VirError): Buffer {
  const w = new XdrWriter(256);
  writeError(w, e);
  return w.finish();
}

/** remote_error -> VirError. A NULL message gets libvirt's generic text for the code. */
export function decodeError(r: XdrReader): VirError {
  const v = errorStruct.decode(r);
  return new VirError({
    code: v.code,
    domain: v.domain,
    message: v.message ?? errorMessage(v.code),
    level: v.level,
    str1: v.str1,
    str2: v.str2,
    str3: v.str3,
    int1: v.int1,
    int2: v.int2,
  });
}

