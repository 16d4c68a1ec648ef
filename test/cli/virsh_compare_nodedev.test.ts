// tsvirsh against the real virsh 9.0 for the node device commands (nodedev-*): the same
// command sequences through both against libvirt's test driver (test:///default and a
// test:///FILE node document), stdout/stderr/status compared byte for byte; the real virsh
// against tsvirtd, which must answer as the in-process test driver does; and a daemon without a
// node device driver (QEMU only), which answers NO_SUPPORT.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, VIRSH, TSVIRSH, def, noVirsh, run as runIn, same as sameIn, type Result } from './compare_lib.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';
import { formatTree } from '../../src/cli/nodedev.js';

const skip = noVirsh;
const NODE_FILE = join(ROOT, 'test/data/nodedev/node.xml');
const run = (bin: readonly string[], args: readonly string[]): Result => runIn(bin, args, { cwd: dir, timeout: 15000 });
const same = (args: readonly string[]): Result => sameIn(args, { cwd: dir, timeout: 15000 });

const vhba = (parent: string, fc = '<wwnn>2001001b32a9da4e</wwnn><wwpn>2101001b32a9da4e</wwpn>') =>
  `<device>${parent}<capability type='scsi_host'><capability type='fc_host'>${fc}</capability></capability></device>`;

/** Definitions written to the work directory, used by name in the command sequences. */
const FILES: Record<string, string> = {
  'vhba.xml': vhba('<parent>scsi_host1</parent>'),
  'vhba3.xml': vhba('<parent>scsi_host2</parent>', '<wwnn>2001001b32a9da4f</wwnn><wwpn>2101001b32a9da4f</wwpn>'),
  'nowwn.xml': vhba('<parent>scsi_host2</parent>', ''),
  'nowwpn.xml': vhba('<parent>scsi_host2</parent>', '<wwnn>2001001b32a9da4f</wwnn>'),
  'computer.xml': vhba('<parent>computer</parent>'),
  'nosuch.xml': vhba('<parent>nosuch</parent>'),
  'vhba11.xml': vhba('<parent>scsi_host11</parent>'),
  'noparent.xml': vhba(''),
  'bywwn.xml': vhba("<parent wwnn='2000000056785678' wwpn='1000000056785678'/>"),
  'bywwnbad.xml': vhba("<parent wwnn='2000000056785678' wwpn='1'/>"),
  'onlywwnn.xml': vhba("<parent wwnn='2000000056785678'/>"),
  'onlywwpn.xml': vhba("<parent wwpn='2000000056785678'/>"),
  'byfabric.xml': vhba("<parent fabric_wwn='2000000087658765'/>"),
  'pci.xml': "<device><parent>computer</parent><capability type='pci'><domain>0</domain><bus>0</bus><slot>2</slot><function>0</function>"
    + "<product id='0x0412'/><vendor id='0x8086'/></capability></device>",
  'nocaps.xml': '<device><name>x</name></device>',
  'badcap.xml': "<device><capability type='bogus'/></device>",
  'notype.xml': '<device><capability/></device>',
  'fccap.xml': "<device><capability type='fc_host'/></device>",
  'nouuid.xml': "<device><capability type='system'/></device>",
  'baduuid.xml': "<device><capability type='system'><hardware><uuid>zz</uuid></hardware></capability></device>",
  'badhostcap.xml': "<device><capability type='scsi_host'><capability type='foo'/></capability></device>",
  'nonet.xml': "<device><capability type='net'/></device>",
  'badpci.xml': "<device><capability type='pci'><domain>x</domain></capability></device>",
  'broken.xml': '<device',
  'foo.xml': '<foo/>',
  // node documents: one without a device name, one with a bad capability
  'node-noname.xml': "<node><device><capability type='system'><hardware><uuid>11111111-2222-3333-4444-555555555555</uuid></hardware></capability></device></node>",
  'node-nohost.xml': "<node><device><name>h</name><capability type='scsi_host'/></device></node>",
};

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-nodedev-'));
  for (const [f, text] of Object.entries(FILES)) writeFileSync(join(dir, f), text);
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('nodedev-list fails against libvirt 9.0\'s own test driver, whatever the options, as virsh does', { skip }, () => {
  const r = same(def('nodedev-list; nodedev-list --tree; nodedev-list --all; nodedev-list --inactive; nodedev-list --cap scsi_host; '
    + 'nodedev-list --cap scsi_host,net --inactive; nodedev-list --cap system --all'));
  assert.match(r.stderr, /^error: Failed to list node devices\nerror: unsupported flags \(0x80000000\) in function testConnectListAllNodeDevices\n/);
  assert.match(r.stderr, /unsupported flags \(0x40000000\) in function testConnectListAllNodeDevices\n/);
  assert.match(r.stderr, /unsupported flags \(0xc0000000\) in function testConnectListAllNodeDevices\n/);
  // virsh's own option checks come first
  for (const c of ['nodedev-list --cap foo', 'nodedev-list --tree --cap scsi_host', 'nodedev-list --tree --inactive',
    'nodedev-list --all --inactive', 'nodedev-list --persistent']) {
    assert.equal(same(def(c)).status, 1, c);
  }
});

test('nodedev-list --tree draws as virsh\'s vshTreePrint (checked on snapshot-list --tree, which shares it)', { skip }, () => {
  // a: children b, c (child d), e -- the test driver cannot list node devices, so the drawing is
  // checked where virsh 9.0 uses the same routine
  const tree = run([VIRSH], ['-q', ...def('snapshot-create-as test a; snapshot-create-as test b; snapshot-revert test a; '
    + 'snapshot-create-as test c; snapshot-create-as test d; snapshot-revert test a; snapshot-create-as test e; snapshot-list test --tree')]);
  assert.equal(tree.status, 0, tree.stderr);
  assert.equal(formatTree(['a', 'b', 'c', 'd', 'e'], [null, 'a', 'a', 'c', 'a']), tree.stdout);
  const one = run([VIRSH], ['-q', ...def('snapshot-create-as test a; snapshot-list test --tree')]);
  assert.equal(formatTree(['a'], [null]), one.stdout);
});

test('nodedev-dumpxml and nodedev-info on the default devices; lookups by name and by WWN pair', { skip }, () => {
  const r = same(def('nodedev-dumpxml computer; nodedev-dumpxml scsi_host1; nodedev-dumpxml scsi_host2; nodedev-dumpxml scsi_host11; '
    + 'nodedev-info computer; nodedev-info scsi_host11; nodedev-dumpxml nope; nodedev-info nope; '
    + 'nodedev-dumpxml --xpath //wwnn scsi_host1; nodedev-dumpxml --xpath //name --wrap computer; '
    + 'nodedev-dumpxml 2000000012341234,1000000012341234; nodedev-info a,b; nodedev-info a,b,c; nodedev-dumpxml 0x2000000012341234,1000000012341234'));
  // the counts of a vport-capable host come from sysfs in libvirt, so a definition shows zeros
  assert.match(r.stdout, /<capability type='vport_ops'>\n {6}<max_vports>0<\/max_vports>\n {6}<vports>0<\/vports>\n/);
  assert.match(r.stdout, /Name: {11}computer\nParent: {9}\nActive: {9}yes\nPersistent: {5}yes\nAutostart: {6}no autostart\n/);
  assert.match(r.stderr, /error: Could not find matching device 'nope'\nerror: Node device not found: no node device with matching name 'nope'\n/);
  assert.match(r.stderr, /this function is not supported by the connection driver: virNodeDeviceLookupSCSIHostByWWN\n/);
  assert.match(r.stderr, /error: internal error: Malformed wwn: a\n/);
  assert.match(r.stderr, /error: Malformed device value 'a,b,c'\n/);
});

test('nodedev-create makes scsi_host12 from scsi_host11 with the new WWNs; nodedev-destroy removes vHBAs only', { skip }, () => {
  const r = same(def('nodedev-create vhba.xml; nodedev-dumpxml scsi_host12; nodedev-info scsi_host12; nodedev-create vhba3.xml; '
    + 'nodedev-dumpxml scsi_host12; nodedev-destroy scsi_host12; nodedev-destroy scsi_host12; nodedev-destroy computer; nodedev-dumpxml computer; '
    + 'nodedev-create noparent.xml; nodedev-create bywwn.xml; nodedev-create byfabric.xml; nodedev-destroy --name scsi_host12; '
    + 'nodedev-destroy scsi_host11; nodedev-dumpxml scsi_host11; nodedev-create vhba.xml; nodedev-destroy scsi_host1; nodedev-info scsi_host1'));
  assert.match(r.stdout, /Node device scsi_host12 created from vhba.xml\n/);
  assert.match(r.stdout, /<name>scsi_host12<\/name>\n {2}<parent>scsi_host1<\/parent>\n {2}<capability type='scsi_host'>\n {4}<host>11<\/host>\n {4}<unique_id>10<\/unique_id>\n {4}<capability type='fc_host'>\n {6}<wwnn>2001001b32a9da4f<\/wwnn>/);
  // without scsi_host11 to copy, libvirt 9.0 fails without saying why
  assert.match(r.stderr, /error: Failed to create node device from vhba.xml\nerror: An error occurred, but the cause is unknown\n/);
  assert.match(r.stdout, /Destroyed node device 'computer'\n\n<device>\n {2}<name>computer<\/name>/);
});

test('nodedev-create refuses bad definitions and parents with libvirt\'s messages', { skip }, () => {
  const files = ['nowwn', 'nowwpn', 'computer', 'nosuch', 'vhba11', 'bywwnbad', 'onlywwnn', 'onlywwpn', 'pci', 'nocaps', 'badcap', 'notype',
    'fccap', 'nouuid', 'baduuid', 'badhostcap', 'nonet', 'badpci', 'broken', 'foo', 'nofile'];
  const r = same(def(files.map((f) => `nodedev-create ${f}.xml`).join('; ')));
  assert.match(r.stderr, /error: internal error: no WWNN supplied for 'new device', and auto-generation failed\n/);
  assert.match(r.stderr, /error: internal error: Parent device computer is not capable of vport operations\n/);
  assert.match(r.stderr, /error: internal error: Could not find parent device for 'new device'\n/);
  assert.match(r.stderr, /error: internal error: Device is not a fibre channel HBA\n/);
  assert.match(r.stderr, /error: XML error: when providing parent wwnn='2000000056785678', the wwpn must also be provided\n/);
  assert.match(r.stderr, /error: internal error: unknown capability type '9' for 'new device'\n/);
  assert.match(r.stderr, /error: XML error: expecting root element of 'device', not 'foo'\n/);
});

test('what 9.0\'s test driver does not implement answers NO_SUPPORT, after virsh\'s own lookup', { skip }, () => {
  const r = same(def('nodedev-define vhba.xml; nodedev-undefine scsi_host1; nodedev-start scsi_host1; nodedev-autostart scsi_host1; '
    + 'nodedev-autostart --disable scsi_host1; nodedev-detach scsi_host1; nodedev-detach scsi_host1 --driver vfio; nodedev-reattach scsi_host1; '
    + 'nodedev-reset scsi_host1; nodedev-start nosuch; nodedev-detach nosuch; nodedev-undefine nosuch; nodedev-dettach scsi_host2; help nodedev-dettach'));
  assert.match(r.stderr, /error: Failed to define node device from 'vhba.xml'\nerror: this function is not supported by the connection driver: virNodeDeviceDefineXML\n/);
  assert.match(r.stderr, /error: Failed to detach device scsi_host1\nerror: this function is not supported by the connection driver: virNodeDeviceDetachFlags\n/);
  assert.match(r.stderr, /error: failed to unmark device scsi_host1 as autostarted\n/);
});

test('nodedev-event: the list, option errors, and a timed-out wait', { skip }, () => {
  same(def('nodedev-event --list; nodedev-event; nodedev-event --event bogus; nodedev-event lifecycle --timeout 0'));
  const r = same(def('nodedev-event --event update --timeout 1 --device scsi_host1; nodedev-event --event lifecycle --device nope'));
  assert.match(r.stdout, /event loop timed out\nevents received: 0\n/);
});

test('read-only: the getters pass, creating and destroying are refused', { skip }, () => {
  const r = same(['-r', ...def('nodedev-dumpxml scsi_host1; nodedev-info computer; nodedev-create vhba.xml; nodedev-destroy scsi_host11; '
    + 'nodedev-detach scsi_host1; nodedev-define vhba.xml; nodedev-list')]);
  assert.match(r.stderr, /error: operation forbidden: read only access prevents virNodeDeviceCreateXML\n/);
  assert.match(r.stderr, /error: operation forbidden: read only access prevents virNodeDeviceDestroy\n/);
});

test('a test:///FILE node document brings its devices, every capability kind formatted as libvirt; bad ones stop the open', { skip }, () => {
  const names = ['computer', 'pci_0000_00_02_0', 'net_eth0_00_11_22_33_44_55', 'usb_1_1', 'usb_1_1_0', 'scsi_target0_0_0', 'scsi_0_0_0_0',
    'block_sda', 'block_sr0', 'drm_card0', 'mdev_x', 'css_0_0_0052', 'ap_card07', 'ap_07_0004', 'scsi_host5'];
  const r = same(['-c', `test://${NODE_FILE}`, names.map((n) => `nodedev-dumpxml ${n}; nodedev-info ${n}`).join('; ') + '; nodedev-create vhba.xml']);
  assert.match(r.stdout, /<pci-express>\n {6}<link validity='cap' port='0' speed='8' width='16'\/>\n/);
  assert.match(r.stdout, /<product id='0x1234' \/>\n {4}<vendor id='0x046d'>Logitech<\/vendor>\n/);
  assert.match(same(['-c', `test://${join(dir, 'node-noname.xml')}`, 'nodedev-info computer']).stderr, /missing name information/);
  assert.match(same(['-c', `test://${join(dir, 'node-nohost.xml')}`, 'nodedev-info h']).stderr, /no SCSI host ID supplied for 'h'/);
});

describe('the real virsh against tsvirtd answers as against libvirt\'s test driver', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  const sequences = [
    'nodedev-list; nodedev-list --cap fc_host; nodedev-dumpxml computer; nodedev-dumpxml scsi_host1; nodedev-info scsi_host11; nodedev-info computer; nodedev-dumpxml nope',
    'nodedev-create vhba.xml; nodedev-dumpxml scsi_host12; nodedev-destroy scsi_host12; nodedev-destroy computer; nodedev-create computer.xml; nodedev-create nowwn.xml; nodedev-create broken.xml',
    'nodedev-define vhba.xml; nodedev-start scsi_host1; nodedev-detach scsi_host1; nodedev-reset scsi_host1; nodedev-autostart scsi_host1; nodedev-dumpxml a,b; nodedev-info 2000000012341234,1000000012341234',
    'nodedev-event --event lifecycle --timeout 1',
  ];
  const opts = () => ({ encoding: 'utf8' as const, cwd: dir, timeout: 15000, env: { ...process.env, LC_ALL: 'C' } });
  for (const cmds of sequences) {
    test(cmds, () => {
      const want = spawnSync(VIRSH, ['-c', 'test:///default', cmds], opts());
      const got = spawnSync(VIRSH, ['-c', `test+unix:///default?socket=${d.rw}`, cmds], opts());
      assert.deepEqual([got.stdout, got.stderr, got.status], [want.stdout, want.stderr, want.status]);
    });
  }
  test('nodedev-event --loop sees the vHBA another client creates and destroys, in virsh and tsvirsh alike', async () => {
    const uri = `test+unix:///default?socket=${d.rw}`;
    const watch = async (bin: string[]): Promise<Result> => {
      const child = spawn(bin[0]!, [...bin.slice(1), '-c', uri, 'nodedev-event --event lifecycle --loop --timeout 4'],
        { cwd: dir, env: { ...process.env, LC_ALL: 'C', TSVIRSH_HISTORY: '/dev/null' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // give the watcher time to register, then cause the two events from another client
      await new Promise((r) => setTimeout(r, 1500));
      const act = spawnSync(VIRSH, ['-c', uri, 'nodedev-create vhba.xml; nodedev-destroy scsi_host12'], opts());
      assert.equal(act.status, 0, act.stderr);
      const status = await exited;
      return { stdout, stderr, status };
    };
    const want = await watch([VIRSH]);
    assert.equal(want.stdout, "event 'lifecycle' for node device scsi_host12: Created\nevent 'lifecycle' for node device scsi_host12: Deleted\n"
      + 'event loop timed out\nevents received: 2\n\n');
    assert.deepEqual(await watch([process.execPath, TSVIRSH]), want);
  });
  test('tsvirsh through tsvirtd prints what the real virsh prints', () => {
    same(['-c', `test+unix:///default?socket=${d.rw}`, sequences[0]! + '; ' + sequences[2]!]);
  });
  test('read-only socket: the getters pass, creating and destroying are refused', () => {
    const cmds = 'nodedev-dumpxml scsi_host1; nodedev-info computer; nodedev-create vhba.xml; nodedev-destroy scsi_host11; nodedev-detach scsi_host1';
    const ro = spawnSync(VIRSH, ['-c', `test+unix:///default?socket=${d.ro}`, cmds], opts());
    const local = spawnSync(VIRSH, ['-r', '-c', 'test:///default', cmds], opts());
    assert.deepEqual([ro.stdout, ro.stderr, ro.status], [local.stdout, local.stderr, local.status]);
  });
});

describe('a daemon with no node device driver (QEMU only) answers NO_SUPPORT as libvirtd does', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "qemu" ]\n' }); });
  after(async () => { await d.stop(); });
  test('nodedev-list falls back to the old calls, which fail too; lookups and creation fail', () => {
    const r = same(['-c', `qemu+unix:///system?socket=${d.rw}`, 'nodedev-list; nodedev-dumpxml computer; nodedev-create vhba.xml']);
    assert.match(r.stderr, /^error: Failed to count node devices\nerror: this function is not supported by the connection driver: virNodeNumOfDevices\n/);
    assert.match(r.stderr, /error: Could not find matching device 'computer'\nerror: this function is not supported by the connection driver: virNodeDeviceLookupByName\n/);
  });
});
