// tsvirsh in-process: commands run through main() with string outputs (the injected-context
// design), the --json extension, tab completion, and the interactive loop on a non-terminal.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { complete } from '../../src/cli/completion.js';
import { interactive } from '../../src/cli/interactive.js';
import { newSession, Shell } from '../../src/cli/shell.js';

function sink() { const o = { text: '', write(s: string) { o.text += s; } }; return o; }

async function tsvirsh(...argv: string[]) {
  const stdout = sink();
  const stderr = sink();
  const status = await main(argv, { stdout, stderr });
  return { stdout: stdout.text, stderr: stderr.text, status };
}

test('commands run in-process against the library; exit status of the last command', async () => {
  const r = await tsvirsh('-c', 'test:///default', 'list --all; dominfo nosuch');
  assert.equal(r.stdout, ' Id   Name   State\n----------------------\n 1    test   running\n\n\n');
  assert.equal(r.stderr, "error: failed to get domain 'nosuch'\n");
  assert.equal(r.status, 1);
  assert.equal((await tsvirsh('-c', 'test:///default', 'dominfo nosuch; list')).status, 0);
});

test('--json prints what the text shows, as data', async () => {
  const l = await tsvirsh('-c', 'test:///default', 'list', '--all', '--json');
  assert.deepEqual(JSON.parse(l.stdout), [{ id: 1, name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', state: 'running' }]);
  const p = await tsvirsh('-c', 'test:///default', 'pool-info', 'default-pool', '--json');
  const pool = JSON.parse(p.stdout);
  assert.equal(pool.state, 'running');
  assert.equal(pool.capacity, 107374182400);
  const n = await tsvirsh('-c', 'test:///default', 'net-list', '--all', '--json');
  assert.deepEqual(JSON.parse(n.stdout).map((x: { name: string; active: boolean }) => [x.name, x.active]), [['default', true]]);
});

test('a connection failure stops before any command, as virsh does', async () => {
  const r = await tsvirsh('-c', 'bogus:///x', 'echo', 'hi');
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: failed to connect to the hypervisor\nerror: /);
  assert.equal(r.status, 1);
});

test('version flags print tsvirt\'s version', async () => {
  const r = await tsvirsh('-v');
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.equal(r.status, 0);
  assert.match((await tsvirsh('--version=long')).stdout, /tsvirt/);
  assert.match((await tsvirsh('--help')).stdout, /^\ntsvirsh \[options\]\.\.\. \[<command_string>\]\n/);
});

test('tab completion: command names, then the options not given yet', () => {
  assert.deepEqual(complete('net-d'), [['net-define', 'net-destroy', 'net-dhcp-leases', 'net-dumpxml'], 'net-d']);
  assert.deepEqual(complete('list --st')[0], ['--state-running', '--state-paused', '--state-shutoff', '--state-other']);
  assert.ok(!complete('list --all --a')[0].includes('--all'));
  // every virsh command completes, as in virsh (the ones tsvirsh lacks say so when run)
  assert.deepEqual(complete('list --all; dom')[0].slice(0, 3), ['dom-fd-associate', 'domblkerror', 'domblkinfo']);
  assert.ok(complete('dominfo ')[0].includes('--domain'));
});

test('interactive mode on a pipe echoes prompt and line, keeps going after errors, quits', async () => {
  const stdout = sink();
  const stderr = sink();
  const shell = new Shell(newSession({ uri: 'test:///default', interactive: true }), stdout, stderr);
  await interactive(shell, 'tsvirsh', Readable.from(['echo a\nfoo\nconnect --readonly\necho b; quit; echo c\n']), false);
  await shell.close();
  assert.equal(stdout.text, 'Welcome to tsvirsh, the virtualization interactive terminal.\n\n' +
    "Type:  'help' for help with commands\n       'quit' to quit\n\n" +
    'tsvirsh # echo a\na\ntsvirsh # foo\ntsvirsh # connect --readonly\n\ntsvirsh > echo b; quit; echo c\nb\n\n');
  assert.equal(stderr.text, "error: unknown command: 'foo'\n");
});
