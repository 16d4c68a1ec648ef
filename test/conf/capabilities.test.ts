// Capabilities: the test driver's document, byte for byte as `virsh -c test:///default
// capabilities` prints it (test/data/capabilities, see test/data/regen.sh).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatCapabilitiesXml, testDriverCapabilities } from '../../src/conf/capabilities.js';

const golden = new URL('../../../test/data/capabilities/test-default.out.xml', import.meta.url);

test('capabilities: test driver document matches libvirt', () => {
  assert.equal(formatCapabilitiesXml(testDriverCapabilities()), readFileSync(golden, 'utf8'));
});

test('capabilities: a KVM-style host and guest with machines and toggled features', () => {
  const caps = testDriverCapabilities();
  caps.host.cpu = { arch: 'x86_64', model: 'Skylake-Client-IBRS', vendor: 'Intel', topology: { sockets: 1, dies: 1, cores: 2, threads: 1 },
    features: ['vmx'], pages: [{ size: 4 }] };
  caps.host.migration = { live: true, uriTransports: ['tcp', 'rdma'] };
  delete caps.host.cells; // no NUMA information: no <topology> at all
  caps.guests = [{ osType: 'hvm', arch: 'x86_64', wordsize: 64, emulator: '/usr/bin/qemu-system-x86_64',
    machines: [{ name: 'pc-i440fx-7.2', maxCpus: 255 }, { name: 'pc', canonical: 'pc-i440fx-7.2', maxCpus: 255 }],
    domains: [{ type: 'qemu' }, { type: 'kvm' }], features: [{ name: 'acpi', default: 'on', toggle: 'yes' }, { name: 'cpuselection' }] }];
  const out = formatCapabilitiesXml(caps);
  assert.match(out, /<cpu>\n {6}<arch>x86_64<\/arch>\n {6}<model>Skylake-Client-IBRS<\/model>\n {6}<vendor>Intel<\/vendor>\n {6}<topology sockets='1' dies='1' cores='2' threads='1'\/>\n {6}<feature name='vmx'\/>/);
  assert.match(out, /<migration_features>\n {6}<live\/>\n {6}<uri_transports>\n {8}<uri_transport>tcp<\/uri_transport>/);
  assert.match(out, /<machine canonical='pc-i440fx-7.2' maxCpus='255'>pc<\/machine>/);
  assert.match(out, /<domain type='qemu'\/>\n {6}<domain type='kvm'\/>\n {4}<\/arch>\n {4}<features>\n {6}<acpi default='on' toggle='yes'\/>/);
  assert.doesNotMatch(out, /<topology>/);
});
