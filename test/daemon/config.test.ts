// tsvirtd.conf parsing (libvirtd.conf syntax and knobs), the --root layout, the pidfile lock
// and the log settings the daemon uses.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, configFromEntries, defaultConfig, loadConfigFile, parseConf } from '../../src/daemon/config.js';
import { daemonPaths } from '../../src/daemon/paths.js';
import { PidFileLockedError, acquirePidFile } from '../../src/util/pidfile.js';
import { Logger, LogConfigError, parseLogFilters, parseLogOutputs } from '../../src/util/log.js';
import { writeFileAtomicSync } from '../../src/util/atomic_file.js';
import { tmpRoot } from './helpers.js';

describe('config syntax', () => {
  it('reads strings, integers, multi-line lists, comments and ; separators', () => {
    const e = parseConf(`# libvirtd.conf style
unix_sock_group = "libvirt"   # trailing comment
unix_sock_ro_perms = '0777'; max_clients = 10
drivers = [
  "test",   # first
  "qemu",
]
keepalive_interval = -1
empty = []
`, 'x.conf');
    assert.deepEqual(e.map((x) => [x.key, x.value, x.line]), [
      ['unix_sock_group', 'libvirt', 2],
      ['unix_sock_ro_perms', '0777', 3],
      ['max_clients', 10, 3],
      ['drivers', ['test', 'qemu'], 4],
      ['keepalive_interval', -1, 8],
      ['empty', [], 9],
    ]);
  });

  for (const [text, line, msg] of [
    ['a = \n', 1, 'expecting a value'],
    ['a = 1\nb "x"\n', 2, 'expecting an assignment'],
    ['a = "unterminated\n', 1, 'unterminated string'],
    ['a = [ "x" "y" ]\n', 1, 'expecting a separator in list'],
    ['a = 1 2\n', 1, 'expecting a separator'],
    ['\n\n= 3\n', 3, 'expecting a name'],
    ['a = [ [ 1 ] ]\n', 1, 'lists cannot be nested'],
  ] as const) {
    it(`syntax error names file:line — ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseConf(text, '/etc/x.conf'), (e: Error) => e instanceof ConfigError && e.message === `/etc/x.conf:${line}: ${msg}`);
    });
  }
});

describe('config knobs', () => {
  it('defaults are libvirtd\'s', () => {
    const c = defaultConfig();
    assert.equal(c.unix_sock_ro_perms, '0777');
    assert.equal(c.unix_sock_rw_perms, '0700');
    assert.equal(c.listen_tcp, 0);
    assert.equal(c.tcp_port, '16509');
    assert.equal(c.tls_port, '16514');
    assert.equal(c.max_clients, 5000);
    assert.equal(c.max_anonymous_clients, 20);
    assert.equal(c.max_client_requests, 5);
    assert.equal(c.keepalive_interval, 5);
    assert.equal(c.keepalive_count, 5);
    assert.deepEqual(c.drivers, ['test', 'qemu', 'network', 'storage', 'secret']);
  });

  it('applies values over the defaults; unknown keys warn with file:line; admin_* is ignored', () => {
    const { config, warnings } = configFromEntries(parseConf('max_client_requests = 2\ntcp_port = "1234"\nadmin_max_clients = 3\nbogus = 1\ntls_allowed_dn_list = [ "C=GB,CN=*" ]\n', 'f.conf'), 'f.conf');
    assert.equal(config.max_client_requests, 2);
    assert.equal(config.tcp_port, '1234');
    assert.deepEqual(config.tls_allowed_dn_list, ['C=GB,CN=*']);
    assert.deepEqual(warnings, ["f.conf:4: unknown configuration key 'bogus' ignored"]);
  });

  for (const [text, msg] of [
    ['auth_unix_rw = "polkit"', "f.conf:1: auth_unix_rw: authentication type 'polkit' is not supported by tsvirtd (only \"none\")"],
    ['auth_tcp = "kerberos"', "f.conf:1: auth_tcp: unknown authentication type 'kerberos'"],
    ['max_clients = "many"', 'f.conf:1: max_clients: expected an integer'],
    ['unix_sock_rw_perms = "0999"', 'f.conf:1: unix_sock_rw_perms: expected an octal permission string such as "0770"'],
    ['tcp_port = "0"', 'f.conf:1: tcp_port: expected a port number'],
    ['drivers = [ 1 ]', 'f.conf:1: drivers: expected a list of strings'],
  ] as const) {
    it(`rejects ${text}`, () => {
      assert.throws(() => configFromEntries(parseConf(text, 'f.conf'), 'f.conf'), (e: Error) => e.message === msg);
    });
  }

  it('a missing default config file gives the defaults; a missing --config file is an error', () => {
    assert.deepEqual(loadConfigFile('/nonexistent/tsvirtd.conf').config, defaultConfig());
    assert.throws(() => loadConfigFile('/nonexistent/tsvirtd.conf', true), /cannot read configuration file/);
  });
});

describe('--root layout', () => {
  it('puts everything under the root', () => {
    const p = daemonPaths('/tmp/r');
    assert.equal(p.configFile, '/tmp/r/etc/tsvirt/tsvirtd.conf');
    assert.equal(p.sockRw, '/tmp/r/run/tsvirt/tsvirt-sock');
    assert.equal(p.sockRo, '/tmp/r/run/tsvirt/tsvirt-sock-ro');
    assert.equal(p.pidFile, '/tmp/r/run/tsvirt/tsvirtd.pid');
    assert.equal(p.logDir, '/tmp/r/var/log/tsvirt');
    assert.equal(p.stateDir, '/tmp/r/var/lib/tsvirt');
  });

  it('without a root, a privileged daemon uses the system paths', () => {
    const p = daemonPaths(null, { privileged: true });
    assert.equal(p.configFile, '/etc/tsvirt/tsvirtd.conf');
    assert.equal(p.sockRw, '/run/tsvirt/tsvirt-sock');
    assert.equal(p.logDir, '/var/log/tsvirt');
    assert.equal(p.stateDir, '/var/lib/tsvirt');
  });
});

describe('pidfile', () => {
  it('locks: a live holder refuses a second acquirer; release frees it', () => {
    const root = tmpRoot();
    const f = path.join(root, 'run', 'x.pid');
    const h = acquirePidFile(f);
    assert.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`);
    // Another live process (pid 1 always exists) holding it:
    fs.writeFileSync(f, '1\n');
    assert.throws(() => acquirePidFile(f, process.pid + 100000), (e: Error) => e instanceof PidFileLockedError && e.holder === 1);
    fs.writeFileSync(f, `${process.pid}\n`);
    h.release();
    assert.equal(fs.existsSync(f), false);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('takes over a garbled pidfile', () => {
    const root = tmpRoot();
    const f = path.join(root, 'x.pid');
    fs.writeFileSync(f, 'garbage');
    acquirePidFile(f).release();
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('logging', () => {
  it('parses libvirt\'s outputs and filters, rejecting bad ones', () => {
    assert.deepEqual(parseLogOutputs('3:stderr 1:file:/var/log/x.log'), [
      { priority: 3, kind: 'stderr', target: null }, { priority: 1, kind: 'file', target: '/var/log/x.log' },
    ]);
    assert.deepEqual(parseLogFilters('1:rpc +3:daemon'), [{ priority: 1, match: 'rpc' }, { priority: 3, match: 'daemon' }]);
    assert.throws(() => parseLogOutputs('5:stderr'), LogConfigError);
    assert.throws(() => parseLogOutputs('1:file:relative.log'), LogConfigError);
    assert.throws(() => parseLogFilters('rpc'), LogConfigError);
  });

  it('filters raise or lower a category\'s threshold; outputs have their own', () => {
    const root = tmpRoot();
    const a = path.join(root, 'a.log');
    const b = path.join(root, 'b.log');
    const l = new Logger();
    l.configure({ level: 3, outputs: `1:file:${a} 4:file:${b}`, filters: '1:daemon.client' });
    l.log('daemon.client7', 1, 'debug from client');
    l.log('daemon', 2, 'info from daemon (below level 3: dropped)');
    l.log('daemon', 4, 'an error');
    l.close();
    const ta = fs.readFileSync(a, 'utf8');
    const tb = fs.readFileSync(b, 'utf8');
    assert.match(ta, /: debug : daemon\.client7 : debug from client\n/);
    assert.doesNotMatch(ta, /info from daemon/);
    assert.match(ta, /: error : daemon : an error\n/);
    assert.doesNotMatch(tb, /debug from client/);
    assert.match(tb, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: \d+: error : daemon : an error\n$/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('atomic writes replace the whole file', () => {
    const root = tmpRoot();
    const f = path.join(root, 's.xml');
    writeFileAtomicSync(f, 'one');
    writeFileAtomicSync(f, 'two');
    assert.equal(fs.readFileSync(f, 'utf8'), 'two');
    assert.deepEqual(fs.readdirSync(root), ['s.xml'], 'no temp files left behind');
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('the shipped sample config', () => {
  it('documents every default: uncommenting all settings changes nothing and warns about nothing', () => {
    const sample = fs.readFileSync(new URL('../../../src/daemon/tsvirtd.conf', import.meta.url), 'utf8');
    // Example values (listen_addr, DN lists, group, file names) are illustrations, not defaults.
    const examples = new Set(['listen_addr', 'unix_sock_group', 'unix_sock_dir', 'tls_allowed_dn_list', 'key_file', 'cert_file', 'ca_file', 'crl_file', 'log_filters', 'log_outputs']);
    const lines = sample.split('\n').filter((l) => /^#[a-z_]+ = /.test(l)).map((l) => l.slice(1));
    const knobs = lines.filter((l) => !examples.has(l.split(' ')[0]!));
    const { config, warnings } = configFromEntries(parseConf(knobs.join('\n'), 'sample'), 'sample');
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, defaultConfig());
    const documented = new Set(lines.map((l) => l.split(' ')[0]));
    for (const k of Object.keys(defaultConfig())) assert.ok(documented.has(k), `${k} is documented`);
  });
});

describe('busy_poll_us (tsvirt)', () => {
  it('defaults to 50 us, takes 0 to switch polling off, refuses negative values', () => {
    assert.equal(defaultConfig().busy_poll_us, 50);
    assert.equal(configFromEntries(parseConf('busy_poll_us = 0\n', 'x.conf'), 'x.conf').config.busy_poll_us, 0);
    assert.equal(configFromEntries(parseConf('busy_poll_us = 200\n', 'x.conf'), 'x.conf').config.busy_poll_us, 200);
    assert.throws(() => configFromEntries(parseConf('busy_poll_us = -5\n', 'x.conf'), 'x.conf'), ConfigError);
  });
});
