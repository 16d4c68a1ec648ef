// Deep copy of plain data (objects, arrays, primitives): definitions are copied often (live vs
// persistent, console aliases) and structuredClone's serialisation measured several times slower
// for these small trees.

/** Deep-copy a tree of plain objects and arrays; anything else is shared as is. */
export function clonePlain<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = clonePlain(v[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v; // Buffers, Maps...: not in definitions
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = clonePlain((v as Record<string, unknown>)[k]);
  return out as T;
}
