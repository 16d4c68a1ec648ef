// End-to-end harness: a real tsvirtd with the qemu, network and storage drivers, started inside
// a network namespace of its own (`ip netns exec NS node bin/tsvirtd --root ROOT`), so every
// bridge, nftables table, dnsmasq and QEMU lives there and never touches the host's network.
// Clients reach it through its Unix socket (a path, not a network address): the real virsh,
// the tsvirt library and tsvirsh. Cleanup kills whatever a failed test left behind.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const KERNEL = process.env['TSVIRT_GUEST_KERNEL'] ?? path.join(REPO, '.guest/vmlinuz');
export const INITRD = process.env['TSVIRT_GUEST_INITRD'] ?? path.join(REPO, '.guest/initrd.gz');

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const canNetns = process.getuid?.() === 0 && has('ip', ['netns', 'list']) && fs.existsSync('/usr/sbin/dnsmasq') && has('nft', ['--version']);
/** Why the suite cannot run here, or false. */
export const skipNoNetns = canNetns ? false : 'needs root, ip netns, nft and dnsmasq';
export const skipNoGuest = skipNoNetns || (fs.existsSync(KERNEL) && fs.existsSync(INITRD) && fs.existsSync('/usr/bin/qemu-system-x86_64')
  ? false : 'test guest or QEMU missing (see /work/shared/guest)');
export const skipNoVirsh = has('virsh', ['--version']) ? false : 'virsh (libvirt-clients) not installed';

export interface Run { code: number; stdout: string; stderr: string }

/** Run a program without blocking the event loop (the library's streams keep flowing). */
export function run(argv: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(argv[0]!, argv.slice(1), {
      encoding: 'utf8', maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

let seq = 0;

/** One daemon root + one namespace; `start()` launches tsvirtd in it, `destroy()` removes everything. */
export class E2E {
  readonly root: string;
  readonly netns: string;
  readonly sock: string;
  readonly uri: string;
  daemon: ChildProcess | null = null;
  private daemonExit: Promise<number | null> | null = null;

  constructor(extraConfig = '') {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-e2e-'));
    this.netns = `tsvirt-e2e-${process.pid}-${seq++}`;
    this.sock = path.join(this.root, 'run/tsvirt/tsvirt-sock');
    this.uri = `qemu+unix:///system?socket=${this.sock}`;
    fs.mkdirSync(path.join(this.root, 'etc/tsvirt'), { recursive: true });
    fs.writeFileSync(path.join(this.root, 'etc/tsvirt/tsvirtd.conf'), `drivers = [ "qemu", "network", "storage" ]\n${extraConfig}`);
    spawnSync('ip', ['netns', 'add', this.netns]);
    spawnSync('ip', ['netns', 'exec', this.netns, 'ip', 'link', 'set', 'lo', 'up']);
  }

  /** Start tsvirtd inside the namespace and wait until its socket answers. */
  async start(args: string[] = []): Promise<void> {
    if (this.daemon) throw new Error('daemon already running');
    const log = fs.openSync(path.join(this.root, 'tsvirtd.log'), 'a');
    const child = spawn('ip', ['netns', 'exec', this.netns, process.execPath, path.join(REPO, 'bin/tsvirtd'), '--root', this.root, ...args],
      { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.daemon = child;
    this.daemonExit = new Promise((resolve) => child.once('exit', (code) => { resolve(code); }));
    const end = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`tsvirtd exited (${child.exitCode}): ${this.daemonLog()}`);
      if (fs.existsSync(this.sock) && (await this.virsh('uri')).code === 0) return;
      if (Date.now() > end) throw new Error(`tsvirtd did not come up: ${this.daemonLog()}`);
      await sleep(50);
    }
  }

  /** Stop the daemon with `signal` and wait until the process is gone (and reaped). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const d = this.daemon;
    if (!d) return null;
    d.kill(signal);
    const code = await this.daemonExit;
    this.daemon = null;
    return code;
  }

  /** Resolves with the exit code when the daemon exits by itself (or null after `ms`). */
  async waitExit(ms: number): Promise<number | null | 'running'> {
    if (!this.daemonExit) return null;
    const r = await Promise.race([this.daemonExit, sleep(ms).then(() => 'running' as const)]);
    if (r !== 'running') this.daemon = null;
    return r;
  }

  daemonLog(): string {
    try { return fs.readFileSync(path.join(this.root, 'tsvirtd.log'), 'utf8'); } catch { return ''; }
  }

  /** The real virsh against this daemon: one process, commands separated by ';'. */
  virsh(...cmds: string[]): Promise<Run> {
    return run(['virsh', '-c', this.uri, cmds.join('; ')], { env: { ...process.env, LC_ALL: 'C' } });
  }
  /** virsh on a read-only connection. */
  virshRo(...cmds: string[]): Promise<Run> {
    return run(['virsh', '-r', '-c', this.uri, cmds.join('; ')], { env: { ...process.env, LC_ALL: 'C' } });
  }

  /** tsvirsh (the bundled CLI) against this daemon. */
  tsvirsh(...cmds: string[]): Promise<Run> {
    return run([process.execPath, path.join(REPO, 'bin/tsvirsh'), '-c', this.uri, cmds.join('; ')]);
  }

  /** A command inside the namespace. */
  ns(...argv: string[]): Promise<Run> { return run(['ip', 'netns', 'exec', this.netns, ...argv]); }

  /** dnsmasq processes serving this root (they run in the namespace; /proc shows them all). */
  dnsmasqPids(): number[] {
    const out: number[] = [];
    for (const p of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        if (/(^|\/)dnsmasq\0/.test(cmd) && cmd.includes(this.root) && !/\) Z /.test(stat)) out.push(Number(p));
      } catch { /* gone */ }
    }
    return out;
  }

  /** QEMU pids recorded under this root. */
  qemuPids(): number[] {
    const dir = path.join(this.root, 'run/tsvirt/qemu');
    const out: number[] = [];
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number(fs.readFileSync(path.join(dir, f), 'utf8'));
      if (pid > 0) out.push(pid);
    }
    return out;
  }

  /** Kill everything this test started, remove the namespace and the root. */
  async destroy(): Promise<void> {
    if (this.daemon) await this.stop('SIGKILL');
    for (const pid of [...this.qemuPids(), ...this.dnsmasqPids()]) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    await sleep(100);
    spawnSync('ip', ['netns', 'del', this.netns]);
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, ms = 60_000, every = 100): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** A NAT network with a DHCP range (stp off: a new port forwards at once). */
export function natNetworkXml(name: string, bridge: string, net: string): string {
  return `<network>
  <name>${name}</name>
  <forward mode='nat'/>
  <bridge name='${bridge}' stp='off'/>
  <ip address='${net}.1' netmask='255.255.255.0'>
    <dhcp><range start='${net}.100' end='${net}.150'/></dhcp>
  </ip>
</network>
`;
}

/** The test guest: DHCP on its NIC, a storage volume as vdb, console on a pty serial. */
export function guestXml(o: { name: string; pool: string; volume: string; network: string; mac: string }): string {
  return `<domain type='qemu'>
  <name>${o.name}</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${KERNEL}</kernel><initrd>${INITRD}</initrd>
    <cmdline>console=ttyS0 tsguest.dhcp=1</cmdline></os>
  <devices>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='${o.pool}' volume='${o.volume}'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='${o.mac}'/>
      <source network='${o.network}'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'/>
  </devices>
</domain>
`;
}
