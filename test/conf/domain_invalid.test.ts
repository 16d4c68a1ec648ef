// Definitions the real libvirt 9.0 rejects: same error code, domain and message
// (each case was checked against `virsh -c test:///default define`).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseDomainXml } from '../../src/conf/domain.js';
import { ErrorDomain as D, ErrorNumber as E } from '../../src/util/error.js';

const OS = '<os><type>hvm</type></os>';
const dom = (body: string, type = "type='test'") => `<domain ${type}><name>x</name><memory>1024</memory>${OS}${body}</domain>`;
const devs = (body: string) => dom(`<devices>${body}</devices>`);

const cases: [string, string, number, number, string][] = [
  ['no name', `<domain type='test'><memory>1024</memory>${OS}</domain>`, E.NO_NAME, D.DOMAIN, 'missing name information'],
  ['slash in name', `<domain type='test'><name>x/y</name><memory>1024</memory>${OS}</domain>`, E.XML_ERROR, D.DOMAIN, "XML error: name x/y cannot contain '/'"],
  ['bad uuid', dom('<uuid>zzz</uuid>'), E.INTERNAL_ERROR, D.DOMAIN, 'internal error: malformed uuid element'],
  ['bad genid', dom('<genid>zz</genid>'), E.INTERNAL_ERROR, D.DOMAIN, 'internal error: malformed genid element'],
  ['unknown domain type', dom('', "type='bogus'"), E.CONFIG_UNSUPPORTED, D.DOMAIN, 'unsupported configuration: invalid domain type bogus'],
  ['missing domain type', dom('', ''), E.INTERNAL_ERROR, D.DOMAIN, 'internal error: missing domain type attribute'],
  ['missing os', `<domain type='test'><name>x</name><memory>1024</memory></domain>`, E.XML_ERROR, D.DOMAIN, 'XML error: an os <type> must be specified'],
  ['unknown os type', `<domain type='test'><name>x</name><memory>1024</memory><os><type>bogus</type></os></domain>`, E.CONFIG_UNSUPPORTED, D.DOMAIN, "unsupported configuration: unknown OS type 'bogus'"],
  ['bad memory unit', `<domain type='test'><name>x</name><memory unit='XB'>1024</memory>${OS}</domain>`, E.INVALID_ARG, D.NONE, "invalid argument: unknown suffix 'XB'"],
  ['memory not a number', `<domain type='test'><name>x</name><memory>abc</memory>${OS}</domain>`, E.XML_ERROR, D.XML, "XML error: Invalid value 'abc' for element or attribute './memory[1]'"],
  ['no memory', `<domain type='test'><name>x</name>${OS}</domain>`, E.XML_ERROR, D.DOMAIN, 'XML error: Memory size must be specified via <memory> or in the <numa> configuration'],
  ['zero memory', `<domain type='test'><name>x</name><memory>0</memory>${OS}</domain>`, E.XML_ERROR, D.DOMAIN, 'XML error: Memory size must be specified via <memory> or in the <numa> configuration'],
  ['maxMemory without slots', dom("<maxMemory unit='KiB'>2048</maxMemory>"), E.XML_ERROR, D.DOMAIN, 'XML error: both maximum memory size and memory slot count must be specified'],
  ['maxMemory below memory', dom("<maxMemory slots='2' unit='KiB'>512</maxMemory>"), E.XML_ERROR, D.DOMAIN, 'XML error: maximum memory size must be equal or greater than the actual memory size'],
  ['vcpu current above max', dom("<vcpu current='4'>2</vcpu>"), E.CONFIG_UNSUPPORTED, D.DOMAIN, 'unsupported configuration: maximum vCPU count must not be less than current vCPU count'],
  ['vcpu not a number', dom('<vcpu>abc</vcpu>'), E.XML_ERROR, D.DOMAIN, 'XML error: maximum vcpus count must be an integer'],
  ['zero vcpus', dom('<vcpu>0</vcpu>'), E.INTERNAL_ERROR, D.DOMAIN, 'internal error: CPU IDs in <numa> exceed the <vcpu> count'],
  ['bad vcpu placement', dom("<vcpu placement='bogus'>1</vcpu>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'placement' in element 'vcpu': 'bogus'."],
  ['bad cpu mode', dom("<cpu mode='bogus'/>"), E.CONFIG_UNSUPPORTED, D.CPU, "unsupported configuration: Invalid mode attribute 'bogus'"],
  ['bad boot dev', `<domain type='test'><name>x</name><memory>1024</memory><os><type>hvm</type><boot dev='bogus'/></os></domain>`, E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'dev' in element 'boot': 'bogus'."],
  ['os boot with per-device boot', `<domain type='test'><name>x</name><memory>1024</memory><os><type>hvm</type><boot dev='hd'/></os><devices><disk><source file='/a'/><target dev='vda'/><boot order='1'/></disk></devices></domain>`, E.CONFIG_UNSUPPORTED, D.DOMAIN, 'unsupported configuration: per-device boot elements cannot be used together with os/boot elements'],
  ['unknown feature', dom('<features><bogus/></features>'), E.CONFIG_UNSUPPORTED, D.DOMAIN, "unsupported configuration: unexpected feature 'bogus'"],
  ['bad feature state', dom("<features><hap state='bogus'/></features>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'state' in element 'hap': 'bogus'."],
  ['bad clock offset', dom("<clock offset='bogus'/>"), E.CONFIG_UNSUPPORTED, D.DOMAIN, "unsupported configuration: unknown clock offset 'bogus'"],
  ['bad on_crash', dom('<on_crash>bogus</on_crash>'), E.CONFIG_UNSUPPORTED, D.DOMAIN, 'unsupported configuration: unknown on_crash action: bogus'],
  ['boot order used twice', devs("<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><boot order='2'/></disk><interface type='network'><source network='default'/><boot order='2'/></interface>"), E.CONFIG_UNSUPPORTED, D.DOMAIN, "unsupported configuration: boot order '2' used for more than one device"],
  // disks are sorted by target first (vda /b, vda /c, vdb /a, vdb /d): the first pair is named
  ['duplicate disk targets, first pair named', devs("<disk type='file' device='disk'><source file='/a'/><target dev='vdb'/></disk><disk type='file' device='disk'><source file='/b'/><target dev='vda'/></disk><disk type='file' device='disk'><source file='/c'/><target dev='vda'/></disk><disk type='file' device='disk'><source file='/d'/><target dev='vdb'/></disk>"), E.XML_ERROR, D.DOMAIN, "XML error: target 'vda' duplicated for disk sources '/b' and '/c'"],
  ['duplicate disk target', devs("<disk type='file' device='disk'><source file='/a'/><target dev='vda'/></disk><disk type='file' device='disk'><source file='/b'/><target dev='vda'/></disk>"), E.XML_ERROR, D.DOMAIN, "XML error: target 'vda' duplicated for disk sources '/a' and '/b'"],
  ['unknown disk device', devs("<disk type='file' device='x'><source file='/a'/><target dev='vda'/></disk>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'device' in element 'disk': 'x'."],
  ['unknown disk type', devs("<disk type='x' device='disk'><source file='/a'/><target dev='vda'/></disk>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'type' in element 'disk': 'x'."],
  ['bad disk cache', devs("<disk type='file' device='disk'><driver cache='bogus'/><source file='/a'/><target dev='vda'/></disk>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'cache' in element 'driver': 'bogus'."],
  ['disk without target', devs("<disk type='file' device='disk'><source file='/a'/></disk>"), E.NO_TARGET, D.DOMAIN, 'missing target information for device /a'],
  ['lun on a file', devs("<disk type='file' device='lun'><source file='/a'/><target dev='sda'/></disk>"), E.CONFIG_UNSUPPORTED, D.DOMAIN, "unsupported configuration: disk device='lun' is only valid for block type disk source"],
  ['multicast mac (group bit in a hex letter)', devs("<interface type='network'><mac address='0B:00:00:00:00:01'/><source network='default'/></interface>"), E.XML_ERROR, D.DOMAIN, "XML error: expected unicast mac address, found multicast '0B:00:00:00:00:01'"],
  ['multicast mac', devs("<interface type='network'><mac address='01:00:00:00:00:01'/><source network='default'/></interface>"), E.XML_ERROR, D.DOMAIN, "XML error: expected unicast mac address, found multicast '01:00:00:00:00:01'"],
  ['malformed mac', devs("<interface type='network'><mac address='zz'/><source network='default'/></interface>"), E.XML_ERROR, D.DOMAIN, "XML error: unable to parse mac address 'zz'"],
  ['unknown interface type', devs("<interface type='bogus'/>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'type' in element 'interface': 'bogus'."],
  ['network interface without source', devs("<interface type='network'/>"), E.XML_ERROR, D.DOMAIN, "XML error: interface type='network' requires a 'source' element"],
  ['unknown graphics type', devs("<graphics type='bogus'/>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'type' in element 'graphics': 'bogus'."],
  ['unknown controller type', devs("<controller type='bogus'/>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'type' in element 'controller': 'bogus'."],
  ['unknown input type', devs("<input type='bogus'/>"), E.CONFIG_UNSUPPORTED, D.DOMAIN, "unsupported configuration: unknown input device type 'bogus'"],
  ['unknown video model', devs("<video><model type='bogus'/></video>"), E.CONFIG_UNSUPPORTED, D.DOMAIN, "unsupported configuration: unknown video model 'bogus'"],
  ['unknown chardev type', devs("<serial type='bogus'/>"), E.CONFIG_UNSUPPORTED, D.DOMAIN, 'unsupported configuration: unknown type presented to host for character device: bogus'],
  ['unknown sound model', devs("<sound model='bogus'/>"), E.XML_ERROR, D.XML, "XML error: Invalid value for attribute 'model' in element 'sound': 'bogus'."],
  ['two watchdogs', devs("<watchdog model='ib700'/><watchdog model='ib700'/>"), E.INTERNAL_ERROR, D.DOMAIN, 'internal error: only a single watchdog device is supported'],
  // malformed documents: libxml2's message, then libvirt's context line and caret
  ['truncated document', `<domain type='test'><name>x</name><memory>1024</memory>${OS}\n`, E.XML_DETAIL, D.DOMAIN, '(domain_definition):2: Premature end of data in tag domain line 1\n(null)\n^'],
  ['mismatched end tag', "<domain type='test'>\n<name>x</name>\n<memory>1024</memory>\n</domian>", E.XML_DETAIL, D.DOMAIN, '(domain_definition):4: Opening and ending tag mismatch: domain line 1 and domian\n</domian>\n---------^'],
  ['empty document', '\n', E.XML_DETAIL, D.DOMAIN, "(domain_definition):2: Start tag expected, '<' not found\n(null)\n^"],
];

for (const [name, xml, code, domain, message] of cases) {
  test(`rejects ${name}`, () => {
    assert.throws(() => parseDomainXml(xml), (e: unknown) => {
      const err = e as { code: number; domain: number; message: string };
      assert.equal(err.message, message);
      assert.equal(err.code, code);
      assert.equal(err.domain, domain);
      return true;
    });
  });
}

test('malformed XML takes the caller error domain', () => {
  assert.throws(() => parseDomainXml('<domain', { errDomain: D.QEMU }), { code: E.XML_DETAIL, domain: D.QEMU });
});

test('currentMemory above memory is clamped, not rejected', () => {
  const def = parseDomainXml(dom('<currentMemory>2048</currentMemory>'));
  assert.equal(def.memory, 1024);
  assert.equal(def.currentMemory, 1024);
});

test('a unicast MAC whose first octet ends in a hex letter is accepted', () => {
  const def = parseDomainXml(devs("<interface type='network'><mac address='0A:00:00:00:00:01'/><source network='default'/></interface>"));
  assert.equal(def.devices.interfaces[0]!.mac, '0a:00:00:00:00:01');
});
