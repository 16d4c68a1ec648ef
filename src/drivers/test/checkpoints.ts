// Checkpoint calls of the test driver (libvirt's testDomainCheckpoint*): a metadata-only
// checkpoint tree per domain. Checkpoints need a running domain and no snapshots (and snapshots
// refuse to join checkpoints, see snapshots.ts), as libvirt's test driver has it.
import { cloneDomainDef, domainDefParseNode, formatDomainXml, testDriverDomainDefPostParse, type DomainDef } from '../../conf/domain.js';
import {
  checkpointAlignDisks, checkpointAssignBitmapNames, checkpointCheckCycles, formatCheckpointXml, parseCheckpointXml,
  type CheckpointDef, type CheckpointDomainDisk,
} from '../../conf/checkpoint.js';
import type { CheckpointRef, DomainRef } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { domObj } from './domain_common.js';
import type { DomainObj } from './domain_obj.js';
import { checkFlags, notRunning, testError } from './errors.js';
import { CKPT_LIST_FILTERS_ALL, CkptListFlags, type CheckpointNode } from './checkpoint_obj.js';
import type { ConnCtx } from './state.js';

const CREATE = { REDEFINE: 1, QUIESCE: 2 } as const;
const XML = { SECURE: 1, NO_DOMAIN: 2, SIZE: 4 } as const;
const DELETE = { CHILDREN: 1, METADATA_ONLY: 2, CHILDREN_ONLY: 4 } as const;

function ckptNode(o: DomainObj, name: string): CheckpointNode {
  const n = o.checkpoints.get(name);
  if (!n) throw testError(ErrorNumber.NO_DOMAIN_CHECKPOINT, `no domain checkpoint with matching name '${name}'`);
  return n;
}
const cref = (dom: DomainRef, n: CheckpointNode): CheckpointRef => ({ name: n.name, dom });

function domainDisks(d: DomainDef): CheckpointDomainDisk[] {
  return d.devices.disks.map((k) => {
    const src = k.source?.file ?? k.source?.dev ?? k.source?.dir;
    const empty = !k.source || (src === undefined && !k.source.name && !k.source.volume);
    return { dst: k.target.dev, src, emptyOrReadonly: empty || k.readonly };
  });
}

/** virDomainCheckpointRedefinePrep + Commit: returns the node and whether it becomes current. */
function redefine(o: DomainObj, def: CheckpointDef): { node: CheckpointNode; updateCurrent: boolean } {
  const list = o.checkpoints;
  // the embedded domain is parsed with the checkpoint, before any check against the tree
  let dom: DomainDef | null = null;
  if (def.domainXml) {
    dom = domainDefParseNode(def.domainXml, { errDomain: ErrorDomain.DOMAIN });
    testDriverDomainDefPostParse(dom);
  }
  checkpointCheckCycles(def, (n) => { const x = list.get(n); return x ? x.parent : undefined; });
  if (dom) {
    if (dom.uuid.toLowerCase() !== o.def.uuid.toLowerCase()) {
      throw virError(ErrorDomain.DOMAIN_CHECKPOINT, ErrorNumber.INVALID_ARG, `definition for checkpoint ${def.name} must use uuid ${o.def.uuid}`);
    }
    def.domain = dom;
    checkpointAlignDisks(def, domainDisks(dom));
  } else {
    checkpointAssignBitmapNames(def);
  }
  // the redefined checkpoint becomes current under the current one, or as the first of all
  const updateCurrent = (def.parent !== undefined && list.current === def.parent && list.get(def.parent) !== undefined)
    || list.current === null;
  const existing = list.get(def.name);
  if (existing) {
    // keep its children, take the new definition and parent
    list.unlink(existing);
    existing.def = def;
    existing.parent = def.parent ?? null;
    return { node: existing, updateCurrent };
  }
  return { node: { name: def.name, parent: def.parent ?? null, children: [], def }, updateCurrent };
}

function formatCheckpoint(n: CheckpointNode, flags: number): string {
  return formatCheckpointXml({ ...n.def, parent: n.parent ?? undefined }, {
    formatDomain: (d) => formatDomainXml(d as DomainDef, { inactive: true, secure: (flags & XML.SECURE) !== 0 }),
    noDomain: (flags & XML.NO_DOMAIN) !== 0,
    size: (flags & XML.SIZE) !== 0,
  });
}

export const checkpointMethods = {
  async domainCheckpointCreateXml(this: ConnCtx, dom: DomainRef, xmlDesc: string, flags: number): Promise<CheckpointRef> {
    checkFlags(flags, CREATE.REDEFINE | CREATE.QUIESCE, 'testDomainCheckpointCreateXML');
    const isRedefine = (flags & CREATE.REDEFINE) !== 0;
    const o = domObj(this, dom);
    if (o.snapshots.size > 0) {
      throw testError(ErrorNumber.OPERATION_UNSUPPORTED, 'cannot create checkpoint while snapshot exists');
    }
    if (!o.active) throw testError(ErrorNumber.OPERATION_UNSUPPORTED, 'cannot create checkpoint for inactive domain');
    const def = parseCheckpointXml(xmlDesc, { redefine: isRedefine });
    const list = o.checkpoints;
    let node: CheckpointNode;
    let updateCurrent = true;
    if (isRedefine) {
      ({ node, updateCurrent } = redefine(o, def));
    } else {
      if (list.get(def.name)) {
        throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_FAILED, `domain moment ${def.name} already exists`);
      }
      const domDef = cloneDomainDef(o.def);
      delete domDef.id;
      def.domain = domDef;
      checkpointAlignDisks(def, domainDisks(domDef));
      // a new checkpoint follows the current one
      node = { name: def.name, parent: list.current, children: [], def };
    }
    if (updateCurrent) list.current = node.name;
    list.add(node);
    return cref(o.ref, node);
  },

  async domainCheckpointGetXmlDesc(this: ConnCtx, ckpt: CheckpointRef, flags: number): Promise<string> {
    checkFlags(flags, XML.SECURE | XML.NO_DOMAIN | XML.SIZE, 'testDomainCheckpointGetXMLDesc');
    const o = domObj(this, ckpt.dom);
    const n = ckptNode(o, ckpt.name);
    // libvirt's test driver sets a size without marking it valid, so none is ever printed
    if ((flags & XML.SIZE) && !o.active) throw notRunning();
    return formatCheckpoint(n, flags);
  },

  async domainListAllCheckpoints(this: ConnCtx, dom: DomainRef, flags: number): Promise<CheckpointRef[]> {
    checkFlags(flags, CkptListFlags.ROOTS | CkptListFlags.TOPOLOGICAL | CKPT_LIST_FILTERS_ALL, 'testDomainListAllCheckpoints');
    const o = domObj(this, dom);
    return o.checkpoints.list(null, flags).map((n) => cref(o.ref, n));
  },

  async domainCheckpointListAllChildren(this: ConnCtx, ckpt: CheckpointRef, flags: number): Promise<CheckpointRef[]> {
    checkFlags(flags, CkptListFlags.DESCENDANTS | CkptListFlags.TOPOLOGICAL | CKPT_LIST_FILTERS_ALL, 'testDomainCheckpointListAllChildren');
    const o = domObj(this, ckpt.dom);
    return o.checkpoints.list(ckptNode(o, ckpt.name), flags).map((n) => cref(o.ref, n));
  },

  async domainCheckpointLookupByName(this: ConnCtx, dom: DomainRef, name: string, flags: number): Promise<CheckpointRef> {
    checkFlags(flags, 0, 'testDomainCheckpointLookupByName');
    const o = domObj(this, dom);
    return cref(o.ref, ckptNode(o, name));
  },

  async domainCheckpointGetParent(this: ConnCtx, ckpt: CheckpointRef, flags: number): Promise<CheckpointRef> {
    checkFlags(flags, 0, 'testDomainCheckpointGetParent');
    const o = domObj(this, ckpt.dom);
    const n = ckptNode(o, ckpt.name);
    if (n.parent === null) throw testError(ErrorNumber.NO_DOMAIN_CHECKPOINT, `checkpoint '${n.name}' does not have a parent`);
    return { name: n.parent, dom: o.ref };
  },

  /** METADATA_ONLY changes nothing here: the test driver's checkpoints are metadata only. */
  async domainCheckpointDelete(this: ConnCtx, ckpt: CheckpointRef, flags: number): Promise<void> {
    checkFlags(flags, DELETE.CHILDREN | DELETE.METADATA_ONLY | DELETE.CHILDREN_ONLY, 'testDomainCheckpointDelete');
    const o = domObj(this, ckpt.dom);
    const n = ckptNode(o, ckpt.name);
    const list = o.checkpoints;
    if (flags & (DELETE.CHILDREN | DELETE.CHILDREN_ONLY)) {
      if (list.removeDescendants(n)) list.current = n.name;
      if (flags & DELETE.CHILDREN_ONLY) return;
    }
    list.removeReparent(n);
  },
};
