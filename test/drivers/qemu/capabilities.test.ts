// Capabilities probing against the real QEMU binaries, the on-disk cache and its invalidation,
// and the capabilities documents built from the probe.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  formatDomainCapabilities, formatQemuCapabilities, kvmUsable, qemuCapsCanonicalMachine, qemuCapsGet,
} from '../../../src/drivers/qemu/capabilities.js';
import { parseXml, childrenNamed, child, textOf } from '../../../src/conf/xml.js';
import { QEMU, tmpRoot } from './helpers.js';

const roots: string[] = [];
after(() => { for (const r of roots) fs.rmSync(r, { recursive: true, force: true }); });

/** A wrapper named like the real binary, so its ctime is ours to change. */
function wrapperBinary(dir: string): string {
  const bin = path.join(dir, 'bin', 'qemu-system-x86_64');
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  fs.writeFileSync(bin, `#!/bin/sh\nexec ${QEMU} "$@"\n`, { mode: 0o755 });
  return bin;
}

test('probe reports version, machines with aliases, cpu models, devices and accelerators', async () => {
  const root = tmpRoot(); roots.push(root);
  const caps = await qemuCapsGet(QEMU, { cacheDir: path.join(root, 'cache'), tsvirtVersion: '0.1.0' });
  assert.equal(caps.version.major, 7);
  assert.equal(caps.versionNumber, caps.version.major * 1e6 + caps.version.minor * 1e3 + caps.version.micro);
  assert.equal(caps.arch, 'x86_64');
  const pc = caps.machines.find((m) => m.alias === 'pc')!;
  assert.match(pc.name, /^pc-i440fx-\d+\.\d+$/);
  assert.ok(pc.isDefault);
  assert.equal(qemuCapsCanonicalMachine(caps, 'pc'), pc.name);
  assert.match(qemuCapsCanonicalMachine(caps, 'q35')!, /^pc-q35-/);
  assert.equal(qemuCapsCanonicalMachine(caps, undefined), pc.name);
  assert.equal(qemuCapsCanonicalMachine(caps, 'no-such-machine'), undefined);
  assert.ok(caps.cpuModels.includes('qemu64'));
  for (const t of ['virtio-blk-pci', 'virtio-net-pci', 'isa-serial', 'VGA']) assert.ok(caps.types.includes(t), t);
  assert.ok(caps.accelerators.includes('tcg'));
});

test('the probe is cached by binary path + ctime + tsvirt version', async () => {
  const root = tmpRoot(); roots.push(root);
  const bin = wrapperBinary(root);
  const cacheDir = path.join(root, 'cache');
  const first = await qemuCapsGet(bin, { cacheDir, tsvirtVersion: '0.1.0' });
  const [file] = fs.readdirSync(cacheDir);
  const cachePath = path.join(cacheDir, file!);
  // Mark the cached entry: a cache hit returns the mark, a re-probe does not.
  const marked = { ...first, cpuModels: ['marker-from-cache'] };
  fs.writeFileSync(cachePath, JSON.stringify(marked));
  const again = await qemuCapsGet(bin, { cacheDir, tsvirtVersion: '0.1.0' });
  assert.deepEqual(again.cpuModels, ['marker-from-cache']);
  // A different tsvirt version re-probes.
  const other = await qemuCapsGet(bin, { cacheDir, tsvirtVersion: '0.2.0' });
  assert.notDeepEqual(other.cpuModels, ['marker-from-cache']);
  // A changed binary (new ctime) re-probes too.
  fs.writeFileSync(cachePath, JSON.stringify({ ...other, cpuModels: ['marker-from-cache'] }));
  await new Promise((r) => setTimeout(r, 20));
  fs.chmodSync(bin, 0o700);
  const changed = await qemuCapsGet(bin, { cacheDir, tsvirtVersion: '0.2.0' });
  assert.notDeepEqual(changed.cpuModels, ['marker-from-cache']);
});

test('a binary that cannot run gives a clear probe error', async () => {
  const root = tmpRoot(); roots.push(root);
  const bin = path.join(root, 'qemu-system-x86_64');
  fs.writeFileSync(bin, '#!/bin/sh\necho "qemu: simulated breakage" >&2\nexit 1\n', { mode: 0o755 });
  await assert.rejects(qemuCapsGet(bin, { cacheDir: path.join(root, 'c'), tsvirtVersion: '0', probeTimeoutMs: 5000 }),
    /Failed to probe capabilities for .*qemu-system-x86_64: .*simulated breakage/);
  await assert.rejects(qemuCapsGet(path.join(root, 'missing'), { cacheDir: root, tsvirtVersion: '0' }), /Cannot find QEMU binary/);
});

test('host capabilities list qemu guests with canonical machines; kvm only when usable', async () => {
  const root = tmpRoot(); roots.push(root);
  const caps = await qemuCapsGet(QEMU, { cacheDir: root, tsvirtVersion: '0.1.0' });
  const i386 = await qemuCapsGet('/usr/bin/qemu-system-i386', { cacheDir: root, tsvirtVersion: '0.1.0' });
  for (const kvm of [false, true]) {
    const doc = parseXml(formatQemuCapabilities([caps, i386], { kvm }), 'caps', 0);
    const guests = childrenNamed(doc, 'guest');
    assert.deepEqual(guests.map((g) => child(g, 'arch')!.attrs['name']), ['x86_64', 'i686']);
    const arch = child(guests[0]!, 'arch')!;
    assert.equal(textOf(child(arch, 'emulator')!), QEMU);
    const pcAlias = childrenNamed(arch, 'machine').find((m) => textOf(m) === 'pc')!;
    assert.equal(pcAlias.attrs['canonical'], qemuCapsCanonicalMachine(caps, 'pc'));
    assert.deepEqual(childrenNamed(arch, 'domain').map((d) => d.attrs['type']), kvm ? ['qemu', 'kvm'] : ['qemu']);
  }
  const dc = parseXml(formatDomainCapabilities(caps, qemuCapsCanonicalMachine(caps, 'pc')!, 'qemu'), 'dc', 0);
  assert.equal(textOf(child(dc, 'domain')!), 'qemu');
  assert.equal(child(dc, 'vcpu')!.attrs['max'], '255');
});

test('KVM usability: overrides, and a PVM-only host counts as unusable', async () => {
  const root = tmpRoot(); roots.push(root);
  const caps = await qemuCapsGet(QEMU, { cacheDir: root, tsvirtVersion: '0.1.0' });
  assert.equal(kvmUsable(caps, 'off'), false);
  assert.equal(kvmUsable(caps, 'on'), true);
  const sys = path.join(root, 'sysmodule');
  fs.mkdirSync(path.join(sys, 'kvm_pvm'), { recursive: true });
  const enabled = { ...caps, kvm: { present: true, enabled: false } }; // probed under TCG
  assert.equal(kvmUsable(enabled, 'auto', sys), false);
  fs.mkdirSync(path.join(sys, 'kvm_amd'));
  assert.equal(kvmUsable(enabled, 'auto', sys), fs.existsSync('/dev/kvm'));
  assert.equal(kvmUsable({ ...caps, kvm: { present: false, enabled: false } }, 'auto', sys), false);
});
