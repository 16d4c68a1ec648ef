// TSVIRT_NETNS / QemuDriverConfig.netns: with the daemon itself in the host namespace, QEMU
// and the taps the QEMU driver makes (type='ethernet' here) live in the configured namespace.
// (The usual way, `ip netns exec NS tsvirtd`, is covered end to end in test/e2e/.)
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { openQemuDriver } from '../../../src/drivers/qemu/index.js';
import { killAllStarted, tmpRoot, track } from './helpers.js';
import { KERNEL, skip as noGuest } from './guest.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const NS = `tsvirt-qns-${process.pid}`;
const roots: string[] = [];
after(() => {
  killAllStarted();
  spawnSync('ip', ['netns', 'del', NS]);
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

test('QEMU and its ethernet tap start inside the configured namespace', { skip: noGuest || (canNetns ? false : 'needs root and ip netns'), timeout: 60_000 }, async () => {
  spawnSync('ip', ['netns', 'add', NS]);
  const root = tmpRoot('tsq-ns-');
  roots.push(root);
  const conn = await openQemuDriver({ root, netns: NS, shutdownGraceMs: 3000 });
  const dom = await conn.domainDefineXml(`<domain type='qemu'><name>nsvm</name><memory unit='MiB'>64</memory>
    <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${KERNEL}</kernel></os>
    <devices><interface type='ethernet'><mac address='52:54:00:aa:bb:01'/><target dev='tsvnstap0'/><model type='virtio'/></interface></devices></domain>`);
  await conn.domainCreateWithFlags(dom, 1 /* paused: nothing to boot */);
  const pid = Number(fs.readFileSync(`${root}/run/tsvirt/qemu/nsvm.pid`, 'utf8'));
  track(pid);
  const nsIno = fs.statSync(`/run/netns/${NS}`).ino;
  assert.equal(fs.statSync(`/proc/${pid}/ns/net`).ino, nsIno, 'QEMU runs in the namespace');
  assert.notEqual(fs.statSync('/proc/self/ns/net').ino, nsIno);
  const links = spawnSync('ip', ['netns', 'exec', NS, 'ip', '-o', 'link', 'show', 'tsvnstap0'], { encoding: 'utf8' });
  assert.equal(links.status, 0, 'tap made in the namespace');
  assert.equal(fs.existsSync('/sys/class/net/tsvnstap0'), false, 'no tap in the host namespace');
  assert.match(await conn.domainGetXmlDesc(dom, 0), /<target dev='tsvnstap0'\/>/);
  await conn.domainDestroy(dom);
  const gone = spawnSync('ip', ['netns', 'exec', NS, 'ip', '-o', 'link', 'show', 'tsvnstap0'], { encoding: 'utf8' });
  assert.notEqual(gone.status, 0, 'tap removed from the namespace at stop');
  await conn.domainUndefine(dom);
  await conn.connectClose();
});
