// The secret driver: libvirt's secret_driver.c + virsecretobj.c. Persistent secrets are kept
// under ROOT/etc/tsvirt/secrets as UUID.xml (the definition) and UUID.base64 (the value, base64
// without formatting), both mode 0600; ephemeral ones live in memory only. Private values are
// never handed out; a usage (type + id) belongs to one secret at a time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import type { DriverConnection, SecretEventCallback, SecretEventPayload, SecretRef } from '../driver.js';
import { formatSecretXml, parseSecretXml, type SecretDef } from '../../conf/secret.js';
import { writeFileAtomicSync } from '../../util/atomic_file.js';
import { ErrorDomain, ErrorNumber, VirError, unsupportedFlags, virError } from '../../util/error.js';
import { logger } from '../../util/log.js';

const log = logger.child('secret');

/** virSecretEventID / virSecretEventLifecycleType */
const EVENT = { LIFECYCLE: 0, VALUE_CHANGED: 1 } as const;
const LIFECYCLE = { DEFINED: 0, UNDEFINED: 1 } as const;
/** virConnectListAllSecretsFlags */
const LIST = { EPHEMERAL: 1, NO_EPHEMERAL: 2, PRIVATE: 4, NO_PRIVATE: 8 } as const;
const DEFINE_VALIDATE = 1;

interface SecretObj { def: SecretDef; value: Buffer | null }

const err = (code: number, detail: string) => virError(ErrorDomain.SECRET, code, detail);

function refOf(def: SecretDef): SecretRef {
  return { uuid: def.uuid, usageType: def.usageType, usageID: def.usageID };
}

export class SecretDriver {
  readonly configDir: string;
  /** by UUID, in definition order (libvirt's hash has none; the client sorts anyway) */
  private readonly objs = new Map<string, SecretObj>();
  readonly events = new EventEmitter();

  constructor(root: string) {
    this.configDir = path.join(path.resolve(root), 'etc', 'tsvirt', 'secrets');
    this.events.setMaxListeners(0);
  }

  /** virSecretLoadAllConfigs: every UUID.xml whose <uuid> matches its name, with its value. */
  load(): void {
    let names: string[];
    try { names = fs.readdirSync(this.configDir); } catch { return; }
    for (const f of names.filter((n) => n.endsWith('.xml')).sort()) {
      try {
        const def = parseSecretXml(fs.readFileSync(path.join(this.configDir, f), 'utf8'));
        if (f !== `${def.uuid}.xml`) throw err(ErrorNumber.INTERNAL_ERROR, `<uuid> does not match secret file name '${f}'`);
        let value: Buffer | null = null;
        try { value = Buffer.from(fs.readFileSync(this.base64File(def.uuid), 'latin1'), 'base64'); } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
        this.objs.set(def.uuid, { def, value });
      } catch (e) {
        // libvirt keeps the secrets it could read and logs the others
        log.error(`Error reading secret: ${(e as Error).message}`);
      }
    }
  }

  private configFile(uuid: string): string { return path.join(this.configDir, `${uuid}.xml`); }
  private base64File(uuid: string): string { return path.join(this.configDir, `${uuid}.base64`); }

  private write(file: string, data: string): void {
    fs.mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(file, data, { mode: 0o600 });
  }
  private saveConfig(o: SecretObj): void { this.write(this.configFile(o.def.uuid), formatSecretXml(o.def)); }
  private saveData(o: SecretObj): void { if (o.value) this.write(this.base64File(o.def.uuid), o.value.toString('base64')); }
  private deleteFiles(uuid: string): void {
    for (const f of [this.configFile(uuid), this.base64File(uuid)]) {
      try { fs.unlinkSync(f); } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new VirError({ code: ErrorNumber.SYSTEM_ERROR, domain: ErrorDomain.SECRET, message: `cannot unlink '${f}': ${(e as Error).message}` });
      }
    }
  }

  private emit(payload: SecretEventPayload, eventID: number): void {
    this.events.emit('event', eventID, payload);
  }

  get(ref: SecretRef): SecretObj {
    const o = this.objs.get(ref.uuid);
    if (!o) throw err(ErrorNumber.NO_SECRET, `no secret with matching uuid '${ref.uuid}'`);
    return o;
  }

  lookupByUuid(uuid: string): SecretRef {
    return refOf(this.get({ uuid, usageType: 0, usageID: '' }).def);
  }

  lookupByUsage(usageType: number, usageID: string): SecretRef {
    const o = this.findByUsage(usageType, usageID);
    if (!o) throw err(ErrorNumber.NO_SECRET, `no secret with matching usage '${usageID}'`);
    return refOf(o.def);
  }

  /** virSecretObjSearchUsage: same type, and the same id unless the type is 'none' (which never matches) */
  private findByUsage(usageType: number, usageID: string): SecretObj | undefined {
    for (const o of this.objs.values()) {
      if (o.def.usageType === usageType && usageType !== 0 && o.def.usageID === usageID) return o;
    }
    return undefined;
  }

  list(flags: number): SecretObj[] {
    return [...this.objs.values()].filter(({ def }) => {
      if (flags & (LIST.EPHEMERAL | LIST.NO_EPHEMERAL)
        && !((flags & LIST.EPHEMERAL && def.ephemeral) || (flags & LIST.NO_EPHEMERAL && !def.ephemeral))) return false;
      if (flags & (LIST.PRIVATE | LIST.NO_PRIVATE)
        && !((flags & LIST.PRIVATE && def.private) || (flags & LIST.NO_PRIVATE && !def.private))) return false;
      return true;
    });
  }

  /** secretDefineXML: a new secret, or a redefinition of the one with this UUID (same usage). */
  define(xml: string, flags: number): SecretRef {
    if (flags & ~DEFINE_VALIDATE) throw unsupportedFlags(ErrorDomain.SECRET, flags, 'secretDefineXML');
    const def = parseSecretXml(xml);
    const old = this.objs.get(def.uuid);
    if (old) {
      if (old.def.usageID !== def.usageID) {
        throw err(ErrorNumber.INTERNAL_ERROR, `a secret with UUID ${def.uuid} is already defined for use with ${old.def.usageID}`);
      }
      if (old.def.private && !def.private) throw err(ErrorNumber.INTERNAL_ERROR, 'cannot change private flag on existing secret');
    } else {
      const other = this.findByUsage(def.usageType, def.usageID);
      if (other) throw err(ErrorNumber.INTERNAL_ERROR, `a secret with UUID ${other.def.uuid} already defined for use with ${def.usageID}`);
    }
    const obj: SecretObj = { def, value: old?.value ?? null };
    if (!def.ephemeral) {
      // an ephemeral secret made persistent takes its value to disk too
      if (old && old.def.ephemeral) this.saveData(obj);
      this.saveConfig(obj);
    } else if (old && !old.def.ephemeral) {
      this.deleteFiles(def.uuid);
    }
    this.objs.set(def.uuid, obj);
    this.emit({ secret: refOf(def), event: LIFECYCLE.DEFINED, detail: 0 }, EVENT.LIFECYCLE);
    return refOf(def);
  }

  getXmlDesc(ref: SecretRef, flags: number): string {
    if (flags) throw unsupportedFlags(ErrorDomain.SECRET, flags, 'secretGetXMLDesc');
    return formatSecretXml(this.get(ref).def);
  }

  setValue(ref: SecretRef, value: Buffer, flags: number): void {
    if (flags) throw unsupportedFlags(ErrorDomain.SECRET, flags, 'secretSetValue');
    const o = this.get(ref);
    const old = o.value;
    o.value = Buffer.from(value);
    if (!o.def.ephemeral) {
      try { this.saveData(o); } catch (e) { o.value = old; throw e; }
    }
    old?.fill(0);
    this.emit({ secret: refOf(o.def) }, EVENT.VALUE_CHANGED);
  }

  getValue(ref: SecretRef, flags: number): Buffer {
    if (flags) throw unsupportedFlags(ErrorDomain.SECRET, flags, 'secretGetValue');
    const o = this.get(ref);
    if (o.def.private) {
      throw new VirError({ code: ErrorNumber.INVALID_SECRET, domain: ErrorDomain.SECRET, message: 'Invalid secret: secret is private', str1: 'Invalid secret: %s', str2: 'secret is private' });
    }
    if (!o.value) throw err(ErrorNumber.NO_SECRET, `secret '${o.def.uuid}' does not have a value`);
    return Buffer.from(o.value);
  }

  undefine(ref: SecretRef): void {
    const o = this.get(ref);
    // an ephemeral secret has no files; removing none is harmless
    this.deleteFiles(o.def.uuid);
    o.value?.fill(0);
    this.objs.delete(o.def.uuid);
    this.emit({ secret: refOf(o.def), event: LIFECYCLE.UNDEFINED, detail: 0 }, EVENT.LIFECYCLE);
  }
}

/** One client connection's view: the DriverConnection secret methods, and its event callbacks. */
export class SecretConnection implements DriverConnection {
  private nextId = 1;
  private readonly callbacks = new Map<number, (eventID: number, p: SecretEventPayload) => void>();

  constructor(private readonly d: SecretDriver) {}

  async connectNumOfSecrets(): Promise<number> { return this.d.list(0).length; }
  async connectListSecrets(maxuuids: number): Promise<string[]> { return this.d.list(0).slice(0, Math.max(0, maxuuids)).map((o) => o.def.uuid); }
  async connectListAllSecrets(flags: number): Promise<SecretRef[]> {
    if (flags & ~0xf) throw unsupportedFlags(ErrorDomain.SECRET, flags, 'secretConnectListAllSecrets');
    return this.d.list(flags).map((o) => refOf(o.def));
  }
  async secretLookupByUuid(uuid: string): Promise<SecretRef> { return this.d.lookupByUuid(uuid); }
  async secretLookupByUsage(usageType: number, usageID: string): Promise<SecretRef> { return this.d.lookupByUsage(usageType, usageID); }
  async secretDefineXml(xml: string, flags: number): Promise<SecretRef> { return this.d.define(xml, flags); }
  async secretGetXmlDesc(s: SecretRef, flags: number): Promise<string> { return this.d.getXmlDesc(s, flags); }
  async secretSetValue(s: SecretRef, value: Buffer, flags: number): Promise<void> { this.d.setValue(s, value, flags); }
  async secretGetValue(s: SecretRef, flags: number): Promise<Buffer> { return this.d.getValue(s, flags); }
  async secretUndefine(s: SecretRef): Promise<void> { this.d.undefine(s); }

  async connectSecretEventRegisterAny(eventID: number, secret: SecretRef | null, cb: SecretEventCallback): Promise<number> {
    if (eventID !== EVENT.LIFECYCLE && eventID !== EVENT.VALUE_CHANGED) {
      throw err(ErrorNumber.INVALID_ARG, `unsupported event ID ${eventID}`);
    }
    const id = this.nextId++;
    const fn = (ev: number, p: SecretEventPayload) => {
      if (ev !== eventID) return;
      if (secret && secret.uuid !== p.secret.uuid) return;
      cb(ev, p);
    };
    this.callbacks.set(id, fn);
    this.d.events.on('event', fn);
    return id;
  }

  async connectSecretEventDeregisterAny(callbackID: number): Promise<void> {
    const fn = this.callbacks.get(callbackID);
    if (!fn) throw err(ErrorNumber.INVALID_ARG, `could not find event callback ${callbackID} for deletion`);
    this.callbacks.delete(callbackID);
    this.d.events.off('event', fn);
  }

  async connectClose(): Promise<void> {
    for (const fn of this.callbacks.values()) this.d.events.off('event', fn);
    this.callbacks.clear();
  }
}
