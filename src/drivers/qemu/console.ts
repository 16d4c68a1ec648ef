// virDomainOpenConsole for QEMU: a DriverStream over the pty QEMU opened for a serial port.
// One session per console; FORCE takes it over (libvirt's virChrdevOpen semantics).
// libvirt counterpart: qemuDomainOpenConsole + conf/virchrdev.c.
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { DomainConsoleFlags } from '../../api/constants.js';
import type { DriverStream, StreamChunk } from '../driver.js';
import type { DomainObj } from './domain_obj.js';

const sessions = new WeakMap<DomainObj, Map<string, DriverStream>>();

export function domainOpenConsole(obj: DomainObj, devName: string | null, flags: number): DriverStream {
  const live = obj.live;
  if (!live) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
  const d = live.def.devices;
  const chr = devName === null
    ? (d.consoles[0] ?? d.serials[0])
    : [...d.consoles, ...d.serials].find((c) => c.alias === devName);
  if (!chr) {
    throw virError(ErrorDomain.QEMU, ErrorNumber.INTERNAL_ERROR, devName ? `cannot find character device ${devName}` : 'cannot find character device <null>');
  }
  const serial = d.serials.find((s) => s.alias === chr.alias) ?? chr;
  if (serial.type !== 'pty' || !serial.source.path) {
    throw virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_UNSUPPORTED, `character device ${chr.alias} is not using a PTY`);
  }
  let map = sessions.get(obj);
  if (!map) { map = new Map(); sessions.set(obj, map); }
  const key = chr.alias ?? 'console';
  const existing = map.get(key);
  if (existing) {
    if (!(flags & DomainConsoleFlags.FORCE)) {
      throw virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_FAILED, 'Active console session exists for this domain');
    }
    existing.abort(new Error('console taken over'));
  }
  const stream = ptyStream(serial.source.path, () => { if (map!.get(key) === stream) map!.delete(key); });
  map.set(key, stream);
  return stream;
}

function ptyStream(ptyPath: string, onClose: () => void): DriverStream {
  const rfd = fs.openSync(ptyPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const wfd = fs.openSync(ptyPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const reader = new tty.ReadStream(rfd);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    reader.destroy();
    try { fs.closeSync(wfd); } catch { /* closed */ }
    onClose();
  };
  // QEMU closing the pty (domain stopped) shows as EIO: that is the end of the console.
  reader.on('error', () => close());
  async function* incoming(): AsyncGenerator<StreamChunk> {
    try {
      for await (const chunk of reader) yield chunk as Buffer;
    } catch { /* EIO on hangup */ } finally { close(); }
  }
  return {
    incoming: incoming(),
    async send(chunk: StreamChunk) {
      if (closed) throw virError(ErrorDomain.STREAMS, ErrorNumber.OPERATION_INVALID, 'stream is closed');
      if (!Buffer.isBuffer(chunk)) return;
      await new Promise<void>((resolve, reject) => fs.write(wfd, chunk, (e) => (e ? reject(e) : resolve())));
    },
    async finish() { close(); },
    abort() { close(); },
  };
}
