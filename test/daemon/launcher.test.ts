// bin/tsvirtd's start-up path: the single-file bundle (dist/tsvirtd.cjs + code cache) when it
// is fresh, the ES modules under dist/src when it is stale, missing, broken or disabled, and a
// real bundle that carries the driver modules itself. A private copy of bin/ and dist/ is used,
// since other builds rewrite the repository's dist/ at any time.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../../', import.meta.url).pathname;
const hasEsbuild = existsSync(join(ROOT, 'node_modules/esbuild'));
let dir = '';
let root = '';
const bundle = () => join(dir, 'dist/tsvirtd.cjs');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirtd-launch-'));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist/src'), join(dir, 'dist/src'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'src/daemon/gen'), { recursive: true });
  cpSync(join(ROOT, 'src/daemon/gen/bundle.mjs'), join(dir, 'src/daemon/gen/bundle.mjs'));
  if (hasEsbuild) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  root = join(dir, 'root');
  mkdirSync(join(root, 'etc/tsvirt'), { recursive: true });
  writeFileSync(join(root, 'etc/tsvirt/tsvirtd.conf'), 'drivers = [ "test", "qemu", "network", "storage" ]\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [join(dir, 'bin/tsvirtd'), ...args], {
    encoding: 'utf8', timeout: 20000, cwd: dir, env: { ...process.env, TSVIRTD_NO_BUNDLE: '', ...env },
  });
}

const VERSION = /^tsvirtd \(tsvirt\) \d+\.\d+\.\d+\n$/;

test('the launcher runs a fresh bundle, and dist/src when it is stale, missing, broken or disabled', () => {
  writeFileSync(bundle(), "exports.main = async () => { process.stdout.write('from bundle\\n'); return 0; };");
  assert.equal(run(['--version']).stdout, 'from bundle\n');
  assert.match(run(['--version'], { TSVIRTD_NO_BUNDLE: '1' }).stdout, VERSION);
  const old = new Date(Date.now() - 3600_000);
  utimesSync(bundle(), old, old);
  assert.match(run(['--version']).stdout, VERSION, 'older than the compiled modules: stale');
  writeFileSync(bundle(), 'exports.main = ');
  const broken = run(['--version']);
  assert.match(broken.stdout, VERSION);
  assert.match(broken.stderr, /bundle unusable, running the modules/);
  unlinkSync(bundle());
  const missing = run(['--version']);
  assert.match(missing.stdout, VERSION);
  assert.equal(missing.stderr, '');
});

test('a real bundle carries the daemon and its driver modules', { skip: !hasEsbuild && 'esbuild not installed' }, () => {
  const b = spawnSync(process.execPath, [join(dir, 'src/daemon/gen/bundle.mjs')], { encoding: 'utf8', cwd: dir });
  assert.equal(b.status, 0, b.stderr);
  assert.ok(existsSync(bundle()) && existsSync(`${bundle()}.cache`));
  assert.match(run(['--version']).stdout, VERSION, 'package.json found from the bundle');
  // without the driver modules on disk, only the bundle can still provide them
  renameSync(join(dir, 'dist/src/drivers'), join(dir, 'dist/src/drivers.away'));
  try {
    const r = run(['--root', root, '--list-drivers']);
    assert.equal(r.stdout, 'test\nqemu\nnetwork\nstorage\n', r.stderr);
    assert.equal(r.status, 0);
    const off = run(['--root', root, '--list-drivers'], { TSVIRTD_NO_BUNDLE: '1' });
    assert.notEqual(off.status, 0, 'the modules path cannot load them');
  } finally {
    renameSync(join(dir, 'dist/src/drivers.away'), join(dir, 'dist/src/drivers'));
  }
});
