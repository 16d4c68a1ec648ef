// console, ttyconsole, vncdisplay, domdisplay: reaching a running guest's text console and graphics.
// libvirt counterpart: cmdConsole/virshRunConsole (tools/virsh-console.c), cmdVNCDisplay and
// cmdDomDisplay in tools/virsh-domain.c.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, type CmdOpts } from './opts.js';
import { optDomain } from './lookup.js';
import { parseXml, child, childrenNamed, type XmlElement } from '../conf/xml.js';

/** virsh's default escape character, Ctrl-] */
const ESCAPE = 0x1d;
/** VIR_DOMAIN_CONSOLE_FORCE, VIR_DOMAIN_CONSOLE_SAFE */
const CONSOLE_FORCE = 1;
const CONSOLE_SAFE = 2;

interface Graphics { type: string; port?: number; tlsPort?: number; listen?: string; socket?: string; passwd?: string }

/** The live <graphics> devices, with the listen address from the attribute or a <listen> child. */
export function graphicsOf(domainXml: string): Graphics[] {
  const dom = parseXml(domainXml);
  const devices = child(dom, 'devices');
  if (!devices) return [];
  return childrenNamed(devices, 'graphics').map((g: XmlElement) => {
    const a = (k: string) => (g.attrs[k] === undefined ? undefined : String(g.attrs[k]));
    const lst = childrenNamed(g, 'listen');
    const addr = lst.find((l) => l.attrs['type'] === 'address' || l.attrs['type'] === 'network');
    const sock = lst.find((l) => l.attrs['type'] === 'socket');
    const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
    return {
      type: a('type') ?? '', port: num(a('port')), tlsPort: num(a('tlsPort')), passwd: a('passwd'),
      listen: a('listen') ?? (addr?.attrs['address'] === undefined ? undefined : String(addr.attrs['address'])),
      socket: a('socket') ?? (sock?.attrs['socket'] === undefined ? undefined : String(sock.attrs['socket'])),
    };
  });
}

/** cmdVNCDisplay's line: `[ADDR]:DISPLAY`, no address when QEMU listens on every address. */
export function vncDisplay(domainXml: string): string {
  const g = graphicsOf(domainXml).find((x) => x.type === 'vnc');
  if (!g || g.port === undefined || !(g.port > 0)) throw new CliError('Failed to get VNC port. Is this domain using VNC?');
  const listen = g.listen === undefined || g.listen === '0.0.0.0' ? '' : g.listen;
  return `${listen}:${g.port - 5900}\n`;
}

const DISPLAY_TYPES = ['vnc', 'spice', 'rdp', 'dbus'];

/** cmdDomDisplay's URIs, one per usable display, in virsh's type order. */
export function domDisplays(domainXml: string, opts: { type?: string; all?: boolean; includePassword?: boolean } = {}): string[] {
  const gs = graphicsOf(domainXml);
  const out: string[] = [];
  for (const type of DISPLAY_TYPES) {
    if (opts.type !== undefined && opts.type !== type) continue;
    const g = gs.find((x) => x.type === type);
    if (!g) continue;
    let uri: string;
    if (g.socket !== undefined) {
      uri = `${type}+unix://${g.socket}`;
    } else {
      const port = g.port !== undefined && g.port > 0 ? g.port : undefined;
      const tls = type === 'spice' && g.tlsPort !== undefined && g.tlsPort > 0 ? g.tlsPort : undefined;
      if (port === undefined && tls === undefined) continue;
      let host = g.listen === undefined || g.listen === '0.0.0.0' || g.listen === '::' ? 'localhost' : g.listen;
      if (host.includes(':')) host = `[${host}]`;
      const pw = opts.includePassword && g.passwd !== undefined ? `:${g.passwd}@` : '';
      // VNC URIs carry a display number, the others a port
      const p = port === undefined ? -1 : type === 'vnc' ? port - 5900 : port;
      uri = `${type}://${pw}${host}:${p}${tls !== undefined ? `?tls-port=${tls}` : ''}`;
    }
    out.push(uri);
    if (!opts.all) break;
  }
  if (out.length === 0) {
    throw new CliError(opts.type !== undefined ? `No graphical display with type '${opts.type}' found` : 'No graphical display found');
  }
  return out;
}

async function vncdisplay(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  if (!(await d.isActive())) throw new CliError('Domain is not running');
  ctx.print(vncDisplay(await d.getXMLDesc(0)));
  return true;
}

async function domdisplay(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  if (!(await d.isActive())) throw new CliError('Domain is not running');
  const includePassword = o.bool('include-password');
  // the password is in the XML only when asked for with VIR_DOMAIN_XML_SECURE
  const xml = await d.getXMLDesc(includePassword ? 1 : 0);
  // virsh leaves the last URI unterminated: the shell's line after each command ends it
  ctx.print(domDisplays(xml, { type: o.string('type'), all: o.bool('all'), includePassword }).join('\n'));
  return true;
}

/**
 * virshRunConsole: guest output to stdout, stdin to the guest until the escape character.
 * A terminal is put in raw mode so that keys reach the guest unprocessed; piped input is
 * accepted too (virsh refuses it), which is what scripts and tests use.
 */
async function consoleCmd(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  if (!(await d.isActive())) throw new CliError('The domain is not running');
  let flags = 0;
  if (o.bool('force')) flags |= CONSOLE_FORCE;
  if (o.bool('safe')) flags |= CONSOLE_SAFE;
  const devname = o.string('devname') ?? null;
  ctx.printExtra(`Connected to domain '${d.name}'\n`);
  ctx.printExtra('Escape character is ^] (Ctrl + ])\n');
  const stream = await d.openConsole(devname, flags);
  // guest output may split a UTF-8 sequence across chunks
  const text = new StringDecoder('utf8');
  const stdin = process.stdin as Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  const raw = Boolean(stdin.isTTY && stdin.setRawMode);
  if (raw) stdin.setRawMode!(true);
  let onData: ((b: Buffer) => void) | undefined;
  let onEnd: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = () => { if (!done) { done = true; resolve(); } };
      onData = (b: Buffer) => {
        const i = b.indexOf(ESCAPE);
        const part = i < 0 ? b : b.subarray(0, i);
        const sent = part.length ? stream.send(part) : Promise.resolve();
        if (i >= 0) { void sent.catch(() => undefined).then(finish); return; }
        sent.catch((e: unknown) => { if (!done) { done = true; reject(e); } });
      };
      // end of piped input leaves the session open, as a terminal would, until ^] or the guest ends it
      onEnd = () => undefined;
      stdin.on('data', onData);
      stdin.on('end', onEnd);
      stdin.resume();
      void (async () => {
        try { for await (const chunk of stream) if (Buffer.isBuffer(chunk)) ctx.print(text.write(chunk)); } catch (e) {
          if (!done) { done = true; reject(e); return; }
        }
        finish();
      })();
    });
  } finally {
    if (onData) stdin.off('data', onData);
    if (onEnd) stdin.off('end', onEnd);
    stdin.pause();
    if (raw) stdin.setRawMode!(false);
    stream.abort();
  }
  ctx.print('\n');
  return true;
}

/** cmdTTYConsole: the pty of the first console; no pty (inactive, not a pty) fails without a message, as in virsh. */
async function ttyconsole(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const devices = child(parseXml(await d.getXMLDesc(0)), 'devices');
  const tty = devices ? childrenNamed(devices, 'console')[0]?.attrs['tty'] : undefined;
  if (tty === undefined || tty === '') return false;
  ctx.print(`${tty}\n`);
  return true;
}

export const handlers: HandlerTable = { console: consoleCmd, vncdisplay, domdisplay, ttyconsole };
