// The <node> document a test:///PATH.xml URI names (and test:///default's built-in one):
// node info, domains with their test-namespace extras and snapshots, networks, interfaces,
// pools with volumes; any object may live in its own file (<domain file='dom.xml'/>), found
// relative to the node file. libvirt counterpart: testOpenParse and friends in test_driver.c.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { domainDefParseNode, testDriverDomainDefPostParse } from '../../conf/domain.js';
import { interfaceDefParseNode } from '../../conf/interface.js';
import { networkDefParseNode } from '../../conf/network.js';
import { nodeDeviceDefParseNode } from '../../conf/node_device.js';
import { assignDevice } from './nodedevs.js';
import { storagePoolDefParseNode } from '../../conf/storage_pool.js';
import { storageVolDefParseNode } from '../../conf/storage_vol.js';
import { child, childrenNamed, parseXml, textOf, type XmlElement } from '../../conf/xml.js';
import { ErrorDomain, ErrorNumber } from '../../util/error.js';
import { startState, shutdownState } from './domain_common.js';
import { DomainState, type DomainObj, type TestDomainExtras } from './domain_obj.js';
import { testError } from './errors.js';
import { parseSnapshot, snapshotRedefine } from './snapshots.js';
import type { TestDriver } from './state.js';
import { poolSetDefaults, volAssignPath } from './storage.js';

const TEST_NS = 'http://libvirt.org/schemas/domain/test/1.0';

/** Read and parse one XML file, with libvirt's wording when it cannot. */
function parseFile(path: string): XmlElement {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch {
    throw testError(ErrorNumber.XML_ERROR, `failed to parse xml document '${path}'`);
  }
  return parseXml(text, path, ErrorDomain.TEST);
}

/** testParseXMLDocFromFile: the element itself, or the root of the file it names. */
function resolve(el: XmlElement, base: string | null, type: string): XmlElement {
  const file = el.attrs['file'];
  if (file === undefined) return el;
  const abs = isAbsolute(file) || base === null ? file : `${dirname(base)}/${file}`;
  const root = parseFile(abs);
  if (root.name !== type) throw testError(ErrorNumber.XML_ERROR, `expecting root element of '${type}', not '${root.name}'`);
  return root;
}

/** virXPathLong on a child's text: undefined when absent, throws `what` when not a number. */
function longOf(el: XmlElement | undefined, what: string): number | undefined {
  if (!el) return undefined;
  const t = textOf(el)!;
  if (t === '') return undefined;
  if (!/^\s*[+-]?\d+$/.test(t)) throw testError(ErrorNumber.XML_ERROR, `invalid node ${what} value`);
  return Number(t);
}

/** testParseNodeInfo */
function parseNodeInfo(drv: TestDriver, root: XmlElement): void {
  const n = drv.nodeInfo;
  const cpu = child(root, 'cpu');
  if (cpu) {
    n.nodes = longOf(child(cpu, 'nodes'), 'cpu nodes') ?? n.nodes;
    n.sockets = longOf(child(cpu, 'sockets'), 'cpu sockets') ?? n.sockets;
    n.cores = longOf(child(cpu, 'cores'), 'cpu cores') ?? n.cores;
    n.threads = longOf(child(cpu, 'threads'), 'cpu threads') ?? n.threads;
  }
  n.cpus = n.cores * n.threads * n.sockets * n.nodes;
  if (cpu) {
    const active = longOf(child(cpu, 'active'), 'cpu active');
    if (active !== undefined && active < n.cpus) n.cpus = active;
    n.mhz = longOf(child(cpu, 'mhz'), 'cpu mhz') ?? n.mhz;
    const model = child(cpu, 'model');
    if (model) {
      const m = textOf(model)!;
      if (m.length > 31) throw testError(ErrorNumber.INTERNAL_ERROR, `Model ${m} too big for destination`);
      n.model = m;
    }
  }
  n.memory = longOf(child(root, 'memory'), 'memory') ?? n.memory;
}

/** The prefix a domain element binds to the test namespace (normally "test"). */
function testPrefix(el: XmlElement, root: XmlElement): string {
  for (const scope of [el, root]) {
    for (const [k, v] of Object.entries(scope.attrs)) if (k.startsWith('xmlns:') && v === TEST_NS) return k.slice(6);
  }
  return 'test';
}

/** testDomainDefNamespaceParse */
function parseExtras(el: XmlElement, prefix: string): TestDomainExtras {
  const xerr = (m: string) => testError(ErrorNumber.XML_ERROR, m);
  const transient = !!child(el, `${prefix}:transient`);
  const hasManagedSave = !!child(el, `${prefix}:hasmanagedsave`);
  let runstate = DomainState.RUNNING as number;
  const rs = child(el, `${prefix}:runstate`);
  const t = rs ? textOf(rs)!.trim() : '';
  if (t !== '') {
    if (!/^\d+$/.test(t)) throw xerr('invalid runstate');
    runstate = Number(t);
    if (runstate >= 8) throw xerr(`runstate '${runstate}' out of range'`);
  }
  if (transient && runstate === DomainState.SHUTOFF) throw xerr("transient domain cannot have runstate 'shutoff'");
  if (hasManagedSave && runstate !== DomainState.SHUTOFF) {
    throw xerr("domain with managedsave data can only have runstate 'shutoff'");
  }
  return { runstate, transient, hasManagedSave };
}

function parseDomainSnapshots(o: DomainObj, el: XmlElement, prefix: string, base: string | null): void {
  let current: string | null = null;
  for (const s of childrenNamed(el, `${prefix}:domainsnapshot`)) {
    const snapEl = resolve(s, base, 'domainsnapshot');
    const def = parseSnapshot({ ...snapEl, name: 'domainsnapshot' }, true);
    snapshotRedefine(o, def);
    const active = child(snapEl, 'active');
    if (active && textOf(active)!.trim() === '1') {
      if (current) throw testError(ErrorNumber.INTERNAL_ERROR, 'more than one snapshot claims to be active');
      current = def.name;
    }
  }
  if (current) o.snapshots.current = current;
}

function parseDomains(drv: TestDriver, root: XmlElement, base: string | null): void {
  for (const d of childrenNamed(root, 'domain')) {
    const el = resolve(d, base, 'domain');
    const def = domainDefParseNode(el, { errDomain: ErrorDomain.DOMAIN });
    const prefix = testPrefix(el, root);
    const extras = parseExtras(el, prefix);
    testDriverDomainDefPostParse(def);
    const { obj } = drv.domains.add(def);
    parseDomainSnapshots(obj, el, prefix, base);
    obj.persistent = !extras.transient;
    obj.hasManagedSave = extras.hasManagedSave;
    if (extras.runstate !== DomainState.SHUTOFF) startState(drv, obj, 1);
    else shutdownState(drv, obj, 0);
    obj.setState(extras.runstate, 0);
    obj.loadedTaint = true;
  }
}

function parseNetworks(drv: TestDriver, root: XmlElement, base: string | null): void {
  for (const n of childrenNamed(root, 'network')) {
    const def = networkDefParseNode(resolve(n, base, 'network'));
    drv.networks.assign(def).active = true;
  }
}

function parseInterfaces(drv: TestDriver, root: XmlElement, base: string | null): void {
  for (const i of childrenNamed(root, 'interface')) {
    drv.ifaces.push({ def: interfaceDefParseNode(resolve(i, base, 'interface')), active: true });
  }
}

function parseStorage(drv: TestDriver, root: XmlElement, base: string | null): void {
  for (const p of childrenNamed(root, 'pool')) {
    const el = resolve(p, base, 'pool');
    const obj = drv.pools.add(storagePoolDefParseNode(el));
    poolSetDefaults(obj);
    obj.persistent = true;
    obj.active = true;
    for (const v of childrenNamed(el, 'volume')) {
      const vdef = storageVolDefParseNode(resolve(v, base, 'volume'), obj.def);
      volAssignPath(obj, vdef, true);
      obj.addVolume(vdef);
    }
  }
}

/** testOpenParse: fill a fresh driver from a <node> document. `base` is the file's path. */
/** testParseNodedevs: each <device> (or the file it names), an existing device kept as parsed */
function parseNodeDevices(drv: TestDriver, root: XmlElement, base: string | null): void {
  for (const d of childrenNamed(root, 'device')) assignDevice(drv, nodeDeviceDefParseNode(resolve(d, base, 'device'), 'existing'));
}

export function loadNodeDocument(drv: TestDriver, root: XmlElement, base: string | null): void {
  if (root.name !== 'node') throw testError(ErrorNumber.XML_ERROR, `expecting root element of 'node', not '${root.name}'`);
  parseNodeInfo(drv, root);
  parseDomains(drv, root, base);
  parseNetworks(drv, root, base);
  parseInterfaces(drv, root, base);
  parseStorage(drv, root, base);
  parseNodeDevices(drv, root, base);
}

/** testOpenFromFile */
export function loadNodeFile(drv: TestDriver, path: string): void {
  loadNodeDocument(drv, parseFile(path), path);
}
