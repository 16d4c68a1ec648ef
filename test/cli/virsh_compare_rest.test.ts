// tsvirsh against the real virsh 9.0 for the domain_rest commands (managedsave-dumpxml/-define/
// -edit, migrate-getspeed/-setspeed/-getmaxdowntime/-setmaxdowntime/-compcache/-postcopy, ...):
// libvirt's test driver supports none of them, so what users meet is virsh's option checks in its
// order, the read-only refusals and the NO_SUPPORT error naming the right public API. The same
// sequences run through both on test:///default (direct, -r) and through a spawned tsvirtd.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';
import { TSVIRSH_CMD, VIRSH, def, noVirsh as skip, run, runVirsh, same } from './compare_lib.js';

const NO_SUPPORT = 'error: this function is not supported by the connection driver: ';
const DENIED = 'error: operation forbidden: read only access prevents ';

let dir = '';
let xml = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-rest-'));
  xml = join(dir, 'dom.xml');
  writeFileSync(xml, "<domain type='test'><name>test</name><memory>8192</memory><os><type>hvm</type></os></domain>\n");
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

/** group 1 and 2 sequences, shared by the direct and the daemon runs */
const MANAGEDSAVE = () => `managedsave-dumpxml test; managedsave-dumpxml test --security-info; managedsave-dumpxml nope; `
  + `managedsave-dumpxml test --xpath /domain/name; managedsave-define test ${xml}; managedsave-define test ${xml} --running; `
  + `managedsave-define nope ${dir}/none; managedsave-define test ${dir}/none; managedsave-define nope ${xml}; `
  + `managedsave-define test ${xml} --running --paused; managedsave-define test ${dir}; managedsave-edit test; `
  + 'managedsave-edit test --running --paused; managedsave-edit nope; managedsave-edit test --paused';
const MIGRATE = 'migrate-getspeed test; migrate-getspeed test --postcopy; migrate-getspeed nope; migrate-setspeed test 10; '
  + 'migrate-setspeed test -1; migrate-setspeed test abc; migrate-setspeed nope abc; migrate-setspeed test 18446744073709551615; '
  + "migrate-setspeed test 18446744073709551616; migrate-setspeed test -18446744073709551616; migrate-setspeed test ''; migrate-setspeed test 5 --postcopy; "
  + 'migrate-getmaxdowntime test; migrate-getmaxdowntime nope; migrate-setmaxdowntime test 10; migrate-setmaxdowntime test 0; '
  + 'migrate-setmaxdowntime test -1; migrate-setmaxdowntime test abc; migrate-setmaxdowntime nope abc; '
  + 'migrate-compcache test; migrate-compcache test --size 0; migrate-compcache test --size -1; migrate-compcache test --size abc; '
  + 'migrate-compcache nope --size abc; migrate-postcopy test; migrate-postcopy nope';

test('managedsave-dumpxml, -define, -edit: virsh\'s order (the file before the domain), then NO_SUPPORT', { skip }, () => {
  const r = same(def(MANAGEDSAVE()), { env: { EDITOR: 'true', VISUAL: 'true' } });
  assert.ok(r.stderr.startsWith(`${NO_SUPPORT}virDomainManagedSaveGetXMLDesc\n`));
  assert.ok(r.stderr.includes(`error: Failed to update test XML configuration\n${NO_SUPPORT}virDomainManagedSaveDefineXML\n`));
  assert.ok(r.stderr.includes(`error: Failed to open file '${dir}/none': No such file or directory\n`));
  assert.ok(r.stderr.includes('error: Options --running and --paused are mutually exclusive\n'));
  const ro = same(['-r', ...def(MANAGEDSAVE())], { env: { EDITOR: 'true', VISUAL: 'true' } });
  assert.ok(ro.stderr.includes('error: operation forbidden: virDomainManagedSaveGetXMLDesc with secure flag\n'));
  assert.ok(ro.stderr.includes(`${DENIED}virDomainManagedSaveDefineXML\n`));
});

test('migrate-*: the domain first, then the numbers (bandwidth wraps as unsigned long), NO_SUPPORT or the read-only refusal', { skip }, () => {
  const r = same(def(MIGRATE));
  for (const api of ['virDomainMigrateGetMaxSpeed', 'virDomainMigrateSetMaxSpeed', 'virDomainMigrateGetMaxDowntime',
    'virDomainMigrateSetMaxDowntime', 'virDomainMigrateGetCompressionCache', 'virDomainMigrateSetCompressionCache',
    'virDomainMigrateStartPostCopy']) assert.ok(r.stderr.includes(`${NO_SUPPORT}${api}\n`), api);
  assert.ok(r.stderr.includes('error: migrate: Invalid downtime\n'));
  assert.ok(r.stderr.includes("error: Numeric value 'abc' for <bandwidth> option is malformed or out of range\n"));
  const ro = same(['-r', ...def(MIGRATE)]);
  // libvirt refuses even the speed getter on a read-only connection, not the downtime or cache getters
  assert.ok(ro.stderr.includes(`${DENIED}virDomainMigrateGetMaxSpeed\n`));
  assert.ok(ro.stderr.includes(`${NO_SUPPORT}virDomainMigrateGetMaxDowntime\n`));
  assert.ok(ro.stderr.includes(`${DENIED}virDomainMigrateStartPostCopy\n`));
});

describe('through tsvirtd: the real virsh and tsvirsh answer as on libvirt\'s test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  const env = { EDITOR: 'true', VISUAL: 'true' };
  const check = (cmds: string) => {
    const want = runVirsh(['-c', 'test:///default', cmds], { env });
    assert.deepEqual(runVirsh(['-c', `test+unix:///default?socket=${d.rw}`, cmds], { env }), want);
    assert.deepEqual(run(TSVIRSH_CMD, ['-c', `test+unix:///default?socket=${d.rw}`, cmds], { env }), want);
    const wantRo = runVirsh(['-r', '-c', 'test:///default', cmds], { env });
    assert.deepEqual(run([VIRSH], ['-c', `test+unix:///default?socket=${d.ro}`, cmds], { env }), wantRo);
    assert.deepEqual(run(TSVIRSH_CMD, ['-c', `test+unix:///default?socket=${d.ro}`, cmds], { env }), wantRo);
  };
  test('managedsave-* and migrate-*', () => { check(MANAGEDSAVE()); check(MIGRATE); });
});
