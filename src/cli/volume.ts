// Storage volume commands: vol-list, vol-info, vol-dumpxml, vol-create, vol-create-as (with
// virsh's generated XML), vol-create-from, vol-clone, vol-delete, vol-wipe, vol-resize, vol-path,
// vol-key, vol-name, vol-pool, vol-upload, vol-download. libvirt counterpart: tools/virsh-volume.c.
import { createReadStream, statSync } from 'node:fs';
import { open as fsOpen, type FileHandle } from 'node:fs/promises';
import { fileDataExtents } from '../util/file_extents.js';
import { BatchedFileWriter } from '../util/file_writer.js';
import type { StorageVol } from '../api/storage.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { capacityString, infoLine, json, printXml } from './format.js';
import { Table } from './table.js';
import { readXmlFile, strerror } from './domain_lifecycle.js';
import { xmlEscape } from './generic.js';
import { optPool, optVol } from './lookup.js';
import { parseXml, child } from '../conf/xml.js';
import { scaleSuffix } from './opts.js';

const VOL_TYPES = ['file', 'block', 'dir', 'network', 'netdir', 'ploop'];


async function volList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o);
  const details = o.bool('details');
  let vols: StorageVol[];
  try { vols = await p.listAllVolumes(0); } catch (e) { throw new CmdError('Failed to list volumes', e); }
  vols.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = [];
  for (const v of vols) {
    const path = await v.getPath().catch(() => null);
    const info = details || o.bool('json') ? await v.info().catch(() => null) : null;
    rows.push({ name: v.name, path, info });
  }
  if (json(ctx, o, rows.map((r) => ({ name: r.name, path: r.path, type: r.info ? VOL_TYPES[r.info.type] : null, capacity: r.info?.capacity ?? null, allocation: r.info?.allocation ?? null })))) return true;
  const t = new Table(details ? ['Name', 'Path', 'Type', 'Capacity', 'Allocation'] : ['Name', 'Path']);
  for (const r of rows) {
    if (details) {
      t.add(r.name, r.path ?? 'unknown', r.info ? VOL_TYPES[r.info.type] ?? 'unknown' : 'unknown',
        r.info ? capacityString(r.info.capacity) : 'unknown', r.info ? capacityString(r.info.allocation) : 'unknown');
    } else t.add(r.name, r.path ?? 'unknown');
  }
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function volInfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  const info = await v.info();
  const bytes = o.bool('bytes');
  const f = (x: number) => (bytes ? `${x} bytes` : capacityString(x));
  if (json(ctx, o, { name: v.name, type: VOL_TYPES[info.type] ?? 'unknown', capacity: info.capacity, allocation: info.allocation })) return true;
  ctx.print(infoLine('Name:', v.name) + infoLine('Type:', VOL_TYPES[info.type] ?? 'unknown') +
    infoLine('Capacity:', f(info.capacity)) + infoLine('Allocation:', f(info.allocation)));
  return true;
}

async function volDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  const xml = await v.getXMLDesc(0);
  return printXml(ctx, o, xml);
}

function createFlags(o: CmdOpts): number {
  let f = 0;
  if (o.bool('prealloc-metadata')) f |= 1;
  if (o.bool('reflink')) f |= 2;
  if (o.bool('validate')) f |= 4;
  return f;
}

async function volCreate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o);
  const file = o.string('file')!;
  const xml = readXmlFile(file);
  let v;
  try { v = await p.createVolXML(xml, createFlags(o)); } catch (e) { throw new CmdError(`Failed to create vol from ${file}`, e); }
  ctx.printExtra(`Vol ${v.name} created from ${file}\n`);
  return true;
}

/** vshVolSize: a size with an optional unit, bytes by default. */
function volSize(s: string): number {
  const m = /^\s*(\d+)(.*)$/s.exec(s);
  if (!m) throw new CliError(`Malformed size ${s}`);
  const mult = scaleSuffix(m[2]!, 1);
  // a number with a bad unit also reports the unit, as libvirt's virScaleInteger does
  if (mult === null) throw new CmdError(`Malformed size ${s}`, new CliError(`invalid argument: unknown suffix '${m[2]}'`));
  return Number(BigInt(m[1]!) * mult);
}

async function volCreateAs(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o);
  const name = o.string('name')!;
  const capArg = o.string('capacity')!;
  const capacity = volSize(capArg);
  const allocArg = o.string('allocation');
  const allocation = allocArg !== undefined ? volSize(allocArg) : undefined;
  const format = o.string('format');
  const backing = o.string('backing-vol');
  const backingFormat = o.string('backing-vol-format');
  let x = `<volume>\n  <name>${xmlEscape(name)}</name>\n  <capacity>${capacity}</capacity>\n`;
  if (allocation !== undefined) x += `  <allocation>${allocation}</allocation>\n`;
  if (format) x += `  <target>\n    <format type='${xmlEscape(format)}'/>\n  </target>\n`;
  if (backing) {
    // the backing store is named by path; look it up as virsh does (name in this pool, key, path)
    const conn = await ctx.conn();
    let bv: StorageVol | undefined;
    for (const look of [() => p.lookupVolByName(backing), () => conn.lookupStorageVolByKey(backing), () => conn.lookupStorageVolByPath(backing)]) {
      try { bv = await look(); break; } catch { /* next */ }
    }
    if (!bv) throw new CliError(`failed to get vol '${backing}'`);
    const bpath = await bv.getPath();
    x += `  <backingStore>\n    <path>${xmlEscape(bpath)}</path>\n`;
    if (backingFormat) x += `    <format type='${xmlEscape(backingFormat)}'/>\n`;
    x += '  </backingStore>\n';
  }
  x += '</volume>\n';
  if (o.bool('print-xml')) { ctx.print(x); return true; }
  let v;
  try { v = await p.createVolXML(x, createFlags(o)); } catch (e) { throw new CmdError(`Failed to create vol ${name}`, e); }
  ctx.printExtra(`Vol ${v.name} created\n`);
  return true;
}

async function volCreateFrom(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o);
  const file = o.string('file')!;
  const src = await optVol(ctx, o, 'vol', 'inputpool');
  const xml = readXmlFile(file);
  let v;
  try { v = await p.createVolXMLFrom(xml, src, createFlags(o)); } catch (e) { throw new CmdError(`Failed to create vol from ${file}`, e); }
  ctx.printExtra(`Vol ${v.name} created from input vol ${src.name}\n`);
  return true;
}

async function volClone(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const src = await optVol(ctx, o);
  const newName = o.string('newname')!;
  const pool = await src.lookupPool();
  const x = parseXml(await src.getXMLDesc(0), 'volume');
  // the source's definition under the new name, without its key and path (the pool assigns them)
  let xml = await src.getXMLDesc(0);
  xml = xml.replace(/<name>[^<]*<\/name>/, `<name>${xmlEscape(newName)}</name>`).replace(/\s*<key>[^<]*<\/key>/, '');
  void child(x, 'name');
  let v;
  try { v = await pool.createVolXMLFrom(xml, src, createFlags(o)); } catch (e) { throw new CmdError(`Failed to clone vol from ${src.name}`, e); }
  ctx.printExtra(`Vol ${v.name} cloned from ${src.name}\n`);
  return true;
}

async function volDelete(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  let flags = 0;
  if (o.bool('delete-snapshots')) flags |= 2;
  try { await v.delete(flags); } catch (e) { throw new CmdError(`Failed to delete vol ${v.name}`, e); }
  ctx.printExtra(`Vol ${v.name} deleted\n`);
  return true;
}

const WIPE = ['zero', 'nnsa', 'dod', 'bsi', 'gutmann', 'schneier', 'pfitzner7', 'pfitzner33', 'random', 'trim'];

async function volWipe(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  const alg = o.string('algorithm');
  let a = 0;
  if (alg !== undefined) {
    a = WIPE.indexOf(alg);
    if (a < 0) throw new CliError(`Unsupported algorithm '${alg}'`);
  }
  try {
    if (a) await v.connection._call('storageVolWipePattern', [v.ref, a, 0]); else await v.wipe(0);
  } catch (e) { throw new CmdError(`Failed to wipe vol ${v.name}`, e); }
  ctx.printExtra(`Vol ${v.name} wiped\n`);
  return true;
}

async function volResize(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  let capArg = o.string('capacity')!;
  let flags = 0;
  if (o.bool('allocate')) flags |= 1;
  if (o.bool('delta')) flags |= 2;
  if (o.bool('shrink')) flags |= 4;
  let delta = false;
  if (capArg.startsWith('-')) {
    if (!(flags & 4)) throw new CliError('negative size requires --shrink');
    capArg = capArg.slice(1);
    delta = true;
  }
  if (delta) flags |= 2;
  let cap: number;
  try { cap = volSize(capArg); } catch { throw new CliError(`Malformed size ${o.string('capacity')}`); }
  const shown = o.string('capacity')!;
  try { await v.resize(cap, flags); } catch (e) { throw new CmdError(`Failed to change size of volume '${v.name}' to ${shown}`, e); }
  ctx.print(delta || (flags & 2) ? `Size of volume '${v.name}' successfully changed by ${shown}\n` : `Size of volume '${v.name}' successfully changed to ${shown}\n`);
  return true;
}

async function volPath(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  ctx.print(`${await v.getPath()}\n`);
  return true;
}
async function volKey(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  ctx.print(`${v.key}\n`);
  return true;
}
async function volName(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  ctx.print(`${v.name}\n`);
  return true;
}
async function volPool(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  const p = await v.lookupPool();
  ctx.print(o.bool('uuid') ? `${p.uuid}\n` : `${p.name}\n`);
  return true;
}

/** A progress bar on stderr for long transfers, only on a terminal (virsh's vshPrintJobProgress look). */
function progress(ctx: Ctx, total: number): (done: number) => void {
  const tty = (process.stderr as { isTTY?: boolean }).isTTY && total > 8 * 1024 * 1024;
  if (!tty) return () => undefined;
  let last = -1;
  return (done: number) => {
    const pct = total ? Math.floor((done * 100) / total) : 100;
    if (pct === last) return;
    last = pct;
    const bar = '='.repeat(Math.floor(pct / 4)).padEnd(25, ' ');
    ctx.stderr.write(`\r${pct === 100 ? 'Done' : 'Transfer'}: [${bar}] ${String(pct).padStart(3)} %`);
    if (pct === 100) ctx.stderr.write('\n');
  };
}

/** Zero 4 KiB blocks of a file read are holes on a sparse upload (virsh: SEEK_HOLE). */
const HOLE_BLOCK = 4096;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

/** Send one read of the file: data runs as data, runs of zero blocks as holes. */
async function sendSparse(st: { send(b: Buffer): Promise<void>; sendHole(n: number): Promise<void> }, buf: Buffer): Promise<void> {
  let runStart = 0;
  let runZero: boolean | null = null;
  const flush = async (end: number) => {
    if (end <= runStart) return;
    if (runZero) await st.sendHole(end - runStart); else await st.send(Buffer.from(buf.subarray(runStart, end)));
  };
  for (let b = 0; b < buf.length; b += HOLE_BLOCK) {
    const blk = buf.subarray(b, Math.min(b + HOLE_BLOCK, buf.length));
    const z = blk.equals(ZEROS.subarray(0, blk.length));
    if (runZero === null) runZero = z;
    else if (z !== runZero) { await flush(b); runStart = b; runZero = z; }
  }
  await flush(buf.length);
}

async function volUpload(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  const file = o.string('file')!;
  const offset = o.ull('offset') ?? 0;
  const length = o.ull('length') ?? 0;
  const sparse = o.bool('sparse');
  let size: number;
  try { size = statSync(file).size; } catch (e) { throw new CliError(`cannot read ${file}: ${strerror(e)}`); }
  // As virsh (SEEK_DATA/SEEK_HOLE): only the data extents are read; gaps go as holes.
  const extents = sparse ? await fileDataExtents(file) : null;
  const st = await v.upload(offset, length, sparse ? 1 : 0);
  const show = progress(ctx, length || size);
  let done = 0;
  try {
    if (extents) {
      for (const [s, e] of extents) {
        if (s > done) { await st.sendHole(s - done); done = s; }
        for await (const chunk of createReadStream(file, { start: s, end: e - 1, highWaterMark: 1024 * 1024 })) {
          await st.send(chunk as Buffer);
          done += (chunk as Buffer).length;
          show(done);
        }
      }
      if (done < size) await st.sendHole(size - done);
      show(size);
      await st.finish();
      return true;
    }
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
      if (sparse) await sendSparse(st, chunk as Buffer); else await st.send(chunk as Buffer);
      done += (chunk as Buffer).length;
      show(done);
    }
    await st.finish();
  } catch (e) {
    st.abort(e);
    throw new CmdError(`cannot upload to volume ${v.name}`, e);
  }
  return true;
}

async function volDownload(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const v = await optVol(ctx, o);
  const file = o.string('file')!;
  const offset = o.ull('offset') ?? 0;
  const length = o.ull('length') ?? 0;
  const info = await v.info();
  const st = await v.download(offset, length, o.bool('sparse') ? 1 : 0);
  // Positioned writes: a hole only moves the position, so it stays a hole in the file.
  let out: FileHandle;
  try { out = await fsOpen(file, 'w'); } catch (e) { st.abort(e); throw new CliError(`cannot create ${file}: ${strerror(e)}`); }
  const show = progress(ctx, length || info.capacity);
  let done = 0;
  try {
    // batched positioned writes, one in flight while the next chunks arrive
    const w = new BatchedFileWriter(out);
    for await (const chunk of st) {
      if (Buffer.isBuffer(chunk)) {
        await w.write(chunk);
        done += chunk.length;
      } else {
        await w.skip(chunk.hole);
        done += chunk.hole;
      }
      show(done);
    }
    await w.drain();
    await out.truncate(done);
    await out.close();
  } catch (e) {
    await out.close().catch(() => undefined);
    throw new CmdError(`cannot download from volume ${v.name}`, e);
  }
  return true;
}

export const handlers: HandlerTable = {
  'vol-list': volList, 'vol-info': volInfo, 'vol-dumpxml': volDumpxml, 'vol-create': volCreate, 'vol-create-as': volCreateAs,
  'vol-create-from': volCreateFrom, 'vol-clone': volClone, 'vol-delete': volDelete, 'vol-wipe': volWipe, 'vol-resize': volResize,
  'vol-path': volPath, 'vol-key': volKey, 'vol-name': volName, 'vol-pool': volPool, 'vol-upload': volUpload, 'vol-download': volDownload,
};
