// net-start through tsvirtd (library client) until DHCP is served: tsvirtd runs inside a
// network namespace of its own; a second namespace plays the guest, wired to the bridge with a
// veth pair, and asks for a lease with busybox udhcpc. Goal: net-start -> serving DHCP < 300 ms.
// Figures per round: the net-start call; when dnsmasq's DHCP socket is bound (polled with ss
// from the call's return); and the first lease a client obtains (includes udhcpc's own start).
//   node bench/network_start.mjs [--reps 10]
import { spawnSync } from 'node:child_process';
import { fmt, verdict } from './lib.mjs';
import { run, startStorageDaemon } from './storage_lib.mjs';

const args = process.argv.slice(2);
const REPS = (() => { const i = args.indexOf('--reps'); return i >= 0 ? Number(args[i + 1]) : 10; })();
const BR = 'tsvbench0';
const XML = `<network><name>benchnet</name><forward mode='nat'/><bridge name='${BR}' stp='off'/>
  <ip address='192.168.215.1' netmask='255.255.255.0'><dhcp><range start='192.168.215.100' end='192.168.215.200'/></dhcp></ip></network>`;

const d = await startStorageDaemon({ netns: true, pool: false });
const client = `tsvirt-benchcl-${process.pid}`;
spawnSync('ip', ['netns', 'add', client]);
const { open } = await import('../dist/src/api/index.js');
const conn = await open(d.uri);
const rows = { call: [], bound: [], lease: [] };
try {
  const net = await conn.defineNetworkXML(XML);
  for (let i = 0; i < REPS; i++) {
    // A fresh veth pair per round: the host end joins the bridge as soon as it exists.
    spawnSync('ip', ['link', 'add', 'vbh', 'netns', d.netns, 'type', 'veth', 'peer', 'name', 'vbc', 'netns', client]);
    spawnSync('ip', ['netns', 'exec', client, 'ip', 'link', 'set', 'vbc', 'address', `52:54:00:be:00:${(16 + i).toString(16)}`, 'up']);
    const t0 = performance.now();
    await net.create();
    const t1 = performance.now();
    rows.call.push(t1 - t0);
    for (;;) {
      const ss = await d.ns('ss', '-H', '-uln', 'sport = :67');
      if (ss.stdout.trim()) break;
      if (performance.now() - t1 > 5000) throw new Error('dnsmasq never bound port 67');
    }
    rows.bound.push(performance.now() - t0);
    await d.ns('ip', 'link', 'set', 'vbh', 'master', BR, 'up');
    const r = await run(['ip', 'netns', 'exec', client, 'busybox', 'udhcpc', '-i', 'vbc', '-n', '-q', '-f', '-s', '/bin/true', '-t', '10', '-T', '1']);
    const got = /lease of (\S+) obtained/.exec(r.stdout + r.stderr);
    if (!got) throw new Error(`no lease: ${r.stdout}${r.stderr}`);
    rows.lease.push(performance.now() - t0);
    if (process.env.BENCH_VERBOSE) console.log(r.stdout + r.stderr);
    await net.destroy();
    spawnSync('ip', ['netns', 'exec', client, 'ip', 'link', 'del', 'vbc']);
  }
  await net.undefine();
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const max = (xs) => Math.max(...xs);
  console.log(`${REPS} rounds of net-start / net-destroy (NAT, DHCP range), tsvirtd in its own namespace`);
  console.log('| figure | median ms | max ms |');
  console.log('|---|---|---|');
  console.log(`| net-start call returns | ${fmt(med(rows.call))} | ${fmt(max(rows.call))} |`);
  console.log(`| DHCP socket bound (ss, from the call) | ${fmt(med(rows.bound))} | ${fmt(max(rows.bound))} |`);
  console.log(`| first lease obtained (incl. veth plug + udhcpc start) | ${fmt(med(rows.lease))} | ${fmt(max(rows.lease))} |`);
  const ok = verdict('net-start to serving DHCP', med(rows.bound) < 300, `${fmt(med(rows.bound))} ms median (goal < 300 ms)`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await conn.close().catch(() => undefined);
  spawnSync('ip', ['netns', 'del', client]);
  await d.stop();
}
