// A domain's snapshot tree (libvirt's virDomainMomentObjList for snapshots): names to nodes,
// parent/child links, the current snapshot, and the list filters of virDomainListAllSnapshots.
import type { DomainDef } from '../../conf/domain_def.js';
import { MomentTree } from './moment_tree.js';

/** What the driver needs to know of a snapshot beyond its conf-layer definition. */
export interface SnapshotNode {
  name: string;
  parent: string | null;
  children: string[];
  /** running | paused | shutoff | disk-snapshot ... (the snapshot's <state>) */
  state: string;
  /** external memory or disks (never for the test driver's own snapshots) */
  external: boolean;
  /** the domain definition to revert to, when known */
  dom: DomainDef | null;
  /** the conf-layer definition, formatted on getXMLDesc */
  def: unknown;
  creationTime: number;
}

export const SnapListFlags = {
  ROOTS: 1, DESCENDANTS: 1, METADATA: 2, LEAVES: 4, NO_LEAVES: 8, NO_METADATA: 16, INACTIVE: 32, ACTIVE: 64,
  DISK_ONLY: 128, INTERNAL: 256, EXTERNAL: 512, TOPOLOGICAL: 1024,
} as const;
export const SNAP_LIST_FLAGS_ALL = 0x7ff;

export class SnapshotList extends MomentTree<SnapshotNode> {
  add(n: SnapshotNode): void {
    this.nodes.set(n.name, n);
    if (n.parent) this.nodes.get(n.parent)?.children.push(n.name);
  }

  /** Remove one node, handing its children to its parent (libvirt's reparenting on delete). */
  removeReparent(n: SnapshotNode): void {
    const parent = n.parent ? this.nodes.get(n.parent) : undefined;
    for (const c of n.children) {
      const cn = this.nodes.get(c)!;
      cn.parent = n.parent;
      parent?.children.push(c);
    }
    this.detach(n);
    this.nodes.delete(n.name);
    if (this.current === n.name) this.current = n.parent;
  }


  private detach(n: SnapshotNode): void {
    if (!n.parent) return;
    const p = this.nodes.get(n.parent);
    if (p) p.children = p.children.filter((c) => c !== n.name);
  }

  roots(): SnapshotNode[] { return [...this.nodes.values()].filter((n) => !n.parent); }

  /**
   * virDomainMomentObjListGetNames: from null = the whole list (ROOTS: only roots), else the
   * children of `from` (DESCENDANTS: all of them); then the filter bits.
   */
  list(from: SnapshotNode | null, flags: number): SnapshotNode[] {
    let set: SnapshotNode[];
    const topo = (flags & SnapListFlags.TOPOLOGICAL) !== 0;
    if (from) {
      set = flags & SnapListFlags.DESCENDANTS ? this.descendants(from) : from.children.map((c) => this.nodes.get(c)!);
    } else if (flags & SnapListFlags.ROOTS) {
      set = this.roots();
    } else if (topo) {
      set = [];
      for (const r of this.roots()) { set.push(r); set.push(...this.descendants(r)); }
    } else {
      set = [...this.nodes.values()];
    }
    return set.filter((n) => snapMatches(n, flags));
  }
}

function snapMatches(n: SnapshotNode, flags: number): boolean {
  const F = SnapListFlags;
  // every snapshot of the test driver has metadata
  const meta = flags & (F.METADATA | F.NO_METADATA);
  if (meta === F.NO_METADATA) return false;
  const leaves = flags & (F.LEAVES | F.NO_LEAVES);
  if (leaves === F.LEAVES && n.children.length) return false;
  if (leaves === F.NO_LEAVES && !n.children.length) return false;
  const st = flags & (F.INACTIVE | F.ACTIVE | F.DISK_ONLY);
  if (st) {
    const bit = n.state === 'shutoff' ? F.INACTIVE : n.state === 'disk-snapshot' ? F.DISK_ONLY : F.ACTIVE;
    if (!(st & bit)) return false;
  }
  const loc = flags & (F.INTERNAL | F.EXTERNAL);
  if (loc === F.INTERNAL && n.external) return false;
  if (loc === F.EXTERNAL && !n.external) return false;
  return true;
}
