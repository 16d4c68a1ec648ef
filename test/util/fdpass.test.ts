// The native fd module (src/native/fdpass.c): SCM_RIGHTS both ways, the readability watcher and
// the recvmsg reader the daemon uses for unix clients.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EAGAIN, fdPass } from '../../src/util/fdpass.js';
import { FdSocketReader } from '../../src/util/fd_reader.js';

const fdp = fdPass();
const skip = !fdp && 'built without the fd module (no C compiler or Node headers)';

test('an fd sent on a 1-byte carrier arrives as a new fd to the same file; nothing to read is -EAGAIN', { skip }, () => {
  const f = fdp!;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-fdp-')), 'x');
  fs.writeFileSync(file, 'passed');
  const [a, b] = f.socketpair();
  const fd = fs.openSync(file, 'r');
  try {
    assert.equal(f.recv(b, Buffer.alloc(8))[0], -EAGAIN);
    assert.equal(f.sendFd(a, fd), 1);
    const buf = Buffer.alloc(8);
    const [n, fds] = f.recv(b, buf);
    assert.equal(n, 1);
    assert.equal(buf[0], 0, 'the carrier is one 0x00 byte');
    assert.equal(fds.length, 1);
    assert.notEqual(fds[0], fd);
    assert.equal(fs.readFileSync(fds[0], 'utf8'), 'passed');
    f.closeFd(fds[0]);
    // data with an fd attached (QMP getfd)
    assert.equal(f.sendWithFd(a, Buffer.from('{"execute":"getfd"}'), fd), 19);
    const [m, more] = f.recv(b, Buffer.alloc(64));
    assert.equal(m, 19);
    assert.equal(more.length, 1);
    f.closeFd(more[0]);
    f.closeFd(a);
    assert.equal(f.recv(b, buf)[0], 0, 'end of file');
    f.closeFd(b);
  } finally { fs.closeSync(fd); fs.rmSync(path.dirname(file), { recursive: true, force: true }); }
});

test('the recvmsg reader delivers bytes with their fds in order, pauses, and reports the end', { skip }, async () => {
  const f = fdp!;
  const [a, b] = f.socketpair();
  const got: { bytes: string; fds: number }[] = [];
  let ended = '';
  const ends = new Promise<void>((resolve) => {
    const r = new FdSocketReader(f, b, {
      data: (chunk, fds) => { got.push({ bytes: chunk.toString('latin1'), fds: fds.length }); for (const x of fds) f.closeFd(x); },
      end: (why) => { ended = why; r.stop(); resolve(); },
    });
    r.pause();
    assert.equal(r.isPaused, true);
    f.sendWithFd(a, Buffer.from('hello'), 0);
    setTimeout(() => {
      assert.equal(got.length, 0, 'nothing read while paused');
      r.resume();
      setTimeout(() => { f.sendFd(a, 1); setTimeout(() => f.closeFd(a), 20); }, 20);
    }, 30);
  });
  await ends;
  f.closeFd(b);
  assert.deepEqual(got, [{ bytes: 'hello', fds: 1 }, { bytes: '\0', fds: 1 }]);
  assert.equal(ended, 'end of file');
});
