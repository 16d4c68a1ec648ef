import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { XdrReader } from '../../src/rpc/xdr.js';
import { decodePacket } from '../../src/rpc/packet.js';
import { MessageType } from '../../src/rpc/protocol.js';
import {
  DOMAIN_EVENTS, DOMAIN_EVENT_ID_LAST, decodeEventMessage, domainEventById, encodeConnectionClosed, encodeDomainEvent,
  encodeLegacyDomainEvent, encodeNetworkEvent, encodeStoragePoolEvent, eventPacket, isEventMessage,
} from '../../src/rpc/events.js';
import { PROCEDURE_NAMES, callableProcedureName } from '../../src/rpc/procnames.js';
import { TypedParamType, type DomainEventPayload } from '../../src/drivers/driver.js';
import { hex } from './captures.js';

const LVDOC1 = (id: number) => ({ name: 'lvdoc1', uuid: '11111111-2222-3333-4444-555555555555', id });

test('§7.3 captured lifecycle event: suspend of lvdoc1 (callbackID 0, event 3, detail 0)', () => {
  const wire = hex(`00000048 20008086 00000001 0000013e 00000002 00000001 00000000
    00000000 00000006 6c76646f 63310000 11111111 22223333 44445555 55555555 00000002 00000003 00000000`);
  const p = decodePacket(wire);
  assert.equal(p.header.type, MessageType.MESSAGE);
  const e = decodeEventMessage(p.header.proc, new XdrReader(p.payload));
  assert.deepEqual(e, { kind: 'domain', eventID: 0, name: 'LIFECYCLE', callbackID: 0, payload: { dom: LVDOC1(2), event: 3, detail: 0 } });
  const { proc, body } = encodeDomainEvent(0, 0, { dom: LVDOC1(2), event: 3, detail: 0 });
  assert.equal(proc, 318);
  assert.deepEqual(eventPacket(proc, body), wire);
});

test('27 domain event IDs, each mapped to the event message procedure of the same name', () => {
  assert.equal(DOMAIN_EVENT_ID_LAST, 27);
  DOMAIN_EVENTS.forEach((d, i) => {
    assert.equal(d.id, i);
    const name = PROCEDURE_NAMES[d.proc]!;
    // callback forms are DOMAIN_EVENT_CALLBACK_<NAME>, the newest ones plain DOMAIN_EVENT_<NAME>
    assert.ok(name === `DOMAIN_EVENT_CALLBACK_${d.name}` || name === `DOMAIN_EVENT_${d.name}`, `${d.name} -> ${name}`);
    assert.equal(callableProcedureName(d.proc), null, 'event numbers are not callable');
    if (d.legacyProc) assert.equal(PROCEDURE_NAMES[d.legacyProc], `DOMAIN_EVENT_${d.name}`);
  });
});

/** A plausible payload for each event, built from its field types. */
function samplePayload(id: number): DomainEventPayload {
  const d = domainEventById(id)!;
  const p: DomainEventPayload = { dom: LVDOC1(id) };
  if (d.reasonFirst) p['reason'] = 7;
  for (const [name, ty] of d.fields) {
    switch (ty.kind) {
      case 'int': p[name] = -id - 1; break;
      case 'uint': p[name] = id + 100; break;
      case 'hyper': p[name] = -(2 ** 40); break;
      case 'uhyper': p[name] = 2n ** 63n + BigInt(id); break;
      case 'string': p[name] = `${name}-${id}`; break;
      case 'optional<string>': p[name] = id % 2 ? null : `/path/${id}`; break;
      case 'struct': p[name] = { family: 0, node: '127.0.0.1', service: '5900' }; break;
      case 'array<struct>': p[name] = [{ type: 'x509dname', name: 'CN=me' }]; break;
      case 'array<typed_param>': p[name] = [{ field: 'cputune.vcpu0', type: TypedParamType.STRING, value: '0-3' }]; break;
      default: throw new Error(`no sample for ${ty.kind}`);
    }
  }
  return p;
}

test('every domain event encodes and decodes back (callback and legacy forms)', () => {
  for (const d of DOMAIN_EVENTS) {
    const payload = samplePayload(d.id);
    const { proc, body } = encodeDomainEvent(d.id, 40 + d.id, payload);
    assert.equal(proc, d.proc);
    assert.equal(isEventMessage(proc), true);
    const r = new XdrReader(body);
    const e = decodeEventMessage(proc, r);
    assert.equal(r.remaining, 0, d.name);
    assert.deepEqual(e, { kind: 'domain', eventID: d.id, name: d.name, callbackID: 40 + d.id, payload }, d.name);
    if (d.legacyProc) {
      const legacy = encodeLegacyDomainEvent(d.id, payload);
      const le = decodeEventMessage(legacy.proc, new XdrReader(legacy.body));
      // the legacy PM messages carry no reason
      const want = { ...payload };
      if (d.reasonFirst) delete want['reason'];
      assert.deepEqual(le, { kind: 'domain', eventID: d.id, name: d.name, callbackID: null, payload: want }, `${d.name} legacy`);
    }
  }
  assert.throws(() => encodeDomainEvent(27, 0, { dom: LVDOC1(1) }), RangeError);
  assert.throws(() => encodeLegacyDomainEvent(16, { dom: LVDOC1(1) }), RangeError);
});

test('PM events put reason before the domain; legacy lifecycle 107 has no callbackID', () => {
  const { proc, body } = encodeDomainEvent(11, 5, { dom: LVDOC1(-1), reason: 0 });
  assert.equal(proc, 329);
  assert.deepEqual(body.subarray(0, 8), hex('00000005 00000000'));
  assert.deepEqual(body.subarray(8, 12), hex('00000006'));
  const legacy = encodeLegacyDomainEvent(0, { dom: LVDOC1(-1), event: 1, detail: 0 });
  assert.equal(legacy.proc, 107);
  assert.deepEqual(legacy.body, hex('00000006 6c76646f 63310000 11111111 22223333 44445555 55555555 ffffffff 00000001 00000000'));
});

test('network, storage pool and connection-closed events', () => {
  const net = { name: 'default', uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df' };
  const ne = encodeNetworkEvent(0, 3, { net, event: 2, detail: 0 });
  assert.equal(ne.proc, 315);
  assert.deepEqual(ne.body, hex('00000003 00000007 64656661 756c7400 dd8fe884 6c02601e 7551cca9 7df1c5df 00000002 00000000'));
  assert.deepEqual(decodeEventMessage(315, new XdrReader(ne.body)), { kind: 'network', eventID: 0, callbackID: 3, payload: { net, event: 2, detail: 0 } });
  const pool = { name: 'default', uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df' };
  const pl = encodeStoragePoolEvent(0, 1, { pool, event: 2, detail: 0 });
  assert.equal(pl.proc, 370);
  assert.deepEqual(decodeEventMessage(370, new XdrReader(pl.body)), { kind: 'storagePool', eventID: 0, callbackID: 1, payload: { pool, event: 2, detail: 0 } });
  const pr = encodeStoragePoolEvent(1, 2, { pool });
  assert.equal(pr.proc, 373);
  assert.deepEqual(decodeEventMessage(373, new XdrReader(pr.body)), { kind: 'storagePool', eventID: 1, callbackID: 2, payload: { pool } });
  const cc = encodeConnectionClosed(2);
  assert.equal(cc.proc, 362);
  assert.deepEqual(cc.body, hex('00000002'));
  assert.deepEqual(decodeEventMessage(362, new XdrReader(cc.body)), { kind: 'connectionClosed', reason: 2 });
  assert.equal(decodeEventMessage(23, new XdrReader(Buffer.alloc(0))), null);
  assert.throws(() => encodeNetworkEvent(1, 0, { net, event: 0, detail: 0 }), RangeError);
});
