// The README's main job, `npm run demo`, run as a user would: it must succeed and show the
// steps it claims (test driver through the library and tsvirsh; a real guest when QEMU is here).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const haveGuest = existsSync('/usr/bin/qemu-system-x86_64') && existsSync(`${REPO}.guest/vmlinuz`);

test('npm run demo: the test driver tour, and a real guest booted through tsvirtd', { timeout: 180_000 }, () => {
  const r = spawnSync(process.execPath, [`${REPO}scripts/demo.mjs`], { encoding: 'utf8', timeout: 170_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /demo-vm: id \d+, state RUNNING, 2 vcpus, 524288 KiB/);
  assert.match(r.stdout, /demo-vm: STARTED \(detail 0\)/);
  assert.match(r.stdout, / Id +Name +State\n-+\n 1 +test +running\n 2 +demo-vm +running/);
  assert.match(r.stdout, /Domain 'demo-vm' has been undefined/);
  if (haveGuest || process.env['CI']) {
    assert.match(r.stdout, /\| TSVIRT-GUEST-READY/);
    assert.match(r.stdout, /after the ACPI power button: SHUTOFF/);
  }
});
