// The network driver's state: network objects, persistent config and run state on disk,
// start-up (reload, re-attach to running bridges and dnsmasq, autostart), and the lifecycle of
// managed networks (bridge + addresses + firewall + dnsmasq), each step undone on failure.
// libvirt counterpart: src/network/bridge_driver.c.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { type NetworkDef, formatNetworkXml, networkIpPrefix, networkSetBridgeMacAddr, parseNetworkXml } from '../../conf/network.js';
import { ipFamily, macParse, parseIp, subnetsOverlap } from '../../conf/net_addr.js';
import type { NetworkEventPayload, NetworkRef } from '../driver.js';
import { EventBus } from '../events.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { writeFileAtomic } from '../../util/atomic_file.js';
import { logger } from '../../util/log.js';
import { type DnsmasqPaths, dnsmasqAddnHosts, dnsmasqConfig, dnsmasqHostsFile, networkNeedsDnsmasq } from './dnsmasq.js';
import { firewallScript, forwardingNeeded, networkHasFirewall } from './firewall.js';
import { NetRunner, SBIN_PATH } from './runner.js';
import { Mutex } from '../../util/mutex.js';

const D = ErrorDomain.NETWORK;
const log = logger.child('network');
export const netErr = (code: ErrorNumber, detail?: string) => virError(D, code, detail);

export enum NetworkEventType { DEFINED = 0, UNDEFINED = 1, STARTED = 2, STOPPED = 3 }

export interface NetworkDriverOptions {
  /** Everything lives under this root (default "/"). */
  root?: string;
  /** Run every ip/nft/dnsmasq command inside this network namespace. */
  netns?: string | null;
  /** Start autostart networks during init (default true). */
  autostart?: boolean;
  /** The dnsmasq program (default: found in PATH). */
  dnsmasqPath?: string;
  /**
   * The user dnsmasq runs as. Default root: its hosts and lease files live under the driver's
   * root, which may not be readable by an unprivileged user after dnsmasq drops privileges.
   */
  dnsmasqUser?: string;
}

/** Forward modes whose bridge, addresses, firewall and dnsmasq this driver creates. */
export function isManaged(def: NetworkDef): boolean {
  const m = def.forward?.mode;
  return m === undefined || m === 'nat' || m === 'route' || m === 'open';
}

export class NetObj {
  newDef: NetworkDef | null = null;
  active = false;
  autostart = false;
  configFile: string | null = null;
  dnsmasqPid: number | null = null;
  /** tap devices handed to guests: tap -> domain */
  readonly taps = new Map<string, string>();
  constructor(public def: NetworkDef) {}
  get ref(): NetworkRef { return { name: this.def.name, uuid: this.def.uuid }; }
  get persistent(): boolean { return this.configFile !== null; }
}

export class NetworkDriver {
  readonly root: string;
  readonly configDir: string;
  readonly autostartDir: string;
  readonly stateDir: string;
  readonly dnsmasqDir: string;
  readonly runner: NetRunner;
  readonly events = new EventBus<NetworkEventPayload>((p) => p.net.uuid);
  private readonly byName = new Map<string, NetObj>();
  /** One lock for the whole driver: starts touch shared things (the firewall table, names). */
  private readonly mutex = new Mutex();
  private readonly dnsmasqPath: string;
  private readonly dnsmasqUser: string;

  constructor(opts: NetworkDriverOptions = {}) {
    this.root = path.resolve(opts.root ?? '/');
    this.configDir = path.join(this.root, 'etc', 'tsvirt', 'network');
    this.autostartDir = path.join(this.configDir, 'autostart');
    this.stateDir = path.join(this.root, 'run', 'tsvirt', 'network');
    this.dnsmasqDir = path.join(this.root, 'var', 'lib', 'tsvirt', 'dnsmasq');
    this.runner = new NetRunner(opts.netns ?? null);
    this.dnsmasqPath = opts.dnsmasqPath ?? 'dnsmasq';
    this.dnsmasqUser = opts.dnsmasqUser ?? 'root';
  }

  locked<T>(fn: () => Promise<T>): Promise<T> { return this.mutex.run(fn); }

  // ------------------------------------------------------------ objects and lookups

  values(): NetObj[] { return [...this.byName.values()]; }
  findByName(name: string): NetObj | undefined { return this.byName.get(name); }
  findByUuid(uuid: string): NetObj | undefined {
    const u = uuid.toLowerCase();
    for (const o of this.byName.values()) if (o.def.uuid === u) return o;
    return undefined;
  }
  byNameOrThrow(name: string): NetObj {
    const o = this.byName.get(name);
    if (!o) throw netErr(ErrorNumber.NO_NETWORK, `no network with matching name '${name}'`);
    return o;
  }
  byUuidOrThrow(uuid: string): NetObj {
    const o = this.findByUuid(uuid);
    if (!o) throw netErr(ErrorNumber.NO_NETWORK, `no network with matching uuid '${uuid}'`);
    return o;
  }
  /** networkObjFromNetwork */
  fromRef(ref: NetworkRef): NetObj {
    const o = this.findByUuid(ref.uuid);
    if (!o) throw netErr(ErrorNumber.NO_NETWORK, `no network with matching uuid '${ref.uuid}' (${ref.name})`);
    return o;
  }
  requireActive(o: NetObj): void {
    if (!o.active) throw netErr(ErrorNumber.OPERATION_INVALID, `network '${o.def.name}' is not active`);
  }

  emit(o: NetObj, event: NetworkEventType): void {
    this.events.emit(0, { net: o.ref, event, detail: 0 });
  }

  // ------------------------------------------------------------ paths

  paths(name: string): DnsmasqPaths & { conf: string; state: string; taps: string } {
    return {
      taps: path.join(this.stateDir, `${name}.taps`),
      conf: path.join(this.dnsmasqDir, `${name}.conf`),
      pidFile: path.join(this.stateDir, `${name}.pid`),
      leaseFile: path.join(this.dnsmasqDir, `${name}.leases`),
      hostsFile: path.join(this.dnsmasqDir, `${name}.hostsfile`),
      addnHostsFile: path.join(this.dnsmasqDir, `${name}.addnhosts`),
      state: path.join(this.stateDir, `${name}.xml`),
    };
  }
  autostartLink(name: string): string { return path.join(this.autostartDir, `${name}.xml`); }

  // ------------------------------------------------------------ start-up

  async init(opts: { autostart?: boolean } = {}): Promise<void> {
    for (const d of [this.configDir, this.stateDir, this.dnsmasqDir]) await fsp.mkdir(d, { recursive: true });
    for (const f of await xmlFiles(this.configDir)) {
      const def = await loadDef(path.join(this.configDir, f));
      if (!def || `${def.name}.xml` !== f || this.byName.has(def.name)) continue;
      const o = new NetObj(def);
      o.configFile = path.join(this.configDir, f);
      o.autostart = fs.existsSync(this.autostartLink(def.name));
      this.byName.set(def.name, o);
    }
    // Re-attach to what is still running: the bridge must exist; a dead dnsmasq is restarted.
    const stateFiles = await xmlFiles(this.stateDir);
    const links = stateFiles.length ? await this.linkNames() : new Set<string>();
    for (const f of stateFiles) {
      const def = await loadDef(path.join(this.stateDir, f));
      if (!def) continue;
      let o = this.byName.get(def.name);
      if (!o) { o = new NetObj(def); this.byName.set(def.name, o); }
      else if (o.def.uuid === def.uuid) { o.newDef = o.def; o.def = def; }
      const alive = !isManaged(def) || (def.bridge?.name !== undefined && links.has(def.bridge.name));
      if (alive) {
        o.active = true;
        try {
          const taps = JSON.parse(await fsp.readFile(this.paths(def.name).taps, 'utf8')) as Record<string, string>;
          for (const [t, dom] of Object.entries(taps)) if (links.has(t)) o.taps.set(t, dom);
        } catch { /* none recorded */ }
        if (isManaged(def) && networkNeedsDnsmasq(def)) {
          const pid = await this.runningDnsmasq(def.name);
          if (pid) o.dnsmasqPid = pid;
          else {
            try { await this.startDnsmasq(o); } catch (e) { log.error(`cannot restart dnsmasq for network '${def.name}': ${(e as Error).message}`); }
          }
        }
        continue;
      }
      log.warn(`network '${def.name}' lost its bridge while we were away; marking it inactive`);
      await this.killDnsmasq(def.name);
      await this.removeRunFiles(def.name);
      if (o.newDef) { o.def = o.newDef; o.newDef = null; }
      if (!o.persistent) this.byName.delete(def.name);
    }
    // The table is rebuilt from the active set: idempotent, never duplicated. Skipped when no
    // network was ever running here (an unprivileged session has no firewall to touch).
    if (stateFiles.length) {
      try { await this.applyFirewall(); } catch (e) { log.error(`cannot restore firewall rules: ${(e as Error).message}`); }
    }
    if (opts.autostart ?? true) {
      for (const o of this.values()) {
        if (!o.autostart || o.active) continue;
        try { await this.locked(() => this.start(o)); } catch (e) {
          log.error(`Failed to autostart network '${o.def.name}': ${(e as Error).message}`);
        }
      }
    }
  }

  /** Names of the network devices (in the namespace, if any). */
  async linkNames(): Promise<Set<string>> {
    const out = new Set<string>();
    const r = await this.runner.run(['ip', '-o', 'link', 'show']).catch(() => null);
    if (!r) return out;
    for (const line of r.stdout.split('\n')) {
      const m = /^\d+:\s+([^:@\s]+)/.exec(line);
      if (m) out.add(m[1]!);
    }
    return out;
  }

  // ------------------------------------------------------------ definitions

  /** Give a managed network its bridge name and MAC (networkFindUnusedBridgeName / SetBridgeMacAddr). */
  private async assignBridge(def: NetworkDef, self: NetObj | null): Promise<void> {
    if (!isManaged(def) && def.forward?.mode !== 'bridge') return;
    const taken = new Set<string>();
    for (const o of this.values()) {
      if (o === self) continue;
      for (const d of [o.def, o.newDef]) if (d?.bridge?.name) taken.add(d.bridge.name);
    }
    if (def.bridge?.name) {
      if (taken.has(def.bridge.name)) throw netErr(ErrorNumber.INTERNAL_ERROR, `bridge name '${def.bridge.name}' already in use.`);
    } else if (isManaged(def)) {
      const host = await this.linkNames();
      const keep = self?.def.bridge?.name;
      let name = keep && !taken.has(keep) ? keep : undefined;
      for (let i = 0; !name; i++) if (!taken.has(`virbr${i}`) && !host.has(`virbr${i}`)) name = `virbr${i}`;
      def.bridge = { stp: true, ...def.bridge, name };
    }
    if (isManaged(def)) {
      if (!def.mac && self?.def.mac) def.mac = self.def.mac;
      networkSetBridgeMacAddr(def);
    }
  }

  /** virNetworkObjAssignDef's duplicate checks. */
  private checkDuplicate(def: NetworkDef, opts: { transient?: boolean } = {}): NetObj | null {
    const same = this.findByUuid(def.uuid);
    if (same) {
      if (same.def.name !== def.name) {
        throw netErr(ErrorNumber.OPERATION_FAILED, `network '${same.def.name}' is already defined with uuid ${same.def.uuid}`);
      }
      if (opts.transient && same.active) throw netErr(ErrorNumber.OPERATION_INVALID, `network is already active as '${same.def.name}'`);
      return same;
    }
    const byName = this.byName.get(def.name);
    if (byName) throw netErr(ErrorNumber.OPERATION_FAILED, `network '${def.name}' already exists with uuid ${byName.def.uuid}`);
    return null;
  }

  private async saveConfig(def: NetworkDef): Promise<string> {
    const file = path.join(this.configDir, `${def.name}.xml`);
    await fsp.mkdir(this.configDir, { recursive: true });
    await writeFileAtomic(file, formatNetworkXml(def, { inactive: true }), { mode: 0o600 });
    return file;
  }

  async define(xml: string): Promise<NetObj> {
    const def = parseNetworkXml(xml);
    const existing = this.checkDuplicate(def);
    await this.assignBridge(def, existing);
    const file = await this.saveConfig(def);
    let o: NetObj;
    if (existing) {
      o = existing;
      if (o.active) o.newDef = def; else o.def = def;
    } else {
      o = new NetObj(def);
      this.byName.set(def.name, o);
    }
    o.configFile = file;
    this.emit(o, NetworkEventType.DEFINED);
    return o;
  }

  async undefine(o: NetObj): Promise<void> {
    if (!o.configFile) throw netErr(ErrorNumber.OPERATION_INVALID, "can't undefine transient network");
    await fsp.unlink(o.configFile).catch((e) => { if (e.code !== 'ENOENT') throw e; });
    await fsp.unlink(this.autostartLink(o.def.name)).catch(() => undefined);
    o.configFile = null;
    o.autostart = false;
    o.newDef = null;
    this.emit(o, NetworkEventType.UNDEFINED);
    // an active network lives on as a transient one, as in libvirt
    if (!o.active) this.byName.delete(o.def.name);
  }

  async createTransient(xml: string): Promise<NetObj> {
    const def = parseNetworkXml(xml);
    const existing = this.checkDuplicate(def, { transient: true });
    await this.assignBridge(def, existing);
    const o = existing ?? new NetObj(def);
    if (existing) { o.newDef = o.def; o.def = def; }
    this.byName.set(def.name, o);
    try {
      await this.start(o);
    } catch (e) {
      if (existing) { o.def = o.newDef!; o.newDef = null; } else this.byName.delete(def.name);
      throw e;
    }
    return o;
  }

  async setAutostart(o: NetObj, on: boolean): Promise<void> {
    if (!o.configFile) throw netErr(ErrorNumber.OPERATION_INVALID, 'cannot set autostart for transient network');
    if (o.autostart === on) return;
    const link = this.autostartLink(o.def.name);
    if (on) {
      await fsp.mkdir(this.autostartDir, { recursive: true });
      await fsp.symlink(o.configFile, link);
    } else {
      await fsp.unlink(link).catch((e) => { if (e.code !== 'ENOENT') throw e; });
    }
    o.autostart = on;
  }

  /** Persist a changed definition of an existing network (net-update --config). */
  async saveConfigFor(o: NetObj, def: NetworkDef): Promise<void> {
    o.configFile = await this.saveConfig(def);
  }

  /** Record the live definition (after a live update or a tap change). */
  async saveState(o: NetObj): Promise<void> {
    if (!o.active) return;
    const p = this.paths(o.def.name);
    await writeFileAtomic(p.state, formatNetworkXml(o.def), { mode: 0o600, durable: false });
    // our taps are persistent devices: remember them so a restarted driver can still remove them
    await writeFileAtomic(p.taps, JSON.stringify(Object.fromEntries(o.taps)), { mode: 0o600, durable: false });
  }

  // ------------------------------------------------------------ taps for guests

  /**
   * Create a tap device for a guest NIC on this network's bridge: persistent tap (QEMU opens it
   * by name with ifname=TAP,script=no), MAC = the guest's with the first byte 0xfe (as libvirt,
   * so the bridge never takes the guest's address), attached and up.
   */
  async allocateTap(netName: string, domainName: string, mac: string): Promise<{ tap: string; bridge: string }> {
    return this.locked(async () => {
      const o = this.byNameOrThrow(netName);
      this.requireActive(o);
      const br = o.def.bridge?.name;
      if (!br) throw netErr(ErrorNumber.INTERNAL_ERROR, `network '${o.def.name}' has no bridge name defined`);
      const m = macParse(mac);
      if (!m) throw virError(D, ErrorNumber.INVALID_MAC, mac);
      const links = await this.linkNames();
      if (!links.has(br)) throw netErr(ErrorNumber.INTERNAL_ERROR, `Cannot get interface MTU on '${br}': No such device`);
      let tap = '';
      for (let i = 0; !tap; i++) if (!links.has(`vnet${i}`)) tap = `vnet${i}`;
      const tapMac = 'fe' + m.slice(2);
      const mtu = o.def.mtu ? [`link set dev ${tap} mtu ${o.def.mtu}`] : [];
      try {
        await this.runner.ipBatch([`tuntap add dev ${tap} mode tap`, `link set dev ${tap} address ${tapMac}`, ...mtu,
          `link set dev ${tap} master ${br}`, `link set dev ${tap} up`]);
      } catch (e) {
        await this.runner.run(['ip', 'link', 'del', tap]);
        throw e;
      }
      o.taps.set(tap, domainName);
      o.def.connections = (o.def.connections ?? 0) + 1;
      await this.saveState(o).catch(() => undefined);
      return { tap, bridge: br };
    });
  }

  /** Remove a tap made by allocateTap (guest stopped or NIC unplugged). */
  async releaseTap(tap: string): Promise<void> {
    await this.locked(async () => {
      await this.runner.run(['ip', 'link', 'del', tap]);
      for (const o of this.values()) {
        if (!o.taps.delete(tap)) continue;
        o.def.connections = Math.max(0, (o.def.connections ?? 1) - 1);
        await this.saveState(o).catch(() => undefined);
      }
    });
  }

  // ------------------------------------------------------------ lifecycle (call under locked())

  /** libvirt's networkCheckRouteCollision plus a check against our other active networks. */
  private async checkCollisions(def: NetworkDef): Promise<void> {
    const mine = def.ips.map((ip) => ({ a: parseIp(ip.address ?? '')!, p: networkIpPrefix(ip) })).filter((x) => x.a);
    if (mine.length === 0) return;
    for (const o of this.values()) {
      if (!o.active || o.def.name === def.name) continue;
      for (const ip of o.def.ips) {
        const a = parseIp(ip.address ?? '');
        if (!a) continue;
        if (mine.some((m) => subnetsOverlap(m.a, m.p, a, networkIpPrefix(ip)))) {
          throw netErr(ErrorNumber.INTERNAL_ERROR, `Network is already in use by interface ${o.def.bridge?.name ?? o.def.name}`);
        }
      }
    }
    for (const fam of ['-4', '-6']) {
      const r = await this.runner.run(['ip', '-j', fam, 'route', 'show']);
      let routes: { dst?: string; dev?: string }[] = [];
      try { routes = JSON.parse(r.stdout || '[]'); } catch { continue; }
      for (const rt of routes) {
        if (!rt.dst || rt.dst === 'default' || !rt.dev || rt.dev === def.bridge?.name) continue;
        const [addr, plen] = rt.dst.split('/');
        const a = parseIp(addr!);
        if (!a) continue;
        const p = plen ? Number(plen) : (a.family === 4 ? 32 : 128);
        if (p === 0 || (a.family === 6 && addr!.toLowerCase().startsWith('fe80'))) continue;
        if (mine.some((m) => subnetsOverlap(m.a, m.p, a, p))) {
          throw netErr(ErrorNumber.INTERNAL_ERROR, `Network is already in use by interface ${rt.dev}`);
        }
      }
    }
  }

  private dnsmasqAvailable(): boolean {
    if (this.dnsmasqPath.includes('/')) return fs.existsSync(this.dnsmasqPath);
    return SBIN_PATH.split(':').some((d) => fs.existsSync(path.join(d, this.dnsmasqPath)));
  }

  /** networkStartNetwork: bridge, addresses, forwarding, firewall, dnsmasq, run state. */
  async start(o: NetObj): Promise<void> {
    if (o.active) throw netErr(ErrorNumber.OPERATION_INVALID, 'network is already active');
    const def = o.def;
    // undone in reverse order on failure; files go last
    const undo: (() => Promise<unknown>)[] = [() => this.removeRunFiles(def.name)];
    try {
      if (isManaged(def)) {
        const br = def.bridge?.name;
        if (!br) throw netErr(ErrorNumber.INTERNAL_ERROR, `network '${def.name}' has no bridge name defined`);
        await this.checkCollisions(def);
        if ((await this.linkNames()).has(br)) throw netErr(ErrorNumber.INTERNAL_ERROR, `bridge name '${br}' already in use.`);
        if (networkNeedsDnsmasq(def) && !this.dnsmasqAvailable()) {
          throw virError(ErrorDomain.NONE, ErrorNumber.INTERNAL_ERROR, `Cannot find '${this.dnsmasqPath}' in path`);
        }
        undo.push(() => this.runner.run(['ip', 'link', 'del', br]));
        await this.runner.ipBatch(bridgeCommands(def));
        const fwd = forwardingNeeded(def);
        const sysctls: string[] = [];
        if (fwd.v4) sysctls.push('net.ipv4.ip_forward=1');
        if (fwd.v6) sysctls.push('net.ipv6.conf.all.forwarding=1');
        if (sysctls.length) await this.runner.must(['sysctl', '-q', '-w', ...sysctls]);
        if (networkHasFirewall(def)) {
          undo.push(() => this.applyFirewall());
          await this.applyFirewall([def]);
        }
        if (networkNeedsDnsmasq(def)) {
          undo.push(() => this.killDnsmasq(def.name));
          await this.startDnsmasq(o);
        }
      }
      await fsp.mkdir(this.stateDir, { recursive: true });
      await writeFileAtomic(this.paths(def.name).state, formatNetworkXml(def), { mode: 0o600, durable: false });
    } catch (e) {
      for (const u of undo.reverse()) await u().catch((err) => log.warn(`cleanup after failed start: ${(err as Error).message}`));
      o.dnsmasqPid = null;
      throw e;
    }
    o.active = true;
    // the persistent definition stays apart from the live one while running (live-only updates)
    if (o.persistent && !o.newDef) o.newDef = parseNetworkXml(formatNetworkXml(def, { inactive: true }));
    this.emit(o, NetworkEventType.STARTED);
  }

  /** networkShutdownNetwork: everything start made goes away. */
  async destroy(o: NetObj): Promise<void> {
    this.requireActive(o);
    const def = o.def;
    o.active = false;
    if (isManaged(def)) {
      await this.killDnsmasq(def.name);
      o.dnsmasqPid = null;
      if (networkHasFirewall(def)) await this.applyFirewall().catch((e) => log.error(`firewall: ${(e as Error).message}`));
      if (def.bridge?.name) await this.runner.run(['ip', 'link', 'del', def.bridge.name]);
    }
    if (o.taps.size) await this.runner.ipBatch([...o.taps.keys()].map((t) => `link del ${t}`), { force: true });
    o.taps.clear();
    def.connections = 0;
    await this.removeRunFiles(def.name);
    this.emit(o, NetworkEventType.STOPPED);
    if (!o.persistent) this.byName.delete(def.name);
    else if (o.newDef) { o.def = o.newDef; o.newDef = null; }
  }

  private async removeRunFiles(name: string): Promise<void> {
    const p = this.paths(name);
    for (const f of [p.state, p.taps, p.pidFile, p.conf, p.hostsFile, p.addnHostsFile, p.leaseFile]) await fsp.unlink(f).catch(() => undefined);
  }

  /** Rebuild tsvirt's nft table from the active networks (plus `extra`, one being started). */
  async applyFirewall(extra: NetworkDef[] = []): Promise<void> {
    const defs = this.values().filter((o) => o.active && isManaged(o.def)).map((o) => o.def);
    for (const d of extra) if (!defs.some((x) => x.name === d.name)) defs.push(d);
    await this.runner.must(['nft', '-f', '-'], firewallScript(defs));
  }

  // ------------------------------------------------------------ dnsmasq

  async writeDnsmasqFiles(def: NetworkDef): Promise<void> {
    const p = this.paths(def.name);
    await fsp.mkdir(this.dnsmasqDir, { recursive: true });
    await writeFileAtomic(p.conf, dnsmasqConfig(def, p, { user: this.dnsmasqUser }), { mode: 0o600, durable: false });
    await writeFileAtomic(p.hostsFile, dnsmasqHostsFile(def), { mode: 0o644, durable: false });
    await writeFileAtomic(p.addnHostsFile, dnsmasqAddnHosts(def), { mode: 0o644, durable: false });
  }

  /**
   * dnsmasq daemonizes itself and its parent exits only once the server is set up (or failed),
   * so when this returns the network answers DHCP.
   */
  async startDnsmasq(o: NetObj): Promise<void> {
    const def = o.def;
    const p = this.paths(def.name);
    await this.writeDnsmasqFiles(def);
    await fsp.unlink(p.pidFile).catch(() => undefined);
    if (!fs.existsSync(p.leaseFile)) await fsp.writeFile(p.leaseFile, '', { mode: 0o644 });
    const r = await this.runner.run([this.dnsmasqPath, `--conf-file=${p.conf}`]);
    if (r.code !== 0) {
      throw netErr(ErrorNumber.INTERNAL_ERROR, `dnsmasq failed to start for network '${def.name}': ${(r.stderr || r.stdout).trim() || `exit status ${r.code}`}`);
    }
    const pid = await readPid(p.pidFile, 2000);
    if (!pid) throw netErr(ErrorNumber.INTERNAL_ERROR, `dnsmasq for network '${def.name}' did not write its pid file`);
    o.dnsmasqPid = pid;
  }

  /** The pid of this network's dnsmasq if it is alive (and really ours), else null. */
  async runningDnsmasq(name: string): Promise<number | null> {
    const p = this.paths(name);
    const pid = await readPid(p.pidFile, 0);
    if (!pid || !processAlive(pid)) return null;
    try {
      const cmd = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8');
      return cmd.includes(p.conf) ? pid : null;
    } catch { return null; }
  }

  async killDnsmasq(name: string): Promise<void> {
    const pid = await this.runningDnsmasq(name);
    if (!pid) return;
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(i < 10 ? 2 : 20);
    if (processAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }

  /** Reload hosts files in the running dnsmasq (dhcp-host / dns host updates). */
  async refreshDnsmasq(o: NetObj, restart: boolean): Promise<void> {
    if (!isManaged(o.def) || !networkNeedsDnsmasq(o.def)) return;
    const pid = await this.runningDnsmasq(o.def.name);
    if (restart || !pid) {
      await this.killDnsmasq(o.def.name);
      await this.startDnsmasq(o);
      return;
    }
    await this.writeDnsmasqFiles(o.def);
    process.kill(pid, 'SIGHUP');
  }
}

/** The ip commands that create a network's bridge (one `ip -batch` run). */
export function bridgeCommands(def: NetworkDef): string[] {
  const br = def.bridge!.name!;
  const stp = def.bridge?.stp === false ? 0 : 1;
  // forward_delay is in centiseconds; set before stp so a delay of 0 is accepted with STP on
  const L = [`link add ${br} type bridge forward_delay ${(def.bridge?.delay ?? 0) * 100} stp_state ${stp}`];
  if (def.mac) L.push(`link set dev ${br} address ${def.mac}`);
  if (def.mtu) L.push(`link set dev ${br} mtu ${def.mtu}`);
  for (const ip of def.ips) {
    const prefix = networkIpPrefix(ip);
    if (ipFamily(ip.address ?? '') === 4) L.push(`addr add ${ip.address}/${prefix} broadcast + dev ${br}`);
    else L.push(`addr add ${ip.address}/${prefix} dev ${br} nodad`);
  }
  L.push(`link set dev ${br} up`);
  return L;
}

async function readPid(file: string, waitMs: number): Promise<number | null> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const n = Number((await fsp.readFile(file, 'utf8')).trim());
      if (Number.isInteger(n) && n > 0) return n;
    } catch { /* not there yet */ }
    if (Date.now() >= until) return null;
    await sleep(5);
  }
}

/**
 * Is the process running? A daemonized dnsmasq is re-parented to init; where init does not reap
 * (some containers) a killed one lingers as a zombie, which counts as gone.
 */
function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch { return false; }
}

function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

async function xmlFiles(dir: string): Promise<string[]> {
  try { return (await fsp.readdir(dir)).filter((f) => f.endsWith('.xml') && !f.startsWith('.')).sort(); } catch { return []; }
}

async function loadDef(file: string): Promise<NetworkDef | null> {
  try { return parseNetworkXml(await fsp.readFile(file, 'utf8')); } catch (e) {
    log.error('cannot load network config', { file, error: (e as Error).message });
    return null;
  }
}
