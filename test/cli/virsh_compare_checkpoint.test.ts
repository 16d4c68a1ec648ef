// tsvirsh against the real virsh 9.0 for the checkpoint-* commands: the same command sequences
// through both against test:///default, stdout/stderr/status compared byte for byte except the
// creation times (the two runs do not happen in the same second); and the real virsh against
// tsvirtd, which must answer as libvirt's in-process test driver does.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';
import { virsh, type Result } from '../interop/virsh_run.js';
import { VIRSH, TSVIRSH, def, noVirsh, run as runIn, same as sameIn } from './compare_lib.js';
import { open } from '../../src/api/index.js';

const skip = noVirsh;

function normaliseTimes(s: string): string {
  return s.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, 'TIME').replace(/<creationTime>\d+<\/creationTime>/g, '<creationTime>T</creationTime>');
}
const norm = (r: Result): Result => ({ ...r, stdout: normaliseTimes(r.stdout), stderr: normaliseTimes(r.stderr) });

const run = (bin: readonly string[], args: readonly string[], env: Record<string, string> = {}): Result => runIn(bin, args, { cwd: dir, env });
const same = (args: readonly string[], env: Record<string, string> = {}): Result => sameIn(args, { cwd: dir, env }, norm);

let dir = '';
const files: Record<string, string> = {
  // redefinitions: a second root, a child under an existing one, a cycle, a foreign uuid
  'root2.xml': '<domaincheckpoint><name>r2</name><creationTime>1700000000</creationTime></domaincheckpoint>',
  'under-a.xml': '<domaincheckpoint><name>c</name><creationTime>1700000005</creationTime><parent><name>a</name></parent></domaincheckpoint>',
  'under-a2.xml': '<domaincheckpoint><name>d</name><creationTime>1700000006</creationTime><parent><name>a</name></parent></domaincheckpoint>',
  'cycle.xml': '<domaincheckpoint><name>a</name><creationTime>5</creationTime><parent><name>b</name></parent></domaincheckpoint>',
  'self.xml': '<domaincheckpoint><name>a</name><creationTime>5</creationTime><parent><name>a</name></parent></domaincheckpoint>',
  'orphan.xml': '<domaincheckpoint><name>o</name><creationTime>5</creationTime><parent><name>nope</name></parent></domaincheckpoint>',
  'uuid.xml': "<domaincheckpoint><name>u</name><creationTime>5</creationTime><domain type='test'><name>test</name>"
    + '<uuid>6695eb01-f6a4-8304-79aa-97f2502e193e</uuid><memory>1024</memory><os><type>hvm</type></os></domain></domaincheckpoint>',
  'withdom.xml': "<domaincheckpoint><name>w</name><creationTime>7</creationTime><domain type='test'><name>test</name>"
    + '<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>1024</memory><os><type>hvm</type></os><devices>'
    + "<disk type='file' device='disk'><source file='/x'/><target dev='hdb'/></disk></devices></domain></domaincheckpoint>",
  'noname.xml': '<domaincheckpoint><description>x</description></domaincheckpoint>',
  'notime.xml': '<domaincheckpoint><name>t</name></domaincheckpoint>',
  'snapshot.xml': '<domainsnapshot/>',
  'extra.xml': '<domaincheckpoint><name>e</name><foo/></domaincheckpoint>',
  'badtype.xml': "<domaincheckpoint><name>e</name><disks><disk name='vda' checkpoint='bogus'/></disks></domaincheckpoint>",
  'nodisk.xml': "<domaincheckpoint><name>e</name><disks><disk name='vdz'/></disks></domaincheckpoint>",
  'diskno.xml': "<domaincheckpoint><name>n</name><disks><disk name='vda' checkpoint='no'/></disks></domaincheckpoint>",
  // a guest with a writable, a read-only and an empty disk
  'three.xml': "<domain type='test'><name>three</name><memory>8192</memory><os><type>hvm</type></os><devices>"
    + "<disk type='file' device='disk'><source file='/tmp/a.img'/><target dev='vda'/></disk>"
    + "<disk type='file' device='disk'><source file='/tmp/b.img'/><target dev='vdb'/><readonly/></disk>"
    + "<disk type='file' device='cdrom'><target dev='hdc'/></disk></devices></domain>",
};
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-ckpt-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text + '\n');
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('checkpoint-create-as, -list, -info, -dumpxml, -parent: a chain, with the domain embedded', { skip }, () => {
  const r = same(def('checkpoint-create-as test c1 --description hello; checkpoint-create-as test c2; checkpoint-list test; '
    + 'checkpoint-list test --tree; checkpoint-info test c2; checkpoint-info test c1; checkpoint-dumpxml test c2; '
    + 'checkpoint-dumpxml test c1 --no-domain; checkpoint-parent test c2; checkpoint-parent test c1'));
  assert.match(r.stdout, /^Domain checkpoint c1 created\nDomain checkpoint c2 created\n Name {3}Creation Time\n-+\n c1 {5}TIME\n c2 {5}TIME\n/);
  assert.match(r.stdout, /\nc1\n {2}\|\n {2}\+- c2\n {4}\n/);
  assert.match(r.stdout, /Name: {11}c2\nDomain: {9}test\nParent: {9}c1\nChildren: {7}0\nDescendants: {4}0\n/);
  assert.match(r.stdout, /<parent>\n {4}<name>c1<\/name>\n {2}<\/parent>\n {2}<creationTime>T<\/creationTime>\n {2}<disks>\n {4}<disk name='vda' checkpoint='bitmap' bitmap='c2'\/>\n {2}<\/disks>\n {2}<domain type='test'>/);
  assert.match(r.stderr, /error: checkpoint 'c1' has no parent\n/);
  assert.equal(r.status, 1);
});

test('checkpoint-list: every filter and sort, --from with and without --descendants, the tree', { skip }, () => {
  const r = same(def('checkpoint-create-as test a; checkpoint-create-as test b; checkpoint-create test under-a.xml --redefine; '
    + 'checkpoint-create test under-a2.xml --redefine; checkpoint-create-as test e; checkpoint-create test root2.xml --redefine; '
    + 'checkpoint-list test --parent; checkpoint-list test --roots; checkpoint-list test --leaves; checkpoint-list test --no-leaves; '
    + 'checkpoint-list test --leaves --no-leaves; checkpoint-list test --topological --name; checkpoint-list test --from a --name; '
    + 'checkpoint-list test --from a --topological --name; checkpoint-list test --from a --descendants --topological --name; '
    + 'checkpoint-list test --from a --tree; checkpoint-list test --tree; checkpoint-list test --tree --topological; '
    + 'checkpoint-list test --name --parent; checkpoint-list test --from d --leaves; checkpoint-info test a'));
  // new roots and children go in front of their older siblings (libvirt's order), which --topological shows
  assert.match(r.stdout, /\nr2\na\nd\nc\nb\ne\n/);
  assert.match(r.stdout, /\na\n {2}\|\n {2}\+- b\n {2}\| {3}\|\n {2}\| {3}\+- e\n {2}\| {5}\n {2}\+- c\n {2}\+- d\n {4}\nr2\n\n/);
  assert.match(r.stdout, /Children: {7}3\nDescendants: {4}4\n/);
});

test('checkpoint-list, -info, -parent, -dumpxml, -delete: option and lookup errors in virsh\'s order', { skip }, () => {
  const r = same(def('checkpoint-create-as test a; checkpoint-list test --descendants; checkpoint-list test --roots --from a; '
    + 'checkpoint-list test --tree --leaves; checkpoint-list test --tree --name; checkpoint-list test --parent --tree; '
    + 'checkpoint-list test --roots --parent; checkpoint-list test --from nope; checkpoint-list nope; checkpoint-info nope a; '
    + "checkpoint-info test nope; checkpoint-delete test nope; checkpoint-parent test; checkpoint-dumpxml test ''; "
    + 'checkpoint-dumpxml test a --xpath //disk --wrap; checkpoint-create-as nope x; checkpoint-create nope'));
  assert.match(r.stderr, /error: --descendants requires --from\n/);
  assert.match(r.stderr, /error: --leaves and --tree are mutually exclusive\n/);
  assert.match(r.stderr, /error: Domain checkpoint not found: no domain checkpoint with matching name 'nope'\n/);
});

test('checkpoint-create: redefinitions, their refusals and the schema\'s, as libvirt 9.0', { skip }, () => {
  const r = same(def('checkpoint-create-as test a; checkpoint-create-as test b; checkpoint-create test cycle.xml --redefine; '
    + 'checkpoint-create test self.xml --redefine; checkpoint-create test orphan.xml --redefine; checkpoint-create test uuid.xml --redefine; '
    + 'checkpoint-create test withdom.xml --redefine; checkpoint-dumpxml test w; checkpoint-create test noname.xml --redefine; '
    + 'checkpoint-create test notime.xml --redefine; checkpoint-create test snapshot.xml; checkpoint-create test extra.xml; '
    + 'checkpoint-create test badtype.xml; checkpoint-create test nodisk.xml; checkpoint-create test diskno.xml; '
    + 'checkpoint-dumpxml test n --no-domain --size; checkpoint-create test diskno.xml; checkpoint-create test missing.xml; '
    + 'checkpoint-create test diskno.xml --redefine-validate; checkpoint-create test diskno.xml --redefine --redefine-validate; '
    + 'checkpoint-create test notime.xml --quiesce; checkpoint-list test --parent --name'));
  assert.match(r.stderr, /error: invalid argument: parent b would create cycle to a\n/);
  assert.match(r.stderr, /error: invalid argument: definition for checkpoint u must use uuid 6695eb01-f6a4-8304-79aa-97f2502e193f\n/);
  assert.match(r.stderr, /Unable to validate doc against \/usr\/share\/libvirt\/schemas\/domaincheckpoint.rng\nElement domaincheckpoint has extra content: foo\n/);
  assert.match(r.stderr, /error: operation failed: domain moment n already exists\n/);
});

test('checkpoint-create-as: diskspecs, --print-xml, escaping; disks that cannot be tracked', { skip }, () => {
  const r = same(def("create three.xml; checkpoint-create-as three k1; checkpoint-dumpxml three k1 --no-domain; checkpoint-create-as three k2 vda vdb; "
    + 'checkpoint-create-as three k3 --diskspec vdb,checkpoint=no --diskspec /tmp/a.img,bitmap=bb; checkpoint-dumpxml three k3 --no-domain; '
    + 'checkpoint-create-as three k4 vda vda; checkpoint-create-as three k5 hdc; checkpoint-create-as three k6 --diskspec vda,foo=1; '
    + 'checkpoint-create-as three k6 --diskspec vda,checkpoint=no,checkpoint=bitmap; checkpoint-create-as three k6 --diskspec vd-a; '
    + "checkpoint-create-as three 'a<b' --description '&x' --print-xml; checkpoint-create-as three x y vda,checkpoint=no,bitmap=q --print-xml; "
    + "checkpoint-create-as three ''; checkpoint-list three --parent"));
  assert.match(r.stdout, /<disk name='vda' checkpoint='bitmap' bitmap='k1'\/>\n {4}<disk name='vdb' checkpoint='no'\/>\n {4}<disk name='hdc' checkpoint='no'\/>\n/);
  assert.match(r.stdout, /<name>a&lt;b<\/name>\n {2}<description>&amp;x<\/description>\n/);
  assert.match(r.stderr, /error: unsupported configuration: disk 'vdb' is empty or readonly\n/);
  assert.match(r.stderr, /error: unable to parse diskspec: vda,foo=1\n/);
});

test('checkpoint-delete: plain (children move up), --children, --children-only, --metadata; the current checkpoint follows', { skip }, () => {
  const r = same(def('checkpoint-create-as test a; checkpoint-create-as test b; checkpoint-create-as test c; checkpoint-create-as test d; '
    + 'checkpoint-delete test b; checkpoint-list test --parent; checkpoint-create-as test e; checkpoint-parent test e; '
    + 'checkpoint-delete test c --children; checkpoint-create-as test f; checkpoint-parent test f; checkpoint-list test --tree; '
    + 'checkpoint-delete test a --children-only; checkpoint-list test --parent; checkpoint-create-as test g; checkpoint-parent test g; '
    + 'checkpoint-delete test a --metadata; checkpoint-list test --parent; checkpoint-create-as test h; checkpoint-parent test h'));
  assert.match(r.stdout, /Domain checkpoint b deleted\n/);
  assert.match(r.stdout, /Domain checkpoint a children deleted\n/);
  // with -q the status lines go, the listings stay
  const q = same(['-q', ...def('checkpoint-create-as test a; checkpoint-create-as test b; checkpoint-delete test b; checkpoint-list test; checkpoint-info test a')]);
  assert.doesNotMatch(q.stdout, /Domain checkpoint/);
});

test('checkpoints need a running domain and no snapshots; snapshots refuse to join checkpoints; undefine as virsh 9.0', { skip }, () => {
  same(def('destroy test; checkpoint-create-as test c1; checkpoint-create test'));
  same(def('snapshot-create-as test s1; checkpoint-create-as test c1'));
  same(def('checkpoint-create-as test c1; snapshot-create-as test s1; list --all --with-checkpoint; list --all --without-checkpoint'));
  const r = same(def('checkpoint-create-as test c1; destroy test; checkpoint-list test; checkpoint-dumpxml test c1 --size; '
    + 'checkpoint-dumpxml test c1 --no-domain; undefine test --checkpoints-metadata; list --all; undefine test'));
  assert.match(r.stderr, /error: Requested operation is not valid: domain is not running\n/);
  same(def('checkpoint-create-as test c1; undefine test; list --all; checkpoint-list test'));
  same(def('snapshot-create-as test s1; destroy test; undefine test --checkpoints-metadata'));
  same(def('destroy test; undefine test --nvram --checkpoints-metadata'));
  same(def('checkpoint-create-as test c1; undefine test --checkpoints-metadata --snapshots-metadata; list --all'));
  // checkpoints stay with the domain through pause, save/restore and rename
  same(def('checkpoint-create-as test c1; suspend test; checkpoint-create-as test c2; checkpoint-list test --parent; resume test; '
    + `save test ${join(dir, 'save.img')}; checkpoint-list test; restore ${join(dir, 'save.img')}; checkpoint-create-as test c3; checkpoint-parent test c3`));
  same(def('checkpoint-create-as test c1; destroy test; domrename test t2; checkpoint-list t2; checkpoint-list test'));
});

/** An $EDITOR script: a sed program applied to the file it is given. */
function editor(name: string, sedProgram: string): string {
  const f = join(dir, name);
  writeFileSync(f, `#!/bin/sh\nsed -i '${sedProgram}' "$1"\n`, { mode: 0o755 });
  return f;
}

test('checkpoint-edit: an edit is redefined, a rename undone and refused, an unchanged file left alone', { skip }, () => {
  const desc = editor('ed-desc.sh', 's|<name>c1</name>|<name>c1</name><description>edited</description>|');
  const r = same(def('checkpoint-create-as test c1; checkpoint-edit test c1; checkpoint-dumpxml test c1 --no-domain; checkpoint-info test c1'), { EDITOR: desc });
  assert.match(r.stdout, /Checkpoint c1 edited\.\n/);
  assert.match(r.stdout, /<description>edited<\/description>/);
  const rename = editor('ed-rename.sh', '0,/<name>c1<\\/name>/s//<name>c9<\\/name>/');
  const n = same(def('checkpoint-create-as test c1; checkpoint-edit test c1; checkpoint-list test --name'), { EDITOR: rename });
  assert.match(n.stderr, /error: Cannot rename checkpoint c1 to c9\nerror: Failed to update c1\n/);
  assert.match(same(def('checkpoint-create-as test c1; checkpoint-edit test c1'), { EDITOR: 'true' }).stdout, /Checkpoint c1 XML configuration not changed\.\n/);
  same(def('checkpoint-edit test; checkpoint-edit test nope; checkpoint-edit nope c1'), { EDITOR: 'true' });
  // a failing editor: virsh's child-process message (its temporary file has a random name), then the command's line
  const tmpName = (r: Result) => ({ ...norm(r), stderr: r.stderr.replace(/\/tmp\/virsh\w{6}\.xml/, '/tmp/virshXXXXXX.xml') });
  const args = def('checkpoint-create-as test c1; checkpoint-edit test c1');
  const f = tmpName(run([process.execPath, TSVIRSH], args, { EDITOR: 'false' }));
  assert.deepEqual(f, tmpName(run([VIRSH], args, { EDITOR: 'false' })));
  assert.match(f.stderr, /error: internal error: Child process \(false \/tmp\/virshXXXXXX\.xml\) unexpected exit status 1\nerror: Failed to update c1\n/);
});

test('read-only: lists and dumps work, creating, deleting and secure XML are refused', { skip }, () => {
  const r = same(['-r', ...def('checkpoint-create-as test a; checkpoint-list test; checkpoint-create test; checkpoint-info test x')]);
  assert.match(r.stderr, /read only access prevents virDomainCheckpointCreateXML/);
});

describe('the real virsh against tsvirtd answers as against libvirt\'s test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  const inDir = (cmds: string) => cmds.replace(/(\S+\.xml)/g, (f) => join(dir, f));
  for (const cmds of [
    'checkpoint-create-as test a --description x; checkpoint-create-as test b; checkpoint-list test --parent; checkpoint-info test a; '
      + 'checkpoint-dumpxml test b; checkpoint-dumpxml test a --no-domain --size; checkpoint-parent test b; checkpoint-parent test a',
    'checkpoint-create test under-a.xml --redefine; checkpoint-list test --tree; checkpoint-list test --from a --descendants --topological; '
      + 'checkpoint-create test cycle.xml --redefine; checkpoint-create test extra.xml; checkpoint-delete test a --children-only; checkpoint-list test --name',
    'checkpoint-delete test a --children; checkpoint-list test; checkpoint-info test nope; snapshot-create-as test s; checkpoint-create-as test c; '
      + 'snapshot-delete test s; destroy test; checkpoint-create-as test c; start test',
  ]) {
    test(cmds, () => {
      const c = inDir(cmds);
      assert.deepEqual(norm(virsh(`test+unix:///default?socket=${d.rw}`, [c])), norm(virsh('test:///default', [c])));
    });
  }
  test('read-only socket: lists, info and plain XML pass; create, delete and --security-info are refused', async () => {
    // a read-write client keeps the shared test:///default state (and its checkpoint) alive
    const rw = await open(`test+unix:///default?socket=${d.rw}`);
    const dom = await rw.lookupDomainByName('test');
    await dom.checkpointCreateXML('<domaincheckpoint><name>ro1</name></domaincheckpoint>');
    const cmds = 'checkpoint-list test; checkpoint-info test ro1; checkpoint-dumpxml test ro1 --no-domain; checkpoint-parent test ro1; '
      + 'checkpoint-dumpxml test ro1 --security-info; checkpoint-create-as test ro2; checkpoint-delete test ro1';
    const got = norm(virsh(`test+unix:///default?socket=${d.ro}`, [cmds]));
    assert.match(got.stdout, /Name: {11}ro1\nDomain: {9}test\nParent: {9}-\nChildren: {7}0\nDescendants: {4}0\n/);
    assert.match(got.stderr, /error: operation forbidden: virDomainCheckpointGetXMLDesc with secure flag\n/);
    assert.match(got.stderr, /error: operation forbidden: read only access prevents virDomainCheckpointCreateXML\n/);
    assert.match(got.stderr, /error: Failed to delete checkpoint ro1\nerror: operation forbidden: read only access prevents virDomainCheckpointDelete\n/);
    assert.deepEqual((await dom.listAllCheckpoints()).map((c) => c.name), ['ro1'], 'the read-only client changed nothing');
    await rw.close();
  });
});
