// CALLs of the QEMU program (0x20008087) against tsvirtd: the same checks as the remote
// program's, in the same order (version, known procedure, open connection, read-only,
// driver support), answered with the QEMU program's header. Success through a real QEMU is in
// test/e2e/guest.test.ts (the real virsh's qemu-monitor-command).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Program } from '../../src/rpc/protocol.js';
import { ErrorNumber } from '../../src/util/error.js';
import { DOM_TEST, RawClient, domArgs, errorOf, startDaemon, xdr, type TestDaemon } from './helpers.js';

let d: TestDaemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d.stop(); });

const QEMU = { prog: Program.QEMU };
/** QEMU_PROC_DOMAIN_MONITOR_COMMAND args: dom, cmd, flags. */
const monitorArgs = (cmd: string, flags = 0) => Buffer.concat([domArgs(DOM_TEST), xdr((w) => { w.string(cmd, 1 << 22); w.uint(flags); })]);

test('QEMU program: errors in virNetServerProgramDispatch order, replies carry the QEMU program', async () => {
  const c = await RawClient.connect(d.rw);
  try {
    let r = await c.call(1, monitorArgs('{"execute":"query-status"}'), QEMU);
    assert.equal(r.header.prog, Program.QEMU);
    assert.equal(r.header.status, 1);
    assert.match(errorOf(r).message, /hypervisor connection not open/);

    await c.handshake();
    r = await c.call(1, monitorArgs('{"execute":"query-status"}'), QEMU);
    let e = errorOf(r);
    assert.equal(e.code, ErrorNumber.NO_SUPPORT);
    assert.match(e.message, /virDomainQemuMonitorCommand/);

    e = errorOf(await c.call(4, Buffer.alloc(0), QEMU));
    assert.equal(e.code, ErrorNumber.NO_SUPPORT, 'known to libvirt, not spoken here');
    assert.match(e.message, /virConnectDomainQemuMonitorEventRegister/);
    // QEMU_ATTACH is spoken: an empty payload does not decode
    e = errorOf(await c.call(2, Buffer.alloc(0), QEMU));
    assert.match(e.message, /Unable to decode message payload/);
    e = errorOf(await c.call(99, Buffer.alloc(0), QEMU));
    assert.match(e.message, /unknown procedure: 99/);
    e = errorOf(await c.call(1, monitorArgs('x'), { ...QEMU, vers: 2 }));
    assert.match(e.message, /Cannot find program 536903815 version 2/);
    e = errorOf(await c.call(1, Buffer.from([0, 0, 0]), QEMU));
    assert.match(e.message, /Unable to decode message payload/);
    // The connection is still in sync for the remote program afterwards.
    const t = await c.call(3);
    assert.equal(t.header.status, 0);
  } finally { c.close(); }
});

test('QEMU program: refused on a read-only connection', async () => {
  const c = await RawClient.connect(d.ro);
  try {
    await c.handshake();
    const e = errorOf(await c.call(1, monitorArgs('{"execute":"query-status"}'), QEMU));
    assert.equal(e.code, ErrorNumber.OPERATION_DENIED);
    assert.match(e.message, /read only access prevents virDomainQemuMonitorCommand/);
  } finally { c.close(); }
});
