// Pure parts of the network driver, golden-tested: the dnsmasq config, hosts and addn-hosts
// files per definition (test/drivers/network/golden/NAME.xml -> NAME.conf/.hostsfile/.addnhosts),
// the nft script for a set of active networks, the bridge commands, and lease-file parsing.
// TSVIRT_REGEN=1 rewrites the goldens from the code; review the diff before committing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { parseNetworkXml } from '../../../src/conf/network.js';
import { dnsmasqAddnHosts, dnsmasqConfig, dnsmasqHostsFile, parseDnsmasqLeases } from '../../../src/drivers/network/dnsmasq.js';
import { firewallScript } from '../../../src/drivers/network/firewall.js';
import { bridgeCommands } from '../../../src/drivers/network/driver.js';

const dir = new URL('../../../../test/drivers/network/golden/', import.meta.url);
const regen = process.env['TSVIRT_REGEN'] === '1';
const names = readdirSync(dir).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();

function golden(file: string, actual: string): void {
  const url = new URL(file, dir);
  if (regen || !existsSync(url)) {
    if (!regen) assert.fail(`missing golden ${file} (run with TSVIRT_REGEN=1)`);
    writeFileSync(url, actual);
  }
  assert.equal(actual, readFileSync(url, 'utf8'), file);
}

const def = (n: string) => parseNetworkXml(readFileSync(new URL(`${n}.xml`, dir), 'utf8'));
const paths = (n: string) => ({
  pidFile: `/run/tsvirt/network/${n}.pid`,
  leaseFile: `/var/lib/tsvirt/dnsmasq/${n}.leases`,
  hostsFile: `/var/lib/tsvirt/dnsmasq/${n}.hostsfile`,
  addnHostsFile: `/var/lib/tsvirt/dnsmasq/${n}.addnhosts`,
});

for (const n of names) {
  test(`dnsmasq golden: ${n}`, () => {
    const d = def(n);
    golden(`${n}.conf`, dnsmasqConfig(d, paths(d.name)));
    golden(`${n}.hostsfile`, dnsmasqHostsFile(d));
    golden(`${n}.addnhosts`, dnsmasqAddnHosts(d));
  });
}

test('firewall golden: all networks active at once, one table, rules per mode', () => {
  const script = firewallScript(names.map(def));
  golden('firewall-all.nft', script);
  assert.equal(script.match(/^table inet tsvirt \{$/gm)?.length, 1);
  assert.doesNotMatch(script, /net:opennet/, "forward mode='open' gets no rules");
  assert.doesNotMatch(script, /virbr1.*masquerade/, 'an isolated network is not masqueraded');
  assert.match(script, /iifname "virbr1" reject/);
});

test('firewall: no active network leaves no table behind', () => {
  assert.equal(firewallScript([]), 'add table inet tsvirt\ndelete table inet tsvirt\n');
});

test('bridge commands: MAC, addresses with prefixes, delay set before STP, up last', () => {
  assert.deepEqual(bridgeCommands(def('nat')), [
    'link add virbr0 type bridge forward_delay 0 stp_state 1',
    'link set dev virbr0 address 52:54:00:0a:0b:0c',
    'addr add 192.168.122.1/24 broadcast + dev virbr0',
    'link set dev virbr0 up',
  ]);
  assert.ok(bridgeCommands(def('routed-dns')).includes('addr add 2001:db8:ac10:fe01::1/64 dev virbr2 nodad'));
});

test('dnsmasq lease file: IPv4 and IPv6 entries, "*" as absent', () => {
  const text = [
    '1796007861 52:54:00:aa:bb:cc 192.168.122.45 guest1 01:52:54:00:aa:bb:cc',
    '0 52:54:00:aa:bb:cd 192.168.122.46 * *',
    'duid 00:01:00:01:2c:00:00:00:52:54:00:0a:0b:0c',
    '1796007900 1234567 2001:db8::99 guest6 00:04:7e:7d',
    '',
  ].join('\n');
  assert.deepEqual(parseDnsmasqLeases(text), [
    { expiry: 1796007861, ip: '192.168.122.45', family: 4, mac: '52:54:00:aa:bb:cc', iaid: null, hostname: 'guest1', clientid: '01:52:54:00:aa:bb:cc' },
    { expiry: 0, ip: '192.168.122.46', family: 4, mac: '52:54:00:aa:bb:cd', iaid: null, hostname: null, clientid: null },
    { expiry: 1796007900, ip: '2001:db8::99', family: 6, mac: null, iaid: '1234567', hostname: 'guest6', clientid: '00:04:7e:7d' },
  ]);
});
