// The network driver for real, inside network namespaces each test creates and removes (never
// the host's network): bridge + nftables + a dnsmasq that answers a DHCP client (busybox
// udhcpc in a second namespace, wired to the bridge with a veth pair), leases, live updates,
// driver restart without duplicates, clean teardown, and failures that leave nothing behind.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { createNetworkDriver } from '../../../src/drivers/network/index.js';
import type { NetworkEventPayload } from '../../../src/drivers/driver.js';
import { ErrorNumber } from '../../../src/util/error.js';
import { rejects } from '../../util/virerror_assert.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0
  && fs.existsSync('/usr/sbin/dnsmasq') && spawnSync('nft', ['--version']).status === 0;
const skip = canNetns ? false : 'needs root, ip netns, nft and dnsmasq';

let seq = 0;
/** A fresh namespace (removed by the returned cleanup); names are unique per process. */
function netns(): { name: string; sh: (...a: string[]) => string; del: () => void } {
  const name = `tsvirt-test-${process.pid}-${seq++}`;
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  return {
    name,
    sh: (...a: string[]) => execFileSync('ip', ['netns', 'exec', name, ...a], { encoding: 'utf8' }),
    del: () => { spawnSync('ip', ['netns', 'del', name]); },
  };
}

const roots: string[] = [];
function tmpRoot(): string {
  const r = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-net-'));
  roots.push(r);
  return r;
}
/** A failed test must not leave its dnsmasq running (it would keep the namespace alive). */
after(() => {
  for (const r of roots) for (const pid of dnsmasqPids(r)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

const NAT = (name = 'default', br = 'virbr0', net = '192.168.150', extra = '') => `<network>
  <name>${name}</name>
  <forward mode='nat'/>
  <bridge name='${br}' stp='off'/>
  ${extra}
  <ip address='${net}.1' netmask='255.255.255.0'>
    <dhcp><range start='${net}.100' end='${net}.199'/></dhcp>
  </ip>
</network>`;


function links(ns: ReturnType<typeof netns>): string[] {
  return ns.sh('ip', '-o', 'link', 'show').split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1]).filter((x): x is string => !!x);
}
function ruleset(ns: ReturnType<typeof netns>): string { return ns.sh('nft', 'list', 'ruleset'); }
function dnsmasqPids(root: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      if (cmd.startsWith('dnsmasq') && cmd.includes(root) && !/\) Z /.test(stat)) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}

/** Plug a client namespace into the bridge with a veth pair and run a DHCP client there. */
function dhcpClient(server: ReturnType<typeof netns>, client: ReturnType<typeof netns>, bridge: string, mac: string, veth: string): { ip: string | null; out: string } {
  execFileSync('ip', ['link', 'add', `${veth}h`, 'netns', server.name, 'type', 'veth', 'peer', 'name', veth, 'netns', client.name]);
  server.sh('ip', 'link', 'set', `${veth}h`, 'master', bridge, 'up');
  client.sh('ip', 'link', 'set', veth, 'address', mac, 'up');
  const r = spawnSync('ip', ['netns', 'exec', client.name, 'busybox', 'udhcpc', '-i', veth, '-n', '-q', '-f', '-s', '/bin/true', '-t', '8', '-T', '1'], { encoding: 'utf8' });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const m = /lease of (\S+) obtained/.exec(out);
  return { ip: m ? m[1]! : null, out };
}

test('NAT network in a namespace: bridge, firewall, dnsmasq answering DHCP, leases, live dhcp-host update, restart, destroy', { skip, timeout: 120000 }, async () => {
  const ns = netns();
  const cl = netns();
  try {
    const root = tmpRoot();
    const h = await createNetworkDriver({ root, netns: ns.name });
    const c = h.connect();
    const events: NetworkEventPayload[] = [];
    await c.connectNetworkEventRegisterAny(0, null, (_i, p) => events.push(p));
    const net = await c.networkDefineXml(NAT());
    assert.ok(fs.existsSync(path.join(root, 'etc/tsvirt/network/default.xml')));
    assert.match(await c.networkGetXmlDesc(net, 0), /<mac address='52:54:00:[0-9a-f:]{8}'\/>/, 'a bridge MAC is generated at define');

    const t0 = performance.now();
    await c.networkCreate(net);
    const startMs = performance.now() - t0;
    assert.equal(await c.networkIsActive(net), 1);
    assert.equal(await c.networkGetBridgeName(net), 'virbr0');
    assert.match(ns.sh('ip', '-o', 'addr', 'show', 'virbr0'), /inet 192\.168\.150\.1\/24/);
    const rules = ruleset(ns);
    assert.match(rules, /table inet tsvirt/);
    assert.match(rules, /ip saddr 192\.168\.150\.0\/24 ip daddr != 192\.168\.150\.0\/24 masquerade/);
    assert.equal(ns.sh('sysctl', '-n', 'net.ipv4.ip_forward').trim(), '1');
    const pids = dnsmasqPids(root);
    assert.equal(pids.length, 1, 'one dnsmasq for the network');
    assert.ok(startMs < 3000, `net-start took ${startMs.toFixed(0)} ms`);

    // a DHCP client in another namespace gets an address from the range
    const mac = '52:54:00:12:34:56';
    const got = dhcpClient(ns, cl, 'virbr0', mac, 'vc0');
    assert.ok(got.ip, `udhcpc got no lease: ${got.out}`);
    assert.match(got.ip!, /^192\.168\.150\.1\d\d$/);
    const leases = await c.networkGetDhcpLeases(net, null, 0);
    assert.equal(leases.length, 1);
    assert.deepEqual({ ...leases[0], expirytime: 0, clientid: null }, {
      iface: 'virbr0', expirytime: 0, type: 0, mac, iaid: null, ipaddr: got.ip, prefix: 24, hostname: null, clientid: null,
    });
    assert.ok(leases[0]!.expirytime > Date.now() / 1000);
    assert.deepEqual(await c.networkGetDhcpLeases(net, '52:54:00:00:00:01', 0), []);

    // live update: a fixed address for another MAC, served without restarting dnsmasq
    await c.networkUpdate(net, 3 /* ADD_LAST */, 4 /* IP_DHCP_HOST */, -1, "<host mac='52:54:00:ab:cd:ef' name='fixed' ip='192.168.150.50'/>", 1 /* LIVE */);
    assert.match(fs.readFileSync(path.join(root, 'var/lib/tsvirt/dnsmasq/default.hostsfile'), 'utf8'), /52:54:00:ab:cd:ef,192\.168\.150\.50,fixed/);
    assert.deepEqual(dnsmasqPids(root), pids, 'dnsmasq was reloaded (SIGHUP), not restarted');
    const fixed = dhcpClient(ns, cl, 'virbr0', '52:54:00:ab:cd:ef', 'vc1');
    assert.equal(fixed.ip, '192.168.150.50', fixed.out);
    assert.match(await c.networkGetXmlDesc(net, 0), /<host mac='52:54:00:ab:cd:ef' name='fixed' ip='192.168.150.50'\/>/);
    assert.doesNotMatch(await c.networkGetXmlDesc(net, 1 /* INACTIVE */), /fixed/, 'a live-only update leaves the config alone');

    // restart of the driver with the network up: same dnsmasq, rules exactly once
    const h2 = await createNetworkDriver({ root, netns: ns.name });
    const c2 = h2.connect();
    assert.equal(await c2.networkIsActive(net), 1);
    assert.deepEqual(dnsmasqPids(root), pids);
    assert.equal(ruleset(ns), rules, 'the firewall is exactly as before');
    assert.equal(links(ns).filter((l) => l === 'virbr0').length, 1);
    assert.equal((await c2.networkGetDhcpLeases(net, null, 0)).length, 2);

    await c2.networkDestroy(net);
    assert.ok(!links(ns).includes('virbr0'), 'bridge removed');
    assert.doesNotMatch(ruleset(ns), /tsvirt/, 'firewall table removed');
    assert.deepEqual(dnsmasqPids(root), [], 'dnsmasq stopped');
    assert.deepEqual(fs.readdirSync(path.join(root, 'var/lib/tsvirt/dnsmasq')), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'run/tsvirt/network')), []);
    assert.equal(await c2.networkIsPersistent(net), 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events.map((e) => e.event), [0, 2], 'DEFINED, STARTED seen on the first driver');
  } finally {
    ns.del();
    cl.del();
  }
});

test('isolated, routed, open and bridge-mode networks side by side; taps for guests', { skip, timeout: 60000 }, async () => {
  const ns = netns();
  try {
    const root = tmpRoot();
    const c = (await createNetworkDriver({ root, netns: ns.name })).connect();
    ns.sh('ip', 'link', 'add', 'hostbr', 'type', 'bridge');
    const iso = await c.networkCreateXml("<network><name>iso</name><ip address='10.10.1.1' prefix='24'><dhcp><range start='10.10.1.10' end='10.10.1.20'/></dhcp></ip></network>");
    const routed = await c.networkCreateXml("<network><name>rt</name><forward mode='route'/><ip address='10.10.2.1' prefix='24'/></network>");
    const open = await c.networkCreateXml("<network><name>op</name><forward mode='open'/><ip address='10.10.3.1' prefix='24'/></network>");
    const brmode = await c.networkCreateXml("<network><name>br</name><forward mode='bridge'/><bridge name='hostbr'/></network>");
    const names = (await c.connectListAllNetworks(2 /* ACTIVE */)).map((n) => n.name);
    assert.deepEqual(names, ['br', 'iso', 'op', 'rt']);
    assert.deepEqual((await c.connectListAllNetworks(4 /* PERSISTENT */)).map((n) => n.name), []);
    const bridges = await Promise.all([iso, routed, open].map((n) => c.networkGetBridgeName(n)));
    assert.deepEqual(bridges, ['virbr0', 'virbr1', 'virbr2'], 'bridge names are allocated like libvirt (virbrN)');
    const rules = ruleset(ns);
    assert.match(rules, /iifname "virbr0" reject/);
    assert.doesNotMatch(rules, /virbr0.*masquerade/);
    assert.match(rules, /iifname "virbr1" ip saddr 10\.10\.2\.0\/24 accept/);
    assert.doesNotMatch(rules, /virbr2/, 'open networks get no firewall rules');
    assert.equal(await c.networkGetBridgeName(brmode), 'hostbr');

    const h = await createNetworkDriver({ root, netns: ns.name, autostart: false });
    const { tap, bridge } = await h.driver.allocateTap('iso', 'vm1', '52:54:00:11:22:33');
    assert.equal(bridge, 'virbr0');
    const show = ns.sh('ip', '-d', '-o', 'link', 'show', tap);
    assert.match(show, /master virbr0/);
    assert.match(show, /link\/ether fe:54:00:11:22:33/);
    assert.match(await h.connect().networkGetXmlDesc(iso, 0), /<network connections='1'>/);
    const second = await h.driver.allocateTap('br', 'vm2', '52:54:00:11:22:34');
    assert.equal(second.bridge, 'hostbr');
    await h.driver.releaseTap(tap);
    assert.ok(!links(ns).includes(tap));

    const h2 = await createNetworkDriver({ root, netns: ns.name });
    const c2 = h2.connect();
    for (const n of ['iso', 'rt', 'op', 'br']) await c2.networkDestroy(await c2.networkLookupByName(n));
    assert.deepEqual(await c2.connectListAllNetworks(0), [], 'transient networks vanish when destroyed');
    assert.deepEqual(links(ns).sort(), ['hostbr', 'lo'], 'only the host bridge (not ours) is left');
    assert.doesNotMatch(ruleset(ns), /tsvirt/);
  } finally {
    ns.del();
  }
});

test('failures leave nothing behind: overlapping subnet, bridge in use, dnsmasq missing or failing', { skip, timeout: 60000 }, async () => {
  const ns = netns();
  try {
    const root = tmpRoot();
    const c = (await createNetworkDriver({ root, netns: ns.name })).connect();
    const a = await c.networkCreateXml(NAT('a', 'virbr0', '192.168.160'));
    const rules = ruleset(ns);
    const before = links(ns).sort();

    await rejects(c.networkCreateXml(NAT('b', 'virbr9', '192.168.160')), ErrorNumber.INTERNAL_ERROR, /Network is already in use by interface virbr0/);
    ns.sh('ip', 'link', 'add', 'dummy7', 'type', 'bridge');
    ns.sh('ip', 'addr', 'add', '10.77.0.1/16', 'dev', 'dummy7');
    ns.sh('ip', 'link', 'set', 'dummy7', 'up');
    await rejects(c.networkCreateXml(NAT('c', 'virbr9', '10.77.3')), ErrorNumber.INTERNAL_ERROR, /Network is already in use by interface dummy7/);
    ns.sh('ip', 'link', 'add', 'taken0', 'type', 'bridge');
    await rejects(c.networkCreateXml(NAT('d', 'taken0', '192.168.161')), ErrorNumber.INTERNAL_ERROR, /bridge name 'taken0' already in use\./);
    await rejects(c.networkDefineXml(NAT('e', 'virbr0', '192.168.162')), ErrorNumber.INTERNAL_ERROR, /bridge name 'virbr0' already in use\./);
    await rejects(c.networkCreateXml(NAT('a', 'virbr5', '192.168.163')), ErrorNumber.OPERATION_FAILED, /network 'a' already exists with uuid/);
    assert.deepEqual((await c.connectListAllNetworks(0)).map((n) => n.name), ['a']);

    // a driver owns the firewall table of its namespace: the dnsmasq failures get their own
    const ns2 = netns();
    try {
      const root2 = tmpRoot();
      const noDnsmasq = (await createNetworkDriver({ root: root2, netns: ns2.name, dnsmasqPath: '/nonexistent/dnsmasq' })).connect();
      await rejects(noDnsmasq.networkCreateXml(NAT('f', 'virbr6', '192.168.164')), ErrorNumber.INTERNAL_ERROR, /Cannot find '\/nonexistent\/dnsmasq' in path/);
      const failing = (await createNetworkDriver({ root: root2, netns: ns2.name, dnsmasqPath: '/bin/false' })).connect();
      await rejects(failing.networkCreateXml(NAT('g', 'virbr7', '192.168.165')), ErrorNumber.INTERNAL_ERROR, /dnsmasq failed to start for network 'g'/);
      assert.deepEqual(links(ns2), ['lo'], 'no stray bridge');
      assert.doesNotMatch(ruleset(ns2), /tsvirt/, 'no stray firewall table');
      assert.deepEqual(fs.readdirSync(path.join(root2, 'run/tsvirt/network')), []);
      assert.deepEqual(fs.readdirSync(path.join(root2, 'var/lib/tsvirt/dnsmasq')), []);
      assert.deepEqual(await failing.connectListAllNetworks(0), []);
    } finally {
      ns2.del();
    }

    assert.deepEqual(links(ns).sort(), [...before, 'dummy7', 'taken0'].sort(), 'no stray bridge');
    assert.equal(ruleset(ns), rules, 'no stray firewall rule');
    assert.equal(dnsmasqPids(root).length, 1, 'no stray dnsmasq');
    assert.deepEqual(fs.readdirSync(path.join(root, 'run/tsvirt/network')).sort(), ['a.pid', 'a.xml']);
    await c.networkDestroy(a);
  } finally {
    ns.del();
  }
});

test('persistent network: autostart link, undefine while active leaves it transient, restart autostarts', { skip, timeout: 60000 }, async () => {
  const ns = netns();
  try {
    const root = tmpRoot();
    const c = (await createNetworkDriver({ root, netns: ns.name })).connect();
    const n = await c.networkDefineXml(NAT('auto', 'virbr3', '192.168.170'));
    await c.networkSetAutostart(n, 1);
    assert.equal(fs.readlinkSync(path.join(root, 'etc/tsvirt/network/autostart/auto.xml')), path.join(root, 'etc/tsvirt/network/auto.xml'));
    assert.deepEqual((await c.connectListAllNetworks(16 /* AUTOSTART */)).map((x) => x.name), ['auto']);
    const c2 = (await createNetworkDriver({ root, netns: ns.name })).connect();
    assert.equal(await c2.networkIsActive(n), 1, 'autostarted by the new driver');
    assert.ok(links(ns).includes('virbr3'));
    await c2.networkUndefine(n);
    assert.equal(await c2.networkIsPersistent(n), 0);
    assert.equal(await c2.networkIsActive(n), 1);
    await rejects(c2.networkSetAutostart(n, 1), ErrorNumber.OPERATION_INVALID, /cannot set autostart for transient network/);
    await c2.networkDestroy(n);
    await rejects(c2.networkLookupByName('auto'), ErrorNumber.NO_NETWORK, /no network with matching name 'auto'/);
    assert.ok(!links(ns).includes('virbr3'));
  } finally {
    ns.del();
  }
});
