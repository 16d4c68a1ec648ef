// Running python3-libvirt scripts for the interop tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as assert from 'node:assert/strict';

export const PY = '/usr/bin/python3';
const hasLibvirt = existsSync(PY) && spawnSync(PY, ['-c', 'import libvirt'], { encoding: 'utf8' }).status === 0;
/** node:test's `skip` for the python3-libvirt tests */
export const noPythonLibvirt: string | false = hasLibvirt ? false : 'python3-libvirt (/usr/bin/python3 -c "import libvirt") is not available';

/**
 * The lines a script starts with: libvirt's own error printing silenced, `p(...)` collecting an
 * output line, `err(f)` recording a call's result or its libvirt error (code, domain, message).
 */
export const PY_PRELUDE = String.raw`
import sys, libvirt
libvirt.registerErrorHandler(lambda ctx, err: None, None)
out = []
def p(*a): out.append(' '.join(str(x) for x in a))
def err(f):
    try:
        r = f(); p('ok', r)
    except libvirt.libvirtError as e:
        p('error', e.get_error_code(), e.get_error_domain(), e.get_error_message())
`;

export interface PyResult { stdout: string; stderr: string; status: number | null }

/** Run a script (after PY_PRELUDE when it uses it) with its arguments. */
export function runPython(script: string, args: readonly string[], timeout = 60000): PyResult {
  const r = spawnSync(PY, ['-c', script, ...args], { encoding: 'utf8', timeout });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/**
 * The same script against libvirt's in-process test driver and against tsvirtd's socket: it must
 * succeed there and print the same through tsvirtd. Returns tsvirtd's run for further checks.
 */
export function sameThroughTsvirtd(script: string, socket: string): PyResult {
  const theirs = runPython(script, ['test:///default']);
  assert.equal(theirs.status, 0, theirs.stderr);
  const ours = runPython(script, [`test+unix:///default?socket=${socket}`]);
  assert.deepEqual(ours, theirs);
  return ours;
}
