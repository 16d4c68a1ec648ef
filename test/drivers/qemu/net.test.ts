// Tap-backed NICs on a real guest: type='bridge' (tap made here, enslaved to the bridge) and
// type='network' (tap asked from the network driver through its hooks: allocated at start and
// at hot-plug, released at unplug and stop).
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { TapHooks } from '../../../src/drivers/qemu/net.js';
import { guestXml, openShell, setup, skip, trackGuest, uniq, waitFor } from './guest.js';

const BR = `tsqbr${process.pid % 100000}`;
const canBridge = (() => {
  if (process.getuid?.() !== 0) return false;
  try { execFileSync('ip', ['link', 'add', BR, 'type', 'bridge'], { stdio: 'ignore' }); return true; } catch { return false; }
})();
after(() => { if (canBridge) execFileSync('ip', ['link', 'del', BR], { stdio: 'ignore' }); });
const skipNet = skip || (canBridge ? false : 'needs root and Linux bridges');

const master = (tap: string) => { try { return fs.readlinkSync(`/sys/class/net/${tap}/master`).split('/').pop(); } catch { return null; } };
const exists = (tap: string) => fs.existsSync(`/sys/class/net/${tap}`);

test('type=bridge: a tap on the bridge while the guest runs, gone after destroy', { skip: skipNet }, async () => {
  const { root, conn } = await setup();
  const name = uniq('br');
  const dom = await conn.domainCreateXml(guestXml({ name, root,
    devices: `<interface type='bridge'><source bridge='${BR}'/><mac address='52:54:00:0b:0b:01'/><model type='virtio'/></interface>` }), 0);
  trackGuest(root, name);
  const tap = /<target dev='(vnet\d+)'\/>/.exec(await conn.domainGetXmlDesc(dom, 0))?.[1];
  assert.ok(tap, 'the live XML names the tap');
  assert.equal(master(tap), BR);
  assert.equal(fs.readFileSync(`/sys/class/net/${tap}/address`, 'utf8').trim(), 'fe:54:00:0b:0b:01');
  const sh = await openShell(conn, dom);
  await sh.ready();
  assert.match(await sh.run('cat /sys/class/net/eth0/address'), /52:54:00:0b:0b:01/);
  // The tap carries the guest's frames: what the guest sends is the tap's rx.
  await sh.run('ip link set eth0 up; ping -c 2 -W 1 169.254.1.1 >/dev/null 2>&1');
  const stats = await conn.domainInterfaceStats(dom, tap);
  assert.ok(stats.rx_packets > 0, 'guest frames reached the host side');
  await sh.close();
  await conn.domainDestroy(dom);
  assert.equal(exists(tap), false, 'tap removed at stop');

  await assert.rejects(conn.domainCreateXml(guestXml({ name: uniq('nobr'), root,
    devices: `<interface type='bridge'><source bridge='nosuchbr0'/></interface>` }), 0), /Cannot get interface MTU on 'nosuchbr0': No such device/);
});

test('type=network: taps come from the network driver at start and hot-plug, go back at unplug and stop', { skip: skipNet }, async () => {
  const calls: string[] = [];
  let n = 0;
  // Stands in for the network driver: its network "lan" is the test bridge.
  const hooks: TapHooks = {
    async allocateTap(network, domain, mac) {
      calls.push(`alloc ${network} ${domain} ${mac}`);
      if (network !== 'lan') throw new Error(`Network not found: no network with matching name '${network}'`);
      const tap = `tsqtap${process.pid % 10000}x${n++}`;
      execFileSync('ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
      execFileSync('ip', ['link', 'set', tap, 'master', BR, 'up']);
      return { tap, bridge: BR };
    },
    async releaseTap(tap) { calls.push(`release ${tap}`); execFileSync('ip', ['link', 'del', tap]); },
  };
  const { root, conn } = await setup({ tapHooks: hooks, unplugTimeoutMs: 10_000 });
  const name = uniq('net');
  const nic = (mac: string) => `<interface type='network'><source network='lan'/><mac address='${mac}'/><model type='virtio'/></interface>`;
  const dom = await conn.domainCreateXml(guestXml({ name, root, devices: nic('52:54:00:0c:0c:01') }), 0);
  trackGuest(root, name);
  const first = `tsqtap${process.pid % 10000}x0`;
  assert.deepEqual(calls, [`alloc lan ${name} 52:54:00:0c:0c:01`]);
  assert.match(await conn.domainGetXmlDesc(dom, 0), new RegExp(`<target dev='${first}'/>`));
  const sh = await openShell(conn, dom);
  await sh.ready();

  await conn.domainAttachDeviceFlags(dom, nic('52:54:00:0c:0c:02'), 1);
  const second = `tsqtap${process.pid % 10000}x1`;
  assert.equal(master(second), BR);
  assert.match(await sh.until('cat /sys/class/net/eth*/address', (o) => /0c:0c:02/.test(o)), /52:54:00:0c:0c:02/);
  await conn.domainDetachDeviceFlags(dom, nic('52:54:00:0c:0c:02'), 1);
  await waitFor('tap released', () => !exists(second));
  assert.equal(calls.at(-1), `release ${second}`);

  await assert.rejects(conn.domainAttachDeviceFlags(dom, `<interface type='network'><source network='wan'/></interface>`, 1), /no network with matching name 'wan'/);
  assert.doesNotMatch(await conn.domainGetXmlDesc(dom, 0), /wan/);
  await sh.close();
  await conn.domainDestroy(dom);
  assert.equal(calls.at(-1), `release ${first}`);
  assert.equal(exists(first), false);
});
