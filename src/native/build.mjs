#!/usr/bin/env node
// Builds dist/native/fdpass.node from src/native/fdpass.c with the system C compiler and the
// Node headers Node ships (no node-gyp, no download). Without a compiler or the headers the
// build is skipped with a warning: tsvirt then runs without fd passing (CALL_WITH_FDS calls are
// refused as not supported, as before), everything else is unaffected.
// Usage: node src/native/build.mjs
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
const src = path.join(root, 'src/native/fdpass.c');
const out = path.join(root, 'dist/native/fdpass.node');
const include = [path.resolve(path.dirname(process.execPath), '../include/node'), '/usr/include/node', '/usr/local/include/node']
  .find((d) => existsSync(path.join(d, 'node_api.h')));
if (!include) {
  console.warn('fdpass: Node headers (node_api.h) not found: built without fd passing');
  process.exit(0);
}
if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) process.exit(0);
mkdirSync(path.dirname(out), { recursive: true });
const cc = process.env.CC ?? 'cc';
const r = spawnSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=fdpass', '-DNAPI_VERSION=8',
  `-I${include}`, src, '-o', out], { encoding: 'utf8' });
if (r.error || r.status !== 0) {
  console.warn(`fdpass: not built (${r.error?.message ?? r.stderr.trim()}): tsvirt runs without fd passing`);
  process.exit(0);
}
