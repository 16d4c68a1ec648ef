// Live tuning on a real guest (vCPU hotplug seen by the guest kernel, balloon target), the
// LIVE/CONFIG/MAXIMUM rules and errors, rename of inactive domains, qemu-monitor-command
// passthrough with its taint, and the security model.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DomainEventPayload } from '../../../src/drivers/driver.js';
import { ErrorNumber, VirError } from '../../../src/util/error.js';
import { DomainEventDefinedDetail, DomainEventID, DomainEventType, DomainEventUndefinedDetail } from '../../../src/api/constants.js';
import { guestXml, openShell, setup, skip, trackGuest, uniq } from './guest.js';

const LIVE = 1;
const CONFIG = 2;
const MAXIMUM = 4;
const ONLINE_CPUS = 'ls -d /sys/devices/system/cpu/cpu[0-9]*';

test('vCPU hot-plug and unplug on <vcpu current=1>2</vcpu>: the guest gains and loses a CPU', { skip }, async () => {
  const { root, conn } = await setup({ unplugTimeoutMs: 15_000 });
  const name = uniq('vcpu');
  const dom = await conn.domainDefineXml(guestXml({ name, root, vcpu: `<vcpu current='1'>2</vcpu>` }));
  await conn.domainCreate(dom);
  trackGuest(root, name);
  assert.match(fs.readFileSync(path.join(root, 'var/log/tsvirt/qemu', `${name}.log`), 'utf8'), /-smp 1,maxcpus=2,sockets=2,cores=1,threads=1/);
  const sh = await openShell(conn, dom);
  await sh.ready();
  assert.equal((await sh.run(ONLINE_CPUS)).trim(), '/sys/devices/system/cpu/cpu0');

  await assert.rejects(conn.domainSetVcpusFlags(dom, 3, LIVE), (e: VirError) => e.code === ErrorNumber.INVALID_ARG &&
    e.message === 'invalid argument: requested vcpus is greater than max allowable vcpus for the live domain: 3 > 2');
  await assert.rejects(conn.domainSetVcpusFlags(dom, 2, LIVE | CONFIG | MAXIMUM), (e: VirError) => e.code === ErrorNumber.OPERATION_UNSUPPORTED &&
    e.message === "Operation not supported: maximum vcpu count of a live domain can't be modified");
  await assert.rejects(conn.domainSetVcpusFlags(dom, 2, MAXIMUM), /Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'/);
  await assert.rejects(conn.domainSetVcpusFlags(dom, 0, LIVE), /nvcpus in virDomainSetVcpusFlags must not be zero/);

  await conn.domainSetVcpusFlags(dom, 2, LIVE);
  assert.equal(await conn.domainGetVcpusFlags(dom, LIVE), 2);
  assert.equal(await conn.domainGetVcpusFlags(dom, CONFIG), 1, 'the persistent definition is unchanged');
  assert.match(await conn.domainGetXmlDesc(dom, 0), /<vcpu placement='static'>2<\/vcpu>|<vcpu>2<\/vcpu>/);
  const hot = JSON.parse(await conn.domainQemuMonitorCommand(dom, '{"execute":"query-cpus-fast"}', 0)) as { return: unknown[] };
  assert.equal(hot.return.length, 2, 'QEMU runs two vCPUs');
  // The guest kernel got the ACPI CPU hotplug: cpu1 exists and can be brought online.
  await sh.until(ONLINE_CPUS, (o) => /cpu1/.test(o));
  await sh.run('echo 1 > /sys/devices/system/cpu/cpu1/online');
  assert.match(await sh.until('cat /sys/devices/system/cpu/online', (o) => /0-1/.test(o)), /0-1/);

  // Unplug: the guest offlines and ejects it.
  await conn.domainSetVcpusFlags(dom, 1, LIVE);
  assert.equal(await conn.domainGetVcpusFlags(dom, LIVE), 1);
  await sh.until(ONLINE_CPUS, (o) => !/cpu1/.test(o));

  // CONFIG: the next boot gets 2 of 3.
  await conn.domainSetVcpusFlags(dom, 3, CONFIG | MAXIMUM);
  await conn.domainSetVcpusFlags(dom, 2, CONFIG);
  assert.match(await conn.domainGetXmlDesc(dom, 2), /<vcpu placement='static' current='2'>3<\/vcpu>|<vcpu current='2'>3<\/vcpu>/);
  await assert.rejects(conn.domainSetVcpusFlags(dom, 4, CONFIG), (e: VirError) =>
    e.message === 'invalid argument: requested vcpus is greater than max allowable vcpus for the persistent domain: 4 > 3');
  await sh.close();
  await conn.domainDestroy(dom);
  assert.equal(await conn.domainGetVcpusFlags(dom, 0), 2);
});

test('memory: balloon target live, current and maximum in the config, libvirt errors', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('mem');
  const dom = await conn.domainDefineXml(guestXml({ name, root }));
  await conn.domainSetMemoryFlags(dom, 256 * 1024, CONFIG | MAXIMUM);
  await conn.domainSetMemoryFlags(dom, 160 * 1024, CONFIG);
  const xml = await conn.domainGetXmlDesc(dom, 2);
  assert.match(xml, /<memory unit='KiB'>262144<\/memory>\s*<currentMemory unit='KiB'>163840<\/currentMemory>/);
  await assert.rejects(conn.domainSetMemoryFlags(dom, 300 * 1024, CONFIG), (e: VirError) =>
    e.code === ErrorNumber.INVALID_ARG && e.message === 'invalid argument: cannot set memory higher than max memory');
  await assert.rejects(conn.domainSetMemory(dom, 128 * 1024), /domain is not running/);

  await conn.domainCreate(dom);
  trackGuest(root, name);
  await assert.rejects(conn.domainSetMaxMemory(dom, 512 * 1024), (e: VirError) => e.code === ErrorNumber.OPERATION_INVALID &&
    e.message === 'Requested operation is not valid: cannot resize the maximum memory on an active domain');
  await conn.domainSetMemory(dom, 128 * 1024);
  assert.match(await conn.domainGetXmlDesc(dom, 0), /<currentMemory unit='KiB'>131072<\/currentMemory>/);
  assert.match(await conn.domainGetXmlDesc(dom, 2), /<currentMemory unit='KiB'>163840<\/currentMemory>/, 'config untouched');
  // (The test guest has no virtio_balloon driver, so QEMU's "actual" does not follow the target.)
  await assert.rejects(conn.domainSetMemoryFlags(dom, 300 * 1024, LIVE), /cannot set memory higher than max memory/);
  await conn.domainDestroy(dom);

  const nob = uniq('noballoon');
  const d2 = await conn.domainCreateXml(guestXml({ name: nob, root, devices: `<memballoon model='none'/>` }), 0);
  trackGuest(root, nob);
  await assert.rejects(conn.domainSetMemory(d2, 128 * 1024), (e: VirError) => e.code === ErrorNumber.OPERATION_INVALID &&
    e.message === 'Requested operation is not valid: Unable to change memory of active domain without the balloon device and guest OS balloon driver');
  await conn.domainDestroy(d2);
});

test('qemu-monitor-command passthrough (QMP and HMP) taints the domain', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('mon');
  const dom = await conn.domainDefineXml(guestXml({ name, root }));
  await assert.rejects(conn.domainQemuMonitorCommand(dom, '{"execute":"query-status"}', 0), /domain is not running/);
  await conn.domainCreate(dom);
  trackGuest(root, name);
  assert.deepEqual(await conn.domainGetMessages(dom, 0), []);
  const reply = JSON.parse(await conn.domainQemuMonitorCommand(dom, '{"execute":"query-status"}', 0)) as Record<string, unknown>;
  assert.deepEqual((reply['return'] as Record<string, unknown>)['status'], 'running');
  assert.ok(typeof reply['id'] === 'string');
  // An error reply comes back as QEMU wrote it, not as a failure of the call.
  const err = JSON.parse(await conn.domainQemuMonitorCommand(dom, '{"execute":"no-such-command"}', 0)) as { error: { class: string } };
  assert.equal(err.error.class, 'CommandNotFound');
  assert.match(await conn.domainQemuMonitorCommand(dom, 'info status', 1), /VM status: running/);
  await assert.rejects(conn.domainQemuMonitorCommand(dom, 'not json', 0), /cannot parse json/);
  assert.deepEqual(await conn.domainGetMessages(dom, 0), ['tainted: custom monitor control commands issued']);
  assert.deepEqual(await conn.domainGetMessages(dom, 1), [], 'deprecation messages only');
  assert.match(fs.readFileSync(path.join(root, 'var/log/tsvirt/qemu', `${name}.log`), 'utf8'), /is tainted: custom-monitor/);
  await conn.domainDestroy(dom);
  assert.deepEqual(await conn.domainGetMessages(dom, 0), [], 'a new run starts clean');
  assert.deepEqual(await conn.nodeGetSecurityModel(), { model: 'none', doi: '0' });
});

test('rename: inactive persistent domains only; config file, autostart link and events follow', { skip }, async () => {
  const { root, conn } = await setup();
  const name = uniq('ren');
  const other = uniq('other');
  const dom = await conn.domainDefineXml(guestXml({ name, root }));
  await conn.domainDefineXml(guestXml({ name: other, root }));
  await conn.domainSetAutostart(dom, 1);
  const seen: [string, number, number][] = [];
  await conn.connectDomainEventCallbackRegisterAny(DomainEventID.LIFECYCLE, null, (_i, p: DomainEventPayload) => { seen.push([p.dom.name, p.event!, p.detail!]); });
  await assert.rejects(conn.domainRename(dom, other, 0), (e: VirError) => e.code === ErrorNumber.OPERATION_INVALID &&
    e.message === `Requested operation is not valid: domain with name '${other}' already exists`);
  await assert.rejects(conn.domainRename(dom, name, 0), /Can't rename domain to itself/);
  await assert.rejects(conn.domainRename(dom, 'x', 1), /unsupported flags \(0x1\) in function qemuDomainRename/);
  const renamed = `${name}-new`;
  assert.equal(await conn.domainRename(dom, renamed, 0), 0);
  const cfg = path.join(root, 'etc/tsvirt/qemu');
  assert.equal(fs.existsSync(path.join(cfg, `${name}.xml`)), false);
  assert.match(fs.readFileSync(path.join(cfg, `${renamed}.xml`), 'utf8'), new RegExp(`<name>${renamed}</name>`));
  assert.equal(fs.readlinkSync(path.join(cfg, 'autostart', `${renamed}.xml`)), path.join(cfg, `${renamed}.xml`));
  assert.equal(fs.existsSync(path.join(cfg, 'autostart', `${name}.xml`)), false);
  await assert.rejects(conn.domainLookupByName(name), /no domain with matching name/);
  const again = await conn.domainLookupByName(renamed);
  assert.equal(again.uuid, dom.uuid);
  assert.deepEqual(seen, [[name, DomainEventType.UNDEFINED, DomainEventUndefinedDetail.RENAMED], [renamed, DomainEventType.DEFINED, DomainEventDefinedDetail.RENAMED]]);

  await conn.domainCreate(again);
  trackGuest(root, renamed);
  await assert.rejects(conn.domainRename(again, 'y', 0), (e: VirError) => e.message === 'Requested operation is not valid: cannot rename active domain');
  await conn.domainDestroy(again);
  const t = await conn.domainCreateXml(guestXml({ name: uniq('tr'), root }), 0);
  await assert.rejects(conn.domainRename(t, 'z', 0), /cannot rename a transient domain/);
  await conn.domainDestroy(t);
});
