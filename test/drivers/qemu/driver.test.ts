// The QEMU driver with real QEMU (TCG) and the test guest: boot, guest-visible hardware,
// ACPI shutdown, guest poweroff, destroy, suspend/resume, save/restore, managed save, console,
// clear errors that leave nothing behind, the job lock, and re-attaching after a restart.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { openQemuDriver, qemuDriverForget, type QemuConnection } from '../../../src/drivers/qemu/index.js';
import type { DomainRef, DomainEventPayload } from '../../../src/drivers/driver.js';
import { ErrorNumber, VirError } from '../../../src/util/error.js';
import {
  DomainEventType, DomainEventStoppedDetail, DomainRunningReason, DomainShutoffReason, DomainState, DomainEventStartedDetail,
  DomainMemoryStatTags, DomainEventID,
} from '../../../src/api/constants.js';
import { alive, track } from './helpers.js';
import { INITRD, KERNEL, setup as setupDriver, skip, trackConn, uniq } from './guest.js';


// Each test's driver gets its own VNC port range, so fixed-port tests cannot collide.
let vncBlock = 0;
const setup = (over: Record<string, unknown> = {}) => setupDriver({ vncPortMin: 5960 + ++vncBlock * 5, ...over });

interface GuestOpts { name: string; root: string; cmdline?: string; serial?: 'file' | 'pty'; disk?: string; extraDevices?: string; type?: string; onPoweroff?: string }
function guestXml(o: GuestOpts): string {
  const serialLog = path.join(o.root, `${o.name}.serial.log`);
  const serial = (o.serial ?? 'file') === 'file'
    ? `<serial type='file'><source path='${serialLog}' append='on'/><target port='0'/></serial>`
    : `<serial type='pty'><target port='0'/></serial><console type='pty'/>`;
  return `<domain type='${o.type ?? 'qemu'}'>
  <name>${o.name}</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${KERNEL}</kernel><initrd>${INITRD}</initrd>
    <cmdline>console=ttyS0 quiet ${o.cmdline ?? ''}</cmdline></os>
  <features><acpi/></features>
  ${o.onPoweroff ? `<on_poweroff>${o.onPoweroff}</on_poweroff>` : ''}
  <devices>
    ${o.disk ? `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${o.disk}'/><target dev='vda' bus='virtio'/><serial>tsdisk0</serial></disk>` : ''}
    ${serial}
    ${o.extraDevices ?? ''}
  </devices>
</domain>`;
}

function serialText(root: string, name: string): string {
  try { return fs.readFileSync(path.join(root, `${name}.serial.log`), 'utf8'); } catch { return ''; }
}

async function waitFor<T>(what: string, fn: () => T | Promise<T>, ms = 90_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const waitSerial = (root: string, name: string, marker: string, ms?: number) =>
  waitFor(`${marker} from ${name}`, () => serialText(root, name).includes(marker), ms);

async function waitState(conn: QemuConnection, dom: DomainRef, state: number, ms = 60_000) {
  return waitFor(`state ${state}`, async () => {
    const s = await conn.domainGetState(dom, 0).catch(() => null);
    return s && s.state === state ? s : null;
  }, ms);
}

function collectEvents(conn: QemuConnection): Promise<{ list: [number, number][] }> {
  const box = { list: [] as [number, number][] };
  return conn.connectDomainEventCallbackRegisterAny(DomainEventID.LIFECYCLE, null, (_id, p: DomainEventPayload) => {
    box.list.push([p.event!, p.detail!]);
  }).then(() => box);
}

/** No QEMU for this guest, no pid/status/monitor file left in the run dir. */
function assertNothingLeft(root: string, name: string): void {
  const run = path.join(root, 'run/tsvirt/qemu');
  const left = fs.readdirSync(run).filter((f) => f.startsWith(`${name}.`));
  assert.deepEqual(left, [], `left in run dir: ${left.join(' ')}`);
  const procs = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`guest=${name},`));
  assert.deepEqual(procs, [], 'no QEMU left running');
}

function qemuPid(root: string, name: string): number {
  return Number(fs.readFileSync(path.join(root, 'run/tsvirt/qemu', `${name}.pid`), 'utf8'));
}

test('boot the test guest: serial READY, disk and NIC seen, live XML, stats, ACPI shutdown', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('boot');
  const disk = path.join(root, 'disk0.img');
  execFileSync('qemu-img', ['create', '-f', 'raw', disk, '64M'], { stdio: 'ignore' });
  const ev = await collectEvents(conn);
  const dom = await conn.domainDefineXml(guestXml({ name, root, disk,
    extraDevices: `<interface type='user'><mac address='52:54:00:7a:11:22'/><model type='virtio'/></interface>` }));
  assert.ok(fs.existsSync(path.join(root, 'etc/tsvirt/qemu', `${name}.xml`)));
  await conn.domainCreate(dom);
  track(qemuPid(root, name));
  const live = await conn.domainLookupByName(name);
  assert.ok(live.id > 0);
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.RUNNING, reason: DomainRunningReason.BOOTED });
  await waitSerial(root, name, 'TSVIRT-GUEST-READY');
  const out = serialText(root, name);
  assert.match(out, /TSVIRT-DISK vda 131072 tsdisk0/);
  assert.match(out, /TSVIRT-NIC eth0 52:54:00:7a:11:22/);
  const mem = Number(/TSVIRT-MEM (\d+)/.exec(out)![1]);
  assert.ok(mem > 100_000 && mem <= 192 * 1024, `guest memory ${mem}`);

  const xml = await conn.domainGetXmlDesc(dom, 0);
  assert.match(xml, new RegExp(`<domain type='qemu' id='${live.id}'>`));
  assert.match(xml, /<alias name='virtio-disk0'\/>\s*<address type='pci' domain='0x0000' bus='0x00' slot='0x0\d' function='0x0'\/>/);
  assert.match(xml, /<alias name='net0'\/>/);
  assert.match(xml, /<alias name='balloon0'\/>/);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 2), /alias/);

  const log = fs.readFileSync(path.join(root, 'var/log/tsvirt/qemu', `${name}.log`), 'utf8');
  assert.match(log.split('\n')[0]!, new RegExp(`^LC_ALL=C PATH=/usr/bin:/bin HOME=\\S+ /usr/bin/qemu-system-x86_64 -name guest=${name},debug-threads=on -S `));

  const info = await conn.domainGetInfo(dom);
  assert.equal(info.state, DomainState.RUNNING);
  assert.equal(info.maxMem, 192 * 1024);
  assert.ok(info.cpuTime > 0);
  const bs = await conn.domainBlockStats(dom, 'vda');
  assert.ok(bs.rd_bytes > 0 && bs.rd_req > 0, 'the guest read its disk');
  const ms = await conn.domainMemoryStats(dom, 16, 0);
  assert.equal(ms.find((s) => s.tag === DomainMemoryStatTags.ACTUAL_BALLOON)?.val, 192 * 1024);
  const [rec] = await conn.connectGetAllDomainStats([dom], 0, 0);
  const field = (f: string) => rec!.params.find((x) => x.field === f)?.value;
  assert.equal(field('state.state'), DomainState.RUNNING);
  assert.equal(field('block.0.name'), 'vda');
  assert.ok((field('block.0.rd.bytes') as number) > 0);
  await assert.rejects(conn.domainInterfaceStats(dom, 'net0'), /user-mode networking/);

  await conn.domainShutdown(dom);
  await waitState(conn, dom, DomainState.SHUTOFF);
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.SHUTOFF, reason: DomainShutoffReason.SHUTDOWN });
  assert.match(serialText(root, name), /TSVIRT-ACPI-POWEROFF/);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(ev.list, [
    [DomainEventType.DEFINED, 0], [DomainEventType.STARTED, DomainEventStartedDetail.BOOTED],
    [DomainEventType.SHUTDOWN, 1], [DomainEventType.STOPPED, DomainEventStoppedDetail.SHUTDOWN],
  ]);
  assertNothingLeft(root, name);
  assert.equal((await conn.domainLookupByName(name)).id, -1);
});

test('guest-initiated poweroff ends a transient domain', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('poff');
  const ev = await collectEvents(conn);
  const dom = await conn.domainCreateXml(guestXml({ name, root, cmdline: 'tsguest.poweroff=1' }), 0);
  track(qemuPid(root, name));
  assert.equal(await conn.domainIsPersistent(dom), 0);
  await waitFor('domain gone', async () => (await conn.connectListAllDomains(0)).every((d) => d.name !== name));
  assert.match(serialText(root, name), /TSVIRT-GUEST-POWEROFF/);
  await assert.rejects(conn.domainLookupByName(name), (e: VirError) => e.code === ErrorNumber.NO_DOMAIN);
  assert.deepEqual(ev.list.slice(-2), [[DomainEventType.SHUTDOWN, 1], [DomainEventType.STOPPED, DomainEventStoppedDetail.SHUTDOWN]]);
  assertNothingLeft(root, name);
});

test('suspend, resume, destroy; operations on an inactive domain fail clearly', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('sr');
  const dom = await conn.domainDefineXml(guestXml({ name, root }));
  for (const op of [() => conn.domainSuspend(dom), () => conn.domainShutdown(dom), () => conn.domainDestroy(dom), () => conn.domainGetMaxVcpus(dom)]) {
    await assert.rejects(op(), (e: VirError) => e.code === ErrorNumber.OPERATION_INVALID && e.message === 'Requested operation is not valid: domain is not running');
  }
  await conn.domainCreate(dom);
  const pid = qemuPid(root, name);
  track(pid);
  await assert.rejects(conn.domainCreate(dom), /domain is already running/);
  await waitSerial(root, name, 'TSVIRT-GUEST-BOOTED');
  await conn.domainSuspend(dom);
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.PAUSED, reason: 1 });
  const sizeWhilePaused = serialText(root, name).length;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(serialText(root, name).length, sizeWhilePaused, 'a paused guest prints nothing');
  await conn.domainResume(dom);
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.RUNNING, reason: DomainRunningReason.UNPAUSED });
  await waitSerial(root, name, 'TSVIRT-GUEST-READY');
  await conn.domainDestroy(dom);
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.SHUTOFF, reason: DomainShutoffReason.DESTROYED });
  assert.equal(alive(pid), false);
  assertNothingLeft(root, name);
});

test('save and restore; managed save is restored by start', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('save');
  const dom = await conn.domainDefineXml(guestXml({ name, root }));
  await conn.domainCreate(dom);
  track(qemuPid(root, name));
  await waitSerial(root, name, 'TSVIRT-GUEST-READY');
  const image = path.join(root, 'guest.save');
  await conn.domainSave(dom, image);
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.SHUTOFF, reason: DomainShutoffReason.SAVED });
  assertNothingLeft(root, name);
  assert.match(await conn.domainSaveImageGetXmlDesc(image, 0), new RegExp(`<name>${name}</name>`));
  await conn.domainRestore(image);
  track(qemuPid(root, name));
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.RUNNING, reason: DomainRunningReason.RESTORED });
  // The restored guest is the same running system: it still answers the power button. Like a
  // user at virsh, press it again if a busy (TCG, loaded machine) guest lets one press go by.
  await waitFor('TSVIRT-ACPI-POWEROFF after restore', async () => {
    if (serialText(root, name).includes('TSVIRT-ACPI-POWEROFF')) return true;
    await conn.domainShutdown(dom).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 4000));
    return serialText(root, name).includes('TSVIRT-ACPI-POWEROFF');
  });
  await waitState(conn, dom, DomainState.SHUTOFF);
  assert.equal(serialText(root, name).split('TSVIRT-GUEST-BOOTED').length - 1, 1, 'booted once: restore did not reboot');

  await conn.domainCreate(dom);
  track(qemuPid(root, name));
  await waitFor('second boot READY', () => serialText(root, name).split('TSVIRT-GUEST-READY').length - 1 >= 2);
  await conn.domainManagedSave(dom, 0);
  assert.equal(await conn.domainHasManagedSaveImage(dom, 0), 1);
  await assert.rejects(conn.domainUndefine(dom), /Refusing to undefine while domain managed save image exists/);
  await conn.domainCreate(dom);
  track(qemuPid(root, name));
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.RUNNING, reason: DomainRunningReason.RESTORED });
  assert.equal(await conn.domainHasManagedSaveImage(dom, 0), 0);
  await conn.domainDestroy(dom);
});

test('console round trip over the serial pty', { skip }, async () => {
  const { conn, root } = await setup();
  const name = uniq('con');
  const dom = await conn.domainCreateXml(guestXml({ name, root, serial: 'pty' }), 0);
  track(qemuPid(root, name));
  const xml = await conn.domainGetXmlDesc(dom, 0);
  assert.match(xml, /<serial type='pty'>\s*<source path='\/dev\/pts\/\d+'\/>/);
  const stream = await conn.domainOpenConsole(dom, null, 0);
  await assert.rejects(conn.domainOpenConsole(dom, null, 0), /Active console session exists/);
  let text = '';
  const reader = (async () => { for await (const c of stream.incoming!) text += (c as Buffer).toString('latin1'); })();
  await waitFor('shell answers', async () => {
    await stream.send!(Buffer.from('echo h""i\r'));
    await new Promise((r) => setTimeout(r, 700));
    return /(^|\n)hi\r?\n/.test(text);
  }, 90_000);
  await stream.finish();
  await conn.domainDestroy(dom);
  await reader;
});

test('bad XML, missing disk, bad kernel, VNC port clash, KVM unusable: clear errors, nothing left', { skip }, async () => {
  const { root, conn } = await setup({ kvm: 'off' });
  await assert.rejects(conn.domainDefineXml('<domain type="qemu"><name>x</name>'), (e: VirError) => e.code === ErrorNumber.XML_DETAIL);
  await assert.rejects(conn.domainDefineXml(`<domain type='qemu'><name>x</name><memory>1024</memory><os><type machine='nope'>hvm</type></os></domain>`),
    /does not support machine type 'nope'/);

  const missing = uniq('missing');
  await assert.rejects(conn.domainCreateXml(guestXml({ name: missing, root, disk: '/nonexistent/disk.img' }), 0),
    (e: VirError) => e.code === ErrorNumber.SYSTEM_ERROR && e.message === "Cannot access storage file '/nonexistent/disk.img': No such file or directory");
  await assert.rejects(conn.domainLookupByName(missing), /no domain with matching name/);
  assertNothingLeft(root, missing);

  const badKernel = uniq('kernel');
  const dom = await conn.domainDefineXml(guestXml({ name: badKernel, root }).replace(KERNEL, '/nonexistent/vmlinuz'));
  await assert.rejects(conn.domainCreate(dom), (e: VirError) => e.code === ErrorNumber.INTERNAL_ERROR &&
    /qemu unexpectedly closed the monitor: .*could not open kernel file '\/nonexistent\/vmlinuz'/.test(e.message));
  assert.deepEqual(await conn.domainGetState(dom, 0), { state: DomainState.SHUTOFF, reason: DomainShutoffReason.FAILED });
  assertNothingLeft(root, badKernel);

  // A fixed VNC port someone else holds: QEMU's own message, nothing left.
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(5999, '127.0.0.1', () => r()));
  try {
    const clash = uniq('vnc');
    await assert.rejects(conn.domainCreateXml(guestXml({ name: clash, root, extraDevices: `<graphics type='vnc' port='5999' autoport='no'/>` }), 0),
      (e: VirError) => /qemu unexpectedly closed the monitor: .*(Failed to find an available port|Address already in use)/.test(e.message));
    assertNothingLeft(root, clash);
  } finally { blocker.close(); }

  const kvm = uniq('kvm');
  await assert.rejects(conn.domainCreateXml(guestXml({ name: kvm, root, type: 'kvm' }), 0), (e: VirError) =>
    e.code === ErrorNumber.CONFIG_UNSUPPORTED && e.message === 'unsupported configuration: Domain requires KVM, but it is not available. Check that virtualization is enabled in the host BIOS, and host configuration is setup to load the kvm modules.');
  assertNothingLeft(root, kvm);
});

test('autoport VNC skips a port in use and releases it at stop', { skip }, async () => {
  const { root, conn } = await setup({ vncPortMin: 5990, vncPortMax: 5995 });
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(5990, '127.0.0.1', () => r()));
  try {
    const name = uniq('auto');
    const dom = await conn.domainCreateXml(guestXml({ name, root, extraDevices: `<graphics type='vnc' autoport='yes'/>` }), 0);
    track(qemuPid(root, name));
    const xml = await conn.domainGetXmlDesc(dom, 0);
    const port = Number(/<graphics type='vnc' port='(-?\d+)'/.exec(xml)?.[1] ?? /-vnc 127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(path.join(root, 'var/log/tsvirt/qemu', `${name}.log`), 'utf8'))![1]! + 5900);
    const vncArg = /-vnc 127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(path.join(root, 'var/log/tsvirt/qemu', `${name}.log`), 'utf8'))!;
    assert.equal(Number(vncArg[1]) + 5900, 5991, 'skipped the busy 5990');
    void port;
    // The port is really QEMU's now.
    await new Promise<void>((resolve, reject) => { const s = net.connect(5991, '127.0.0.1', () => { s.destroy(); resolve(); }); s.on('error', reject); });
    await conn.domainDestroy(dom);
    const again = uniq('auto2');
    await conn.domainCreateXml(guestXml({ name: again, root, extraDevices: `<graphics type='vnc' autoport='yes'/>` }), 0);
    track(qemuPid(root, again));
    assert.match(fs.readFileSync(path.join(root, 'var/log/tsvirt/qemu', `${again}.log`), 'utf8'), /-vnc 127\.0\.0\.1:91/);
    await conn.domainDestroy(await conn.domainLookupByName(again));
  } finally { blocker.close(); }
});

test('one job per domain: a second start waits, then fails naming the holder', { skip }, async () => {
  const { root, conn } = await setup({ jobWaitMs: 5 });
  const name = uniq('job');
  const dom = await conn.domainDefineXml(guestXml({ name, root }));
  const first = conn.domainCreate(dom);
  await assert.rejects(conn.domainCreate(dom), (e: VirError) => e.code === ErrorNumber.OPERATION_TIMEOUT &&
    e.message === 'Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainCreate)');
  await first;
  track(qemuPid(root, name));
  await conn.domainDestroy(dom);
});

test('a restarted driver re-attaches to running QEMUs and reports dead ones as crashed', { skip }, async () => {
  const { root, conn } = await setup();
  const keep = uniq('keep');
  const die = uniq('die');
  const a = await conn.domainDefineXml(guestXml({ name: keep, root }));
  const b = await conn.domainCreateXml(guestXml({ name: die, root }), 0);
  await conn.domainCreate(a);
  const pidA = qemuPid(root, keep);
  const pidB = qemuPid(root, die);
  track(pidA); track(pidB);
  const idA = (await conn.domainLookupByName(keep)).id;
  await conn.domainSuspend(a);
  void b;
  // "Daemon restart": forget the driver state; one QEMU dies while nobody watches.
  await qemuDriverForget(root);
  process.kill(pidB, 'SIGKILL');
  await waitFor('die gone', () => !alive(pidB));
  const conn2 = await openQemuDriver({ root, shutdownGraceMs: 3000 });
  trackConn(conn2);
  const again = await conn2.domainLookupByName(keep);
  assert.equal(again.id, idA);
  assert.deepEqual(await conn2.domainGetState(again, 0), { state: DomainState.PAUSED, reason: 1 });
  assert.match(await conn2.domainGetXmlDesc(again, 0), /<alias name='serial0'\/>/);
  await assert.rejects(conn2.domainLookupByName(die), /no domain with matching name/, 'the dead transient domain is gone');
  assertNothingLeft(root, die);
  await conn2.domainResume(again);
  await waitSerial(root, keep, 'TSVIRT-GUEST-READY');
  await conn2.domainDestroy(again);
  assert.equal(alive(pidA), false);
});
