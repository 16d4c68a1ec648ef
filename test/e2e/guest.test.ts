// The whole stack at once, as a user drives it: tsvirtd with the qemu, network and storage
// drivers inside its own network namespace; a dir pool and a qcow2 volume, a NAT network with
// DHCP, and the test guest booted with the volume as a disk and a NIC on the network. Checked
// through the real virsh, the tsvirt library and tsvirsh: what the guest sees (disk size, DHCP
// address), leases, a volume in use, the QEMU monitor program, daemon restarts (SIGTERM and
// SIGKILL) that neither duplicate nor lose anything, and a clean teardown.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Connection, type Domain } from '../../src/api/index.js';
import { ErrorNumber, VirError } from '../../src/util/error.js';
import { E2E, guestXml, natNetworkXml, skipNoGuest, skipNoVirsh, waitFor } from './helpers.js';

const skip = skipNoGuest || skipNoVirsh;
const NET = '192.168.213';
const MAC = '52:54:00:e2:e0:01';

/** The namespace's view of what the network driver made: compared across daemon restarts. */
async function netState(e: E2E) {
  const bridges = (await e.ns('ip', '-o', 'link', 'show', 'type', 'bridge')).stdout.trim().split('\n').filter(Boolean);
  const taps = (await e.ns('ip', '-o', 'link', 'show', 'type', 'tun')).stdout.trim().split('\n').filter(Boolean);
  const tables = (await e.ns('nft', 'list', 'tables')).stdout.trim().split('\n').filter(Boolean);
  const ruleset = (await e.ns('nft', 'list', 'ruleset')).stdout;
  return { bridges: bridges.length, taps: taps.length, tables, ruleset, dnsmasq: e.dnsmasqPids() };
}

describe('e2e: guest on a pool volume and a NAT network through tsvirtd in a namespace', { skip, timeout: 150_000 }, () => {
  let e: E2E;
  let conn: Connection;
  let dom: Domain;
  let consoleText = '';
  let guestIp = '';
  let qemuPid = 0;

  before(async () => {
    e = new E2E();
    await e.start();
    conn = await open(e.uri);
  });
  after(async () => {
    await conn?.close().catch(() => undefined);
    await e?.destroy();
  });

  it('creates a dir pool and a 64M qcow2 volume with virsh', async () => {
    const pool = path.join(e.root, 'images');
    const r = await e.virsh(`pool-define-as e2epool dir --target ${pool}`, 'pool-build e2epool', 'pool-start e2epool',
      'vol-create-as e2epool data.qcow2 64M --format qcow2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Vol data\.qcow2 created/);
    const vol = await (await conn.lookupStoragePoolByName('e2epool')).lookupVolByName('data.qcow2');
    assert.equal((await vol.info()).capacity, 64 * 1024 * 1024);
    assert.match(await vol.getXMLDesc(), /<format type='qcow2'\/>/);
  });

  it('defines and starts a NAT network whose dnsmasq runs inside the namespace', async () => {
    fs.writeFileSync(path.join(e.root, 'net.xml'), natNetworkXml('e2enet', 'tsve2ebr0', NET));
    const r = await e.virsh(`net-define ${path.join(e.root, 'net.xml')}`, 'net-start e2enet');
    assert.equal(r.code, 0, r.stderr);
    const links = (await e.ns('ip', '-o', 'addr', 'show', 'dev', 'tsve2ebr0')).stdout;
    assert.match(links, new RegExp(`inet ${NET}\\.1/24`));
    // Nothing leaked into the host's namespace.
    assert.equal(fs.existsSync('/sys/class/net/tsve2ebr0'), false, 'bridge made in the host namespace');
    assert.equal(e.dnsmasqPids().length, 1);
  });

  it('boots the guest: it sees the volume (131072 sectors) and gets a DHCP address in the range', async () => {
    fs.writeFileSync(path.join(e.root, 'dom.xml'), guestXml({ name: 'e2evm', pool: 'e2epool', volume: 'data.qcow2', network: 'e2enet', mac: MAC }));
    // Started paused so the console (a pty: output with no reader is dropped) misses nothing.
    const r = await e.virsh(`define ${path.join(e.root, 'dom.xml')}`, 'start e2evm --paused');
    assert.equal(r.code, 0, r.stderr);
    dom = await conn.lookupDomainByName('e2evm');
    const stream = await dom.openConsole();
    void (async () => { for await (const c of stream) consoleText += (c as Buffer).toString('latin1'); })().catch(() => undefined);
    assert.equal((await e.virsh('resume e2evm')).code, 0);
    const disk = await waitFor('TSVIRT-DISK', () => /TSVIRT-DISK (vd\w+) (\d+)/.exec(consoleText), 90_000);
    assert.equal(disk[2], '131072', consoleText);
    const ip = await waitFor('TSVIRT-IP', () => /TSVIRT-IP ([\d.]+)/.exec(consoleText), 90_000);
    guestIp = ip[1]!;
    const last = Number(guestIp.split('.')[3]);
    assert.ok(guestIp.startsWith(`${NET}.`) && last >= 100 && last <= 150, `address ${guestIp} outside the DHCP range`);
    stream.abort();
    qemuPid = e.qemuPids()[0]!;
    // The live XML keeps the volume source; the command line opened the volume's file.
    const xml = await dom.getXMLDesc();
    assert.match(xml, /<disk type='volume' device='disk'>[\s\S]*?<source pool='e2epool' volume='data\.qcow2'\/>/);
    const cmdline = fs.readFileSync(`/proc/${qemuPid}/cmdline`, 'utf8');
    assert.ok(cmdline.includes(path.join(e.root, 'images/data.qcow2')), 'QEMU opened the volume file');
  });

  it('lists the lease with virsh, the library and tsvirsh', async () => {
    const leases = await waitFor('lease', async () => {
      const l = await (await conn.lookupNetworkByName('e2enet')).getDHCPLeases();
      return l.length ? l : null;
    }, 20_000);
    assert.equal(leases.length, 1);
    assert.equal(leases[0]!.ipaddr, guestIp);
    assert.equal(leases[0]!.mac, MAC);
    const v = await e.virsh('net-dhcp-leases e2enet');
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`${MAC}\\s+ipv4\\s+${guestIp.replace(/\./g, '\\.')}/24`));
    const t = await e.tsvirsh('net-dhcp-leases e2enet');
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`${MAC}\\s+ipv4\\s+${guestIp.replace(/\./g, '\\.')}/24`));
    // The guest answers on the bridge: the namespace's network really carries its traffic.
    const ping = await e.ns('busybox', 'ping', '-c', '1', '-W', '5', guestIp);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  });

  it('refuses to delete the volume of the running guest (virsh and the library)', async () => {
    const r = await e.virsh('vol-delete data.qcow2 --pool e2epool');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /error: Requested operation is not valid: volume 'data\.qcow2' is still in use\./);
    const vol = await (await conn.lookupStoragePoolByName('e2epool')).lookupVolByName('data.qcow2');
    await assert.rejects(vol.delete(), (err: unknown) => err instanceof VirError && err.code === ErrorNumber.OPERATION_INVALID);
    assert.ok(fs.existsSync(path.join(e.root, 'images/data.qcow2')));
  });

  it('answers qemu-monitor-command (QEMU program) from virsh, tsvirsh and the library', async () => {
    const v = await e.virsh('qemu-monitor-command e2evm --pretty \'{"execute":"query-status"}\'');
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /"status": "running"/);
    const wrapped = await e.virsh('qemu-monitor-command e2evm query-status');
    assert.equal(wrapped.code, 0, wrapped.stderr);
    assert.match(wrapped.stdout, /"running": ?true/);
    const hmp = await e.virsh('qemu-monitor-command e2evm --hmp info status');
    assert.equal(hmp.stdout.trim(), 'VM status: running');
    const t = await e.tsvirsh('qemu-monitor-command e2evm --hmp info status');
    assert.equal(t.stdout, hmp.stdout);
    const tv = await e.tsvirsh('qemu-monitor-command e2evm --return-value query-status');
    assert.equal(JSON.parse(tv.stdout).status, 'running', tv.stdout + tv.stderr);
    const lib = JSON.parse(await dom.qemuMonitorCommand('{"execute":"query-name"}')) as { return: { name: string } };
    assert.equal(lib.return.name, 'e2evm');
    // Not on a read-only connection.
    const ro = await e.virshRo('qemu-monitor-command e2evm --hmp info status');
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /read only access prevents virDomainQemuMonitorCommand/);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`restarts the daemon (${signal}) with the guest and network up: nothing duplicated, nothing lost`, async () => {
      const before = await netState(e);
      assert.equal(before.bridges, 1);
      assert.equal(before.taps, 1);
      assert.deepEqual(before.tables, ['table inet tsvirt']);
      assert.equal(before.dnsmasq.length, 1);
      await conn.close().catch(() => undefined);
      await e.stop(signal);
      await e.start();
      conn = await open(e.uri);
      const list = await e.virsh('list --all', 'net-list --all', 'pool-list --all');
      assert.match(list.stdout, /\d+\s+e2evm\s+running/);
      assert.match(list.stdout, /e2enet\s+active\s+no\s+yes/);
      assert.match(list.stdout, /e2epool\s+active/);
      const after = await netState(e);
      assert.deepEqual(after.dnsmasq, before.dnsmasq, 'the same single dnsmasq');
      assert.equal(after.bridges, 1);
      assert.equal(after.taps, 1);
      assert.deepEqual(after.tables, before.tables);
      assert.equal(after.ruleset, before.ruleset, 'firewall rules rebuilt identically');
      assert.deepEqual(e.qemuPids(), [qemuPid], 'the same QEMU');
      // Re-attached for real: the monitor answers and the guest still answers on the network.
      dom = await conn.lookupDomainByName('e2evm');
      assert.match(await dom.qemuMonitorCommand('info status', 1), /running/);
      const ping = await e.ns('busybox', 'ping', '-c', '1', '-W', '5', guestIp);
      assert.equal(ping.code, 0, ping.stdout + ping.stderr);
      // The volume is still known to be in use after the restart.
      const del = await e.virsh('vol-delete data.qcow2 --pool e2epool');
      assert.match(del.stderr, /is still in use/);
    });
  }

  it('destroys and undefines the guest, then the volume can go; the network is torn down cleanly', async () => {
    const r = await e.virsh('destroy e2evm', 'undefine e2evm', 'vol-delete data.qcow2 --pool e2epool', 'net-destroy e2enet', 'net-undefine e2enet');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Vol data\.qcow2 deleted/);
    assert.deepEqual(e.qemuPids(), []);
    const st = await netState(e);
    assert.equal(st.bridges, 0);
    assert.equal(st.taps, 0);
    assert.deepEqual(st.dnsmasq, []);
    assert.doesNotMatch(st.ruleset, /tsve2ebr0/);
  });
});
