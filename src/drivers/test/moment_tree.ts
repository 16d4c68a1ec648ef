// What snapshots and checkpoints share (libvirt's virDomainMomentObjList): named nodes with
// parent/child links, the current one, and walks over a node's descendants.

export interface MomentNode {
  name: string;
  parent: string | null;
  children: string[];
}

export class MomentTree<N extends MomentNode> {
  protected nodes = new Map<string, N>();
  current: string | null = null;

  get size(): number { return this.nodes.size; }
  get(name: string): N | undefined { return this.nodes.get(name); }
  values(): IterableIterator<N> { return this.nodes.values(); }

  /** All descendants of n, parents before children (virDomainMomentForEachDescendant). */
  descendants(n: N): N[] {
    const out: N[] = [];
    const walk = (x: N) => { for (const c of x.children) { const cn = this.nodes.get(c)!; out.push(cn); walk(cn); } };
    walk(n);
    return out;
  }

  /** Remove n's descendants; true when the current one was among them. */
  removeDescendants(n: N): boolean {
    let wasCurrent = false;
    for (const d of this.descendants(n)) {
      if (this.current === d.name) wasCurrent = true;
      this.nodes.delete(d.name);
    }
    n.children = [];
    return wasCurrent;
  }

  removeAll(): void { this.nodes.clear(); this.current = null; }
}
