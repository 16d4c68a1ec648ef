// The real virsh 9.0.0 against tsvirtd: every command's stdout, stderr and exit code must equal
// what the same virsh prints for libvirt's own in-process test driver (test:///default).
// Each virsh run is one process (one connection), so both sides start from the same fresh
// test:///default state.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';
import { VIRSH, virsh, type Result } from './virsh_run.js';

const skip = fs.existsSync(VIRSH) ? false : `${VIRSH} is not installed`;

/**
 * Snapshot creation times and the test driver's CPU time (derived from the wall clock) differ
 * between the two runs; nothing else may.
 */
const normalise = (r: Result): Result => {
  const n = (s: string) => s.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, '<time>')
    .replace(/<creationTime>\d+</g, '<creationTime>T<')
    .replace(/^(CPU time: +)[\d.]+s$/gm, '$1<cpu>s');
  return { stdout: n(r.stdout), stderr: n(r.stderr), status: r.status };
};

const DOMAIN_XML = `<domain type='test'>
  <name>interop1</name>
  <uuid>2c1e7b52-6a3e-4b8e-9d6a-0f1e2d3c4b5a</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
</domain>
`;

describe('virsh against tsvirtd vs. libvirt\'s in-process test driver', { skip }, () => {
  let d: SpawnedDaemon;
  let uri: string;
  let roUri: string;
  let xmlFile: string;
  before(async () => {
    d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' });
    uri = `test+unix:///default?socket=${d.rw}`;
    roUri = `test+unix:///default?socket=${d.ro}`;
    xmlFile = path.join(d.root, 'interop1.xml');
    fs.writeFileSync(xmlFile, DOMAIN_XML);
  });
  after(async () => { await d.stop(); });

  const cases: [string, () => string[]][] = [
    ['list --all', () => ['list --all']],
    ['list (active, names, uuids)', () => ['list; list --name; list --uuid --all; list --inactive']],
    ['dominfo / domstate / domid / domuuid', () => ['dominfo test; domstate test --reason; domid test; domuuid test; domname 1']],
    ['dumpxml', () => ['dumpxml test; dumpxml test --inactive']],
    ['define, start, suspend, resume, destroy, undefine', () => [
      `define ${xmlFile}; start interop1; list --all; suspend interop1; domstate interop1; resume interop1; dominfo interop1; destroy interop1; undefine interop1; list --all`]],
    ['lifecycle errors', () => ['start test; dominfo nosuch; destroy nosuch; suspend interop1; undefine test --snapshots-metadata']],
    ['vcpus, memory, autostart', () => ['vcpucount test; vcpuinfo test; setmem test 1048576 --config; dominfo test; autostart test; dominfo test; autostart --disable test']],
    ['networks', () => ['net-list; net-list --all; net-info default; net-dumpxml default; net-uuid default; net-destroy default; net-list --all; net-start default; net-name dd8fe884-6c02-601e-7551-cca97df1c5df']],
    ['pools and volumes', () => ['pool-list; pool-list --all; pool-info default-pool; pool-dumpxml default-pool; vol-list default-pool; vol-create-as default-pool v2.img 2M; vol-list default-pool --details; vol-info v2.img --pool default-pool; vol-delete v2.img --pool default-pool; vol-list default-pool']],
    ['snapshots', () => ['snapshot-create-as test snap1; snapshot-create-as test snap2; snapshot-list test; snapshot-list test --name; snapshot-current test --name; snapshot-revert test snap1; snapshot-delete test snap2; snapshot-delete test snap1; snapshot-list test']],
    ['host', () => ['nodeinfo; version; hostname; freecell; sysinfo; capabilities']],
    ['event timeout with nothing happening', () => ['event --all --timeout 1']],
    ['a call the test driver lacks (NO_SUPPORT)', () => [`vol-create-as default-pool a.img 1M; vol-download --pool default-pool a.img ${'/dev/null'}`]],
    ['unknown objects', () => ['net-info nonet; pool-info nopool; vol-info novol --pool default-pool; snapshot-list nosuch']],
  ];

  for (const [name, cmds] of cases) {
    it(name, () => {
      const ours = normalise(virsh(uri, cmds()));
      const theirs = normalise(virsh('test:///default', cmds()));
      assert.deepEqual(ours, theirs);
    });
  }

  it('read-only socket: reads work, writes are denied with libvirt\'s message (as virsh -r)', () => {
    const cmd = ['list --all; dominfo test; destroy test; suspend test; net-autostart default; pool-refresh default-pool; snapshot-create-as test s1'];
    const ours = normalise(virsh(roUri, cmd));
    const theirs = normalise(virsh('test:///default', cmd, ['-r']));
    assert.deepEqual(ours, theirs);
    assert.match(ours.stderr, /error: operation forbidden: read only access prevents virDomainDestroy/);
  });

  it('virsh -r on the read-write socket is read-only too', () => {
    const cmd = ['destroy test'];
    assert.deepEqual(virsh(uri, cmd, ['-r']), virsh('test:///default', cmd, ['-r']));
  });

  /** Run `virsh <eventCmd> --loop --timeout 4` while another virsh runs `actions`. */
  async function watch(eventCmd: string[], actions: string): Promise<string> {
    const ev = spawn(VIRSH, ['-c', uri, ...eventCmd, '--loop', '--timeout', '4'], { env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    ev.stdout.on('data', (b) => { out += b; });
    const exited = new Promise<number | null>((r) => ev.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 800));
    const r = virsh(uri, [actions]);
    assert.equal(r.status, 0, r.stderr);
    await exited;
    return out;
  }

  it('event --loop sees lifecycle events raised by another connection', async () => {
    assert.equal(await watch(['event', '--event', 'lifecycle'], 'suspend test; resume test'), [
      "event 'lifecycle' for domain 'test': Suspended Paused",
      "event 'lifecycle' for domain 'test': Resumed Unpaused",
      'event loop timed out', 'events received: 2', '', '',
    ].join('\n'));
  });

  it('net-event and pool-event see network and pool lifecycle events', async () => {
    assert.equal(await watch(['net-event', '--event', 'lifecycle'], 'net-destroy default; net-start default'), [
      "event 'lifecycle' for network default: Stopped",
      "event 'lifecycle' for network default: Started",
      'event loop timed out', 'events received: 2', '', '',
    ].join('\n'));
    assert.equal(await watch(['pool-event', '--event', 'lifecycle'], 'pool-destroy default-pool; pool-start default-pool'), [
      "event 'lifecycle' for storage pool default-pool: Stopped",
      "event 'lifecycle' for storage pool default-pool: Started",
      'event loop timed out', 'events received: 2', '', '',
    ].join('\n'));
  });

  it('the daemon logged nothing at its default level while serving all of this', () => {
    assert.equal(d.stderr(), '');
  });
});
