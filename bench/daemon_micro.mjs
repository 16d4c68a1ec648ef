// In-process microbenchmark of tsvirtd's per-call work (no kernel, no client): a ClientSession
// on a fake socket, the real test driver, and the calls rpcbench makes (lookup = LOOKUP_BY_NAME
// + GET_INFO, xml = GET_XML_DESC, define = DEFINE_XML + UNDEFINE, list = LIST_ALL_DOMAINS with
// 1,000 domains). Reports CPU microseconds of daemon JS per operation; steadier than a socket
// benchmark on a shared machine, so it is the loop to iterate optimisations on.
//   node bench/daemon_micro.mjs [--ms 1500] [lookup xml define list]
import { EventEmitter } from 'node:events';
import { loadDriverModule } from '../dist/src/drivers/registry.js';
import { ClientSession } from '../dist/src/daemon/client.js';
import { defaultConfig } from '../dist/src/daemon/config.js';
import { WorkerPool } from '../dist/src/daemon/workers.js';
import { logger } from '../dist/src/util/log.js';

const argv = process.argv.slice(2);
const msIdx = argv.indexOf('--ms');
const MS = msIdx >= 0 ? Number(argv.splice(msIdx, 2)[1]) : 1500;
const which = argv.length ? argv : ['lookup', 'xml', 'define', 'list'];

/** Just enough of net.Socket for ClientSession: data in, writes captured. */
class FakeSocket extends EventEmitter {
  writable = true;
  destroyed = false;
  writableLength = 0;
  writableNeedDrain = false;
  onWrite = null;
  setNoDelay() {}
  pause() {}
  resume() {}
  cork() {}
  uncork() {}
  write(buf) { const f = this.onWrite; this.onWrite = null; f?.(buf); return true; }
  end() { this.destroyed = true; this.emit('close'); }
  destroy() { this.end(); }
}

function pkt(proc, serial, payload = Buffer.alloc(0)) {
  const b = Buffer.alloc(28 + payload.length);
  b.writeUInt32BE(b.length, 0); b.writeUInt32BE(0x20008086, 4); b.writeUInt32BE(1, 8);
  b.writeInt32BE(proc, 12); b.writeInt32BE(0, 16); b.writeUInt32BE(serial, 20); b.writeInt32BE(0, 24);
  payload.copy(b, 28);
  return b;
}
const str = (s) => { const b = Buffer.from(s); const o = Buffer.alloc(4 + b.length + ((4 - (b.length & 3)) & 3)); o.writeUInt32BE(b.length); b.copy(o, 4); return o; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };

await loadDriverModule('test');
logger.configure({ level: 4, outputs: '4:stderr' });
const config = defaultConfig();
const host = { config, workers: new WorkerPool(config.max_workers, config.prio_workers), log: logger.child('daemon'),
  clientClosed() {}, clientOpened() {} };
const sock = new FakeSocket();
new ClientSession(sock, false, 'unix', host);
let serial = 0;
/** One CALL; resolves with the reply packet. */
function call(proc, payload) {
  return new Promise((resolve) => {
    sock.onWrite = (b) => {
      if (b.readInt32BE(24) !== 0) throw new Error(`proc ${proc} failed: ${b.subarray(28).toString('latin1')}`);
      resolve(b);
    };
    sock.emit('data', pkt(proc, serial++, payload));
  });
}
const domArg = (reply) => reply.subarray(28); // remote_nonnull_domain as the lookup returned it

await call(66);
await call(1, Buffer.concat([u32(1), str('test:///default'), u32(0)]));
const xmlOf = (name) => `<domain type='test'>
  <name>${name}</name>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/${name}.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><source network='default'/><model type='virtio'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>`;
const fx = domArg(await call(11, str(xmlOf('micro-fx'))));

const OPS = {
  async lookup() { const r = await call(23, str('micro-fx')); await call(16, domArg(r)); },
  async xml() { await call(14, Buffer.concat([fx, u32(0)])); },
  async define() { const r = await call(11, str(xmlOf(`micro-d${serial}`))); await call(35, domArg(r)); },
  async list() { await call(273, Buffer.concat([u32(1), u32(0)])); },
};

async function measure(name) {
  const op = OPS[name];
  for (let i = 0; i < 2000; i++) await op(); // warm-up (JIT)
  // CPU time of this process, not wall time: other load on a shared machine stretches the
  // wall clock but not (much) the CPU a call costs.
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - t0 < MS) { for (let i = 0; i < 50; i++) await op(); n += 50; }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

for (const name of which) {
  if (name === 'list') for (let i = 0; i < 1000; i++) await call(11, str(xmlOf(`micro-l${i}`)));
  const us = await measure(name);
  console.log(`${name.padEnd(7)} ${us.toFixed(2).padStart(8)} us/op`);
}
