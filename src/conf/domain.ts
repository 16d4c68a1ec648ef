// The domain XML definition layer (libvirt's domain_conf): types, parse, format, metadata,
// device parsing for attach/detach, and the test driver's define-time additions.
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';
import type { DomainDef, DomainDeviceDef } from './domain_def.js';
import { parseDeviceElement } from './domain_device.js';
import { parseXml } from './xml.js';
import { domainDeviceDefPostParse } from './domain_postparse.js';
import { clonePlain } from '../util/clone.js';

export * from './domain_def.js';
export { parseDomainXml, domainDefParseNode, type ParseOptions } from './domain_parse.js';
export { formatDomainXml, type FormatOptions } from './domain_format.js';
export {
  domainDefGetMetadata, domainDefSetMetadata,
  METADATA_DESCRIPTION, METADATA_TITLE, METADATA_ELEMENT,
} from './domain_metadata.js';
export {
  testDriverDomainDefPostParse, testDriverGenerateIfnames, diskAssignAddress, diskInsert,
  controllerInsert, videoDefaults, domainDeviceDefPostParse,
} from './domain_postparse.js';
export { generateMac, macParse } from './mac.js';

/** A deep copy (metadata included) of a definition. */
export function cloneDomainDef(def: DomainDef): DomainDef {
  return clonePlain(def);
}

/**
 * One device element (as given to attach-device / detach-device / update-device), parsed in
 * the context of `def` (its OS type decides some defaults).
 */
export function parseDomainDeviceXml(xml: string, def: DomainDef, opts: { errDomain?: number } = {}): DomainDeviceDef {
  const errDomain = opts.errDomain ?? ErrorDomain.DOMAIN;
  const root = parseXml(xml, '(device_definition)', errDomain);
  const dev = parseDeviceElement(root, def.os.type, { errDomain });
  if (!dev) {
    throw virError(errDomain, ErrorNumber.XML_ERROR, `unknown device type '${root.name}'`);
  }
  domainDeviceDefPostParse(dev, def);
  return dev;
}
