// A domain's checkpoint tree (libvirt's virDomainMomentObjList for checkpoints): names to
// nodes, parent/child links, the current checkpoint, and the list filters of
// virDomainListAllCheckpoints. As in libvirt, a new child goes in front of its siblings, which is
// the order topological and child listings show.
import type { CheckpointDef } from '../../conf/checkpoint.js';
import { MomentTree } from './moment_tree.js';

export interface CheckpointNode {
  name: string;
  parent: string | null;
  /** newest first (virDomainMomentSetParent prepends) */
  children: string[];
  def: CheckpointDef;
}

export const CkptListFlags = { ROOTS: 1, DESCENDANTS: 1, TOPOLOGICAL: 2, LEAVES: 4, NO_LEAVES: 8 } as const;
export const CKPT_LIST_FILTERS_ALL = CkptListFlags.LEAVES | CkptListFlags.NO_LEAVES;

export class CheckpointList extends MomentTree<CheckpointNode> {
  /** the children of libvirt's metaroot: the roots, newest first */
  private rootNames: string[] = [];

  /** Add a node (or take over an existing one's children) and link it under its parent. */
  add(n: CheckpointNode): void {
    this.nodes.set(n.name, n);
    this.link(n);
  }

  /** virDomainMomentLinkParent: hang n under the parent its definition names, when it exists. */
  link(n: CheckpointNode): void {
    const p = n.parent !== null ? this.nodes.get(n.parent) : undefined;
    if (!p) n.parent = null;
    this.setKids(p ?? null, [n.name, ...this.kids(p ?? null)]);
  }

  /** virDomainMomentDropParent */
  unlink(n: CheckpointNode): void {
    const p = n.parent !== null ? this.nodes.get(n.parent) ?? null : null;
    this.setKids(p, this.kids(p).filter((c) => c !== n.name));
    n.parent = null;
  }

  /** Remove one node; its children move to its parent, in front of the parent's own. */
  removeReparent(n: CheckpointNode): void {
    const parent = n.parent;
    const p = parent !== null ? this.nodes.get(parent) ?? null : null;
    for (const c of n.children) this.nodes.get(c)!.parent = parent;
    this.setKids(p, [...n.children, ...this.kids(p).filter((c) => c !== n.name)]);
    n.children = [];
    this.nodes.delete(n.name);
    if (this.current === n.name) this.current = parent;
  }

  private kids(p: CheckpointNode | null): string[] { return p ? p.children : this.rootNames; }
  private setKids(p: CheckpointNode | null, names: string[]): void {
    if (p) p.children = names; else this.rootNames = names;
  }

  override removeAll(): void { super.removeAll(); this.rootNames = []; }

  private roots(): CheckpointNode[] { return this.rootNames.map((r) => this.nodes.get(r)!); }

  /**
   * virDomainCheckpointObjListGetNames: from null = every checkpoint (ROOTS: only roots;
   * TOPOLOGICAL: parents before children), else the children of `from` (DESCENDANTS: all of
   * them); then the leaf filters.
   */
  list(from: CheckpointNode | null, flags: number): CheckpointNode[] {
    let set: CheckpointNode[];
    if (from) {
      set = flags & CkptListFlags.DESCENDANTS ? this.descendants(from) : from.children.map((c) => this.nodes.get(c)!);
    } else if (flags & CkptListFlags.ROOTS) {
      set = this.roots();
    } else if (flags & CkptListFlags.TOPOLOGICAL) {
      set = [];
      for (const r of this.roots()) set.push(r, ...this.descendants(r));
    } else {
      set = [...this.nodes.values()];
    }
    // each bit excludes on its own (both together leave nothing, as in libvirt 9.0)
    return set.filter((n) => !((flags & CkptListFlags.LEAVES) && n.children.length)
      && !((flags & CkptListFlags.NO_LEAVES) && !n.children.length));
  }
}
