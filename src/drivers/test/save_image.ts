// The test driver's own save-image format (testDomainSaveImageWrite / testDomainSaveImageOpen):
// the 15 bytes "TestGuestMagic\0", the XML length as a native (little-endian) int32, the XML.
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { ErrorNumber } from '../../util/error.js';
import { testError } from './errors.js';

/** also the whole content of the test driver's core dumps */
export const SAVE_MAGIC = Buffer.from('TestGuestMagic\0', 'latin1');
const MAGIC = SAVE_MAGIC;
const MAX_XML = 8192;

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory', EEXIST: 'File exists', ENOSPC: 'No space left on device', EROFS: 'Read-only file system',
};
/** virReportSystemError's "<what>: <strerror>" */
export function systemError(what: string, err: unknown) {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // a short read leaves libvirt with a stale errno: in a fresh virsh 9.0 process (test:///)
  // it is 0, "Success", with or without a terminal
  const text = code ? ERRNO_TEXT[code] ?? code : 'Success';
  return testError(ErrorNumber.SYSTEM_ERROR, `${what}: ${text}`);
}

export function writeSaveImage(path: string, name: string, xml: string): void {
  let fd: number;
  try { fd = openSync(path, 'w', 0o600); } catch (e) { throw systemError(`saving domain '${name}' to '${path}': open failed`, e); }
  const body = Buffer.from(xml, 'utf8');
  const len = Buffer.alloc(4);
  len.writeInt32LE(body.length);
  try {
    writeSync(fd, MAGIC); writeSync(fd, len); writeSync(fd, body);
    closeSync(fd);
  } catch (e) {
    try { closeSync(fd); } catch { /* already failing */ }
    try { unlinkSync(path); } catch { /* already failing */ }
    throw systemError(`saving domain '${name}' to '${path}': write failed`, e);
  }
}

function readFully(fd: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, b, got, n - got, null);
    if (r === 0) break;
    got += r;
  }
  return b.subarray(0, got);
}

/** The domain XML stored in a save image, with libvirt's errors for a bad one. */
export function readSaveImage(path: string): string {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (e) { throw systemError(`cannot read domain image '${path}'`, e); }
  try {
    const magic = readFully(fd, MAGIC.length);
    if (magic.length !== MAGIC.length) throw systemError(`incomplete save header in '${path}'`, undefined);
    if (!magic.equals(MAGIC)) throw testError(ErrorNumber.INTERNAL_ERROR, 'mismatched header magic');
    const lenBuf = readFully(fd, 4);
    if (lenBuf.length !== 4) throw systemError(`failed to read metadata length in '${path}'`, undefined);
    const len = lenBuf.readInt32LE();
    if (len < 1 || len > MAX_XML) throw testError(ErrorNumber.INTERNAL_ERROR, 'length of metadata out of range');
    const xml = readFully(fd, len);
    if (xml.length !== len) throw systemError(`incomplete metadata in '${path}'`, undefined);
    return xml.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
