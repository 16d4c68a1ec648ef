// Benchmark: a one-shot tsvirsh command against a bare `node -e 0` and the real virsh, in the
// same run (goal: tsvirsh <= 1.3x node -e 0). The commands run interleaved, one of each per
// round, so a slow spell of the shared machine hits all of them alike; the verdict uses the
// median of the per-round ratios.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile, fmt, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// bin/tsvirsh runs dist/tsvirsh.cjs only while it is newer than the tsc output, else the slow
// module path: measuring that by accident (a `npx tsc` after the build) says nothing useful.
const bundle = `${root}dist/tsvirsh.cjs`;
if (!existsSync(bundle) || statSync(bundle).mtimeMs < statSync(`${root}dist/src/cli/main.js`).mtimeMs) {
  console.error('dist/tsvirsh.cjs is missing or older than dist/src: run `npm run build` first');
  process.exit(2);
}
const n = Number(process.env.BENCH_N ?? 30);
const warm = 3;
const cmds = [
  ['node -e 0', [process.execPath, '-e', '0']],
  ['tsvirsh uri', [process.execPath, `${root}bin/tsvirsh`, '-c', 'test:///default', 'uri']],
  ['tsvirsh list --all', [process.execPath, `${root}bin/tsvirsh`, '-c', 'test:///default', 'list', '--all']],
];
if (existsSync('/usr/bin/virsh')) cmds.push(['virsh list --all', ['/usr/bin/virsh', '-c', 'test:///default', 'list', '--all']]);

function once(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const dt = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return dt;
}

const times = cmds.map(() => []);
for (let i = 0; i < warm + n; i++) {
  const round = cmds.map(([, argv]) => once(argv));
  if (i >= warm) round.forEach((t, j) => times[j].push(t));
}
const sorted = times.map((t) => [...t].sort((a, b) => a - b));
const med = (j) => percentile(sorted[j], 50);
/** median over rounds of (command j / node -e 0 in the same round) */
const ratio = (j) => percentile(times[j].map((t, i) => t / times[0][i]).sort((a, b) => a - b), 50);

console.log(`${n} rounds after ${warm} warm-ups, commands interleaved`);
console.log('command                 median ms   p90 ms   min ms   ratio to node -e 0 (median per round)');
cmds.forEach(([name], j) => {
  console.log(`${name.padEnd(22)} ${fmt(med(j)).padStart(9)} ${fmt(percentile(sorted[j], 90)).padStart(8)} ${fmt(sorted[j][0]).padStart(8)}   ${fmt(ratio(j), 2)}x`);
});
const list = cmds.findIndex(([name]) => name === 'tsvirsh list --all');
const virsh = cmds.findIndex(([name]) => name === 'virsh list --all');
if (virsh >= 0) console.log(`tsvirsh list --all vs virsh list --all: ${fmt(med(list) / med(virsh), 2)}x`);
let ok = true;
for (const j of [1, 2]) ok = verdict(`${cmds[j][0]} <= 1.3x node -e 0`, ratio(j) <= 1.3, `${fmt(ratio(j), 2)}x`) && ok;
process.exitCode = ok ? 0 : 1;
