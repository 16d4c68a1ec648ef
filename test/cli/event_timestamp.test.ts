// The --timestamp prefix of the event commands is UTC with "+0000" whatever the local zone
// (libvirt's virTimeStringNowRaw), not local time labelled UTC.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('event --timestamp prefix: UTC fields, milliseconds, +0000, in any time zone', () => {
  const mod = new URL('../../src/cli/event.js', import.meta.url).href;
  for (const tz of ['UTC', 'Asia/Kolkata', 'America/St_Johns']) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const m = await import(${JSON.stringify(mod)}); const a = Date.now(); const s = m.eventTimestamp(); console.log(JSON.stringify({ a, s, b: Date.now() }));`],
    { encoding: 'utf8', env: { ...process.env, TZ: tz } });
    assert.equal(r.status, 0, r.stderr);
    const { a, s, b } = JSON.parse(r.stdout) as { a: number; s: string; b: number };
    const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\+0000: $/.exec(s);
    assert.ok(m, s);
    const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!);
    assert.ok(t >= a && t <= b, `${tz}: ${s}`);
  }
});
