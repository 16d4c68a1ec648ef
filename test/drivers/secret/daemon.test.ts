// The secret driver inside tsvirtd (drivers = [ "qemu", "secret" ]), driven by the real virsh 9.0
// and by python3-libvirt: define, set and get values, list with filters, libvirt's errors, the
// read-only rules, and a restart (persistent secrets and values stay, ephemeral ones go).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type SpawnedDaemon } from '../../daemon/spawn.js';

const VIRSH = '/usr/bin/virsh';
const TSVIRSH = new URL('../../../../bin/tsvirsh', import.meta.url).pathname;
const PY = '/usr/bin/python3';
const skip = fs.existsSync(VIRSH) ? false : 'virsh is not installed';
const hasPyLibvirt = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import libvirt'], { encoding: 'utf8' }).status === 0;

const VOL = '0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f';
const CEPH = '5b2c33a7-7a3d-4a39-9a43-3f1a7b1e2c01';
const CONFIG = 'drivers = [ "qemu", "secret" ]\n';

describe('tsvirtd secret driver, through the real virsh', { skip }, () => {
  let d: SpawnedDaemon;
  let dir = '';
  const uri = (ro = false) => `qemu+unix:///system?socket=${ro ? d.ro : d.rw}`;
  const virsh = (cmds: string, ro = false) => {
    const r = spawnSync(VIRSH, ['-c', uri(ro), cmds], { encoding: 'utf8', cwd: dir, timeout: 20000, env: { ...process.env, LC_ALL: 'C' } });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  };
  before(async () => {
    dir = fs.mkdtempSync(join(tmpdir(), 'tsvirt-secret-'));
    fs.writeFileSync(join(dir, 'vol.xml'), `<secret ephemeral='no' private='no'>\n  <uuid>${VOL}</uuid>\n  <description>disk a</description>\n`
      + "  <usage type='volume'>\n    <volume>/var/lib/libvirt/images/a.img</volume>\n  </usage>\n</secret>\n");
    fs.writeFileSync(join(dir, 'ceph.xml'), `<secret ephemeral='yes' private='yes'><uuid>${CEPH}</uuid><usage type='ceph'><name>client.admin</name></usage></secret>`);
    fs.writeFileSync(join(dir, 'dup.xml'), "<secret><usage type='ceph'><name>client.admin</name></usage></secret>");
    fs.writeFileSync(join(dir, 'moved.xml'), `<secret><uuid>${VOL}</uuid><usage type='volume'><volume>/other</volume></usage></secret>`);
    fs.writeFileSync(join(dir, 'bad.xml'), "<secret><usage type='iscsi'/></secret>");
    fs.writeFileSync(join(dir, 'value.txt'), 'plain text\n');
    fs.writeFileSync(join(dir, 'big.txt'), 'a'.repeat(2000));
    d = await spawnDaemon({ config: CONFIG });
  });
  after(async () => { await d?.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  test('define, set-value, get-value, dumpxml and list', () => {
    const r = virsh(`secret-define vol.xml; secret-define ceph.xml; secret-set-value ${VOL} --base64 c2VjcmV0; secret-get-value ${VOL}; `
      + `secret-set-value ${CEPH} --file value.txt --plain; secret-dumpxml ${VOL}; secret-list; secret-list --ephemeral; secret-list --no-private`);
    assert.equal(r.stderr, 'error: Passing secret value as command-line argument is insecure!\n');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `Secret ${VOL} created\n\nSecret ${CEPH} created\n\nSecret value set\n\nc2VjcmV0\nSecret value set\n\n`
      + `<secret ephemeral='no' private='no'>\n  <uuid>${VOL}</uuid>\n  <description>disk a</description>\n`
      + "  <usage type='volume'>\n    <volume>/var/lib/libvirt/images/a.img</volume>\n  </usage>\n</secret>\n\n"
      + ' UUID                                   Usage\n' + '-'.repeat(78) + '\n'
      + ` ${VOL}   volume /var/lib/libvirt/images/a.img\n ${CEPH}   ceph client.admin\n\n`
      + ' UUID                                   Usage\n' + '-'.repeat(59) + '\n' + ` ${CEPH}   ceph client.admin\n\n`
      + ' UUID                                   Usage\n' + '-'.repeat(78) + '\n' + ` ${VOL}   volume /var/lib/libvirt/images/a.img\n\n`);
    // the persistent one on disk, mode 0600; the ephemeral one nowhere
    const sdir = join(d.root, 'etc', 'tsvirt', 'secrets');
    assert.deepEqual(fs.readdirSync(sdir).sort(), [`${VOL}.base64`, `${VOL}.xml`]);
    assert.equal(fs.readFileSync(join(sdir, `${VOL}.base64`), 'utf8'), 'c2VjcmV0');
    for (const f of fs.readdirSync(sdir)) assert.equal(fs.statSync(join(sdir, f)).mode & 0o777, 0o600, f);
  });

  test('libvirt\'s errors: private value, usage taken, usage changed, bad XML, unknown UUID, no value', () => {
    const r = virsh(`secret-get-value ${CEPH}; secret-define dup.xml; secret-define moved.xml; secret-define bad.xml; `
      + `secret-dumpxml 11111111-2222-3333-4444-555555555555; secret-undefine ${CEPH}; secret-define ceph.xml; secret-get-value ${CEPH}`);
    assert.equal(r.stderr, 'error: Invalid secret: secret is private\n'
      + `error: Failed to set attributes from dup.xml\nerror: internal error: a secret with UUID ${CEPH} already defined for use with client.admin\n`
      + `error: Failed to set attributes from moved.xml\nerror: internal error: a secret with UUID ${VOL} is already defined for use with /var/lib/libvirt/images/a.img\n`
      + 'error: Failed to set attributes from bad.xml\nerror: internal error: iSCSI usage specified, but target is missing\n'
      + "error: failed to get secret '11111111-2222-3333-4444-555555555555'\n"
      + "error: Secret not found: no secret with matching uuid '11111111-2222-3333-4444-555555555555'\n"
      + 'error: Invalid secret: secret is private\n');
    assert.match(r.stdout, new RegExp(`Secret ${CEPH} deleted\n`));
  });

  test('read-only: lists and XML allowed, the value and every change refused', () => {
    const r = virsh(`secret-list --no-ephemeral; secret-dumpxml ${VOL}; secret-get-value ${VOL}; secret-set-value ${VOL} --base64 eA==; secret-undefine ${VOL}; secret-define vol.xml`, true);
    assert.match(r.stdout, new RegExp(` ${VOL}   volume /var/lib/libvirt/images/a.img\n`));
    assert.match(r.stdout, /<description>disk a<\/description>/);
    assert.match(r.stderr, /error: operation forbidden: read only access prevents virSecretGetValue\n/);
    assert.match(r.stderr, /error: Failed to set secret value\nerror: operation forbidden: read only access prevents virSecretSetValue\n/);
    assert.match(r.stderr, new RegExp(`error: Failed to delete secret ${VOL}\nerror: operation forbidden: read only access prevents virSecretUndefine\n`));
    assert.match(r.stderr, /error: Failed to set attributes from vol\.xml\nerror: operation forbidden: read only access prevents virSecretDefineXML\n/);
  });

  test('tsvirsh prints what virsh prints against the same daemon', () => {
    const cmds = `secret-list; secret-dumpxml ${VOL}; secret-get-value ${VOL}; secret-get-value ${CEPH}; secret-define dup.xml; `
      + 'secret-dumpxml 11111111-2222-3333-4444-555555555555; secret-list --private; secret-list --no-ephemeral --no-private';
    const want = virsh(cmds);
    const got = spawnSync(process.execPath, [TSVIRSH, '-c', uri(), cmds],
      { encoding: 'utf8', cwd: dir, timeout: 20000, env: { ...process.env, LC_ALL: 'C', TSVIRSH_HISTORY: '/dev/null' } });
    assert.deepEqual({ stdout: got.stdout, stderr: got.stderr, status: got.status }, want);
    const ro = virsh(`secret-get-value ${VOL}`, true);
    const gotRo = spawnSync(process.execPath, [TSVIRSH, '-c', uri(true), `secret-get-value ${VOL}`],
      { encoding: 'utf8', cwd: dir, timeout: 20000, env: { ...process.env, LC_ALL: 'C', TSVIRSH_HISTORY: '/dev/null' } });
    assert.deepEqual({ stdout: gotRo.stdout, stderr: gotRo.stderr, status: gotRo.status }, ro);
  });

  test('secret-set-value\'s file errors and empty values: tsvirsh as virsh', () => {
    const N = '11111111-0000-4000-8000-000000000001';
    fs.writeFileSync(join(dir, 'n.xml'), `<secret><uuid>${N}</uuid><usage type='tls'><name>t</name></usage></secret>`);
    const cmds = `secret-define n.xml; secret-set-value ${N} --file big.txt; secret-set-value ${N} --file nope; secret-set-value ${N} --file .; `
      + `secret-set-value ${N}; secret-get-value ${N}; secret-set-value ${N} --base64 '!!!'; secret-get-value ${N}; `
      + `secret-set-value ${N} --base64 ''; secret-get-value ${N} --plain; secret-undefine ${N}`;
    const want = virsh(cmds);
    assert.match(want.stderr, /error: Failed to read file 'big\.txt': Value too large for defined data type\nerror: Failed to open file 'nope': No such file or directory\nerror: Failed to read file '\.': Is a directory\n/);
    assert.match(want.stderr, /error: An error occurred, but the cause is unknown\n/);
    const got = spawnSync(process.execPath, [TSVIRSH, '-c', uri(), cmds],
      { encoding: 'utf8', cwd: dir, timeout: 20000, env: { ...process.env, LC_ALL: 'C', TSVIRSH_HISTORY: '/dev/null' } });
    assert.deepEqual({ stdout: got.stdout, stderr: got.stderr, status: got.status }, want);
  });

  test('secret-event --loop: lifecycle and value-changed events from another client, in virsh and tsvirsh alike', async () => {
    const watch = async (bin: string[], event: string, act: string): Promise<{ stdout: string; stderr: string; status: number | null }> => {
      const child = spawn(bin[0]!, [...bin.slice(1), '-c', uri(), `secret-event --event ${event} --loop --timeout 4`],
        { cwd: dir, env: { ...process.env, LC_ALL: 'C', TSVIRSH_HISTORY: '/dev/null' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      await new Promise((r) => setTimeout(r, 1500));
      const a = virsh(act);
      assert.equal(a.status, 0, a.stderr);
      const status = await exited;
      return { stdout, stderr, status };
    };
    const lifecycle = `secret-define ceph.xml; secret-undefine ${CEPH}`;
    const want = await watch([VIRSH], 'lifecycle', lifecycle);
    assert.equal(want.stderr, '');
    assert.equal(want.stdout, `event 'lifecycle' for secret ${CEPH}: Defined\nevent 'lifecycle' for secret ${CEPH}: Undefined\n`
      + 'event loop timed out\nevents received: 2\n\n');
    assert.deepEqual(await watch([process.execPath, TSVIRSH], 'lifecycle', lifecycle), want);
    const value = `secret-set-value ${VOL} --base64 c2VjcmV0`;
    const wantV = await watch([VIRSH], 'value-changed', value);
    assert.equal(wantV.stdout, `event 'value-changed' for secret ${VOL}\nevent loop timed out\nevents received: 1\n\n`);
    assert.deepEqual(await watch([process.execPath, TSVIRSH], 'value-changed', value), wantV);
  });

  test('a restart keeps the persistent secret and its value; the ephemeral one is gone', async () => {
    const root = d.root;
    await d.stop({ keepRoot: true });
    d = await spawnDaemon({ root });
    const r = virsh(`secret-list; secret-get-value ${VOL}; secret-dumpxml ${CEPH}`);
    assert.equal(r.stdout, ' UUID                                   Usage\n' + '-'.repeat(78) + '\n'
      + ` ${VOL}   volume /var/lib/libvirt/images/a.img\n\nc2VjcmV0\n\n`);
    assert.equal(r.stderr, `error: failed to get secret '${CEPH}'\nerror: Secret not found: no secret with matching uuid '${CEPH}'\n`);
    // undefine removes both files
    assert.equal(virsh(`secret-undefine ${VOL}`).status, 0);
    assert.deepEqual(fs.readdirSync(join(root, 'etc', 'tsvirt', 'secrets')), []);
  });
});

const PY_SCRIPT = String.raw`
import sys, libvirt
libvirt.registerErrorHandler(lambda ctx, err: None, None)
c = libvirt.open(sys.argv[1])
def err(f):
    try:
        r = f(); print('ok', r)
    except libvirt.libvirtError as e:
        print('error', e.get_error_code(), e.get_error_domain(), e.get_error_message())
s = c.secretDefineXML("<secret ephemeral='no' private='no'><uuid>${VOL}</uuid><usage type='iscsi'><target>libvirtiscsi</target></usage></secret>", 0)
print(s.UUIDString(), s.usageType(), s.usageID())
s.setValue(b'\x00\x01binary\xff', 0)
print(s.value(0))
print(c.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_ISCSI, 'libvirtiscsi').UUIDString())
err(lambda: c.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, 'libvirtiscsi'))
e = c.secretDefineXML("<secret ephemeral='yes' private='yes'><usage type='tls'><name>tls0</name></usage></secret>", 0)
err(lambda: e.value(0))
print(sorted(x.usageID() for x in c.listAllSecrets(0)), c.numOfSecrets(), sorted(c.listSecrets()) == sorted(x.UUIDString() for x in c.listAllSecrets(0)))
print([x.usageID() for x in c.listAllSecrets(libvirt.VIR_CONNECT_LIST_SECRETS_PRIVATE)])
err(lambda: c.secretLookupByUUIDString('${VOL}').XMLDesc(1))
`;

describe('tsvirtd secret driver, through python3-libvirt', { skip: hasPyLibvirt ? false : 'python3-libvirt is not installed' }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: CONFIG }); });
  after(async () => { await d?.stop(); });
  test('define, binary values, lookup by usage, private values refused, filters; persistence across a restart', async () => {
    const run = () => spawnSync(PY, ['-c', PY_SCRIPT, `qemu+unix:///system?socket=${d.rw}`], { encoding: 'utf8', timeout: 20000 });
    const r = run();
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `${VOL} 3 libvirtiscsi\nb'\\x00\\x01binary\\xff'\n${VOL}\n`
      + "error 66 30 Secret not found: no secret with matching usage 'libvirtiscsi'\n"
      + 'error 65 30 Invalid secret: secret is private\n'
      + "['libvirtiscsi', 'tls0'] 2 True\n['tls0']\n"
      + 'error 8 30 unsupported flags (0x1) in function secretGetXMLDesc\n');
    const root = d.root;
    await d.stop({ keepRoot: true });
    d = await spawnDaemon({ root });
    const again = spawnSync(PY, ['-c', `import sys, libvirt\nc = libvirt.open(sys.argv[1])\n`
      + `print([(x.usageID(), x.value(0)) for x in c.listAllSecrets(0)])`, `qemu+unix:///system?socket=${d.rw}`], { encoding: 'utf8', timeout: 20000 });
    assert.equal(again.stdout, "[('libvirtiscsi', b'\\x00\\x01binary\\xff')]\n");
  });
});
