// Shared by the storage and network benchmarks: a tsvirtd with the qemu, network and storage
// drivers in a temp root, optionally inside a network namespace of its own (never the host's
// network), a dir pool "bench" under the root, and virsh against it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

export function run(argv) {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Start tsvirtd; `netns: true` runs it in a fresh namespace (`ip netns exec NS tsvirtd`). */
export async function startStorageDaemon({ netns = false, pool = true } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-sbench-'));
  fs.mkdirSync(path.join(root, 'etc/tsvirt'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/tsvirt/tsvirtd.conf'), 'drivers = [ "qemu", "network", "storage" ]\n');
  const ns = netns ? `tsvirt-bench-${process.pid}` : null;
  if (ns) {
    spawnSync('ip', ['netns', 'add', ns]);
    spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  }
  // BENCH_DAEMON_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the daemon
  const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const argv = [process.execPath, ...nodeArgs, path.join(REPO, 'bin/tsvirtd'), '--root', root];
  const proc = spawn(ns ? 'ip' : argv[0], ns ? ['netns', 'exec', ns, ...argv] : argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((r) => proc.once('exit', r));
  const sock = path.join(root, 'run/tsvirt/tsvirt-sock');
  const uri = `qemu+unix:///system?socket=${sock}`;
  const virsh = (...cmds) => run(['virsh', '-c', uri, cmds.join('; ')]);
  const end = Date.now() + 20000;
  while (!(fs.existsSync(sock) && (await virsh('uri')).code === 0)) {
    if (Date.now() > end || proc.exitCode !== null) throw new Error('tsvirtd did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  if (pool) {
    const r = await virsh(`pool-create-as bench dir --target ${path.join(root, 'pool')} --build`);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return {
    root, uri, netns: ns, pid: proc.pid, virsh,
    ns: (...a) => run(['ip', 'netns', 'exec', ns, ...a]),
    async stop() {
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      // Whatever a network left behind dies with the namespace's dnsmasq.
      for (const p of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(p)) continue;
        try {
          const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
          if (cmd.includes(root) && /dnsmasq|qemu-system/.test(cmd)) process.kill(Number(p), 'SIGKILL');
        } catch { /* gone */ }
      }
      if (ns) spawnSync('ip', ['netns', 'del', ns]);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
