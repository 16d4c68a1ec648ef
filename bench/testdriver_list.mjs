// Benchmark: the test driver holding 10,000 domains; `list --all` over them (goal: < 100 ms),
// both through the library (listAllDomains + state of each, as virsh does) and as a whole
// tsvirsh process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from '../dist/src/api/index.js';
import { fmt, percentile, verdict } from './lib.mjs';

const N = Number(process.env.BENCH_DOMAINS ?? 10000);
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tsvirt-bench-'));
try {
  // A node file with N domains: the same route a user takes to load a big inventory.
  const doms = [];
  for (let i = 0; i < N; i++) {
    const u = `${(0x10000000 + i).toString(16)}-0000-4000-8000-000000000000`;
    doms.push(`<domain type='test'><name>bench${i}</name><uuid>${u}</uuid><memory>65536</memory><os><type>hvm</type></os></domain>`);
  }
  const nodeFile = join(dir, 'node.xml');
  writeFileSync(nodeFile, `<node>\n${doms.join('\n')}\n</node>\n`);
  const uri = `test://${nodeFile}`;

  const tLoad = process.hrtime.bigint();
  const conn = await open(uri);
  const loadMs = Number(process.hrtime.bigint() - tLoad) / 1e6;
  const runs = [];
  for (let r = 0; r < 10; r++) {
    const t0 = process.hrtime.bigint();
    const all = await conn.listAllDomains(3);
    await Promise.all(all.map((d) => d.state()));
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (all.length !== N) throw new Error(`expected ${N} domains, got ${all.length}`);
  }
  await conn.close();
  runs.sort((a, b) => a - b);
  console.log(`loaded ${N} domains in ${fmt(loadMs)} ms; listAllDomains + state x${N}: median ${fmt(percentile(runs, 50))} ms, p90 ${fmt(percentile(runs, 90))} ms`);

  const t1 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [`${root}bin/tsvirsh`, '-c', uri, 'list', '--all'], { encoding: 'utf8' });
  const cliMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const lines = r.stdout.split('\n').filter((l) => /bench\d+/.test(l)).length;
  console.log(`tsvirsh list --all (whole process, incl. loading the node file): ${fmt(cliMs)} ms, ${lines} rows`);
  verdict(`list --all over ${N} domains < 100 ms`, percentile(runs, 50) < 100, `${fmt(percentile(runs, 50))} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
