// The QEMU-facing tsvirsh commands: device XML builders (unit, and byte for byte against the
// real virsh's --print-xml), vncdisplay/domdisplay formatting, and console/ttyconsole/attach/detach through
// a real tsvirtd running a QEMU guest, compared with the real virsh against the same daemon.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDiskXml, buildInterfaceXml, findDisk, findInterface } from '../../src/cli/domain_devices.js';
import { vncDisplay, domDisplays } from '../../src/cli/console.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const TSVIRSH = join(ROOT, 'bin/tsvirsh');
const VIRSH = '/usr/bin/virsh';
const noVirsh = existsSync(VIRSH) ? false : `${VIRSH} is not installed`;
const env = { ...process.env, LC_ALL: 'C', TSVIRSH_HISTORY: '/dev/null' };

function run(bin: string[], args: string[], input?: string | Buffer) {
  const r = spawnSync(bin[0]!, [...bin.slice(1), ...args], { encoding: 'utf8', input, timeout: 20000, env });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
const virsh = (args: string[]) => run([VIRSH], args);
const tsvirsh = (args: string[], input?: string | Buffer) => run([process.execPath, TSVIRSH], args, input);

test('attach-disk XML: options map to virsh\'s elements in virsh\'s order', () => {
  assert.equal(buildDiskXml({ source: '/tmp/x.img', target: 'vdb' }),
    "<disk type='file'>\n  <source file='/tmp/x.img'/>\n  <target dev='vdb'/>\n</disk>\n");
  const full = buildDiskXml({ source: '/dev/sdz', target: 'sdb', sourcetype: 'block', driver: 'qemu', subdriver: 'raw', cache: 'none',
    type: 'lun', mode: 'shareable', targetbus: 'scsi', serial: 'S1' });
  assert.equal(full, "<disk type='block' device='lun'>\n  <driver name='qemu' type='raw' cache='none'/>\n  <source dev='/dev/sdz'/>\n"
    + "  <target dev='sdb' bus='scsi'/>\n  <shareable/>\n  <serial>S1</serial>\n</disk>\n");
  // without --sourcetype the source's kind decides, as virsh's stat() does
  assert.match(buildDiskXml({ source: '/dev/vg/x', target: 'vdc', isBlock: () => true }), /^<disk type='block'>/);
  assert.throws(() => buildDiskXml({ source: 'x', target: 'vdb', mode: 'rw' }), { message: "No support for rw in command 'attach-disk'" });
  assert.throws(() => buildDiskXml({ source: 'x', target: 'vdb', sourcetype: 'nfs' }), { message: "Unknown source type: 'nfs'" });
  assert.throws(() => buildDiskXml({ source: 'x', target: 'vdb', address: 'scsi:0.0.1' }), /expecting a pci/);
});

test('attach-interface XML and the detach-* device pick', () => {
  assert.equal(buildInterfaceXml({ type: 'network', source: 'default', target: 'vnet3', mac: '52:54:00:00:00:01', model: 'virtio' }),
    "<interface type='network'>\n  <source network='default'/>\n  <target dev='vnet3'/>\n  <mac address='52:54:00:00:00:01'/>\n"
    + "  <model type='virtio'/>\n</interface>\n");
  assert.throws(() => buildInterfaceXml({ type: 'ethernet', source: 'x' }), { message: "No support for ethernet in command 'attach-interface'" });
  const dom = "<domain>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='/a.img'/>\n      <target dev='vda' bus='virtio'/>\n"
    + "    </disk>\n    <interface type='network'>\n      <mac address='52:54:00:aa:bb:cc'/>\n    </interface>\n  </devices>\n</domain>\n";
  const disk = "<disk type=\"file\" device=\"disk\">\n      <source file=\"/a.img\"/>\n      <target dev=\"vda\" bus=\"virtio\"/>\n    </disk>";
  assert.equal(findDisk(dom, 'vda'), disk);
  assert.equal(findDisk(dom, '/a.img'), disk);
  assert.throws(() => findDisk(dom, 'vdz'), { message: 'No disk found whose source path or target is vdz' });
  assert.throws(() => findDisk('<domain><devices/></domain>', 'vda'), { message: 'Failed to get disk information' });
  assert.match(findInterface(dom, 'network', '52:54:00:AA:BB:CC'), /^<interface type="network">/);
  assert.throws(() => findInterface(dom, 'bridge'), { message: 'No interface found whose type is bridge' });
  assert.throws(() => findInterface(dom, 'network', '52:54:00:00:00:00'), { message: 'No interface with MAC address 52:54:00:00:00:00 was found' });
});

test('vncdisplay and domdisplay formatting', () => {
  const xml = (g: string) => `<domain><devices>${g}</devices></domain>`;
  assert.equal(vncDisplay(xml("<graphics type='vnc' port='5900' listen='127.0.0.1'/>")), '127.0.0.1:0\n');
  assert.equal(vncDisplay(xml("<graphics type='vnc' port='5901'/>")), ':1\n');
  assert.throws(() => vncDisplay(xml("<graphics type='vnc' port='-1'/>")), /Failed to get VNC port/);
  assert.deepEqual(domDisplays(xml("<graphics type='vnc' port='5902' listen='0.0.0.0'/>")), ['vnc://localhost:2']);
  assert.deepEqual(domDisplays(xml("<graphics type='vnc' port='5902' listen='::1'/>")), ['vnc://[::1]:2']);
  assert.throws(() => domDisplays(xml(''), { type: 'spice' }), { message: "No graphical display with type 'spice' found" });
});

test('--print-xml and errors match the real virsh byte for byte', { skip: noVirsh }, () => {
  const cmds = [
    'attach-disk test /tmp/x.img vdb --config --print-xml',
    'attach-disk test /tmp/x.img vdb --driver qemu --subdriver qcow2 --cache none --io native --type cdrom --mode readonly '
      + '--sourcetype file --targetbus sata --serial S1 --wwn 0x5000c50015ea71ac --alias ua-x --iothread 2 --rawio --print-xml',
    'attach-disk test pool/vol vdb --sourcetype network --source-protocol rbd --source-host-name h1:6789 --print-xml',
    'attach-disk test /tmp/x.img vdb --address pci:0000.00.0a.0 --print-xml',
    'attach-disk test /tmp/x.img vdb --mode bogus --print-xml',
    'attach-disk test /tmp/x.img vdb --wwn zz --print-xml',
    'attach-interface test bridge br0 --target vnet7 --mac 52:54:00:11:22:33 --model virtio --script /bin/true --alias ua-n --print-xml',
    'attach-interface test network default --inbound 100,200,300 --outbound 50 --print-xml',
    'attach-interface test hostdev 0000:00:1f.0 --managed --print-xml',
    'attach-interface test user --print-xml',
    'detach-disk test vda --print-xml', 'detach-disk test vdz',
    'detach-interface test network --mac AA:BB:CC:DD:EE:FF --print-xml',
    'attach-disk test /tmp/x.img vdb --config', 'detach-interface test network --config',
    'attach-disk test /tmp/x.img vdb --live --current',
  ];
  for (const c of cmds) assert.deepEqual(tsvirsh(['-c', 'test:///default', c]), virsh(['-c', 'test:///default', c]), c);
});

const KERNEL = join(ROOT, '.guest/vmlinuz');
const INITRD = join(ROOT, '.guest/initrd.gz');
const noGuest = !existsSync(KERNEL) || !existsSync('/usr/bin/qemu-system-x86_64') || !existsSync('/usr/bin/qemu-img')
  ? 'the test guest, qemu-system-x86_64 or qemu-img is missing' : noVirsh;

/** Runs `virsh console URI DOMAIN` under a pty, types a shell line until it answers, then Ctrl-]. */
const VIRSH_CONSOLE_PY = `
import os, pty, re, select, sys, time
uri, dom = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execvp('virsh', ['virsh', '-c', uri, 'console', dom])
out = b''; deadline = time.time() + 50; escaped = False; last = 0
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
    if not escaped and b'Escape character' in out and time.time() - last > 1:
        os.write(fd, b'echo h""i\\r'); last = time.time()
    if not escaped and re.search(rb'^hi\\r?$', out, re.M):
        os.write(fd, b'\\x1d'); escaped = True
# virsh must leave by itself once escaped; past the deadline it is killed (and the test fails)
done, status = os.waitpid(pid, os.WNOHANG)
if done == 0:
    sys.stderr.write('virsh did not exit (escaped: %s)\\n' % escaped)
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
`;

/**
 * `tsvirsh console` with a line typed into the guest once a second (the guest may still be booting)
 * until its output shows `expect`, then Ctrl-].
 */
function consoleSession(args: string[], line: string, expect: RegExp, timeoutMs: number): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    const p: ChildProcess = spawn(process.execPath, [TSVIRSH, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let escaped = false;
    const typing = setInterval(() => { if (out.includes('Escape character')) p.stdin!.write(line); }, 1000);
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    const check = () => {
      if (!escaped && expect.test(out)) { escaped = true; clearInterval(typing); p.stdin!.write(Buffer.from([0x1d])); }
    };
    p.stdout!.on('data', (b: Buffer) => { out += b.toString(); check(); });
    p.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    p.on('exit', (code) => { clearTimeout(t); clearInterval(typing); resolve({ out, code }); });
  });
}

test('console, vncdisplay, domdisplay, attach-disk and detach-disk against a real tsvirtd with a QEMU guest', { skip: noGuest, timeout: 90000 }, async () => {
  const { spawnDaemon } = await import('../daemon/spawn.js');
  const work = mkdtempSync(join(tmpdir(), 'tsvirsh-qemu-'));
  const d = await spawnDaemon({ config: 'drivers = [ "qemu" ]\n' });
  const uri = `qemu+unix:///system?socket=${d.rw}`;
  try {
    const xml = join(work, 'g.xml');
    writeFileSync(xml, `<domain type='qemu'><name>clig</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${KERNEL}</kernel><initrd>${INITRD}</initrd><cmdline>console=ttyS0</cmdline></os>
  <features><acpi/></features>
  <devices><serial type='pty'><target port='0'/></serial><console type='pty'/><graphics type='vnc' autoport='yes'/></devices>
</domain>\n`);
    const c = (cmd: string) => tsvirsh(['-c', uri, cmd]);
    assert.equal(c(`create ${xml}`).status, 0);

    // the guest prints to its console; a shell line typed there is echoed back
    // (the quotes keep the typed line itself from matching: only the shell's output does)
    const con = await consoleSession(['-c', uri, 'console clig'], 'echo h""i\n', /^hi\r?$/m, 40000);
    assert.equal(con.code, 0, con.out);
    assert.ok(con.out.startsWith("Connected to domain 'clig'\nEscape character is ^] (Ctrl + ])\n"), con.out);
    assert.match(con.out, /\bhi\b/);

    // the REAL virsh console against tsvirtd (it insists on a terminal: run it under a pty)
    const real = spawnSync('/usr/bin/python3', ['-c', VIRSH_CONSOLE_PY, uri, 'clig'], { encoding: 'utf8', timeout: 60000 });
    assert.equal(real.status, 0, real.stdout + real.stderr);
    assert.match(real.stdout, /Connected to domain 'clig'/);
    assert.match(real.stdout, /^hi\r?$/m);

    for (const cmd of ['vncdisplay clig', 'domdisplay clig', 'domdisplay clig --type spice', 'vncdisplay nosuch']) {
      assert.deepEqual(c(cmd), virsh(['-c', uri, cmd]), cmd);
    }
    assert.match(c('vncdisplay clig').stdout, /^127\.0\.0\.1:\d+\n/);
    // ttyconsole reads console 0's tty='' from the live XML: the pty QEMU opened, as the real virsh sees it
    const tty = c('ttyconsole clig');
    assert.deepEqual(tty, virsh(['-c', uri, 'ttyconsole clig']));
    assert.match(tty.stdout, /^\/dev\/pts\/\d+\n/);
    assert.match(c('dumpxml clig').stdout, new RegExp(`<console type='pty' tty='${tty.stdout.trim()}'>\\n {6}<source path='${tty.stdout.trim()}'/>`));

    const img = join(work, 'extra.qcow2');
    assert.equal(spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '16M']).status, 0);
    const att = c(`attach-disk clig ${img} vdc --driver qemu --subdriver qcow2 --targetbus virtio --live`);
    assert.deepEqual([att.stdout, att.stderr, att.status], ['Disk attached successfully\n\n', '', 0]);
    assert.match(c('domblklist clig').stdout, new RegExp(`vdc +${img}`));
    const det = c('detach-disk clig vdc --live');
    assert.deepEqual([det.stdout, det.stderr, det.status], ['Disk detached successfully\n\n', '', 0]);
    // hot-unplug completes when the guest lets go of the device
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = !c('domblklist clig').stdout.includes('vdc');
      if (!gone) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(gone, 'vdc still attached');
    const bad = c('detach-disk clig vdz');
    assert.deepEqual(bad, virsh(['-c', uri, 'detach-disk clig vdz']));
  } finally {
    // guests outlive their daemon (as with libvirtd): stop it first, whatever failed
    tsvirsh(['-c', uri, 'destroy clig']);
    await d.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
