// Snapshot calls of the test driver (libvirt's testDomainSnapshot* / testDomainRevertToSnapshot):
// a metadata-only snapshot tree per domain; revert swaps in the saved definition and walks the
// state transitions with their FROM_SNAPSHOT events.
import { cloneDomainDef, domainDefParseNode, formatDomainXml, testDriverDomainDefPostParse, type DomainDef } from '../../conf/domain.js';
import { formatSnapshotXml, parseSnapshotXml, snapshotAlignDisks, snapshotParentNotFound, type SnapshotDef } from '../../conf/snapshot.js';
import type { DomainRef, SnapshotRef } from '../driver.js';
import type { XmlElement } from '../../conf/xml.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import {
  Detail, EventType, PausedReason, RunningReason, ShutoffReason, domObj, lifecycleEvent, shutdownState, startState,
} from './domain_common.js';
import { type DomainObj, DomainState } from './domain_obj.js';
import { checkFlags, testError } from './errors.js';
import { SNAP_LIST_FLAGS_ALL, type SnapshotNode } from './snapshot_obj.js';
import type { ConnCtx } from './state.js';

const CREATE = { REDEFINE: 1, CURRENT: 2, HALT: 8, QUIESCE: 64, ATOMIC: 128, LIVE: 256, VALIDATE: 512 } as const;
const REVERT = { RUNNING: 1, PAUSED: 2, FORCE: 4 } as const;
const DELETE = { CHILDREN: 1, CHILDREN_ONLY: 4 } as const;

const STATE_NAMES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'];

function snapNode(o: DomainObj, name: string): SnapshotNode {
  const n = o.snapshots.get(name);
  if (!n) throw testError(ErrorNumber.NO_DOMAIN_SNAPSHOT, `no domain snapshot with matching name '${name}'`);
  return n;
}
const sref = (dom: DomainRef, n: SnapshotNode): SnapshotRef => ({ name: n.name, dom });

/** A snapshot document as the test driver reads it (errors from VIR_FROM_DOMAIN_SNAPSHOT). */
export function parseSnapshot(xml: string | XmlElement, redefine: boolean): SnapshotDef {
  return parseSnapshotXml(xml, { redefine, errDomain: ErrorDomain.DOMAIN_SNAPSHOT });
}

/** The <domain> inside a redefined snapshot, parsed as the test driver parses domains. */
function snapshotDomain(def: SnapshotDef): DomainDef | null {
  if (!def.domainXml) return null;
  const d = domainDefParseNode(def.domainXml, { errDomain: ErrorDomain.DOMAIN });
  testDriverDomainDefPostParse(d);
  return d;
}

function isExternal(def: SnapshotDef): boolean {
  return def.memory?.snapshot === 'external' || def.disks.some((d) => d.snapshot === 'external');
}

/** Load one snapshot definition into a domain's tree (node files and redefine). */
export function snapshotRedefine(o: DomainObj, def: SnapshotDef): SnapshotNode {
  if (def.parent !== undefined && !o.snapshots.get(def.parent)) throw snapshotParentNotFound(def.parent, def.name);
  const dom = snapshotDomain(def);
  if (dom) def.domain = dom;
  const existing = o.snapshots.get(def.name);
  if (existing) {
    existing.def = def;
    existing.state = def.state ?? existing.state;
    existing.dom = dom ?? existing.dom;
    existing.external = isExternal(def);
    return existing;
  }
  const node: SnapshotNode = {
    name: def.name, parent: def.parent ?? null, children: [], state: def.state ?? 'nostate',
    external: isExternal(def), dom, def, creationTime: def.creationTime ?? 0,
  };
  o.snapshots.add(node);
  return node;
}

function formatSnapshot(o: DomainObj, n: SnapshotNode, secure: boolean): string {
  const def = { ...(n.def as SnapshotDef), parent: n.parent ?? undefined };
  return formatSnapshotXml(def, {
    formatDomain: (d) => formatDomainXml(d as DomainDef, { inactive: true, secure }),
    current: o.snapshots.current === n.name,
  });
}

export const snapshotMethods = {
  async domainSnapshotCreateXml(this: ConnCtx, dom: DomainRef, xmlDesc: string, flags: number): Promise<SnapshotRef> {
    checkFlags(flags, CREATE.REDEFINE | CREATE.CURRENT | CREATE.HALT | CREATE.QUIESCE | CREATE.ATOMIC | CREATE.LIVE | CREATE.VALIDATE,
      'testDomainSnapshotCreateXML');
    const redefine = (flags & CREATE.REDEFINE) !== 0;
    const updateCurrent = !redefine || (flags & CREATE.CURRENT) !== 0;
    const o = domObj(this, dom);
    if (o.checkpoints.size > 0) {
      throw testError(ErrorNumber.OPERATION_UNSUPPORTED, 'cannot create snapshot while checkpoint exists');
    }
    if (!o.persistent && (flags & CREATE.HALT)) {
      throw testError(ErrorNumber.OPERATION_INVALID, 'cannot halt after transient domain snapshot');
    }
    const def = parseSnapshot(xmlDesc, redefine);
    let node: SnapshotNode;
    if (redefine) {
      node = snapshotRedefine(o, def);
    } else {
      if (o.snapshots.get(def.name)) {
        throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_FAILED, `domain moment ${def.name} already exists`);
      }
      const domDef = cloneDomainDef(o.def);
      delete domDef.id;
      def.domain = domDef;
      def.state = STATE_NAMES[o.state] ?? 'nostate';
      if (def.memory?.snapshot !== 'external') def.memory = { snapshot: def.state === 'shutoff' ? 'no' : 'internal' };
      snapshotAlignDisks(def, o.def.devices.disks.map((d) => ({ dst: d.target.dev, src: d.source?.file ?? d.source?.dev })), 'internal', true);
      node = {
        name: def.name, parent: o.snapshots.current, children: [], state: def.state, external: isExternal(def),
        dom: domDef, def, creationTime: def.creationTime ?? Math.floor(Date.now() / 1000),
      };
      o.snapshots.add(node);
      if ((flags & CREATE.HALT) && o.active) {
        shutdownState(this.drv, o, ShutoffReason.FROM_SNAPSHOT);
        lifecycleEvent(this.drv, o, EventType.STOPPED, Detail.STOPPED_FROM_SNAPSHOT);
      }
    }
    if (updateCurrent) o.snapshots.current = node.name;
    return sref(o.ref, node);
  },

  async domainSnapshotGetXmlDesc(this: ConnCtx, snap: SnapshotRef, flags: number): Promise<string> {
    checkFlags(flags, 1, 'testDomainSnapshotGetXMLDesc');
    const o = domObj(this, snap.dom);
    return formatSnapshot(o, snapNode(o, snap.name), (flags & 1) !== 0);
  },
  async domainSnapshotNum(this: ConnCtx, dom: DomainRef, flags: number): Promise<number> {
    checkFlags(flags, SNAP_LIST_FLAGS_ALL, 'testDomainSnapshotNum');
    return domObj(this, dom).snapshots.list(null, flags).length;
  },
  async domainSnapshotListNames(this: ConnCtx, dom: DomainRef, maxnames: number, flags: number): Promise<string[]> {
    checkFlags(flags, SNAP_LIST_FLAGS_ALL, 'testDomainSnapshotListNames');
    return domObj(this, dom).snapshots.list(null, flags).slice(0, Math.max(0, maxnames)).map((n) => n.name);
  },
  async domainListAllSnapshots(this: ConnCtx, dom: DomainRef, flags: number): Promise<SnapshotRef[]> {
    checkFlags(flags, SNAP_LIST_FLAGS_ALL, 'testDomainListAllSnapshots');
    const o = domObj(this, dom);
    return o.snapshots.list(null, flags).map((n) => sref(o.ref, n));
  },
  async domainSnapshotListAllChildren(this: ConnCtx, snap: SnapshotRef, flags: number): Promise<SnapshotRef[]> {
    checkFlags(flags, SNAP_LIST_FLAGS_ALL, 'testDomainSnapshotListAllChildren');
    const o = domObj(this, snap.dom);
    return o.snapshots.list(snapNode(o, snap.name), flags).map((n) => sref(o.ref, n));
  },
  async domainSnapshotNumChildren(this: ConnCtx, snap: SnapshotRef, flags: number): Promise<number> {
    checkFlags(flags, SNAP_LIST_FLAGS_ALL, 'testDomainSnapshotNumChildren');
    const o = domObj(this, snap.dom);
    return o.snapshots.list(snapNode(o, snap.name), flags).length;
  },
  async domainSnapshotListChildrenNames(this: ConnCtx, snap: SnapshotRef, maxnames: number, flags: number): Promise<string[]> {
    checkFlags(flags, SNAP_LIST_FLAGS_ALL, 'testDomainSnapshotListChildrenNames');
    const o = domObj(this, snap.dom);
    return o.snapshots.list(snapNode(o, snap.name), flags).slice(0, Math.max(0, maxnames)).map((n) => n.name);
  },
  async domainSnapshotLookupByName(this: ConnCtx, dom: DomainRef, name: string, flags: number): Promise<SnapshotRef> {
    checkFlags(flags, 0, 'testDomainSnapshotLookupByName');
    const o = domObj(this, dom);
    return sref(o.ref, snapNode(o, name));
  },
  async domainHasCurrentSnapshot(this: ConnCtx, dom: DomainRef, flags: number): Promise<number> {
    checkFlags(flags, 0, 'testDomainHasCurrentSnapshot');
    return domObj(this, dom).snapshots.current ? 1 : 0;
  },
  async domainSnapshotCurrent(this: ConnCtx, dom: DomainRef, flags: number): Promise<SnapshotRef> {
    checkFlags(flags, 0, 'testDomainSnapshotCurrent');
    const o = domObj(this, dom);
    const cur = o.snapshots.current;
    if (!cur) throw testError(ErrorNumber.NO_DOMAIN_SNAPSHOT, 'the domain does not have a current snapshot');
    return { name: cur, dom: o.ref };
  },
  async domainSnapshotGetParent(this: ConnCtx, snap: SnapshotRef, flags: number): Promise<SnapshotRef> {
    checkFlags(flags, 0, 'testDomainSnapshotGetParent');
    const o = domObj(this, snap.dom);
    const n = snapNode(o, snap.name);
    if (!n.parent) throw testError(ErrorNumber.NO_DOMAIN_SNAPSHOT, `snapshot '${n.name}' does not have a parent`);
    return { name: n.parent, dom: o.ref };
  },
  async domainSnapshotIsCurrent(this: ConnCtx, snap: SnapshotRef, flags: number): Promise<number> {
    checkFlags(flags, 0, 'testDomainSnapshotIsCurrent');
    const o = domObj(this, snap.dom);
    return o.snapshots.current === snapNode(o, snap.name).name ? 1 : 0;
  },
  async domainSnapshotHasMetadata(this: ConnCtx, snap: SnapshotRef, flags: number): Promise<number> {
    checkFlags(flags, 0, 'testDomainSnapshotHasMetadata');
    const o = domObj(this, snap.dom);
    snapNode(o, snap.name);
    return 1;
  },

  async domainSnapshotDelete(this: ConnCtx, snap: SnapshotRef, flags: number): Promise<void> {
    checkFlags(flags, DELETE.CHILDREN | DELETE.CHILDREN_ONLY, 'testDomainSnapshotDelete');
    const o = domObj(this, snap.dom);
    const n = snapNode(o, snap.name);
    const list = o.snapshots;
    if (flags & (DELETE.CHILDREN | DELETE.CHILDREN_ONLY)) {
      if (list.removeDescendants(n)) list.current = n.name;
      if (flags & DELETE.CHILDREN_ONLY) return;
    }
    list.removeReparent(n);
  },

  async domainRevertToSnapshot(this: ConnCtx, snap: SnapshotRef, flags: number): Promise<void> {
    checkFlags(flags, REVERT.RUNNING | REVERT.PAUSED | REVERT.FORCE, 'testDomainRevertToSnapshot');
    const drv = this.drv;
    const o = domObj(this, snap.dom);
    const n = snapNode(o, snap.name);
    const liveSnap = n.state === 'running' || n.state === 'paused';
    if (!o.persistent && !liveSnap && !(flags & (REVERT.RUNNING | REVERT.PAUSED))) {
      throw testError(ErrorNumber.OPERATION_INVALID, 'transient domain needs to request run or pause to revert to inactive snapshot');
    }
    if (!(flags & REVERT.FORCE) && !n.dom) {
      throw testError(ErrorNumber.SNAPSHOT_REVERT_RISKY, `snapshot '${n.name}' lacks domain '${o.def.name}' rollback info`);
    }
    o.snapshots.current = null;
    const config = cloneDomainDef(n.dom!);
    const wantPaused = !(flags & REVERT.RUNNING) && (n.state === 'paused' || (flags & REVERT.PAUSED) !== 0);
    if (liveSnap) {
      if (o.active) {
        // the running guest is reloaded in place; its persistent definition becomes the snapshot's
        const wasPaused = o.state === DomainState.PAUSED;
        if (o.persistent) o.newDef = config;
        if (wantPaused) {
          if (!wasPaused) {
            o.setState(DomainState.PAUSED, PausedReason.FROM_SNAPSHOT);
            lifecycleEvent(drv, o, EventType.SUSPENDED, Detail.SUSPENDED_FROM_SNAPSHOT);
          } else o.setState(DomainState.PAUSED, PausedReason.FROM_SNAPSHOT);
        } else {
          o.setState(DomainState.RUNNING, RunningReason.FROM_SNAPSHOT);
          if (wasPaused) lifecycleEvent(drv, o, EventType.RESUMED, Detail.RESUMED_FROM_SNAPSHOT);
        }
      } else {
        o.def = config;
        startState(drv, o, RunningReason.FROM_SNAPSHOT);
        lifecycleEvent(drv, o, EventType.STARTED, Detail.STARTED_FROM_SNAPSHOT);
        if (wantPaused) {
          o.setState(DomainState.PAUSED, PausedReason.FROM_SNAPSHOT);
          lifecycleEvent(drv, o, EventType.SUSPENDED, Detail.SUSPENDED_FROM_SNAPSHOT);
        }
      }
    } else {
      if (o.active) {
        o.newDef = config;
        shutdownState(drv, o, ShutoffReason.FROM_SNAPSHOT);
        lifecycleEvent(drv, o, EventType.STOPPED, Detail.STOPPED_FROM_SNAPSHOT);
      } else {
        o.def = config;
      }
      // libvirt 9.0 announces a start here but leaves the domain shut off
      if (flags & (REVERT.RUNNING | REVERT.PAUSED)) {
        lifecycleEvent(drv, o, EventType.STARTED, Detail.STARTED_FROM_SNAPSHOT);
        if (flags & REVERT.PAUSED) lifecycleEvent(drv, o, EventType.SUSPENDED, Detail.SUSPENDED_FROM_SNAPSHOT);
      }
    }
    o.snapshots.current = n.name;
  },
};
