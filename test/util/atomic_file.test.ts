import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/util/atomic_file.js';

function tmpDir(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-atomic-')); }

for (const durable of [true, false]) {
  test(`atomic write (durable: ${durable}): replaces the content whole, sets the mode, leaves no temp file`, async () => {
    const dir = tmpDir();
    try {
      const f = path.join(dir, 'dom.status.json');
      fs.writeFileSync(f, 'old content that is longer than the new one');
      writeFileAtomicSync(f, 'new', { durable });
      assert.equal(fs.readFileSync(f, 'utf8'), 'new');
      assert.equal(fs.statSync(f).mode & 0o777, 0o600);
      await writeFileAtomic(f, 'newer', { durable, mode: 0o644 });
      assert.equal(fs.readFileSync(f, 'utf8'), 'newer');
      assert.equal(fs.statSync(f).mode & 0o777, 0o644);
      assert.deepEqual(fs.readdirSync(dir), ['dom.status.json']);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
}

test('atomic write into a missing directory fails and leaves the old file untouched', async () => {
  const dir = tmpDir();
  try {
    assert.throws(() => writeFileAtomicSync(path.join(dir, 'nope', 'f'), 'x', { durable: false }), { code: 'ENOENT' });
    await assert.rejects(writeFileAtomic(path.join(dir, 'nope', 'f'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
