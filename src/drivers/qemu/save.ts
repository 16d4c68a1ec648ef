// Save images: the domain's XML in a small header, then QEMU's migration stream. save = pause,
// migrate to the file, stop QEMU; restore = start QEMU with -incoming and feed it the stream.
// libvirt counterpart: qemu_saveimage.c (libvirt's own header is "LibvirtQemudSave"; ours is
// a different, documented format: the first line "TSVIRT-QEMU-SAVE 1 <xml bytes> <running>").
import * as fs from 'node:fs';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { DomainPausedReason, DomainShutoffReason, DomainState } from '../../api/constants.js';
import { formatDomainXml } from '../../conf/domain.js';
import type { DomainObj } from './domain_obj.js';
import type { QemuDriverState } from './state.js';
import { qemuProcessStop, waitMigration, writeStatus } from './process.js';

const ERR = ErrorDomain.QEMU;
const MAGIC = 'TSVIRT-QEMU-SAVE';

export interface SaveHeader { xml: string; running: boolean; offset: number }

export function readSaveHeader(file: string): SaveHeader {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch (e) {
    throw virError(ERR, ErrorNumber.SYSTEM_ERROR, `Failed to open domain image file '${file}': ${(e as Error).message.replace(/^\w+: /, '')}`);
  }
  try {
    const head = Buffer.alloc(128);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString('latin1');
    const nl = text.indexOf('\n');
    const m = nl > 0 ? new RegExp(`^${MAGIC} 1 (\\d+) ([01])$`).exec(text.slice(0, nl)) : null;
    if (!m) throw virError(ERR, ErrorNumber.OPERATION_FAILED, 'image magic is incorrect');
    const len = Number(m[1]);
    const xml = Buffer.alloc(len);
    fs.readSync(fd, xml, 0, len, nl + 1);
    return { xml: xml.toString('utf8'), running: m[2] === '1', offset: nl + 1 + len };
  } finally { fs.closeSync(fd); }
}

/** qemuDomainSaveInternal: the domain ends shut off (reason saved), its memory in `file`. */
export async function qemuDomainSaveToFile(drv: QemuDriverState, obj: DomainObj, file: string, xmlOverride: string | null): Promise<void> {
  const live = obj.live;
  if (!live?.monitor) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'domain is not running');
  const wasRunning = obj.state === DomainState.RUNNING;
  const xml = xmlOverride ?? formatDomainXml(obj.newDef ?? live.def, { secure: true, inactive: true });
  const xmlBytes = Buffer.from(xml, 'utf8');
  try {
    fs.writeFileSync(file, Buffer.concat([Buffer.from(`${MAGIC} 1 ${xmlBytes.length} ${wasRunning ? 1 : 0}\n`), xmlBytes]), { mode: 0o600 });
  } catch (e) {
    throw virError(ERR, ErrorNumber.SYSTEM_ERROR, `Failed to create domain save file '${file}': ${(e as Error).message}`);
  }
  const mon = live.monitor;
  try {
    if (wasRunning) {
      live.expectStop++;
      await mon.execute('stop');
      obj.state = DomainState.PAUSED; obj.reason = DomainPausedReason.SAVE;
    }
    const q = `'${file.replace(/'/g, `'\\''`)}'`;
    await mon.execute('migrate', { uri: `exec:cat >> ${q}` });
    await waitMigration(mon, 'save');
  } catch (e) {
    // Leave the guest as it was and no half-written image behind.
    fs.rmSync(file, { force: true });
    if (wasRunning && obj.live === live) {
      live.expectResume++;
      await mon.execute('cont').catch(() => undefined);
      obj.state = DomainState.RUNNING;
      writeStatus(drv, obj);
    }
    throw e;
  }
  await qemuProcessStop(drv, obj, DomainShutoffReason.SAVED);
}
