// `tsvirtd --timeout N` exits when idle, but never while a network is active or a guest runs
// (the drivers' activeObjects hooks), in the daemon's own network namespace.
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { E2E, KERNEL, natNetworkXml, skipNoGuest, skipNoVirsh, sleep } from './helpers.js';

describe('e2e: idle timeout with guests and networks up', { skip: skipNoGuest || skipNoVirsh, timeout: 60_000 }, () => {
  let e: E2E | null = null;
  after(async () => { await e?.destroy(); });

  it('stays up while a network is active or a guest runs, exits once both are gone', async () => {
    e = new E2E();
    await e.start(['--timeout', '1']);
    fs.writeFileSync(path.join(e.root, 'net.xml'), natNetworkXml('idlenet', 'tsvidlebr0', '192.168.214'));
    // A guest that needs no boot: started paused, it is running as far as the daemon cares.
    fs.writeFileSync(path.join(e.root, 'dom.xml'), `<domain type='qemu'><name>idlevm</name><memory unit='MiB'>64</memory>
      <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${KERNEL}</kernel></os></domain>`);
    const r = await e.virsh(`net-create ${path.join(e.root, 'net.xml')}`, `create ${path.join(e.root, 'dom.xml')} --paused`);
    assert.equal(r.code, 0, r.stderr);

    assert.equal(await e.waitExit(3000), 'running', 'exited with a network and a guest up');
    assert.equal((await e.virsh('destroy idlevm')).code, 0);
    assert.equal(await e.waitExit(3000), 'running', 'exited with a network up');
    assert.equal((await e.virsh('net-destroy idlenet')).code, 0);
    assert.equal(await e.waitExit(10_000), 0, `still running with nothing up: ${e.daemonLog()}`);
  });
});
