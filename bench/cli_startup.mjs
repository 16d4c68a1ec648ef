// Benchmark: a one-shot tsvirsh command against a bare `node -e 0` and the real virsh, in the
// same run (goal: tsvirsh <= 1.3x node -e 0).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { timeCommand, summary, fmt, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const n = Number(process.env.BENCH_N ?? 30);
const rows = [];
const node = summary(timeCommand([process.execPath, '-e', '0'], { n }));
rows.push(['node -e 0', node]);
const cmds = [
  ['tsvirsh uri', [process.execPath, `${root}bin/tsvirsh`, '-c', 'test:///default', 'uri']],
  ['tsvirsh list --all', [process.execPath, `${root}bin/tsvirsh`, '-c', 'test:///default', 'list', '--all']],
];
const results = {};
for (const [name, argv] of cmds) { results[name] = summary(timeCommand(argv, { n })); rows.push([name, results[name]]); }
if (existsSync('/usr/bin/virsh')) {
  results['virsh list --all'] = summary(timeCommand(['/usr/bin/virsh', '-c', 'test:///default', 'list', '--all'], { n }));
  rows.push(['virsh list --all', results['virsh list --all']]);
}
console.log('command                 median ms   p90 ms   ratio to node -e 0');
for (const [name, s] of rows) {
  console.log(`${name.padEnd(22)} ${fmt(s.median).padStart(9)} ${fmt(s.p90).padStart(8)}   ${fmt(s.median / node.median, 2)}x`);
}
const ts = results['tsvirsh list --all'];
if (results['virsh list --all']) {
  console.log(`tsvirsh list --all vs virsh list --all: ${fmt(ts.median / results['virsh list --all'].median, 2)}x`);
}
verdict('tsvirsh one-shot <= 1.3x node -e 0', ts.median <= 1.3 * node.median, `${fmt(ts.median / node.median, 2)}x`);
