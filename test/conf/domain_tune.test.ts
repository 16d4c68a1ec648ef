// <blkiotune>, interface <bandwidth> and disk <iotune>: what the goldens cannot show — the
// definitions libvirt 9.0 refuses (code, domain and message as `virsh define` printed them)
// and its quirks (an empty <bandwidth> kept by the drivers is written open/close).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDomainXml, parseDomainXml } from '../../src/conf/domain.js';
import { ErrorDomain as D, ErrorNumber as E, VirError } from '../../src/util/error.js';

const dom = (top: string, devs = '') => `<domain type='test'><name>x</name><memory>1024</memory>${top}<os><type>hvm</type></os><devices>${devs}</devices></domain>`;
const disk = (iotune: string) => dom('', `<disk type='file'><source file='/a'/><target dev='vda'/><iotune>${iotune}</iotune></disk>`);
const net = (bw: string, type = 'network') => dom('', `<interface type='${type}'><source ${type}='x'/><bandwidth>${bw}</bandwidth></interface>`);

const refused: [string, string, number, number, string][] = [
  ['blkio device without path', dom('<blkiotune><device><weight>3</weight></device></blkiotune>'), E.CONFIG_UNSUPPORTED, D.DOMAIN, 'unsupported configuration: missing per-device path'],
  ['blkio bad read iops', dom('<blkiotune><device><path>/a</path><read_iops_sec>x</read_iops_sec></device></blkiotune>'), E.CONFIG_UNSUPPORTED, D.DOMAIN, 'unsupported configuration: could not parse read iops sec x'],
  ['blkio weight past uint', dom('<blkiotune><device><path>/a</path><weight>4294967296</weight></device></blkiotune>'), E.CONFIG_UNSUPPORTED, D.DOMAIN, 'unsupported configuration: could not parse weight 4294967296'],
  ['blkio duplicate path', dom('<blkiotune><device><path>/a</path><weight>3</weight></device><device><path>/a</path><weight>4</weight></device></blkiotune>'), E.CONFIG_UNSUPPORTED, D.DOMAIN, "unsupported configuration: duplicate blkio device path '/a'"],
  ['iotune not an integer', disk('<total_bytes_sec>x</total_bytes_sec>'), E.XML_ERROR, D.DOMAIN, "XML error: disk iotune field 'total_bytes_sec' must be an integer"],
  ['iotune negative', disk('<size_iops_sec>-1</size_iops_sec>'), E.XML_ERROR, D.DOMAIN, "XML error: disk iotune field 'size_iops_sec' must be an integer"],
  ['iotune total and read bytes', disk('<total_bytes_sec>5</total_bytes_sec><read_bytes_sec>4</read_bytes_sec>'), E.XML_ERROR, D.DOMAIN, 'XML error: total and read/write bytes_sec cannot be set at the same time'],
  ['iotune total and write iops', disk('<total_iops_sec>5</total_iops_sec><write_iops_sec>4</write_iops_sec>'), E.XML_ERROR, D.DOMAIN, 'XML error: total and read/write iops_sec cannot be set at the same time'],
  ['iotune total and write bytes max', disk('<total_bytes_sec_max>5</total_bytes_sec_max><write_bytes_sec_max>4</write_bytes_sec_max>'), E.XML_ERROR, D.DOMAIN, 'XML error: total and read/write bytes_sec_max cannot be set at the same time'],
  ['iotune total and read iops max', disk('<total_iops_sec_max>5</total_iops_sec_max><read_iops_sec_max>4</read_iops_sec_max>'), E.XML_ERROR, D.DOMAIN, 'XML error: total and read/write iops_sec_max cannot be set at the same time'],
  ['bandwidth bad average', net("<inbound average='x'/>"), E.CONFIG_UNSUPPORTED, D.NONE, "unsupported configuration: could not convert bandwidth average value 'x'"],
  ['bandwidth bad burst', net("<inbound floor='3'/><outbound average='1' burst='x'/>"), E.CONFIG_UNSUPPORTED, D.NONE, "unsupported configuration: could not convert bandwidth burst value 'x'"],
  ['bandwidth rate without average or floor', net("<inbound peak='5'/>"), E.XML_DETAIL, D.NONE, 'Missing mandatory average or floor attributes'],
  ['bandwidth peak without average', net("<inbound floor='3' peak='4'/>"), E.CONFIG_UNSUPPORTED, D.NONE, "unsupported configuration: 'peak' and 'burst' require 'average' attribute"],
  ['bandwidth outbound floor', net("<outbound average='5' floor='3'/>"), E.CONFIG_UNSUPPORTED, D.NONE, "unsupported configuration: 'floor' attribute allowed only in <inbound> element"],
  ['bandwidth two inbound', net("<inbound average='5'/><inbound average='1'/>"), E.XML_DETAIL, D.NONE, 'Only one child <inbound> element allowed'],
  ['bandwidth floor off a network', net("<inbound average='1' floor='3'/>", 'bridge'), E.CONFIG_UNSUPPORTED, D.NONE, 'unsupported configuration: floor attribute is not supported for this config'],
];

for (const [name, xml, code, domain, message] of refused) {
  test(`refused as libvirt: ${name}`, () => {
    assert.throws(() => parseDomainXml(xml), (e: unknown) => {
      assert.ok(e instanceof VirError);
      assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
      return true;
    });
  });
}

test('an unparsable blkio weight is ignored and an all-zero <blkiotune> is not written', () => {
  const def = parseDomainXml(dom('<blkiotune><weight>x</weight><device><path>/a</path><weight>0</weight></device></blkiotune>'));
  assert.equal(def.blkiotune?.weight, 0);
  assert.equal(def.blkiotune?.devices.length, 1);
  assert.doesNotMatch(formatDomainXml(def), /blkiotune/);
});

test('an empty <bandwidth> is dropped at parse, but a kept one without rates is written open and closed', () => {
  const def = parseDomainXml(net(''));
  assert.equal(def.devices.interfaces[0]!.bandwidth, undefined);
  const zero = parseDomainXml(net("<inbound average='0' peak='9'/><outbound average='0'/>"));
  assert.match(formatDomainXml(zero), /\n {6}<bandwidth>\n {6}<\/bandwidth>\n/);
  def.devices.interfaces[0]!.bandwidth = {};
  assert.match(formatDomainXml(def), /<source network='x'\/>\n {6}<bandwidth>\n {6}<\/bandwidth>\n/);
});

test('iotune values past 2^53 survive a round trip exactly', () => {
  const def = parseDomainXml(disk('<read_bytes_sec>18446744073709551615</read_bytes_sec><write_bytes_sec>9007199254740993</write_bytes_sec>'));
  const out = formatDomainXml(def);
  assert.match(out, /<read_bytes_sec>18446744073709551615<\/read_bytes_sec>\n {8}<write_bytes_sec>9007199254740993<\/write_bytes_sec>/);
  assert.throws(() => parseDomainXml(disk('<read_bytes_sec>18446744073709551616</read_bytes_sec>')), /must be an integer/);
});
