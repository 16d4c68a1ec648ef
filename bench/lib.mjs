// Small helpers shared by the benchmarks: timing loops, percentiles, result lines.
import { spawnSync } from 'node:child_process';

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Run a command `n` times (after `warm` unmeasured runs); wall-clock ms per run, sorted. */
export function timeCommand(argv, { n = 20, warm = 3, env } = {}) {
  const runs = [];
  for (let i = 0; i < warm + n; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env });
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= warm) runs.push(dt);
  }
  return runs.sort((a, b) => a - b);
}

export function summary(runs) {
  return { n: runs.length, median: percentile(runs, 50), p90: percentile(runs, 90), min: runs[0] };
}

export function fmt(x, d = 1) { return Number.isFinite(x) ? x.toFixed(d) : String(x); }

/** A result line: "name: value unit (goal ...: PASS/FAIL)" — the bench's verdicts. */
export function verdict(name, ok, detail) {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  return ok;
}
