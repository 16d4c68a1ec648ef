// tsvirsh against the real virsh 9.0 for the secret commands: libvirt's test driver has no
// secret driver, so every command ends in virsh's own checks or in NO_SUPPORT; both are compared
// byte for byte, directly on test:///default, read-only, quiet and through tsvirtd.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIRSH, def, noVirsh, same } from './compare_lib.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';

const skip = noVirsh;
const UUID = '0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-secret-'));
  writeFileSync(join(dir, 's.xml'), `<secret ephemeral='no' private='no'>\n  <uuid>${UUID}</uuid>\n`
    + "  <usage type='volume'>\n    <volume>/var/lib/libvirt/images/a.img</volume>\n  </usage>\n</secret>\n");
  writeFileSync(join(dir, 'value'), 'c2VjcmV0\n');
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

const LIST = 'secret-list; secret-list --ephemeral; secret-list --no-private --private; secret-list --no-ephemeral';
const DEFINE = 'secret-define s.xml; secret-define --validate s.xml; secret-define nope.xml; secret-define .';
const LOOKUPS = `secret-dumpxml ${UUID}; secret-dumpxml foo; secret-get-value foo; secret-get-value ${UUID} --plain; `
  + `secret-undefine foo; secret-undefine ${UUID}; secret-undefine 0a81f5b2-8403`;
const SET = `secret-set-value foo --base64 YQ==; secret-set-value ${UUID}; secret-set-value ${UUID} --base64 aa --file x; `
  + 'secret-set-value x --plain --base64 a; secret-set-value x --interactive --base64 a; secret-set-value x --interactive --plain; '
  + `secret-set-value x --interactive --file y; secret-set-value ${UUID} --file value; secret-set-value ${UUID} --file value --plain`;
const EVENTS = 'secret-event; secret-event --event foo; secret-event --list; secret-event --event lifecycle; '
  + 'secret-event --event value-changed --timeout 1 foo; secret-event --event lifecycle --timeout 0; secret-event --list --event foo';

test('secret-list: the list-all call is missing, so the count fails, and filters cannot be applied', { skip }, () => {
  const r = same(def(LIST), { cwd: dir });
  assert.equal(r.stderr, 'error: Failed to count secrets\nerror: this function is not supported by the connection driver: virConnectNumOfSecrets\n'
    + 'error: Filtering is not supported by this libvirt\n'.repeat(3));
  assert.equal(r.status, 1);
  same(['-c', 'test:///default', 'secret-list', '--table']);
});

test('secret-define: the file is read first, then virSecretDefineXML is NO_SUPPORT', { skip }, () => {
  const r = same(def(DEFINE), { cwd: dir });
  assert.match(r.stderr, /^error: Failed to set attributes from s\.xml\nerror: this function is not supported by the connection driver: virSecretDefineXML\n/);
  assert.match(r.stderr, /error: Failed to open file 'nope\.xml': No such file or directory\n/);
});

test('lookups: a non-UUID fails in the library, a UUID in the driver, each after virsh\'s line', { skip }, () => {
  const r = same(def(LOOKUPS), { cwd: dir });
  assert.match(r.stderr, /error: failed to get secret 'foo'\nerror: uuidstr in virSecretLookupByUUIDString must be a valid UUID\n/);
  assert.match(r.stderr, new RegExp(`error: failed to get secret '${UUID}'\nerror: this function is not supported by the connection driver: virSecretLookupByUUID\n`));
  same(['-c', 'test:///default', 'secret-dumpxml']);
});

test('secret-set-value: exclusive options checked before the lookup, in virsh\'s order', { skip }, () => {
  const r = same(def(SET), { cwd: dir });
  assert.match(r.stderr, /error: Options --file and --base64 are mutually exclusive\n/);
  assert.match(r.stderr, /error: Options --interactive and --file are mutually exclusive\n/);
});

test('secret-event: --list, the option checks, and NO_SUPPORT for virConnectSecretEventRegisterAny', { skip }, () => {
  const r = same(def(EVENTS), { cwd: dir });
  assert.equal(r.stdout.replace(/\n+/g, '\n'), '\nlifecycle\nvalue-changed\nlifecycle\nvalue-changed\n');
  assert.match(r.stderr, /error: failed to get secret 'foo'\nerror: this function is not supported by the connection driver: virConnectSecretEventRegisterAny\n/);
});

test('read-only and quiet: the same answers (the lookups are allowed read-only, so NO_SUPPORT still wins)', { skip }, () => {
  for (const flag of ['-r', '-q']) same([flag, ...def(`${LIST}; ${DEFINE}; ${LOOKUPS}; ${SET}; ${EVENTS}`)], { cwd: dir });
});

describe('through tsvirtd (test driver, no secret driver): the real virsh and tsvirsh answer as on test:///default', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  const opts = () => ({ encoding: 'utf8' as const, cwd: dir, timeout: 15000, env: { ...process.env, LC_ALL: 'C' } });
  for (const cmds of [LIST, DEFINE, LOOKUPS, SET, EVENTS]) {
    test(cmds, () => {
      const want = spawnSync(VIRSH, ['-c', 'test:///default', cmds], opts());
      const got = spawnSync(VIRSH, ['-c', `test+unix:///default?socket=${d.rw}`, cmds], opts());
      assert.deepEqual([got.stdout, got.stderr, got.status], [want.stdout, want.stderr, want.status]);
      same(['-c', `test+unix:///default?socket=${d.rw}`, cmds], { cwd: dir });
    });
  }
  test('read-only socket', () => {
    const cmds = `${LIST}; ${LOOKUPS}; ${SET}`;
    const want = spawnSync(VIRSH, ['-r', '-c', 'test:///default', cmds], opts());
    const got = spawnSync(VIRSH, ['-c', `test+unix:///default?socket=${d.ro}`, cmds], opts());
    assert.deepEqual([got.stdout, got.stderr, got.status], [want.stdout, want.stderr, want.status]);
    same(['-c', `test+unix:///default?socket=${d.ro}`, cmds], { cwd: dir });
  });
});
