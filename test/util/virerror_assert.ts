// One assertion for "this call fails with this libvirt error code (and message)", shared by the
// driver tests that check errors by code and message pattern.
import * as assert from 'node:assert/strict';
import { VirError } from '../../src/util/error.js';

export async function rejects(p: Promise<unknown>, code: number, msg?: RegExp): Promise<VirError> {
  try { await p; } catch (e) {
    assert.ok(e instanceof VirError, `expected VirError, got ${e}`);
    assert.equal(e.code, code, `code ${e.codeName}: ${e.message}`);
    if (msg) assert.match(e.message, msg);
    return e;
  }
  assert.fail('expected an error');
}
