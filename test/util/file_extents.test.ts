// FIEMAP through filefrag: the data extents of real sparse files, and the parser on its output.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataWithin, fileDataExtents, parseFilefrag } from '../../src/util/file_extents.js';

test('parseFilefrag: merges adjacent extents, drops unwritten (preallocated) ones', () => {
  const out = `Filesystem type is: ef53
File size of /x is 20971520 (20971520 blocks of 1 bytes)
 ext:     logical_offset:        physical_offset: length:   expected: flags:
   0:        0.. 1048575: 26717716480..26718765055: 1048576:
   1:  1048576.. 2097151: 26718765056..26719813631: 1048576:
   2:  8388608.. 9437183: 26726105088..26727153663: 1048576: 26719813632:
   3: 17825792..18874367: 26712473600..26713522175: 1048576: 26727153664: last,unwritten
/x: 3 extents found
`;
  assert.deepEqual(parseFilefrag(out), [[0, 2097152], [8388608, 9437184]]);
  assert.equal(parseFilefrag('filefrag: Operation not supported'), null);
  assert.deepEqual(dataWithin([[0, 10], [20, 30], [40, 50]], 5, 45), [[5, 10], [20, 30], [40, 45]]);
});

test('fileDataExtents: a file with holes on this filesystem', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-ext-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'sparse.img');
  const fd = fs.openSync(f, 'w');
  fs.writeSync(fd, Buffer.alloc(65536, 1), 0, 65536, 1 << 20);
  fs.writeSync(fd, Buffer.alloc(4096, 2), 0, 4096, 5 << 20);
  fs.ftruncateSync(fd, 8 << 20);
  fs.closeSync(fd);
  const ext = await fileDataExtents(f);
  if (ext === null) return t.skip('no FIEMAP here (tmpfs?)');
  // Every data byte is inside an extent; the extents cover far less than the file.
  const covered = (off: number) => ext.some(([s, e]) => off >= s && off < e);
  assert.ok(covered(1 << 20) && covered((1 << 20) + 65535) && covered(5 << 20), JSON.stringify(ext));
  assert.ok(!covered(0) && !covered(3 << 20) && !covered((8 << 20) - 1), JSON.stringify(ext));
  assert.deepEqual(await fileDataExtents(path.join(dir, 'missing')), null);
});
