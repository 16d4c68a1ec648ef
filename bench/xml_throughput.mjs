// Benchmark: parse + format of a domain with 100 devices, documents/s on one core
// (goal: >= 5,000/s).
// `--profile` also prints the split tokenize / build / format (best of rounds, each step in its
// own loop on one prepared input).
import { parseDomainXml, formatDomainXml, domainDefParseNode } from '../dist/src/conf/domain.js';
import { parseXml } from '../dist/src/conf/xml.js';
import { fmt, verdict } from './lib.mjs';

function domainWith100Devices() {
  const dev = [];
  for (let i = 0; i < 40; i++) {
    const t = `vd${String.fromCharCode(97 + (i % 26))}${i >= 26 ? String.fromCharCode(97 + Math.floor(i / 26) - 1) : ''}`;
    dev.push(`<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/><source file='/var/lib/images/disk${i}.qcow2'/><target dev='${t}' bus='virtio'/></disk>`);
  }
  for (let i = 0; i < 40; i++) {
    const h = i.toString(16).padStart(2, '0');
    dev.push(`<interface type='network'><mac address='52:54:00:00:01:${h}'/><source network='default'/><model type='virtio'/></interface>`);
  }
  for (let i = 0; i < 8; i++) dev.push(`<serial type='pty'><target port='${i}'/></serial>`);
  for (let i = 0; i < 4; i++) dev.push(`<input type='tablet' bus='usb'/>`);
  for (let i = 0; i < 4; i++) dev.push(`<controller type='pci' index='${i + 1}' model='pci-bridge'/>`);
  dev.push(`<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>`);
  dev.push(`<video><model type='cirrus' vram='16384' heads='1'/></video>`);
  dev.push(`<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`);
  dev.push(`<watchdog model='i6300esb' action='reset'/>`);
  dev.push(`<memballoon model='virtio'/>`);
  return `<domain type='qemu'><name>bench100</name><uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>
  <memory unit='MiB'>1024</memory><vcpu>2</vcpu><os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features><clock offset='utc'/><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>${dev.join('\n')}</devices></domain>`;
}

const xml = domainWith100Devices();
const once = formatDomainXml(parseDomainXml(xml));
const ndev = (once.match(/^    <(disk|interface|serial|console|input|controller|graphics|video|rng|watchdog|memballoon)\b/gm) ?? []).length;
for (let i = 0; i < 500; i++) formatDomainXml(parseDomainXml(xml)); // warm up the JIT
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
let docs = 0;
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const deadline = t0 + BigInt(seconds * 1e9);
while (process.hrtime.bigint() < deadline) {
  for (let i = 0; i < 50; i++) formatDomainXml(parseDomainXml(xml));
  docs += 50;
}
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
// "On one core" = per second of CPU this single-threaded loop got; on a shared machine the
// wall-clock rate also counts time the scheduler gave to other processes.
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const rate = docs / cpuSeconds;
const wallRate = docs / elapsed;
console.log(`domain XML with ${ndev} devices (${xml.length} bytes in, ${once.length} out): ${fmt(rate, 0)} parse+format per CPU-second (${fmt(1e6 / rate, 1)} us each); wall clock ${fmt(wallRate, 0)}/s`);
verdict('XML parse+format of a 100-device domain >= 5000 docs/s on one core', rate >= 5000 && ndev >= 100, `${fmt(rate, 0)}/s`);

if (process.argv.includes('--profile')) {
  const tree = parseXml(xml);
  const def = domainDefParseNode(tree, { errDomain: 10 });
  const steps = [
    ['tokenize', () => parseXml(xml)],
    ['build', () => domainDefParseNode(tree, { errDomain: 10 })],
    ['format', () => formatDomainXml(def)],
  ];
  const best = steps.map(() => Infinity);
  for (let r = 0; r < 30; r++) {
    steps.forEach(([, f], k) => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) f();
      best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t) / 100e3);
    });
  }
  console.log('split (us per document, best of 30 rounds): ' + steps.map(([n], k) => `${n} ${fmt(best[k], 1)}`).join(', '));
}
