// The remote driver against the REAL libvirtd 9.0: libvirt's test driver reached through
// `test+unix:///default?socket=...` of a daemon this file starts in a temporary directory.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as fs from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { open, type Connection, type Domain } from '../../../src/api/index.js';
import { ErrorNumber, ErrorDomain, VirError } from '../../../src/util/error.js';
import type { DomainEventPayload, NetworkEventPayload } from '../../../src/drivers/driver.js';
import { DomainState } from '../../../src/api/constants.js';
import { libvirtdSkipReason, removeDir, sleep, startLibvirtd, type Libvirtd } from './helpers.js';
import { fdPass } from '../../../src/util/fdpass.js';

const skip = libvirtdSkipReason();

const DOM_XML = (name: string) => `<domain type='test'>
  <name>${name}</name>
  <memory unit='KiB'>8192</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>`;

function virsh(uri: string, ...args: string[]): string {
  return execFileSync('virsh', ['-c', uri, ...args], { encoding: 'utf8' });
}

async function rejectsWith(p: Promise<unknown>, code: number, msg?: RegExp): Promise<VirError> {
  try {
    await p;
  } catch (e: unknown) {
    assert.ok(e instanceof VirError, `expected VirError, got ${e}`);
    assert.equal(e.code, code, `code ${e.code} (${e.message})`);
    if (msg) assert.match(e.message, msg);
    return e;
  }
  return assert.fail('expected a rejection');
}

function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > until) return reject(new Error('condition not reached in time'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('remote driver against the real libvirtd 9.0 (test driver)', { skip: skip ?? false }, () => {
  let d: Libvirtd;
  let conn: Connection;

  before(async () => {
    d = await startLibvirtd();
    conn = await open(d.testURI());
  });
  after(async () => {
    await conn?.close().catch(() => undefined);
    await d?.stop();
    if (d) removeDir(d.dir);
  });

  it('is served by the remote driver and answers host calls like virsh sees them', async () => {
    assert.equal(conn.driverName, 'remote');
    assert.equal(await conn.getType(), 'TEST');
    assert.equal(await conn.getVersion(), 2);
    assert.equal(await conn.getLibVersion(), 9000000);
    assert.equal(await conn.getHostname(), virsh(d.testURI(), 'hostname').trim());
    assert.equal(await conn.getURI(), d.testURI());
    const ni = await conn.nodeGetInfo();
    assert.deepEqual({ model: ni.model, cpus: ni.cpus, mhz: ni.mhz, memory: ni.memory }, { model: 'i686', cpus: 16, mhz: 1400, memory: 3145728 });
    const caps = await conn.getCapabilities();
    assert.equal(caps.trim(), virsh(d.testURI(), 'capabilities').trim());
    assert.equal(await conn.isSecure(), true);
    assert.equal(await conn.isAlive(), true);
  });

  it('lists and looks up domains, with libvirt errors passed through unchanged', async () => {
    const doms = await conn.listAllDomains(0);
    assert.deepEqual(doms.map((x) => x.name).sort(), virsh(d.testURI(), 'list', '--all', '--name').split('\n').filter(Boolean).sort());
    const t = await conn.lookupDomainByName('test');
    assert.equal(t.uuid, '6695eb01-f6a4-8304-79aa-97f2502e193f');
    assert.equal(t.id, 1);
    assert.equal((await conn.lookupDomainByUUID(t.uuid)).name, 'test');
    assert.equal((await conn.lookupDomainById(1)).name, 'test');
    assert.match(await t.getXMLDesc(), /<name>test<\/name>/);
    // the test driver's cpuTime (~1.8e18 ns) is past 2^53 on the wire; the contract says number
    const info = await t.info();
    assert.equal(typeof info.cpuTime, 'number');
    assert.deepEqual({ maxMem: info.maxMem, memory: info.memory, nrVirtCpu: info.nrVirtCpu }, { maxMem: 8388608, memory: 2097152, nrVirtCpu: 2 });
    // libvirt's built-in domain reports reason 0 (unknown), as virsh domstate --reason shows
    assert.deepEqual(await t.state(), { state: DomainState.RUNNING, reason: 0 });
    assert.match(virsh(d.testURI(), 'domstate', '--reason', 'test'), /running \(unknown\)/);
    const e = await rejectsWith(conn.lookupDomainByName('nosuchdomain'), ErrorNumber.NO_DOMAIN, /^Domain not found/);
    assert.equal(e.domain, ErrorDomain.TEST);
  });

  it('runs a domain through define/start/suspend/resume/destroy/undefine with lifecycle events', async () => {
    const events: [number, number, number][] = [];
    const cbId = await conn.domainEventRegisterAny(null, 0, (dom, p: DomainEventPayload) => {
      if (dom.name === 'rt1') events.push([p.event!, p.detail!, p.dom.id]);
    });
    const dom: Domain = await conn.defineDomainXML(DOM_XML('rt1'));
    assert.equal(dom.id, -1);
    assert.equal(await dom.isActive(), false);
    await dom.create();
    assert.ok(dom.id > 0, `running id after start, got ${dom.id}`);
    await dom.suspend();
    assert.equal((await dom.state()).state, DomainState.PAUSED);
    await dom.resume();
    assert.equal((await dom.state()).state, DomainState.RUNNING);
    assert.equal((await dom.info()).nrVirtCpu, 1);
    await dom.destroy();
    assert.equal((await dom.state()).state, DomainState.SHUTOFF);
    await dom.undefine();
    await rejectsWith(conn.lookupDomainByName('rt1'), ErrorNumber.NO_DOMAIN);
    await waitUntil(() => events.length >= 6);
    const id = events[1]![2];
    assert.deepEqual(events, [[0, 0, -1], [2, 0, id], [3, 0, id], [4, 0, id], [5, 1, -1], [1, 0, -1]]);
    await conn.domainEventDeregisterAny(cbId);
    await rejectsWith(conn.domainEventDeregisterAny(cbId), ErrorNumber.INVALID_ARG);
  });

  it('reports server-side failures with the server\'s code and message', async () => {
    const t = await conn.lookupDomainByName('test');
    const e = await rejectsWith(t.create(), ErrorNumber.INTERNAL_ERROR, /^internal error: Domain 'test' is already running$/);
    assert.equal(e.domain, ErrorDomain.TEST);
    await rejectsWith(conn.defineDomainXML('<domain'), ErrorNumber.XML_DETAIL);
  });

  it('creates, lists, reverts and deletes snapshots', async () => {
    const dom = await conn.defineDomainXML(DOM_XML('snapdom'));
    const snap = await dom.snapshotCreateXML('<domainsnapshot><name>s1</name></domainsnapshot>');
    assert.equal(snap.name, 's1');
    assert.deepEqual((await dom.listAllSnapshots()).map((s) => s.name), ['s1']);
    assert.equal(await dom.snapshotNum(), 1);
    assert.match(await (await dom.snapshotLookupByName('s1')).getXMLDesc(), /<name>s1<\/name>/);
    assert.equal(await snap.isCurrent(), true);
    await snap.revert();
    await snap.delete();
    assert.equal(await dom.snapshotNum(), 0);
    await dom.undefine();
  });

  it('manages networks and receives their events', async () => {
    const names = (await conn.listAllNetworks(0)).map((n) => n.name);
    assert.deepEqual(names, ['default']);
    const seen: number[] = [];
    const cb = await conn.networkEventRegisterAny(null, 0, (net, p: NetworkEventPayload) => { if (net.name === 'rnet') seen.push(p.event); });
    const net = await conn.defineNetworkXML(`<network><name>rnet</name><bridge name='rbr0'/><ip address='192.168.150.1' netmask='255.255.255.0'/></network>`);
    assert.equal(await net.isActive(), false);
    await net.create();
    assert.equal(await net.isActive(), true);
    assert.equal(await net.getBridgeName(), 'rbr0');
    assert.match(await net.getXMLDesc(), /<name>rnet<\/name>/);
    await net.destroy();
    await net.undefine();
    await rejectsWith(conn.lookupNetworkByName('rnet'), ErrorNumber.NO_NETWORK);
    await waitUntil(() => seen.length >= 4);
    assert.deepEqual(seen, [0, 2, 3, 1]); // DEFINED, STARTED, STOPPED, UNDEFINED
    await conn.networkEventDeregisterAny(cb);
  });

  it('manages pools and volumes; the test driver refuses vol-download as libvirt does', async () => {
    const pool = await conn.lookupStoragePoolByName('default-pool');
    assert.equal(await pool.isActive(), true);
    const info = await pool.info();
    assert.equal(info.state, 2);
    const vol = await pool.createVolXML(`<volume><name>rv1.img</name><capacity unit='M'>1</capacity></volume>`);
    assert.equal(vol.name, 'rv1.img');
    assert.ok((await pool.listAllVolumes()).some((v) => v.name === 'rv1.img'));
    assert.equal((await vol.info()).capacity, 1048576);
    assert.equal(await vol.getPath(), '/default-pool/rv1.img');
    assert.equal((await conn.lookupStorageVolByPath('/default-pool/rv1.img')).name, 'rv1.img');
    assert.equal((await vol.lookupPool()).name, 'default-pool');
    // libvirt's test driver has no volume streams: the daemon says NO_SUPPORT, we pass it on.
    const e = await rejectsWith(vol.download(), ErrorNumber.NO_SUPPORT, /virStorageVolDownload/);
    assert.equal(e.domain, ErrorDomain.STORAGE);
    await vol.delete();
    await rejectsWith(pool.lookupVolByName('rv1.img'), ErrorNumber.NO_STORAGE_VOL);
    // the connection is still healthy after the failed stream call
    assert.equal(await conn.getType(), 'TEST');
  });

  it('passes file descriptors with createDomainXMLWithFiles (SCM_RIGHTS on the unix socket)', { skip: !fdPass() && 'built without the fd module' }, async () => {
    const r = fs.openSync('/dev/null', 'r');
    try {
      const dom = await conn.createDomainXMLWithFiles(DOM_XML('withfiles'), [r, r]);
      assert.equal(await dom.isActive(), true);
      assert.equal(virsh(d.testURI(), 'domstate withfiles').trim(), 'running');
      await dom.destroy();
      // the connection is still in step after the carrier bytes
      assert.equal((await conn.lookupDomainByName('test')).name, 'test');
    } finally { fs.closeSync(r); }
  });

  it('is denied writes on the read-only socket even with flags 0, and on a read-only open', async () => {
    const ro = await open(`test+unix:///default?socket=${d.sockRo}`);
    try {
      assert.equal(await ro.getType(), 'TEST');
      assert.equal((await ro.listAllDomains(0)).length >= 1, true);
      const e = await rejectsWith(ro.defineDomainXML(DOM_XML('rodom')), ErrorNumber.OPERATION_DENIED,
        /read only access prevents virDomainDefineXML/);
      assert.equal(e.domain, ErrorDomain.DOMAIN);
      const t = await ro.lookupDomainByName('test');
      await rejectsWith(t.destroy(), ErrorNumber.OPERATION_DENIED, /virDomainDestroy/);
    } finally {
      await ro.close();
    }
    const ro2 = await open(d.testURI(), { readonly: true });
    try {
      assert.equal(ro2.readonly, true);
      assert.equal(await ro2.getHostname(), os.hostname());
      await rejectsWith(ro2.defineDomainXML(DOM_XML('rodom')), ErrorNumber.OPERATION_DENIED);
    } finally {
      await ro2.close();
    }
  });

  it('keeps many calls in flight on one connection and matches replies by serial', async () => {
    const c = await open(d.testURI());
    try {
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 60; i++) {
        work.push(i % 3 === 0 ? c.getType() : i % 3 === 1 ? c.lookupDomainByName('test').then((x) => x.name) : c.getHostname());
      }
      const out = await Promise.all(work);
      out.forEach((v, i) => assert.equal(v, i % 3 === 0 ? 'TEST' : i % 3 === 1 ? 'test' : os.hostname()));
    } finally {
      await c.close();
    }
  });

  it('a closed connection refuses calls; closing twice is harmless', async () => {
    const c = await open(d.testURI());
    await c.close();
    assert.equal(await c.close(), 0);
    await rejectsWith(c.getType(), ErrorNumber.INVALID_CONN);
  });

  it('tsvirsh through the remote driver prints what the real virsh prints', async (t) => {
    const tsvirsh = new URL('../../../../bin/tsvirsh', import.meta.url).pathname;
    if (!fs.existsSync(tsvirsh) || !fs.existsSync(new URL('../../../src/cli/main.js', import.meta.url).pathname)) {
      t.skip('tsvirsh is not built');
      return;
    }
    const run = (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, ['-c', d.testURI(), ...args], { encoding: 'utf8', env: { ...process.env, TSVIRSH_NO_BUNDLE: '1' } });
      // CPU time moves between the two runs; everything else must match byte for byte
      const clean = (x: string) => x.replace(/^CPU time:.*$/m, 'CPU time: X');
      return { status: r.status, stdout: clean(r.stdout), stderr: clean(r.stderr) };
    };
    let compared = 0;
    for (const args of [['list', '--all'], ['list', '--name'], ['hostname'], ['version'], ['nodeinfo'], ['dominfo', 'test'],
      ['domstate', 'test', '--reason'], ['dumpxml', 'test'], ['dominfo', 'nosuchdomain'], ['net-list', '--all'], ['pool-list', '--all']]) {
      const ours = run(tsvirsh, args);
      if (/is not implemented/.test(ours.stderr)) { t.diagnostic(`tsvirsh has no '${args[0]}' yet`); continue; }
      assert.deepEqual(ours, run('virsh', args), `tsvirsh ${args.join(' ')}`);
      compared++;
    }
    assert.ok(compared >= 5, `compared ${compared} commands`);
  });

  it('fails to open with libvirt\'s socket error when nothing listens', async () => {
    await rejectsWith(open(`test+unix:///default?socket=${d.dir}/nosuch-sock`), ErrorNumber.SYSTEM_ERROR,
      /^Failed to connect socket to '.*nosuch-sock': No such file or directory$/);
  });
});

describe('remote driver: deadlines, dropped sockets and reconnect (real libvirtd)', { skip: skip ?? false }, () => {
  let d: Libvirtd;
  before(async () => { d = await startLibvirtd(); });
  after(async () => {
    try { process.kill(d.proc.pid!, 'SIGCONT'); } catch { /* gone */ }
    await d?.stop('SIGKILL');
    if (d) removeDir(d.dir);
  });

  it('a call past its deadline fails with OPERATION_TIMEOUT and the connection stays usable', async () => {
    const c = await open(d.testURI('&call_timeout=0.3'));
    try {
      process.kill(d.proc.pid!, 'SIGSTOP'); // the daemon stops answering
      const t0 = Date.now();
      const e = await rejectsWith(c.getHostname(), ErrorNumber.OPERATION_TIMEOUT);
      assert.ok(Date.now() - t0 >= 250, 'waited for the deadline');
      assert.equal(e.domain, ErrorDomain.RPC);
      process.kill(d.proc.pid!, 'SIGCONT');
      // the late reply to the timed-out call is dropped; the next call gets its own answer
      assert.equal(await c.getType(), 'TEST');
    } finally {
      try { process.kill(d.proc.pid!, 'SIGCONT'); } catch { /* gone */ }
      await c.close();
    }
  });

  it('when the daemon dies all pending calls fail at once; reconnect() re-registers event callbacks', async () => {
    const { openConnection } = await import('../../../src/drivers/registry.js');
    const { Connection } = await import('../../../src/api/connection.js');
    const r = await openConnection(d.testURI());
    const conn = new Connection(r.uri.original, r.conn, r.driverName);
    const drv = r.conn.driver as import('../../../src/drivers/remote/index.js').RemoteConnection;
    const seen: string[] = [];
    // two callbacks so the server's IDs must be remapped (the new daemon numbers them from 0)
    const id0 = await conn.domainEventRegisterAny(null, 1 /* REBOOT */, () => seen.push('reboot'));
    const id1 = await conn.domainEventRegisterAny(null, 0, (dom, p) => seen.push(`${dom.name}:${p.event}`));
    await conn.domainEventDeregisterAny(id0);
    const closes: number[] = [];
    drv.onConnectionClosed((reason) => closes.push(reason));

    process.kill(d.proc.pid!, 'SIGSTOP');
    const settled = Promise.allSettled([conn.getType(), conn.getHostname(), conn.listAllDomains(0),
      conn.lookupDomainByName('test'), conn.getCapabilities()]);
    await sleep(100);
    assert.equal(drv.rpc!.pendingCalls, 5);
    await d.stop('SIGKILL');
    const results = await settled;
    const messages = new Set<string>();
    for (const res of results) {
      assert.equal(res.status, 'rejected');
      const e = (res as PromiseRejectedResult).reason as VirError;
      assert.equal(e.code, ErrorNumber.SYSTEM_ERROR);
      assert.equal(e.domain, ErrorDomain.RPC);
      messages.add(e.message);
    }
    // One failure for all of them: libvirt's EOF text, or its reset text when the killed daemon
    // left our unread calls in its socket (the kernel then resets the connection).
    assert.equal(messages.size, 1);
    assert.match([...messages][0]!, /^(End of file while reading data: Input\/output error|Cannot recv data: Connection reset by peer)$/);
    assert.equal(closes.length, 1);
    assert.ok(closes[0] === 1 || closes[0] === 0, `close reason EOF or ERROR, got ${closes[0]}`);
    assert.equal(await conn.isAlive(), false);
    await rejectsWith(conn.getType(), ErrorNumber.INTERNAL_ERROR, /client socket is closed/);

    d = await startLibvirtd({ dir: d.dir });
    await drv.reconnect();
    assert.equal(await conn.isAlive(), true);
    assert.equal(await conn.getType(), 'TEST');
    await conn.defineDomainXML(DOM_XML('afterreconnect'));
    await waitUntil(() => seen.length >= 1);
    assert.deepEqual(seen, ['afterreconnect:0']);
    // the user's callback id still works for deregistration after the remap
    await conn.domainEventDeregisterAny(id1);
    await conn.close();
  });
});
