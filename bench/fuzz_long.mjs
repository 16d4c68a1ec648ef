// The project's protocol fuzzer (test/daemon/fuzz.ts: seeded mutations of the captured client
// packets over concurrent connections, a canary client after every round) run for minutes
// against a fresh tsvirtd serving the test driver. Reports crashes (the daemon died or stopped
// answering the canary), unexpected "error" log lines, and the daemon's memory before and after
// (a leak shows as growth that does not settle). Exit code 1 when anything went wrong.
//   node bench/fuzz_long.mjs [--minutes 3] [--seed N] [--parallel 4]
import * as fs from 'node:fs';
import { spawnTsvirtd, timeFirstCall, socketPid } from './daemon_lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const MINUTES = Number(opt('minutes', '3'));
const SEED0 = Number(opt('seed', String(Date.now() % 1e9)));
const PARALLEL = Number(opt('parallel', '4'));
const SLICE_MS = 20000; // one seed per slice, so a crash names a short reproducible run

const { runFuzz, canary } = await import('../dist/test/daemon/fuzz.js');

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

async function startDaemon() {
  const d = spawnTsvirtd({ extraConfig: 'max_anonymous_clients = 50\n' });
  d.errorLines = [];
  let partial = '';
  d.proc.stderr.on('data', (b) => {
    const lines = (partial + b).split('\n');
    partial = lines.pop();
    for (const l of lines) if (/ error : /.test(l) && d.errorLines.length < 50) d.errorLines.push(l);
  });
  await timeFirstCall(d);
  d.pid = socketPid(d.sock);
  return d;
}

const started = Date.now();
const end = started + MINUTES * 60000;
const totals = { slices: 0, rounds: 0, sessions: 0, packetsSent: 0, bytesSent: 0, repliesReceived: 0, closedByDaemon: 0 };
const crashes = [];
const errorLines = [];
let d = await startDaemon();
const rssStart = rssKb(d.pid);
let rssAfterFirst = null;
let seed = SEED0;
try {
  while (Date.now() < end) {
    const sliceSeed = seed++;
    const durationMs = Math.min(SLICE_MS, end - Date.now());
    if (durationMs < 1000) break;
    try {
      const rep = await runFuzz({
        socket: d.sock, seed: sliceSeed, durationMs, parallel: PARALLEL,
        check: () => {
          if (d.proc.exitCode !== null || d.proc.signalCode !== null) throw new Error(`tsvirtd died (${d.proc.exitCode ?? d.proc.signalCode})`);
        },
      });
      for (const k of Object.keys(totals)) if (k in rep) totals[k] += rep[k];
      totals.slices++;
      if (rssAfterFirst === null) rssAfterFirst = rssKb(d.pid);
      process.stderr.write(`seed ${sliceSeed}: ${rep.rounds} rounds, ${rep.sessions} sessions, ${rep.packetsSent} packets, RSS ${rssKb(d.pid)} kB\n`);
    } catch (e) {
      crashes.push({ seed: sliceSeed, error: e.message, stderrTail: d.stderr().slice(-2000) });
      process.stderr.write(`seed ${sliceSeed}: CRASH ${e.message}\n`);
      errorLines.push(...d.errorLines);
      await d.stop();
      d = await startDaemon();
    }
  }
  await canary(d.sock);
} finally {
  errorLines.push(...d.errorLines);
  var rssEnd = rssKb(d.pid);
  await d.stop();
}

const report = {
  date: new Date().toISOString(), minutes: +((Date.now() - started) / 60000).toFixed(2), firstSeed: SEED0, parallel: PARALLEL,
  ...totals, crashes: crashes.length, crashDetails: crashes, errorLogLines: errorLines.length, errorLogSample: errorLines.slice(0, 5),
  rssKb: { start: rssStart, afterFirstSlice: rssAfterFirst, end: rssEnd },
};
console.log(JSON.stringify(report, null, 1));
console.log(`fuzz_long: ${report.minutes} min, ${totals.sessions} sessions, ${totals.packetsSent} packets, ${totals.repliesReceived} replies, `
  + `crashes ${crashes.length}, error log lines ${errorLines.length}, RSS ${rssStart} -> ${rssAfterFirst} -> ${rssEnd} kB`);
process.exit(crashes.length === 0 && errorLines.length === 0 ? 0 : 1);
