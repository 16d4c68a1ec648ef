// virDomainScreenshot for QEMU (libvirt's qemuDomainScreenshot): QMP screendump writes the
// picture (PPM) to a private temporary file, which is then streamed to the caller and removed.
import * as fs from 'node:fs';
import { open as fsOpen, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DriverStream, StreamChunk } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import type { LiveDomain } from './domain_obj.js';

const ERR = ErrorDomain.QEMU;
const CHUNK = 256 * 1024;
/** what screendump writes when no format is asked for (libvirt 9.0 asks for none) */
const PPM = 'image/x-portable-pixmap';

/**
 * Take screen `screen` of a running guest into a stream whose `result` is the MIME type. The
 * temporary file lives in `dir` (the driver's run directory) only until it is open here.
 */
export async function qemuDomainScreenshot(live: LiveDomain, dir: string, screen: number): Promise<DriverStream> {
  const videos = live.def.devices.videos;
  if (!videos.length) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'no screens to take screenshot from');
  const args: Record<string, unknown> = {};
  if (screen) {
    // the head of the video device holding that screen, counting heads across devices
    let left = screen;
    const video = videos.find((v) => {
      const heads = v.model.heads ?? 1;
      if (left < heads) return true;
      left -= heads;
      return false;
    });
    if (!video?.alias) throw virError(ERR, ErrorNumber.INVALID_ARG, 'no such screen ID');
    args['device'] = video.alias;
    args['head'] = left;
  }
  const tmp = path.join(dir, `qemu.screendump.${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(tmp, '', { mode: 0o600, flag: 'wx' });
  let fh: FileHandle;
  try {
    if (!live.monitor) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
    await live.monitor.execute('screendump', { filename: tmp, ...args });
    fh = await fsOpen(tmp, 'r').catch(() => { throw virError(ERR, ErrorNumber.OPERATION_FAILED, 'unable to open stream'); });
  } finally {
    // open or failed, the name is no longer needed
    fs.rmSync(tmp, { force: true });
  }
  let closed = false;
  const close = () => { if (!closed) { closed = true; void fh.close().catch(() => undefined); } };
  const incoming: AsyncIterable<StreamChunk> = {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (closed) return;
          const buf = Buffer.alloc(CHUNK);
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          if (bytesRead === 0) return;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        close();
      }
    },
  };
  return { incoming, result: PPM, finish: async () => close(), abort: () => close() };
}
