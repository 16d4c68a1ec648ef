// tsvirtd against the real libvirtd 9.0, side by side in one run (both serving test:///default,
// each in its own temp root, both stopped and removed at the end). Measures with the shared
// harness (python3-libvirt as the client, so both daemons see the very same client):
//   start to first answered call, resident memory idle and with 1,000 domains (rssprobe.py),
//   lookup and xml at 1 and 4 client processes, list with 1,000 domains, define+undefine
//   (rpcbench.py, the two daemons interleaved A B B A so machine noise hits both).
// Prints one table with ratios and PASS/FAIL per goal; exit code 1 when a goal fails.
//
//   node bench/daemon_compare.mjs [--seconds 2] [--rounds 6] [--json-out FILE] [--only lookup,xml]
//        [--starts 3] [--wait-quiet 60] [--markdown FILE]
// Needs root (libvirtd runs as nobody through runuser) and a built tree (npx tsc -p .).
import * as fs from 'node:fs';
import * as os from 'node:os';
import {
  LIBVIRTD, RUNUSER, median, rpcbench, rssprobe, socketPid, spawnLibvirtd, spawnTsvirtd, timeFirstCall,
} from './daemon_lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const SECONDS = opt('seconds', '2');
const WARMUP = opt('warmup', '1');
const ROUNDS = opt('rounds', '6');
const STARTS = Number(opt('starts', '3'));
const ONLY = opt('only', null)?.split(',') ?? null;
const JSON_OUT = opt('json-out', null);
const want = (k) => !ONLY || ONLY.includes(k);

if (process.getuid() !== 0 || !fs.existsSync(LIBVIRTD) || !fs.existsSync(RUNUSER)) {
  console.error('daemon_compare needs root, /usr/sbin/libvirtd and /usr/sbin/runuser');
  process.exit(2);
}

/** Share of the machine's CPU time that was idle over `ms` (from /proc/stat). */
async function idleShare(ms = 1000) {
  const read = () => fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  const d = b.map((x, i) => x - a[i]);
  const total = d.reduce((x, y) => x + y, 0);
  return total > 0 ? (d[3] + (d[4] ?? 0)) / total : 1;
}

// Other work on a shared 2-core machine (test suites, TCG guests) swamps the comparison: wait a
// bounded time for a quieter moment, and record what the machine looked like.
const WAIT_QUIET = Number(opt('wait-quiet', '60'));
let idleAtStart = await idleShare();
for (const until = Date.now() + WAIT_QUIET * 1000; idleAtStart < 0.6 && Date.now() < until;) idleAtStart = await idleShare(2000);

const t0 = Date.now();
const log = (s) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${s}\n`);
const results = { date: new Date().toISOString(), host: os.hostname(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
  node: process.version, loadavgStart: os.loadavg(), idleAtStart, startup: {}, rss: {}, ops: [] };
const rows = [];
let failures = 0;
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
function row(metric, a, b, ratio, goal, ok) {
  if (ok === false) failures++;
  rows.push([metric, a, b, ratio, goal, ok === undefined ? 'report' : ok ? 'PASS' : 'FAIL']);
}

// ---------------------------------------------------------------- start to first answered call
// Each daemon alone on the machine (the other is not running), STARTS times, alternating.
if (want('startup')) {
  const times = { libvirtd: [], tsvirtd: [] };
  for (let i = 0; i < STARTS; i++) {
    for (const spawnIt of [spawnLibvirtd, spawnTsvirtd]) {
      const d = spawnIt();
      try {
        times[d.name].push(await timeFirstCall(d));
        d.pid = socketPid(d.sock);
      } finally { await d.stop(); }
    }
  }
  results.startup = times;
  const l = median(times.libvirtd); const tt = median(times.tsvirtd);
  log(`start to first answered call: libvirtd ${times.libvirtd.map((x) => fmt(x)).join('/')} ms, tsvirtd ${times.tsvirtd.map((x) => fmt(x)).join('/')} ms`);
  row('start -> first answered call (ms, median)', fmt(l), fmt(tt), `x${fmt(tt / l, 2)}`, 'report', undefined);
}

const L = spawnLibvirtd();
const T = spawnTsvirtd();
try {
  await timeFirstCall(L);
  await timeFirstCall(T);
  const pids = { libvirtd: socketPid(L.sock), tsvirtd: socketPid(T.sock) };
  results.pids = pids;
  L.pid = pids.libvirtd;
  T.pid = pids.tsvirtd;

  // ---------------------------------------------------------------- resident memory (fresh daemons)
  if (want('rss')) {
    for (const d of [L, T]) {
      const r = rssprobe(d.uri, pids[d.name], '1000');
      results.rss[d.name] = r.samples;
      log(`rss ${d.name}: ${r.samples.map((s) => `${s.at}=${s.VmRSS}kB`).join(', ')}`);
    }
    const at = (name, label) => results.rss[name].find((s) => s.at.startsWith(label));
    for (const [label, what] of [['idle', 'idle'], ['1000', '1000 domains']]) {
      const a = at('libvirtd', label); const b = at('tsvirtd', label);
      row(`RSS ${what} (VmRSS MiB)`, fmt(a.VmRSS / 1024, 1), fmt(b.VmRSS / 1024, 1), `x${fmt(b.VmRSS / a.VmRSS, 2)}`, 'report', undefined);
      row(`RSS ${what} (RssAnon MiB)`, fmt(a.RssAnon / 1024, 1), fmt(b.RssAnon / 1024, 1), `x${fmt(b.RssAnon / a.RssAnon, 2)}`, 'report', undefined);
    }
    const grow = (name) => (at(name, '1000').RssAnon - at(name, 'connected').RssAnon) / 1000;
    row('RssAnon per defined domain (kB)', fmt(grow('libvirtd'), 1), fmt(grow('tsvirtd'), 1), `x${fmt(grow('tsvirtd') / grow('libvirtd'), 2)}`, 'report', undefined);
  }

  // ---------------------------------------------------------------- throughput and latency
  const benches = [
    { key: 'lookup', op: 'lookup', procs: 1, minRatio: 1.5, p99: true },
    { key: 'lookup', op: 'lookup', procs: 4, minRatio: 1.5, p99: true },
    { key: 'xml', op: 'xml', procs: 1, minRatio: 1.5, p99: true },
    { key: 'xml', op: 'xml', procs: 4, minRatio: 1.5, p99: true },
    { key: 'list', op: 'list', procs: 1, domains: 1000, minRatio: 1.0 },
    { key: 'define', op: 'define', procs: 1, minRatio: 2.0 },
  ];
  for (const b of benches) {
    if (!want(b.key)) continue;
    const name = `${b.op}${b.domains ? ` K=${b.domains}` : ''} procs=${b.procs}`;
    log(`rpcbench ${name}`);
    const r = rpcbench(['--uri', L.uri, '--uri', T.uri, '--label', 'libvirtd', '--label', 'tsvirtd', '--op', b.op,
      '--procs', String(b.procs), '--seconds', SECONDS, '--warmup', WARMUP, '--rounds', ROUNDS, '--order', 'abba',
      '--daemon-pid', String(pids.libvirtd), '--daemon-pid', String(pids.tsvirtd), '--max-total', '200',
      ...(b.domains ? ['--domains', String(b.domains)] : [])]);
    const sa = r.summaries.find((s) => s.label === 'libvirtd');
    const sb = r.summaries.find((s) => s.label === 'tsvirtd');
    const ratio = r.ratios[0];
    const errs = (sa.errors ?? 0) + (sb.errors ?? 0);
    results.ops.push({ ...b, name, libvirtd: sa, tsvirtd: sb, ratio });
    const tr = ratio.throughput_b_over_a;
    const range = (x) => `x${fmt(x.median, 2)} [${fmt(x.min, 2)}..${fmt(x.max, 2)}]`;
    row(`${name}: ops/s`, fmt(sa.ops_per_s.median), fmt(sb.ops_per_s.median), range(tr), `>= x${b.minRatio}`,
      tr.median >= b.minRatio && errs === 0);
    const p99 = ratio.p99_b_over_a;
    row(`${name}: p99 us`, fmt(sa.p99_us.median), fmt(sb.p99_us.median), range(p99), b.p99 ? '<= x1.00' : 'report',
      b.p99 ? p99.median <= 1.0 : undefined);
    const ca = sa.daemon_cpu_us_per_op?.median; const cb = sb.daemon_cpu_us_per_op?.median;
    row(`${name}: daemon CPU us/op`, fmt(ca), fmt(cb), `x${fmt(cb / ca, 2)}`, 'report', undefined);
    if (errs) log(`  ${errs} errors in ${name}`);
  }
} finally {
  await L.stop();
  await T.stop();
}

// ---------------------------------------------------------------- the table
results.loadavgEnd = os.loadavg();
results.elapsedS = (Date.now() - t0) / 1000;
results.rows = rows;
const head = ['measure', 'libvirtd', 'tsvirtd', 'tsvirtd/libvirtd', 'goal', 'verdict'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
console.log(`tsvirtd vs libvirtd ${results.date}  ${results.cpus} CPUs (${results.cpuModel})  node ${results.node}`);
results.idleAtEnd = await idleShare();
console.log(`rpcbench: ${ROUNDS} rounds x ${SECONDS}s (+${WARMUP}s warm-up) per daemon, order abba; loadavg ${results.loadavgStart.map((x) => x.toFixed(2)).join(' ')} -> ${results.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}; CPU idle before ${(idleAtStart * 100).toFixed(0)}%, after ${(results.idleAtEnd * 100).toFixed(0)}%`);
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log(`${failures === 0 ? 'ALL GOALS PASS' : `${failures} goal(s) FAIL`} (${results.elapsedS.toFixed(0)} s)`);
if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 1));
const MD_OUT = opt('markdown', null);
if (MD_OUT) {
  // The same table as markdown, for bench/README.md.
  const md = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  fs.writeFileSync(MD_OUT, `${md}\n`);
}
process.exit(failures === 0 ? 0 : 1);
