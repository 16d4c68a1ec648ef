// The domain_block calls on the QEMU driver with real QEMU (TCG) and the test guest, one guest
// for all: block_resize seen by the guest's kernel, a write threshold firing BLOCK_THRESHOLD
// when the guest writes past it, device_del by alias (live and config), cdrom media changed
// by tsvirsh's change-media rewrite, the job reported as None with nothing to abort and a save
// reported and aborted, PM suspend without an agent, S3 sleep and wakeup, and libvirt's errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { DomainEventPayload } from '../../../src/drivers/driver.js';
import { ErrorNumber, VirError } from '../../../src/util/error.js';
import { DomainEventID, DomainState } from '../../../src/api/constants.js';
import { changeableDisk, updateDiskXml } from '../../../src/cli/domain_block.js';
import { newSession, Shell } from '../../../src/cli/shell.js';
import { parseLine } from '../../../src/cli/parser.js';
import { Connection } from '../../../src/api/connection.js';
import { GuardedConnection } from '../../../src/drivers/access.js';
import type { QemuConnection } from '../../../src/drivers/qemu/index.js';
import { guestXml, openShell, setup, skip, trackGuest, uniq, waitFor } from './guest.js';

/** One line per guest virtio disk: name, size in 512-byte sectors, serial. */
const LIST_DISKS = 'for d in /sys/block/vd*; do [ -e $d ] && echo ${d##*/} $(cat $d/size) $(cat $d/serial); done';
const LIVE = 1;
const CONFIG = 2;
const MiB = 1024 * 1024;

function image(root: string, name: string, size: string): string {
  const f = path.join(root, name);
  execFileSync('qemu-img', ['create', '-f', 'raw', f, size], { stdio: 'ignore' });
  return f;
}

const diskXml = (file: string, dev: string, serial: string, alias?: string) =>
  `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${file}'/><target dev='${dev}' bus='virtio'/>`
  + `<serial>${serial}</serial>${alias ? `<alias name='${alias}'/>` : ''}</disk>`;

/** tsvirsh in-process on this driver connection (the shell is not closed: the driver stays open) */
async function tsvirsh(conn: QemuConnection, line: string): Promise<{ stdout: string; stderr: string; ok: boolean }> {
  const out = { text: '', write(s: string) { out.text += s; } };
  const err = { text: '', write(s: string) { err.text += s; } };
  const c = new Connection('qemu:///system', new GuardedConnection(conn, false), 'QEMU');
  const shell = new Shell(newSession({ uri: 'qemu:///system' }), out, err, async () => c);
  const ok = await shell.run(parseLine(line));
  return { stdout: out.text, stderr: err.text, ok };
}

const fails = (code: number, message: string) => (e: VirError) => {
  assert.equal(e.message, message);
  assert.equal(e.code, code);
  return true;
};

test('blockresize, domblkthreshold, detach-device-alias, jobs and PM on a running guest', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('blk');
  const a = image(root, 'a.img', '32M');
  const b = image(root, 'b.img', '16M');
  const iso1 = image(root, 'one.iso', '2M');
  const iso2 = image(root, 'two.iso', '4M');
  const cdrom = `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='${iso1}'/><target dev='hdc' bus='ide'/><readonly/></disk>`;
  const dom = await conn.domainDefineXml(guestXml({ name, root, devices: diskXml(a, 'vda', 'blka') + diskXml(b, 'vdb', 'blkb', 'ua-extra') + cdrom }));

  // not running: the live-only calls refuse, as libvirt's
  const notRunning = fails(ErrorNumber.OPERATION_INVALID, 'Requested operation is not valid: domain is not running');
  await assert.rejects(conn.domainBlockResize!(dom, 'vda', 65536, 0), notRunning);
  await assert.rejects(conn.domainSetBlockThreshold!(dom, 'vda', 1, 0), notRunning);
  await assert.rejects(conn.domainGetJobInfo!(dom), notRunning);
  await assert.rejects(conn.domainPmWakeup!(dom, 0), notRunning);
  await assert.rejects(conn.domainDetachDeviceAlias!(dom, 'ua-extra', LIVE), notRunning);

  const thresholds: DomainEventPayload[] = [];
  const removed: string[] = [];
  const lifecycle: number[] = [];
  await conn.connectDomainEventCallbackRegisterAny(DomainEventID.BLOCK_THRESHOLD, null, (_i, p) => { thresholds.push(p); });
  await conn.connectDomainEventCallbackRegisterAny(DomainEventID.DEVICE_REMOVED, null, (_i, p) => { removed.push(String(p['devAlias'])); });
  await conn.connectDomainEventCallbackRegisterAny(DomainEventID.LIFECYCLE, null, (_i, p) => { lifecycle.push(Number(p.event)); });

  await conn.domainCreate(dom);
  trackGuest(root, name);
  const sh = await openShell(conn, dom);
  await sh.ready();
  assert.equal(await sh.run(LIST_DISKS), 'vda 65536 blka\nvdb 32768 blkb');
  // the user alias is the device's id in the live XML too
  assert.match(await conn.domainGetXmlDesc(dom, 0), /<target dev='vdb' bus='virtio'\/>\s*<serial>blkb<\/serial>\s*<alias name='ua-extra'\/>/);

  // ---- blockresize: KiB by target, bytes by source path; the file and the guest follow
  await conn.domainBlockResize!(dom, 'vda', 64 * 1024, 0);
  assert.equal(fs.statSync(a).size, 64 * MiB);
  await sh.until(LIST_DISKS, (out) => out.startsWith('vda 131072 blka\n'));
  await conn.domainBlockResize!(dom, b, 24 * MiB + 512, 1);
  assert.equal(fs.statSync(b).size, 24 * MiB + 512);
  await sh.until(LIST_DISKS, (out) => out.endsWith('vdb 49153 blkb'));
  // and through tsvirsh: virsh's units, its line
  assert.deepEqual(await tsvirsh(conn, `blockresize ${name} vda 65M`), { stdout: "Block device 'vda' is resized\n", stderr: '', ok: true });
  assert.equal(fs.statSync(a).size, 65 * MiB);
  await sh.until(LIST_DISKS, (out) => out.startsWith('vda 133120 blka\n'));
  await assert.rejects(conn.domainBlockResize!(dom, 'vdz', 1, 0),
    fails(ErrorNumber.INVALID_ARG, "invalid argument: disk 'vdz' was not found in the domain config"));
  await assert.rejects(conn.domainBlockResize!(dom, 'vda', 1, 2), /unsupported flags \(0x2\) in function qemuDomainBlockResize/);
  await assert.rejects(conn.domainBlockResize!(dom, 'vda', 2n ** 60n, 0), (e: VirError) => e.code === ErrorNumber.OVERFLOW);

  // ---- domblkthreshold: armed on vda's node, fired by the guest writing past it
  await conn.domainSetBlockThreshold!(dom, 'vda', 8 * MiB, 0);
  await assert.rejects(conn.domainSetBlockThreshold!(dom, 'vdz', 1, 0), fails(ErrorNumber.INVALID_ARG, "invalid argument: failed to find disk 'vdz'"));
  await assert.rejects(conn.domainSetBlockThreshold!(dom, 'vda', 1, 1), /unsupported flags \(0x1\) in function qemuDomainSetBlockThreshold/);
  await sh.run('dd if=/dev/zero of=/dev/vda bs=1M count=1 seek=2 conv=fsync 2>/dev/null');
  assert.equal(thresholds.length, 0, 'a write below the threshold does not fire it');
  await sh.run('dd if=/dev/zero of=/dev/vda bs=1M count=1 seek=12 conv=fsync 2>/dev/null');
  await waitFor('BLOCK_THRESHOLD event', () => thresholds.length > 0, 20_000);
  const ev = thresholds[0]!;
  assert.equal(ev['dev'], 'vda');
  assert.equal(ev['path'], a);
  assert.equal(ev['threshold'], 8 * MiB);
  assert.ok(Number(ev['excess']) > 0 && Number(ev['excess']) <= 5 * MiB, `excess ${String(ev['excess'])}`);
  // QEMU disarmed it as it fired: more writes past it stay quiet
  await sh.run('dd if=/dev/zero of=/dev/vda bs=1M count=1 seek=20 conv=fsync 2>/dev/null');
  assert.equal(thresholds.length, 1);

  // ---- jobs: none while idle, and nothing to abort
  assert.deepEqual(await tsvirsh(conn, `domjobinfo ${name}; domjobinfo ${name} --completed`),
    { stdout: 'Job type:         None        \n\nJob type:         None        \n\n', stderr: '', ok: true });
  assert.deepEqual(await tsvirsh(conn, `domjobabort ${name}`),
    { stdout: '\n', stderr: 'error: Requested operation is not valid: no job is active on the domain\n', ok: false });
  const info = await conn.domainGetJobInfo!(dom);
  assert.equal(info.type, 0);
  assert.deepEqual(await conn.domainGetJobStats!(dom, 0), { type: 0, params: [] });
  assert.deepEqual(await conn.domainGetJobStats!(dom, 1), { type: 0, params: [] });
  await assert.rejects(conn.domainAbortJob!(dom), fails(ErrorNumber.OPERATION_INVALID, 'Requested operation is not valid: no job is active on the domain'));
  await assert.rejects(conn.domainAbortJobFlags!(dom, 1),
    fails(ErrorNumber.OPERATION_INVALID, 'Requested operation is not valid: current job is not outgoing migration in post-copy mode'));

  // ---- PM: no agent to suspend with; wakeup reaches QEMU, which refuses an awake guest
  await assert.rejects(conn.domainPmSuspendForDuration!(dom, 0, 0, 0),
    fails(ErrorNumber.ARGUMENT_UNSUPPORTED, 'argument unsupported: QEMU guest agent is not configured'));
  await assert.rejects(conn.domainPmSuspendForDuration!(dom, 7, 0, 0), fails(ErrorNumber.INVALID_ARG, 'invalid argument: Unknown suspend target: 7'));
  await assert.rejects(conn.domainPmWakeup!(dom, 0), /unable to execute QEMU command 'system_wakeup'/);

  // ---- detach-device-alias: unknown alias, then vdb by its user alias, live and config
  await assert.rejects(conn.domainDetachDeviceAlias!(dom, 'nope', LIVE), fails(ErrorNumber.DEVICE_MISSING, 'device not found: no device found with alias nope'));
  await assert.rejects(conn.domainDetachDeviceAlias!(dom, 'virtio-disk0', CONFIG),
    fails(ErrorNumber.DEVICE_MISSING, 'device not found: no device found with alias virtio-disk0'));
  await conn.domainDetachDeviceAlias!(dom, 'ua-extra', LIVE | CONFIG);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 2), /vdb/);
  await waitFor('DEVICE_REMOVED', () => removed.includes('ua-extra'), 30_000);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 0), /vdb/);
  await sh.until(LIST_DISKS, (out) => out === 'vda 133120 blka');

  // ---- change-media: tsvirsh's rewrite of the live cdrom element, applied with update-device
  // (QMP tray and medium commands); the live XML's <source> and the guest's drive follow
  const inserted = async () => {
    const r = JSON.parse(await conn.domainQemuMonitorCommand(dom, '{"execute":"query-block"}', 0)) as { return: { qdev?: string; inserted?: { file: string } }[] };
    return r.return.find((x) => x.qdev?.includes('ide0-1-0'))?.inserted?.file;
  };
  const SR0 = 'dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>/dev/null; cat /sys/block/sr0/size';
  await sh.until(SR0, (out) => out === '4096');
  const change = async (source: string | undefined, action: 'eject' | 'insert' | 'update', flags = 0) => {
    const disk = changeableDisk(await conn.domainGetXmlDesc(dom, 0), 'hdc');
    await conn.domainUpdateDeviceFlags(dom, updateDiskXml(disk, source, false, 'hdc', action), flags);
  };
  await change(iso2, 'update');
  assert.equal(await inserted(), iso2);
  assert.match(await conn.domainGetXmlDesc(dom, 0), new RegExp(`<source file='${iso2}'/>\\s*<target dev='hdc' bus='ide'/>`));
  await sh.until(SR0, (out) => out === '8192');
  // the eject through tsvirsh itself (--force: MODIFY_FORCE, which the driver accepts)
  assert.deepEqual(await tsvirsh(conn, `change-media ${name} hdc --eject --force`), { stdout: 'Successfully ejected media.\n', stderr: '', ok: true });
  assert.equal(await inserted(), undefined);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 0), /one\.iso|two\.iso/);
  const xmlNow = await conn.domainGetXmlDesc(dom, 0);
  assert.throws(() => updateDiskXml(changeableDisk(xmlNow, 'hdc'), undefined, false, 'hdc', 'eject'), { message: "The disk device 'hdc' doesn't have media" });
  await change(iso1, 'insert', LIVE);
  assert.equal(await inserted(), iso1);
  // the persistent definition kept its own medium throughout
  assert.match(await conn.domainGetXmlDesc(dom, 2), new RegExp(`<source file='${iso1}'/>`));
  await sh.until(SR0, (out) => out === '4096');

  // ---- the guest's own S3 sleep makes it pmsuspended; wakeup brings it back running
  const sleeping = sh.run('echo mem > /sys/power/state; echo woke', 60_000);
  await waitFor('pmsuspended', async () => (await conn.domainGetState(dom, 0)).state === DomainState.PMSUSPENDED, 30_000);
  await conn.domainPmWakeup!(dom, 0);
  assert.match(await sleeping, /woke/);
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.RUNNING, reason: 8 });
  assert.ok(lifecycle.includes(7), 'PMSUSPENDED lifecycle event');

  // ---- a save is the domain's job: reported while it runs (unbounded, operation save), and
  // domjobabort cancels it; the guest runs on and no image is left. The migration is slowed
  // down so that it is still running when looked at.
  await conn.domainQemuMonitorCommand(dom, '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":1048576}}', 0);
  const img = path.join(root, 'guest.save');
  const saving = conn.domainSaveFlags(dom, img, null, 0).then(() => 'saved', (e: VirError) => e.message);
  // the job is there from its start; the figures once QEMU's migration stream runs
  const stats = await waitFor('the save job under way', async () => {
    const st = await conn.domainGetJobStats!(dom, 0);
    assert.equal(st.type, 2, 'an unbounded job while the save runs');
    return st.params.some((p) => p.field === 'memory_total' && Number(p.value) > 0) ? st : null;
  }, 20_000, 20);
  const field = (f: string) => stats.params.find((p) => p.field === f)?.value;
  // tsvirsh lays the job out as virsh does
  const shown = await tsvirsh(conn, `domjobinfo ${name}`);
  assert.match(shown.stdout, /^Job type: {9}Unbounded {3}\nOperation: {8}Save {8}\nTime elapsed: {5}\d+ +ms\n/);
  assert.match(shown.stdout, /\nMemory processed: \d+\.\d{3} [KMG]?i?B\nMemory remaining: \d+\.\d{3} [KMG]?i?B\nMemory total: {5}\d+\.\d{3} [KMG]?i?B\n/);
  assert.equal(field('operation'), 2);
  assert.ok(Number(field('time_elapsed')) >= 0);
  assert.equal(field('data_total'), field('memory_total'));
  const ji = await conn.domainGetJobInfo!(dom);
  assert.equal(ji.type, 2);
  assert.ok(ji.memTotal > 0);
  await conn.domainAbortJob!(dom);
  assert.match(await saving, /save job/);
  assert.equal(fs.existsSync(img), false);
  assert.equal((await conn.domainGetState(dom, 0)).state, DomainState.RUNNING);
  assert.equal((await conn.domainGetJobStats!(dom, 0)).type, 0);
  assert.match(await sh.run('echo alive'), /alive/);

  await sh.close();
  await conn.domainDestroy(dom);
});
