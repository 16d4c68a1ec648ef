// bin/tsvirsh's start-up path: when it runs the single-file bundle (fresh, present, loadable)
// and when it falls back to dist/src; that the bundle's code cache is accepted and answers as
// the modules do; that a one-shot command leaves Node's stream and crypto machinery unloaded;
// and that output written without Node's streams still arrives whole (slow reader, closed pipe,
// closed descriptor). Each test runs a private copy of bin/ and dist/, since other builds
// rewrite the repository's dist/ at any time.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../../', import.meta.url).pathname;
let dir = '';
const bin = () => join(dir, 'bin/tsvirsh');
const bundle = () => join(dir, 'dist/tsvirsh.cjs');
const hasEsbuild = existsSync(join(ROOT, 'node_modules/esbuild'));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-startup-'));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist/src'), join(dir, 'dist/src'), { recursive: true });
  mkdirSync(join(dir, 'src/cli/gen'), { recursive: true });
  cpSync(join(ROOT, 'src/cli/gen/bundle.mjs'), join(dir, 'src/cli/gen/bundle.mjs'));
  if (hasEsbuild) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string; argv0?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [opts.argv0 ?? bin(), ...args], {
    encoding: 'utf8', timeout: 20000, cwd: opts.cwd ?? dir, input: opts.input,
    env: { ...process.env, TSVIRSH_HISTORY: '/dev/null', TSVIRSH_NO_BUNDLE: '', ...opts.env },
  });
}

/** Replace the bundle by one that only says it ran, to see which path the launcher takes. */
function fakeBundle(body = "exports.main = async () => { require('node:fs').writeSync(1, 'from bundle\\n'); return 0; };"): void {
  rmSync(`${bundle()}.cache`, { force: true });
  writeFileSync(bundle(), `(function (exports, require, module, __filename, __dirname) {${body}\n})`);
}

test('the launcher runs a fresh bundle, and dist/src when the bundle is stale, missing, broken or disabled', () => {
  const uri = ['-c', 'test:///default', 'uri'];
  fakeBundle();
  assert.equal(run(uri).stdout, 'from bundle\n');
  assert.equal(run(uri, { env: { TSVIRSH_NO_BUNDLE: '1' } }).stdout, 'test:///default\n\n');
  // older than the last tsc output: stale
  const old = new Date(Date.now() - 3600_000);
  utimesSync(bundle(), old, old);
  assert.equal(run(uri).stdout, 'test:///default\n\n');
  for (const broken of ['(function (exports, require) { exports.main = ', '(function () { throw new Error("bad bundle"); })']) {
    writeFileSync(bundle(), broken);
    const r = run(uri);
    assert.equal(r.stdout, 'test:///default\n\n');
    assert.equal(r.stderr, '');
  }
  unlinkSync(bundle());
  assert.equal(run(uri).status, 0);
  assert.equal(run(uri).stdout, 'test:///default\n\n');
});

test('tsvirsh starts from any directory and through a symlink, as npm installs a bin', () => {
  fakeBundle();
  const link = join(dir, 'global-bin');
  mkdirSync(link, { recursive: true });
  rmSync(join(link, 'tsvirsh'), { force: true });
  symlinkSync(bin(), join(link, 'tsvirsh'));
  assert.equal(run(['uri'], { cwd: '/', argv0: join(link, 'tsvirsh') }).stdout, 'from bundle\n');
  // executed directly, through its #! line
  const r = spawnSync(join(link, 'tsvirsh'), ['-c', 'test:///default', 'uri'], { encoding: 'utf8', cwd: '/', env: { ...process.env, TSVIRSH_NO_BUNDLE: '1' } });
  assert.equal(r.stdout, 'test:///default\n\n');
  assert.equal(r.status, 0);
});

/** Build the real bundle into the private copy (as `npm run build` does for the repository). */
function buildBundle(): void {
  const r = spawnSync(process.execPath, [join(dir, 'src/cli/gen/bundle.mjs')], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'bundle.mjs warns about nothing');
  assert.ok(existsSync(bundle()) && existsSync(`${bundle()}.cache`));
}

/** A --require hook that reports, at exit, whether the bundle's code cache was taken and which
 * Node built-ins got loaded. */
function probe(args: string[]): { rejected: boolean[]; modules: string[]; stdout: string } {
  const hook = join(dir, 'probe.cjs');
  writeFileSync(hook, [
    "const vm = require('node:vm'); const fs = require('node:fs'); const scripts = [];",
    'const Script = vm.Script;',
    'vm.Script = class extends Script { constructor(...a) { super(...a); scripts.push(this); } };',
    "process.on('exit', () => fs.writeFileSync(process.env.PROBE_OUT, JSON.stringify({ rejected: scripts.map((s) => s.cachedDataRejected === true), modules: process.moduleLoadList })));",
  ].join('\n'));
  const out = join(dir, 'probe.json');
  const r = spawnSync(process.execPath, ['--require', hook, bin(), ...args], {
    encoding: 'utf8', timeout: 20000, env: { ...process.env, PROBE_OUT: out, TSVIRSH_NO_BUNDLE: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  return { ...JSON.parse(readFileSync(out, 'utf8')), stdout: r.stdout };
}

test('the built bundle runs with its code cache and loads no stream, net, tty or crypto module', { skip: hasEsbuild ? false : 'esbuild is not installed' }, () => {
  buildBundle();
  for (const args of [['-c', 'test:///default', 'uri'], ['-c', 'test:///default', 'list', '--all']]) {
    const p = probe(args);
    assert.deepEqual(p.rejected, [false], 'one script compiled, from the cache');
    for (const m of ['NativeModule crypto', 'NativeModule stream', 'NativeModule net', 'NativeModule tty', 'NativeModule os']) {
      assert.ok(!p.modules.includes(m), `${args.join(' ')} loaded ${m}`);
    }
  }
  // a command that draws random bytes (a UUID for a definition without one) gets node:crypto
  const xml = join(dir, 'nouuid.xml');
  writeFileSync(xml, "<domain type='test'><name>fresh</name><memory>8192</memory><os><type>hvm</type></os></domain>\n");
  const def = probe(['-q', '-c', 'test:///default', `define ${xml}; domuuid fresh`]);
  // -q: virsh prints the uuid only, not the "defined from" line (vshPrintExtra)
  assert.match(def.stdout, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n$/);
  assert.ok(def.modules.includes('NativeModule crypto'));
});

/** the test driver derives a running domain's CPU time from the clock */
const cpuTime = (s: string) => s.replace(/^(CPU time:\s+).*$/gm, '$1<time>');

test('a code cache that V8 refuses (another Node) is replaced by one it takes', { skip: hasEsbuild ? false : 'esbuild is not installed' }, () => {
  if (!existsSync(`${bundle()}.cache`)) buildBundle();
  writeFileSync(`${bundle()}.cache`, Buffer.alloc(4096, 7));
  const r = run(['-c', 'test:///default', 'uri']);
  assert.equal(r.stdout, 'test:///default\n\n');
  assert.equal(r.status, 0);
  assert.deepEqual(probe(['-c', 'test:///default', 'uri']).rejected, [false]);
});

test('the bundle answers as the modules do', { skip: hasEsbuild ? false : 'esbuild is not installed' }, () => {
  if (!existsSync(`${bundle()}.cache`)) buildBundle();
  const scripts = [
    ['-c', 'test:///default', 'uri; list --all; dominfo test; net-list --all; pool-list --all; vol-list default-pool'],
    ['-c', 'test:///default', 'domstate nosuch'],
    ['-c', 'test:///default', 'nosuch'],
    ['-c', 'test:///default', 'domuuid test; destroy test; list --all; start test; domid test'],
    ['--version'], ['-h'], ['-k', 'x'],
  ];
  for (const s of scripts) {
    const a = run(s);
    const b = run(s, { env: { TSVIRSH_NO_BUNDLE: '1' } });
    assert.deepEqual([cpuTime(a.stdout), a.stderr, a.status], [cpuTime(b.stdout), b.stderr, b.status], s.join(' '));
  }
});

test('output arrives whole: a slow reader of a non-blocking pipe, a reader that leaves, a closed descriptor', async () => {
  // Interactive mode on a pipe: readline makes process.stdout, which puts fd 1 in non-blocking
  // mode; tsvirsh's own writes must then wait for the reader instead of dropping what does not fit.
  const n = 3000;
  const pad = 'x'.repeat(100);
  const input = Array.from({ length: n }, (_, i) => `echo l${i}${pad}\n`).join('');
  const child = spawn(process.execPath, [bin(), '-q', '-c', 'test:///default'], { env: { ...process.env, TSVIRSH_HISTORY: '/dev/null', TSVIRSH_NO_BUNDLE: '1' } });
  child.stdin.end(input);
  child.stdout.pause();
  await new Promise((r) => setTimeout(r, 1000));
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stdout.resume();
  const status = await new Promise((r) => child.on('close', r));
  assert.equal(status, 0);
  const slow = Buffer.concat(chunks).toString();
  // the same run with a reader that keeps up: the slow reader gets exactly this, in this order
  const fast = run(['-q', '-c', 'test:///default'], { input, env: { TSVIRSH_NO_BUNDLE: '1' } });
  assert.equal(fast.status, 0);
  assert.ok(fast.stdout.length > 300_000 && fast.stdout.includes(`\nl${n - 1}${pad}`), 'every echo ran');
  assert.ok(slow === fast.stdout, `slow reader got ${slow.length} bytes, a fast one ${fast.stdout.length}`);

  // `tsvirsh help | head -1`, with more output than a pipe holds: the reader leaves; tsvirsh
  // ends quietly with status 0
  const helps = Array(30).fill('help').join('; ');
  const withStatus = spawnSync('/bin/bash', ['-c', `"${process.execPath}" "${bin()}" -c test:///default '${helps}' | head -1 >/dev/null; echo \${PIPESTATUS[0]}`], { encoding: 'utf8', env: { ...process.env, TSVIRSH_NO_BUNDLE: '1' } });
  assert.equal(withStatus.stdout, '0\n');
  assert.equal(withStatus.stderr, '');

  // stdout closed (`>&-`): its output is dropped, the commands still run and errors still show
  const closed = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${bin()}" -c test:///default 'uri; domstate nosuch' >&-`], { encoding: 'utf8', env: { ...process.env, TSVIRSH_NO_BUNDLE: '1' } });
  assert.equal(closed.status, 1);
  assert.match(closed.stderr, /^error: failed to get domain 'nosuch'/);
});
