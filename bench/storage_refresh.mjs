// pool-refresh of a dir pool holding 1,000 volumes through tsvirtd: 700 sparse raw files,
// 290 qcow2 images and 10 qcow2 overlays with a backing file (each probed from its header).
// Goal: < 1 s per refresh. Also times listing them all (listAllVolumes, virsh vol-list).
//   node bench/storage_refresh.mjs [--reps 5] [--vols 1000]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fmt, verdict } from './lib.mjs';
import { startStorageDaemon } from './storage_lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const REPS = opt('--reps', 5);
const VOLS = opt('--vols', 1000);

const d = await startStorageDaemon();
const { open } = await import('../dist/src/api/index.js');
const conn = await open(d.uri);
try {
  const dir = path.join(d.root, 'pool');
  const nRaw = Math.round(VOLS * 0.7);
  const nOverlay = Math.min(10, VOLS - nRaw);
  const nQcow = VOLS - nRaw - nOverlay;
  for (let i = 0; i < nRaw; i++) {
    const fd = fs.openSync(path.join(dir, `raw-${String(i).padStart(4, '0')}.img`), 'w');
    fs.ftruncateSync(fd, (1 + (i % 64)) * 1024 * 1024);
    fs.closeSync(fd);
  }
  const tmpl = path.join(d.root, 'tmpl.qcow2');
  if (spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', tmpl, '1G']).status !== 0) throw new Error('qemu-img create failed');
  for (let i = 0; i < nQcow; i++) fs.copyFileSync(tmpl, path.join(dir, `disk-${String(i).padStart(4, '0')}.qcow2`));
  for (let i = 0; i < nOverlay; i++) {
    const r = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', path.join(dir, 'disk-0000.qcow2'), '-F', 'qcow2',
      path.join(dir, `overlay-${i}.qcow2`)]);
    if (r.status !== 0) throw new Error(String(r.stderr));
  }
  const pool = await conn.lookupStoragePoolByName('bench');
  const rows = { lib: [], virsh: [], list: [], virshList: [] };
  for (let i = 0; i < REPS; i++) {
    let t0 = performance.now();
    await pool.refresh(0);
    rows.lib.push(performance.now() - t0);
    t0 = performance.now();
    const vols = await pool.listAllVolumes(0);
    rows.list.push(performance.now() - t0);
    if (vols.length !== VOLS) throw new Error(`refresh found ${vols.length} volumes, expected ${VOLS}`);
    t0 = performance.now();
    const r = await d.virsh('pool-refresh bench');
    rows.virsh.push(performance.now() - t0);
    if (r.code !== 0) throw new Error(r.stderr);
    t0 = performance.now();
    const l = await d.virsh('vol-list bench');
    rows.virshList.push(performance.now() - t0);
    if (l.stdout.trim().split('\n').length !== VOLS + 2) throw new Error('vol-list count');
  }
  // Spot check what the probe found.
  const ov = await (await pool.lookupVolByName('overlay-0.qcow2')).getXMLDesc();
  const probed = /<format type='qcow2'\/>/.test(ov) && /<backingStore>[\s\S]*disk-0000\.qcow2/.test(ov) && /<capacity unit='bytes'>1073741824</.test(ov);
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`${VOLS} volumes (${nRaw} raw, ${nQcow} qcow2, ${nOverlay} qcow2 overlays), ${REPS} reps, medians`);
  console.log('| operation | median ms | max ms |');
  console.log('|---|---|---|');
  for (const [k, label] of [['lib', 'pool-refresh (library)'], ['virsh', 'virsh pool-refresh (process incl.)'],
    ['list', 'listAllVolumes (library)'], ['virshList', 'virsh vol-list (process incl.)']]) {
    console.log(`| ${label} | ${fmt(med(rows[k]))} | ${fmt(Math.max(...rows[k]))} |`);
  }
  let ok = verdict('pool-refresh of 1,000 volumes', med(rows.lib) < 1000, `${fmt(med(rows.lib))} ms median (goal < 1000 ms)`);
  ok = verdict('probe results', probed, probed ? 'overlay: qcow2, 1 GiB, backing store found' : ov) && ok;
  process.exitCode = ok ? 0 : 1;
} finally {
  await conn.close().catch(() => undefined);
  await d.stop();
}
