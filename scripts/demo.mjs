// The main job, on the embedded default (the test driver): define, start, list, inspect, stop
// and show a domain through the library, then the same through tsvirsh; when QEMU and the QEMU
// driver are available, boot the real test guest too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { open, DomainState, DomainEventType } = await import(`${root}dist/src/api/index.js`);
const step = (s) => console.log(`\n\x1b[1m== ${s}\x1b[0m`);

const xml = `<domain type='test'>
  <name>demo-vm</name>
  <memory unit='MiB'>512</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><source file='/var/lib/tsvirt/images/demo.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><source network='default'/></interface>
  </devices>
</domain>`;

step('library: open test:///default (the built-in mock hypervisor)');
const conn = await open('test:///default');
console.log(`connected to ${await conn.getType()} on ${await conn.getHostname()}`);
const events = [];
await conn.domainEventRegisterAny(null, 0, (dom, p) => events.push(`${dom.name}: ${DomainEventType[p.event]} (detail ${p.detail})`));

step('define, start, inspect');
const dom = await conn.defineDomainXML(xml);
await dom.create();
const info = await dom.info();
console.log(`${dom.name}: id ${dom.id}, state ${DomainState[info.state]}, ${info.nrVirtCpu} vcpus, ${info.memory} KiB`);
for (const d of await conn.listAllDomains()) console.log(`  listed: ${d.name} (id ${d.id})`);

step('stop, show the inactive definition');
await dom.destroy();
const st = await dom.state();
console.log(`${dom.name}: state ${DomainState[st.state]} reason ${st.reason}`);
console.log((await dom.getXMLDesc()).split('\n').slice(0, 8).join('\n') + '\n  ...');
await dom.undefine();
for (let i = 0; i < 100 && !events.some((e) => e.includes('UNDEFINED')); i++) await new Promise((r) => setTimeout(r, 10));
console.log('lifecycle events received:');
for (const e of events) console.log(`  ${e}`);
await conn.close();

step('tsvirsh: the same with virsh\'s commands (one process keeps test:///default state)');
const dir = mkdtempSync(join(tmpdir(), 'tsvirt-demo-'));
try {
  writeFileSync(join(dir, 'demo.xml'), xml);
  const script = `define ${join(dir, 'demo.xml')}; start demo-vm; list --all; dominfo demo-vm; destroy demo-vm; list --all --name; undefine demo-vm`;
  const r = spawnSync(process.execPath, [join(root, 'bin/tsvirsh'), '-c', 'test:///default', script], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

step('QEMU: tsvirtd boots the real test guest (library -> daemon -> QEMU driver -> QMP)');
const kernel = join(root, '.guest/vmlinuz');
const initrd = join(root, '.guest/initrd.gz');
if (!existsSync('/usr/bin/qemu-system-x86_64') || !existsSync(kernel)) {
  console.log('skipped: QEMU or the test guest is not installed (run scripts/setup.sh as root)');
} else {
  await bootGuestThroughDaemon();
}

/** A daemon in its own root, the guest started over the wire, its serial console read live. */
async function bootGuestThroughDaemon() {
  const { spawn } = await import('node:child_process');
  const droot = mkdtempSync(join(tmpdir(), 'tsvirt-demo-daemon-'));
  mkdirSync(join(droot, 'etc/tsvirt'), { recursive: true });
  writeFileSync(join(droot, 'etc/tsvirt/tsvirtd.conf'), 'drivers = [ "qemu" ]\n');
  const daemon = spawn(process.execPath, [join(root, 'bin/tsvirtd'), '--root', droot], { stdio: ['ignore', 'ignore', 'inherit'] });
  const sock = join(droot, 'run/tsvirt/tsvirt-sock');
  let conn;
  try {
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    const uri = `qemu+unix:///system?socket=${sock}`;
    conn = await open(uri);
    console.log(`tsvirtd on ${sock}; connected as ${uri}`);
    const dom = await conn.defineDomainXML(`<domain type='qemu'>
  <name>demo-guest</name>
  <memory unit='MiB'>192</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${kernel}</kernel><initrd>${initrd}</initrd>
    <cmdline>console=ttyS0 quiet</cmdline></os>
  <features><acpi/></features>
  <devices>
    <interface type='user'><mac address='52:54:00:de:00:01'/><model type='virtio'/></interface>
    <serial type='pty'><target port='0'/></serial><console type='pty'/>
  </devices>
</domain>`);
    await dom.create();
    const t0 = Date.now();
    console.log(`started ${dom.name} (id ${dom.id}); its serial console:`);
    const consoleStream = await dom.openConsole();
    let text = '';
    let shown = 0;
    for await (const chunk of consoleStream) {
      text += chunk.toString('latin1');
      const lines = text.split(/\r?\n/);
      for (; shown < lines.length - 1; shown++) if (lines[shown].startsWith('TSVIRT-')) console.log(`  | ${lines[shown]}`);
      if (text.includes('TSVIRT-GUEST-READY')) {
        for (; shown < lines.length; shown++) if (lines[shown].startsWith('TSVIRT-')) console.log(`  | ${lines[shown]}`);
        break;
      }
      if (Date.now() - t0 > 60000) { console.log('  (the guest did not report ready within 60 s)'); break; }
    }
    consoleStream.abort();
    const info = await dom.info();
    console.log(`booted in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${DomainState[info.state]}, ${info.nrVirtCpu} vcpu, ${info.memory} KiB, cpu time ${(info.cpuTime / 1e9).toFixed(1)} s`);
    // ACPI power button over QMP; the guest powers itself off. A guest busy under TCG can let
    // one press go by, so press again every few seconds, as a person at virsh would.
    for (let i = 0; i < 600; i++) {
      if (i % 50 === 0) await dom.shutdown();
      if ((await dom.state()).state === DomainState.SHUTOFF) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const st = await dom.state();
    console.log(`after the ACPI power button: ${DomainState[st.state]} (reason ${st.reason}: shutdown)`);
    await dom.undefine();
  } catch (e) {
    console.log(`QEMU demo failed: ${e.message}`);
    process.exitCode = 1;
  } finally {
    if (conn) {
      for (const d of await conn.listAllDomains(0).catch(() => [])) {
        await d.destroy().catch(() => undefined);
        await d.undefine().catch(() => undefined);
      }
      await conn.close().catch(() => undefined);
    }
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    rmSync(droot, { recursive: true, force: true });
  }
}
