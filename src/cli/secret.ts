// Secret commands: secret-define, secret-dumpxml, secret-event, secret-get-value, secret-list
// (--ephemeral/--no-ephemeral/--private/--no-private), secret-set-value (--base64, --file,
// --plain, --interactive), secret-undefine, with virsh 9.0's option checks, lines and statuses.
// libvirt counterpart: tools/virsh-secret.c.
import { closeSync, openSync, readSync } from 'node:fs';
import { eventOptions, followEvents } from './event.js';
import type { Connection } from '../api/connection.js';
import { SECRET_USAGE_NAMES, type Secret } from '../api/secret.js';
import { ListAllSecretsFlags as F, SecretDefineFlags, SecretEventID } from '../api/constants.js';
import { ErrorNumber, VirError } from '../util/error.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { exclusive } from './format.js';
import { readXmlFile, strerror } from './domain_lifecycle.js';
import { Table } from './table.js';

const isNoSupport = (e: unknown) => e instanceof VirError && e.code === ErrorNumber.NO_SUPPORT;

/** virshCommandOptSecret: a lookup by UUID string; a failure is virsh's line, then the library's error. */
async function optSecret(ctx: Ctx, o: CmdOpts): Promise<{ secret: Secret; name: string }> {
  const name = o.string('secret')!;
  const conn = await ctx.conn();
  try {
    return { secret: await conn.lookupSecretByUUIDString(name), name };
  } catch (e) {
    throw new CmdError(`failed to get secret '${name}'`, e);
  }
}

async function secretDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const from = o.string('file')!;
  const xml = readXmlFile(from);
  const conn = await ctx.conn();
  let s: Secret;
  try { s = await conn.defineSecretXML(xml, o.bool('validate') ? SecretDefineFlags.VALIDATE : 0); } catch (e) {
    throw new CmdError(`Failed to set attributes from ${from}`, e);
  }
  ctx.printExtra(`Secret ${s.uuid} created\n`);
  return true;
}

async function secretDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { secret } = await optSecret(ctx, o);
  ctx.print(await secret.getXMLDesc(0));
  return true;
}

/**
 * virFileReadAll with virsh's 1024-byte limit here: open errors, read errors (a directory) and an
 * overlong file (EOVERFLOW) each with libvirt's wording.
 */
function readLimited(file: string, max: number): Buffer {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch (e) { throw new CliError(`Failed to open file '${file}': ${strerror(e)}`); }
  try {
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (;;) {
      let got: number;
      try { got = readSync(fd, buf, n, buf.length - n, null); } catch (e) { throw new CliError(`Failed to read file '${file}': ${strerror(e)}`); }
      if (got === 0) break;
      n += got;
      if (n > max) throw new CliError(`Failed to read file '${file}': Value too large for defined data type`);
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** virsh's own reading of a password: the terminal without echo, else a line of stdin. */
async function readPassword(): Promise<string | null> {
  const { createInterface } = await import('node:readline');
  const stdin = process.stdin as NodeJS.ReadStream;
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    return await new Promise<string | null>((resolve) => {
      rl.once('line', (l) => resolve(l));
      rl.once('close', () => resolve(null));
    });
  } finally {
    rl.close();
  }
}

async function secretSetValue(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'file', 'base64');
  exclusive(o, 'plain', 'base64');
  exclusive(o, 'interactive', 'base64');
  exclusive(o, 'interactive', 'plain');
  exclusive(o, 'interactive', 'file');
  const { secret } = await optSecret(ctx, o);
  const base64 = o.string('base64');
  const file = o.string('file');
  let plain = o.bool('plain');
  let value: Buffer;
  if (base64 !== undefined) {
    // virsh warns, on its error stream, and goes on
    ctx.stderr.write('error: Passing secret value as command-line argument is insecure!\n');
    value = Buffer.from(base64, 'utf8');
  } else if (file !== undefined) {
    value = readLimited(file, 1024);
  } else if (o.bool('interactive')) {
    ctx.print('Enter new value for secret:');
    const pw = await readPassword();
    if (pw === null) throw new CliError('Failed to read secret');
    value = Buffer.from(pw, 'utf8');
    plain = true;
  } else {
    throw new CliError('Input secret value is missing');
  }
  if (!plain) value = Buffer.from(value.toString('latin1'), 'base64');
  try { await secret.setValue(value, 0); } catch (e) { throw new CmdError('Failed to set secret value', e); }
  ctx.printExtra('Secret value set\n');
  return true;
}

async function secretGetValue(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { secret } = await optSecret(ctx, o);
  const value = await secret.getValue(0);
  // an empty value comes back from libvirt as NULL, which virsh takes for a failure without an error
  if (value.length === 0) throw new CliError('An error occurred, but the cause is unknown');
  // --plain writes the bytes as they are, without a newline, as virsh's fwrite
  ctx.print(o.bool('plain') ? value.toString('utf8') : value.toString('base64'));
  value.fill(0);
  return true;
}

async function secretUndefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { secret, name } = await optSecret(ctx, o);
  try { await secret.undefine(); } catch (e) { throw new CmdError(`Failed to delete secret ${name}`, e); }
  ctx.printExtra(`Secret ${name} deleted\n`);
  return true;
}

/** vshStrcasecmp on the UUID strings */
const byUuid = (a: Secret, b: Secret) => {
  const x = a.uuid.toLowerCase();
  const y = b.uuid.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/** virshSecretListCollect: the list-all call, or the count and UUID calls where the driver lacks it. */
async function collect(conn: Connection, flags: number): Promise<Secret[]> {
  try {
    return (await conn.listAllSecrets(flags)).sort(byUuid);
  } catch (e) {
    if (!isNoSupport(e)) throw new CmdError('Failed to list node secrets', e);
  }
  if (flags) throw new CliError('Filtering is not supported by this libvirt');
  let n: number;
  try { n = await conn.numOfSecrets(); } catch (e) { throw new CmdError('Failed to count secrets', e); }
  if (n === 0) return [];
  let uuids: string[];
  try { uuids = await conn.listSecrets(n); } catch (e) { throw new CmdError('Failed to list secrets', e); }
  const list: Secret[] = [];
  // a secret that went away meanwhile is skipped, as virsh does
  for (const u of uuids) { try { list.push(await conn.lookupSecretByUUIDString(u)); } catch { /* gone */ } }
  return list.sort(byUuid);
}

async function secretList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags = 0;
  if (o.bool('ephemeral')) flags |= F.EPHEMERAL;
  if (o.bool('no-ephemeral')) flags |= F.NO_EPHEMERAL;
  if (o.bool('private')) flags |= F.PRIVATE;
  if (o.bool('no-private')) flags |= F.NO_PRIVATE;
  const list = await collect(await ctx.conn(), flags);
  const t = new Table(['UUID', 'Usage']);
  for (const s of list) {
    t.add(s.uuid, s.usageType ? `${SECRET_USAGE_NAMES[s.usageType] ?? ''} ${s.usageID}` : 'Unused');
  }
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

const EVENT_NAMES = ['lifecycle', 'value-changed'];
const LIFECYCLE_NAMES = ['Defined', 'Undefined'];

async function secretEvent(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const ev = eventOptions(ctx, o, EVENT_NAMES);
  if (!ev) return true;
  const { eventID, name } = ev;
  const conn = await ctx.conn();
  // virsh goes on watching every secret when the one named is not found, after its line
  let secret: Secret | null = null;
  const wanted = o.string('secret');
  if (wanted !== undefined) {
    try { secret = await conn.lookupSecretByUUIDString(wanted); } catch {
      ctx.stderr.write(`error: failed to get secret '${wanted}'\n`);
    }
  }
  return followEvents(ctx, ev,
    (emit) => conn.secretEventRegisterAny(secret, eventID, (s, p) => emit(eventID === SecretEventID.LIFECYCLE
      ? `event 'lifecycle' for secret ${s.uuid}: ${LIFECYCLE_NAMES[p.event ?? -1] ?? 'unknown'}`
      : `event '${name}' for secret ${s.uuid}`)),
    (id) => conn.secretEventDeregisterAny(id));
}

export const handlers: HandlerTable = {
  'secret-define': secretDefine, 'secret-dumpxml': secretDumpxml, 'secret-event': secretEvent,
  'secret-get-value': secretGetValue, 'secret-list': secretList, 'secret-set-value': secretSetValue,
  'secret-undefine': secretUndefine,
};
