// In-process tests of tsvirsh's grammar (virsh's vshCommandParse): quoting, separators,
// comments, option forms, positional filling, --help, and virsh's parse errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ParseError, parseArgv, parseLine, tokenize, type ParsedCmd } from '../../src/cli/parser.js';
import { CmdOpts } from '../../src/cli/opts.js';

const words = (line: string) => tokenize(line).map((t) => (t.kind === 'word' ? t.text : ';'));
const opts = (c: ParsedCmd) => c.opts.map((o) => [o.def.n, o.data]);
const errors = (f: () => unknown): string[] => {
  try { f(); } catch (e) { if (e instanceof ParseError) return e.messages; throw e; }
  return assert.fail('expected a parse error');
};

test('quoting and escapes follow virsh: single quotes literal, double quotes group, backslash escapes', () => {
  assert.deepEqual(words(`echo a "b c" d\\ e 'f g' h"i"j`), ['echo', 'a', 'b c', 'd e', 'f g', 'hij']);
  assert.deepEqual(words(`echo 'a\\b' "a\\"b"`), ['echo', 'a\\b', 'a"b']);
  assert.deepEqual(words("echo 'unterminated"), ['echo', 'unterminated']);
  assert.deepEqual(words('echo a\\\nb'), ['echo', 'ab']);
});

test('separators and comments', () => {
  assert.deepEqual(words('echo a;echo b\necho c'), ['echo', 'a', ';', 'echo', 'b', ';', 'echo', 'c']);
  assert.deepEqual(words('echo a #b c\necho d'), ['echo', 'a', ';', 'echo', 'd']);
  assert.deepEqual(words('echo "#b"'), ['echo', '#b']);
  assert.equal(parseLine('"#x" y; echo e').length, 1);
  assert.deepEqual(parseLine(' ; ;').length, 0);
});

test('dangling backslash and missing double quote are errors', () => {
  assert.deepEqual(errors(() => parseLine('echo abc\\')), ['dangling \\']);
  assert.deepEqual(errors(() => parseLine('echo "abc')), ['missing "']);
});

test('options: --opt value, --opt=value, bare words in declared order, --', () => {
  const [c] = parseLine('vol-create-as default-pool v1 --allocation=5M 10M --format raw');
  assert.deepEqual(opts(c!), [['pool', 'default-pool'], ['name', 'v1'], ['allocation', '5M'], ['capacity', '10M'], ['format', 'raw']]);
  const [s] = parseLine('snapshot-create-as test a b c d');
  assert.deepEqual(opts(s!), [['domain', 'test'], ['name', 'a'], ['description', 'b'], ['diskspec', 'c'], ['diskspec', 'd']]);
  const [e] = parseLine('echo -- --a -b');
  assert.deepEqual(new CmdOpts(e!).argv('string'), ['--a', '-b']);
  const [a] = parseArgv(['dominfo', '--domain', 'x y']);
  assert.equal(new CmdOpts(a!).string('domain'), 'x y');
});

test('hidden aliases map to the real option', () => {
  const [c] = parseLine('echo --str x --hi');
  assert.deepEqual(opts(c!), [['string', 'x'], ['string', 'hello']]);
  assert.deepEqual(errors(() => parseLine('echo --hi=x')), ["invalid '=' after option --hi"]);
});

test('--help anywhere turns the command into help for it', () => {
  const [c] = parseLine('dominfo --help');
  assert.equal(c!.name, 'help');
  assert.deepEqual(opts(c!), [['command', 'dominfo']]);
});

test('virsh error wording for bad input', () => {
  assert.deepEqual(errors(() => parseLine('foo')), ["unknown command: 'foo'"]);
  assert.deepEqual(errors(() => parseLine('list --bogus')), ["command 'list' doesn't support option --bogus"]);
  assert.deepEqual(errors(() => parseLine('dominfo')), ["command 'dominfo' requires <domain> option"]);
  assert.deepEqual(errors(() => parseLine('vol-create-as')), [
    "command 'vol-create-as' requires <pool> option", "command 'vol-create-as' requires <name> option",
    "command 'vol-create-as' requires <capacity> option"]);
  assert.deepEqual(errors(() => parseLine('list --all=x')), ["invalid '=' after option --all"]);
  assert.deepEqual(errors(() => parseLine('dominfo test --domain x')), ['option --domain already seen']);
  assert.deepEqual(errors(() => parseLine('dominfo --domain')), ['expected syntax: --domain <string>']);
  assert.deepEqual(errors(() => parseLine('setvcpus test --count')), ['expected syntax: --count <number>']);
  assert.deepEqual(errors(() => parseLine('dominfo a b')), ["unexpected data 'b'"]);
  // a bad command anywhere rejects the whole line before anything runs
  assert.deepEqual(errors(() => parseLine('list; foo')), ["unknown command: 'foo'"]);
  // help ignores unknown options and extra words
  assert.equal(parseLine('help --bogus list extra')[0]!.name, 'help');
});

test('typed option access uses virsh conversions and messages', () => {
  const get = (line: string) => new CmdOpts(parseLine(line)[0]!);
  assert.equal(get('setvcpus test 3').uint('count'), 3);
  assert.throws(() => get('setvcpus test abc').uint('count'), /^CliError: Numeric value 'abc' for <count> option is malformed or out of range$/);
  assert.throws(() => get('setvcpus test -1').uint('count'), /Numeric value '-1'/);
  assert.throws(() => get('setvcpus test 99999999999').int('count'), /Numeric value '99999999999'/);
  assert.equal(get('setmem test 1G').scaled('size', 1024), 1073741824n);
  assert.equal(get('setmem test 2').scaled('size', 1024), 2048n);
  assert.equal(get('setmem test 1KB').scaled('size', 1024), 1000n);
  assert.throws(() => get('setmem test 1Q').scaled('size', 1024), /Scaled numeric value '1Q' for <size> option/);
  assert.throws(() => get('dominfo ""').string('domain'), /Failed to get option 'domain': Option argument is empty/);
  assert.equal(get('domblkstat test ""').string('device', true), '');
});
