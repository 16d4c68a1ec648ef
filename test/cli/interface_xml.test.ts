// iface-bridge / iface-unbridge build the new definition themselves, as virsh does: the pure
// rewrites, checked by parsing their result with our interface conf (libvirt's test driver
// refuses the inactive XML both commands start from, so the virsh comparisons stop earlier).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { bridgeXml, looksLikeMac, unbridgeXml } from '../../src/cli/interface.js';
import { interfaceDefFormat, interfaceDefParseString } from '../../src/conf/interface.js';

const ETH = `<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
  </protocol>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>
`;

test('iface-bridge rewrite: the device moves under a new bridge with its MAC, addressing stays on top', () => {
  const r = bridgeXml(ETH, 'eth1', 'br0', true, 15);
  assert.ok('xml' in r);
  const def = interfaceDefParseString(r.xml);
  assert.equal(interfaceDefFormat(def), `<interface type='bridge' name='br0'>
  <start mode='onboot'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
  </protocol>
  <bridge stp='on' delay='15'>
    <interface type='ethernet' name='eth1'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
    </interface>
  </bridge>
</interface>
`);
  const noStp = bridgeXml(ETH, 'eth1', 'br0', false, 15);
  assert.ok('xml' in noStp);
  // without STP there is no forwarding delay either
  assert.match(noStp.xml, /<bridge stp='off'>\n/);
  assert.deepEqual(bridgeXml(r.xml, 'br0', 'br1', true, 0), { error: 'Existing device br0 is already a bridge' });
  assert.deepEqual(bridgeXml(ETH, 'eth2', 'br0', true, 0), { error: "Interface name from config eth1 doesn't match given supplied name eth2" });
  assert.deepEqual(bridgeXml('<interface', 'eth1', 'br0', true, 0), { error: 'Failed to parse configuration of eth1' });
});

test('iface-unbridge rewrite: the one attached device takes the top level back', () => {
  const br = bridgeXml(ETH, 'eth1', 'br0', true, 0);
  assert.ok('xml' in br);
  const r = unbridgeXml(br.xml, 'br0');
  assert.ok('xml' in r);
  assert.equal(r.ifName, 'eth1');
  assert.equal(interfaceDefFormat(interfaceDefParseString(r.xml)), ETH);
  assert.deepEqual(unbridgeXml(ETH, 'eth1'), { error: 'Device eth1 is not a bridge' });
  const two = "<interface type='bridge' name='b'><bridge><interface type='ethernet' name='a'/><interface type='ethernet' name='c'/></bridge></interface>";
  assert.deepEqual(unbridgeXml(two, 'b'), { error: 'Multiple interfaces attached to bridge' });
  assert.deepEqual(unbridgeXml("<interface type='bridge' name='b'><bridge/></interface>", 'b'), { error: 'No interface attached to bridge' });
  assert.deepEqual(unbridgeXml("<interface type='bridge' name='b'/>", 'b'), { error: 'No bridge node in xml document' });
});

test('MAC strings as virMacAddrParse takes them', () => {
  for (const s of ['aa:bb:cc:dd:ee:ff', 'A:b:C:d:E:f', 'aa:bb:cc:dd:ee:ff x']) assert.equal(looksLikeMac(s), true, s);
  for (const s of ['aa:bb:cc:dd:ee:fg', 'aa:bb:cc:dd:ee', 'aaa:bb:cc:dd:ee:ff', 'eth1', ' aa:bb:cc:dd:ee:ff']) assert.equal(looksLikeMac(s), false, s);
});
