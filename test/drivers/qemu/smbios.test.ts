// <sysinfo> on a real guest: QEMU accepts the -smbios/-fw_cfg lines, and the guest kernel
// reads the tables back (/sys/class/dmi/id, the raw type 11 entry). QMP has no command that
// returns SMBIOS tables, so the guest is the only witness.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DomainState } from '../../../src/api/constants.js';
import { guestXml, openShell, setup, skip, trackGuest, uniq } from './guest.js';

const UUID = '3e9f0b52-7d41-4c1a-9b0e-5f6a7b8c9d0e';
const SYSINFO = `<sysinfo type='smbios'>
    <bios><entry name='vendor'>tsvirt, BIOS</entry><entry name='version'>1.2.3</entry><entry name='date'>01/02/2010</entry></bios>
    <system><entry name='manufacturer'>tsvirt</entry><entry name='product'>smbios test</entry><entry name='serial'>SN-42</entry>
      <entry name='uuid'>${UUID}</entry><entry name='family'>tests</entry></system>
    <baseBoard><entry name='product'>board, one</entry><entry name='asset'>A-1</entry></baseBoard>
    <chassis><entry name='manufacturer'>box maker</entry><entry name='serial'>CH-7</entry></chassis>
    <oemStrings><entry>first, with comma</entry><entry>second</entry></oemStrings>
  </sysinfo>
  <sysinfo type='fwcfg'><entry name='opt/org.tsvirt/greeting'>hello, guest</entry></sysinfo>`;

test("<sysinfo> with <smbios mode='sysinfo'/>: QEMU starts and the guest reads the tables", { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('smbios');
  const xml = guestXml({ name, root })
    .replace(`<name>${name}</name>`, `<name>${name}</name><uuid>${UUID}</uuid>${SYSINFO}`)
    .replace('</os>', "<smbios mode='sysinfo'/></os>");
  const dom = await conn.domainDefineXml(xml);
  await conn.domainCreate(dom);
  trackGuest(root, name);
  assert.equal((await conn.domainGetState(dom, 0)).state, DomainState.RUNNING);
  const log = fs.readFileSync(path.join(root, 'var/log/tsvirt/qemu', `${name}.log`), 'utf8');
  assert.match(log, /-smbios 'type=0,vendor=tsvirt,, BIOS,version=1\.2\.3,date=01\/02\/2010'/);
  assert.match(log, /-fw_cfg 'name=opt\/org\.tsvirt\/greeting,string=hello,, guest'/);
  // the live XML keeps the block
  assert.match(await conn.domainGetXmlDesc(dom, 0), /<entry name='product'>board, one<\/entry>/);

  const sh = await openShell(conn, dom);
  await sh.ready();
  const dmi = async (f: string) => (await sh.run(`cat /sys/class/dmi/id/${f}`)).trim();
  assert.equal(await dmi('bios_vendor'), 'tsvirt, BIOS');
  assert.equal(await dmi('bios_version'), '1.2.3');
  assert.equal(await dmi('bios_date'), '01/02/2010');
  assert.equal(await dmi('sys_vendor'), 'tsvirt');
  assert.equal(await dmi('product_name'), 'smbios test');
  assert.equal(await dmi('product_serial'), 'SN-42');
  assert.equal(await dmi('product_uuid'), UUID);
  assert.equal(await dmi('product_family'), 'tests');
  assert.equal(await dmi('board_name'), 'board, one');
  assert.equal(await dmi('board_asset_tag'), 'A-1');
  assert.equal(await dmi('chassis_vendor'), 'box maker');
  assert.equal(await dmi('chassis_serial'), 'CH-7');
  // type 11 (OEM strings): the raw entry holds its strings NUL-separated after the header
  const oem = await sh.run('tr "\\000" "\\n" < /sys/firmware/dmi/entries/11-0/raw | tail -n +2');
  assert.match(oem, /first, with comma\nsecond/);
  await sh.close();
  await conn.domainDestroy(dom);
});

test("the QEMU driver refuses a reserved fw_cfg name at define, and <smbios mode='host'/> uses the host's tables", { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('smbhost');
  const base = guestXml({ name, root });
  await assert.rejects(conn.domainDefineXml(base.replace(`<name>${name}</name>`,
    `<name>${name}</name><sysinfo type='fwcfg'><entry name='opt/ovmf/X'>1</entry></sysinfo>`)),
  { message: 'unsupported configuration: That firmware name is reserved' });
  const host = base.replace('</os>', "<smbios mode='host'/></os>");
  if (fs.existsSync('/sys/class/dmi/id/sys_vendor')) {
    // the host's manufacturer appears in the command line
    const vendor = fs.readFileSync('/sys/class/dmi/id/sys_vendor', 'utf8').trim();
    const argv = await conn.connectDomainXmlToNative('qemu-argv', host, 0);
    assert.ok(argv.includes('-smbios') && argv.includes(vendor.replace(/,/g, ',,')), argv);
  } else {
    // a host without DMI (this VM): libvirt's error, before anything starts
    await assert.rejects(conn.connectDomainXmlToNative('qemu-argv', host, 0), /Host SMBIOS information is not available/);
  }
});
