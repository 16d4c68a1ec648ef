// Shared helpers for the test driver's scenario tests.
import * as assert from 'node:assert/strict';
import { VirError } from '../../../src/api/index.js';

/** Await a rejection and check libvirt's code, error domain and message. */
export async function rejects(p: Promise<unknown>, code: number, domain: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    if (!(e instanceof VirError)) throw new Error(`expected VirError, got ${String(e)}`);
    assert.equal(e.code, code, `code of "${e.message}"`);
    assert.equal(e.domain, domain, `domain of "${e.message}"`);
    if (typeof message === 'string') assert.equal(e.message, message); else assert.match(e.message, message);
    return true;
  });
}

export const domXml = (name: string, uuid?: string, extra = '') =>
  `<domain type='test'><name>${name}</name>${uuid ? `<uuid>${uuid}</uuid>` : ''}<memory>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os>${extra}</domain>`;

/** Let queued events (delivered in microtasks) arrive. */
export const settle = () => new Promise((r) => setImmediate(r));
