// <sysinfo> in domain XML: what the goldens (test/data/domain/sysinfo-*.xml) cannot show —
// refused input with libvirt 9.0's codes and wording (taken from its test driver through
// python3-libvirt), the BIOS date rule, and the domain uuid taken from or checked against
// the sysinfo system uuid.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDomainXml, parseDomainXml } from '../../src/conf/domain.js';
import { biosDateValid, sysinfoFromDmiId, sysinfoSmbios } from '../../src/conf/domain_sysinfo.js';
import { ErrorDomain, ErrorNumber, VirError } from '../../src/util/error.js';

const UUID = 'c7a5fdbd-edaf-9455-926a-d65c16db1809';
const dom = (sysinfo: string, uuid = `<uuid>${UUID}</uuid>`) =>
  `<domain type='test'><name>x</name>${uuid}<memory>1024</memory><os><type>hvm</type></os>${sysinfo}</domain>`;

test('invalid <sysinfo> is refused with libvirt\'s code, domain and message', () => {
  const cases: [string, number, number, string][] = [
    ["<sysinfo type='foo'/>", ErrorNumber.XML_ERROR, ErrorDomain.XML,
      "XML error: Invalid value for attribute 'type' in element 'sysinfo': 'foo'."],
    ['<sysinfo/>', ErrorNumber.XML_ERROR, ErrorDomain.XML, "XML error: Missing required attribute 'type' in element 'sysinfo'"],
    ["<sysinfo type='smbios'><bios><entry name='date'>2010-01-02</entry></bios></sysinfo>",
      ErrorNumber.XML_DETAIL, ErrorDomain.DOMAIN, "Invalid BIOS 'date' format"],
    ["<sysinfo type='smbios'><system><entry name='uuid'>11111111-edaf-9455-926a-d65c16db1809</entry></system></sysinfo>",
      ErrorNumber.XML_DETAIL, ErrorDomain.DOMAIN, 'UUID mismatch between <uuid> and <sysinfo>'],
    ["<sysinfo type='smbios'><system><entry name='uuid'>zzz</entry></system></sysinfo>",
      ErrorNumber.XML_DETAIL, ErrorDomain.DOMAIN, 'malformed <sysinfo> uuid element'],
    ["<sysinfo type='fwcfg'><entry>x</entry></sysinfo>",
      ErrorNumber.XML_ERROR, ErrorDomain.DOMAIN, "XML error: Firmware entry is missing 'name' attribute"],
    ["<sysinfo type='fwcfg'><entry name='opt/a'/></sysinfo>",
      ErrorNumber.XML_ERROR, ErrorDomain.DOMAIN, "XML error: Firmware entry must have either value or 'file' attribute"],
    // a blank value is no value
    ["<sysinfo type='fwcfg'><entry name='opt/a'>  </entry></sysinfo>",
      ErrorNumber.XML_ERROR, ErrorDomain.DOMAIN, "XML error: Firmware entry must have either value or 'file' attribute"],
  ];
  for (const [si, code, domain, message] of cases) {
    assert.throws(() => parseDomainXml(dom(si)), (e: VirError) => {
      assert.deepEqual({ code: e.code, domain: e.domain, message: e.message }, { code, domain, message }, si);
      return true;
    });
  }
});

test('BIOS date: mm/dd/yy or mm/dd/yyyy from 1900, numbers read as strtol reads them', () => {
  // each verdict is what libvirt 9.0's test driver said for the same string
  for (const ok of ['01/02/2010', '1/2/2010', '01/02/10', '01/02/99', '01/02/0', '12/31/2010', '01/02/1900', '+1/2/2010', ' 1/ 2/2010']) {
    assert.equal(biosDateValid(ok), true, ok);
  }
  for (const bad of ['2010-01-02', '13/40/2010', '00/02/2010', '12/32/2010', '01/02/100', '01/02/1899', '01/02/-5',
    '01/02/2010 ', '01/02/2010x', '0x1/02/2010', '1/2', '']) {
    assert.equal(biosDateValid(bad), false, bad);
  }
});

test('without <uuid> the domain takes the sysinfo system uuid, in canonical spelling', () => {
  const def = parseDomainXml(dom("<sysinfo type='smbios'><system><entry name='uuid'>A1B2C3D4E5F60718293A4B5C6D7E8F90</entry></system></sysinfo>", ''));
  assert.equal(def.uuid, 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90');
  assert.equal(sysinfoSmbios(def.sysinfo)?.system?.uuid, def.uuid);
  assert.match(formatDomainXml(def), /<entry name='uuid'>a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90<\/entry>/);
  // with several blocks and no <uuid>, the last system uuid wins and none is compared (libvirt)
  const two = parseDomainXml(dom(
    `<sysinfo type='smbios'><system><entry name='uuid'>11111111-edaf-9455-926a-d65c16db1809</entry></system></sysinfo>
     <sysinfo type='smbios'><system><entry name='uuid'>22222222-edaf-9455-926a-d65c16db1809</entry></system></sysinfo>`, ''));
  assert.equal(two.uuid, '22222222-edaf-9455-926a-d65c16db1809');
  // a uuid in another spelling of the same value is no mismatch
  const same = parseDomainXml(dom(`<sysinfo type='smbios'><system><entry name='uuid'>${UUID.toUpperCase()}</entry></system></sysinfo>`));
  assert.equal(sysinfoSmbios(same.sysinfo)?.system?.uuid, UUID);
});

test('a domain without <sysinfo> formats none; an empty one formats as <sysinfo type=.../>', () => {
  assert.doesNotMatch(formatDomainXml(parseDomainXml(dom(''))), /sysinfo/);
  const def = parseDomainXml(dom("<sysinfo type='smbios'><bios><entry name='nonsense'>x</entry></bios><baseBoard/></sysinfo><sysinfo type='fwcfg'/>"));
  const xml = formatDomainXml(def);
  assert.match(xml, /  <sysinfo type='smbios'\/>\n  <sysinfo type='fwcfg'\/>\n  <os>/);
});

test("host tables for <smbios mode='host'/> from /sys/class/dmi/id contents", () => {
  const host = sysinfoFromDmiId({
    bios_vendor: 'SeaBIOS\n', bios_version: '1.16.2-debian-1.16.2-1\n', bios_date: '04/01/2014\n',
    sys_vendor: 'QEMU\n', product_name: 'Standard PC (i440FX + PIIX, 1996)\n', product_uuid: 'c7a5fdbd-edaf-9455-926a-d65c16db1809\n',
    product_serial: undefined, // root-only, unreadable
    board_vendor: '\n', chassis_vendor: 'QEMU\n', chassis_type: '1\n',
  });
  assert.deepEqual(host, {
    type: 'smbios',
    bios: { vendor: 'SeaBIOS', version: '1.16.2-debian-1.16.2-1', date: '04/01/2014' },
    system: { manufacturer: 'QEMU', product: 'Standard PC (i440FX + PIIX, 1996)', uuid: 'c7a5fdbd-edaf-9455-926a-d65c16db1809' },
    baseBoards: [],
    chassis: { manufacturer: 'QEMU' },
  });
  // nothing readable (no DMI on this host): no host tables at all
  assert.equal(sysinfoFromDmiId({}), undefined);
});
