// Runs every benchmark in turn (each prints its own table and PASS/FAIL verdict lines).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const all = ['cli_startup', 'xml_throughput', 'testdriver_list'];
for (const b of only.length ? only : all) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, [`${here}${b}.mjs`], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`(${b} exited ${r.status})`);
}
