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
  // a blank line and a comment among the keys
  writeFileSync(join(dir, 'f.xml'), "<filter name='f'/>\n");
  writeFileSync(join(dir, 'b.xml'), "<filterbinding><portdev name='v'/></filterbinding>\n");
  writeFileSync(join(dir, 'keys'), 'ssh-rsa AAA a\n\n#c\nssh-ed25519 BBB b\n');
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

/** group 3: the guest-agent commands */
const AGENT = () => `qemu-agent-command test '{"execute":"guest-ping"}'; qemu-agent-command test a b --timeout 5 --pretty; `
  + 'qemu-agent-command test a --timeout 0; qemu-agent-command test a --timeout -2; qemu-agent-command test a --timeout x; '
  + "qemu-agent-command test a --async --block; qemu-agent-command test a --timeout 5 --async; qemu-agent-command test a --timeout 0 --async; "
  + "qemu-agent-command nope a --async --block; qemu-agent-command test ''; qemu-agent-command test a --block; "
  + 'guest-agent-timeout test; guest-agent-timeout test --timeout -4; guest-agent-timeout test --timeout x; guest-agent-timeout nope --timeout x; '
  + 'guestinfo test; guestinfo test --user --os --timezone --hostname --filesystem --disk --interface; guestinfo nope; '
  + "guestvcpus test; guestvcpus test --cpulist 1 --enable; guestvcpus test --cpulist 1-2 --disable; guestvcpus test --enable; "
  + "guestvcpus test --cpulist 1; guestvcpus test --cpulist 1 --enable --disable; guestvcpus test --enable --disable; guestvcpus nope --enable; "
  + "guestvcpus nope --cpulist '' --enable; guestvcpus nope; get-user-sshkeys test root; get-user-sshkeys nope ''; get-user-sshkeys test ''; "
  + `set-user-sshkeys test root --file ${dir}/keys; set-user-sshkeys test root --file ${dir}/keys --remove --reset; `
  + `set-user-sshkeys test root --remove; set-user-sshkeys test root; set-user-sshkeys test root --reset; set-user-sshkeys nope ''; `
  + `set-user-sshkeys test '' --file ${dir}/keys; set-user-sshkeys test root --file ''; set-user-sshkeys test root --file /dev/null --remove; `
  + `set-user-sshkeys test root --file ${dir}/none; set-user-sshkeys test root --file ${dir}; set-user-sshkeys test root --file ${dir}/keys --remove`;

test('guest-agent commands: virsh\'s checks in its order, then NO_SUPPORT (and every one refused read-only)', { skip }, () => {
  const r = same(def(AGENT()));
  for (const api of ['virDomainQemuAgentCommand', 'virDomainAgentSetResponseTimeout', 'virDomainGetGuestInfo', 'virDomainGetGuestVcpus',
    'virDomainSetGuestVcpus', 'virDomainAuthorizedSSHKeysGet', 'virDomainAuthorizedSSHKeysSet']) assert.ok(r.stderr.includes(`${NO_SUPPORT}${api}\n`), api);
  assert.ok(r.stderr.includes('error: timeout must be positive\n'));
  assert.ok(r.stderr.includes('error: One of options --enable or --disable is required by option --cpulist\n'));
  assert.ok(r.stderr.includes('error: File /dev/null contains no keys\n'));
  const ro = same(['-r', ...def(AGENT())]);
  assert.ok(ro.stderr.includes(`${DENIED}virDomainGetGuestInfo\n`));
  assert.ok(ro.stderr.includes(`${DENIED}virDomainQemuAgentCommand\n`));
});

/** group 4: network filters; no driver of libvirt's test driver's kind has them */
const NWFILTER = () => `nwfilter-list; nwfilter-define ${dir}/f.xml; nwfilter-define ${dir}/f.xml --validate; nwfilter-define ${dir}/none; `
  + "nwfilter-dumpxml x; nwfilter-dumpxml 6695eb01-f6a4-8304-79aa-97f2502e193f; nwfilter-undefine x; nwfilter-edit x; nwfilter-dumpxml ''; "
  + `nwfilter-dumpxml x --xpath /filter; nwfilter-binding-list; nwfilter-binding-create ${dir}/b.xml; nwfilter-binding-create ${dir}/none --validate; `
  + `nwfilter-binding-create ${dir}/b.xml --validate; nwfilter-binding-delete v; nwfilter-binding-dumpxml v; nwfilter-binding-dumpxml ''; `
  + `nwfilter-define ${dir}`;

test('nwfilter-*: the old count call after ListAll, UUID then name lookups, then NO_SUPPORT (define and create refused read-only)', { skip }, () => {
  const r = same(def(NWFILTER()));
  assert.ok(r.stderr.startsWith(`error: Failed to count network filters\n${NO_SUPPORT}virConnectNumOfNWFilters\n`));
  assert.ok(r.stderr.includes(`error: failed to get nwfilter '6695eb01-f6a4-8304-79aa-97f2502e193f'\n${NO_SUPPORT}virNWFilterLookupByName\n`));
  assert.ok(r.stderr.includes(`${NO_SUPPORT}virNWFilterDefineXMLFlags\n`));
  assert.ok(r.stderr.includes(`error: failed to get nwfilter binding 'v'\n${NO_SUPPORT}virNWFilterBindingLookupByPortDev\n`));
  const ro = same(['-r', ...def(NWFILTER())]);
  assert.ok(ro.stderr.includes(`${DENIED}virNWFilterBindingCreateXML\n`));
  assert.ok(ro.stderr.includes(`${DENIED}virNWFilterDefineXML\n`));
  same(['-q', ...def(NWFILTER())]);
});

/** group 5: backups, dirty rate, launch secrets, native configs, QEMU attach */
const MISC = () => `backup-begin test --backupxml ${dir}/f.xml; backup-begin test; backup-begin test --backupxml ${dir}/none; `
  + `backup-begin nope --backupxml ${dir}/none; backup-begin test --checkpointxml ${dir}/none --reuse-external; `
  + `backup-begin test --backupxml ${dir}/f.xml --checkpointxml ${dir}/none; backup-dumpxml nope; backup-dumpxml test --xpath /x; backup-dumpxml test; `
  + "domdirtyrate-calc test --seconds 0; domdirtyrate-calc test --seconds x; domdirtyrate-calc nope --seconds x; domdirtyrate-calc test --mode bogus; "
  + "domdirtyrate-calc test --mode dirty-bitmap --seconds 5; domdirtyrate-calc test --mode page-sampling; domdirtyrate-calc test --mode dirty-ring; "
  + "domdirtyrate-calc test --seconds -1; domdirtyrate-calc test --mode bogus --seconds x; domdirtyrate-calc test --mode ''; "
  + `domsetlaunchsecstate test; domsetlaunchsecstate test --secrethdr ${dir}/keys; domsetlaunchsecstate nope --secrethdr ${dir}/none --secret ${dir}/none; `
  + `domsetlaunchsecstate test --secrethdr ${dir}/none --secret ${dir}/keys; domsetlaunchsecstate test --secrethdr ${dir}/keys --secret ${dir}/keys --set-address x; `
  + `domsetlaunchsecstate test --secrethdr /dev/null --secret ${dir}/keys; domsetlaunchsecstate test --secrethdr ${dir}/keys --secret ${dir}/none; `
  + `domsetlaunchsecstate test --secrethdr ${dir}/keys --secret ${dir} --set-address 4096; `
  + `qemu-attach x; qemu-attach -1; qemu-attach 0; qemu-attach 4294967296; qemu-attach 1; domxml-from-native bogus ${dir}/none; `
  + `domxml-from-native qemu-argv ${dir}/keys; domxml-from-native '' ${dir}/keys`;

test('backup-*, domdirtyrate-calc, domsetlaunchsecstate, domxml-from-native, qemu-attach: virsh\'s checks, then NO_SUPPORT', { skip }, () => {
  const r = same(def(MISC()));
  for (const api of ['virDomainBackupBegin', 'virDomainBackupGetXMLDesc', 'virDomainStartDirtyRateCalc', 'virDomainSetLaunchSecurityState',
    'virConnectDomainXMLFromNative', 'virDomainQemuAttach']) assert.ok(r.stderr.includes(`${NO_SUPPORT}${api}\n`), api);
  assert.ok(r.stderr.includes("error: Unknown calculation mode 'bogus'\n"));
  assert.ok(r.stderr.includes('error: Failed to attach to pid 0\nerror: pid_value in virDomainQemuAttach must not be zero\n'));
  assert.ok(r.stderr.includes('error: Both secret and the secret header are required\n'));
  const ro = same(['-r', ...def(MISC())]);
  assert.ok(ro.stderr.includes(`${DENIED}virDomainBackupBegin\n`));
  assert.ok(ro.stderr.includes(`${NO_SUPPORT}virDomainBackupGetXMLDesc\n`));
  assert.ok(ro.stderr.includes(`${DENIED}virDomainQemuAttach\n`));
});

/** blockjob: virsh's exclusive options, the bandwidth forms, then the call each mode makes */
const BLOCKJOB = 'blockjob test hda --abort --info; blockjob test hda --bandwidth x; blockjob nope hda --bandwidth x; blockjob test hda --raw; '
  + 'blockjob test hda --bytes; blockjob test hda --pivot; blockjob test hda --async; blockjob test hda --bandwidth 10; blockjob test hda --info --bytes; '
  + 'blockjob test hda --abort --async --pivot; blockjob test hda --raw --bandwidth 1; blockjob test hda --bandwidth -1; blockjob test hda --bandwidth 5 --bytes; '
  + 'blockjob test hda --raw --abort; blockjob test hda --raw --pivot; blockjob test hda --raw --async; blockjob test hda --info --pivot; '
  + 'blockjob test hda --info --async; blockjob test hda --info --bandwidth 1; blockjob test hda --bytes --abort; blockjob test hda --bytes --pivot; '
  + 'blockjob test hda --bytes --raw; blockjob test hda --bandwidth 1 --abort; blockjob test hda --bandwidth 1k; blockjob test hda --bandwidth 1k --bytes; '
  + "blockjob test hda --bandwidth 99999999999999999999; blockjob test ''; blockjob nope ''; blockjob test hda --bandwidth -2; "
  + 'blockjob test hda --bandwidth 1.5; blockjob test hda --bandwidth 16E; blockjob test hda --bandwidth 18446744073709551616; blockjob test hda --raw --info --abort';

test('blockjob: exclusive options, the bandwidth forms, then GetBlockJobInfo, BlockJobSetSpeed or BlockJobAbort', { skip }, () => {
  const r = same(def(BLOCKJOB));
  for (const api of ['virDomainGetBlockJobInfo', 'virDomainBlockJobSetSpeed', 'virDomainBlockJobAbort']) assert.ok(r.stderr.includes(`${NO_SUPPORT}${api}\n`), api);
  assert.ok(r.stderr.includes("error: Scaled numeric value '1.5' for <--bandwidth> option is malformed or out of range\nerror: invalid argument: unknown suffix '.5'\n"));
  const ro = same(['-r', ...def(BLOCKJOB)]);
  assert.ok(ro.stderr.includes(`${DENIED}virDomainBlockJobAbort\n`));
  assert.ok(ro.stderr.includes(`${NO_SUPPORT}virDomainGetBlockJobInfo\n`));
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
  test('guest-agent commands (the agent command on the QEMU program)', () => { check(AGENT()); });
  test('nwfilter-*', () => { check(NWFILTER()); });
  test('backups, dirty rate, launch secrets, native configs, QEMU attach', () => { check(MISC()); });
  test('blockjob', () => { check(BLOCKJOB); });
});
