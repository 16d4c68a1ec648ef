// The main job, on the embedded default (the test driver): define, start, list, inspect, stop
// and show a domain through the library, then the same through tsvirsh; when QEMU and the QEMU
// driver are available, boot the real test guest too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
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
await new Promise((r) => setTimeout(r, 10));
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

step('QEMU: boot the real test guest');
const guest = join(root, '.guest/vmlinuz');
if (!existsSync('/usr/bin/qemu-system-x86_64') || !existsSync(guest)) {
  console.log('skipped: QEMU or the test guest is not installed (run scripts/setup.sh as root)');
} else if (!existsSync(join(root, 'dist/src/drivers/qemu/demo.js'))) {
  console.log('skipped: the QEMU driver demo is not built yet');
} else {
  const { bootDemoGuest } = await import(join(root, 'dist/src/drivers/qemu/demo.js'));
  await bootDemoGuest({ kernel: guest, initrd: join(root, '.guest/initrd.gz'), log: console.log });
}
