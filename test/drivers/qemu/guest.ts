// Shared by the real-guest tests: driver roots, the test guest's XML, waiting, and a shell on
// the guest's serial console (commands sent through the console stream, output read back).
import { after } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openQemuDriver, type QemuConnection } from '../../../src/drivers/qemu/index.js';
import type { DomainRef, DriverStream } from '../../../src/drivers/driver.js';
import { killAllStarted, tmpRoot, track } from './helpers.js';
import type { QemuDriverConfig } from '../../../src/drivers/qemu/index.js';

/** The checkout (dist/test/drivers/qemu/ -> ../../../..): the guest is built into its .guest/. */
const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
export const KERNEL = process.env['TSVIRT_GUEST_KERNEL'] ?? path.join(REPO_ROOT, '.guest/vmlinuz');
export const INITRD = process.env['TSVIRT_GUEST_INITRD'] ?? path.join(REPO_ROOT, '.guest/initrd.gz');
// Locally a missing guest skips these tests with the reason; in CI (which builds the guest) it
// must fail instead of passing silently.
export const skip = fs.existsSync(KERNEL) && fs.existsSync(INITRD) || process.env['CI'] ? false : 'test guest not built (see ../shared/guest)';

const roots: string[] = [];
const conns: QemuConnection[] = [];

after(async () => {
  for (const c of conns) {
    for (const d of await c.connectListAllDomains(1).catch(() => [] as DomainRef[])) await c.domainDestroy(d).catch(() => undefined);
  }
  killAllStarted();
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

export async function setup(over: Partial<QemuDriverConfig> = {}): Promise<{ root: string; conn: QemuConnection }> {
  const root = tmpRoot('tsq-');
  roots.push(root);
  const conn = await openQemuDriver({ root, shutdownGraceMs: 3000, jobWaitMs: 30_000, ...over });
  conns.push(conn);
  return { root, conn };
}

/** Have the end-of-file clean-up destroy this connection's guests too (re-opened drivers). */
export function trackConn(c: QemuConnection): void { conns.push(c); }

let seq = 0;
export const uniq = (p: string) => `${p}-${process.pid}-${++seq}`;

export interface GuestOpts {
  name: string; root: string; cmdline?: string; devices?: string; vcpu?: string; memoryMiB?: number; machine?: string;
}

/** The test guest with its shell on a pty serial console (use openShell). */
export function guestXml(o: GuestOpts): string {
  return `<domain type='qemu'>
  <name>${o.name}</name>
  <memory unit='MiB'>${o.memoryMiB ?? 192}</memory>
  ${o.vcpu ?? '<vcpu>1</vcpu>'}
  <os><type arch='x86_64' machine='${o.machine ?? 'pc'}'>hvm</type><kernel>${KERNEL}</kernel><initrd>${INITRD}</initrd>
    <cmdline>console=ttyS0 quiet ${o.cmdline ?? ''}</cmdline></os>
  <features><acpi/></features>
  <devices>
    <serial type='pty'><target port='0'/></serial><console type='pty'/>
    ${o.devices ?? ''}
  </devices>
</domain>`;
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, ms = 90_000, every = 100): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export function qemuPid(root: string, name: string): number {
  return Number(fs.readFileSync(path.join(root, 'run/tsvirt/qemu', `${name}.pid`), 'utf8'));
}

export function trackGuest(root: string, name: string): void { track(qemuPid(root, name)); }

/** A root shell on the guest's console. */
export class GuestShell {
  text = '';
  private n = 0;
  private done: Promise<void>;
  constructor(private readonly stream: DriverStream) {
    this.done = (async () => { for await (const c of stream.incoming!) this.text += (c as Buffer).toString('latin1'); })().catch(() => undefined);
  }

  /** Wait until the shell answers (the guest finished booting). */
  async ready(ms = 90_000): Promise<void> {
    await waitFor('guest shell', async () => {
      const tag = `RDY${++this.n}`;
      await this.stream.send!(Buffer.from(`echo ${tag.slice(0, 2)}""${tag.slice(2)}\r`));
      await new Promise((r) => setTimeout(r, 500));
      return new RegExp(`(^|\\n)${tag}\\r?\\n`).test(this.text);
    }, ms, 0);
  }

  /** Run a command; resolves with its output (between a begin and an end marker it prints). */
  async run(cmd: string, ms = 20_000): Promise<string> {
    const n = ++this.n;
    const start = this.text.length;
    // The markers are written split by "" so the echoed command line never contains them.
    await this.stream.send!(Buffer.from(`echo BE""GIN${n}; ${cmd}; echo EN""D${n}\r`));
    const re = new RegExp(`\\nBEGIN${n}\\r?\\n([\\s\\S]*?)(\\r?\\n)?END${n}\\r?\\n`);
    const m = await waitFor(`output of ${cmd}`, () => re.exec(this.text.slice(start)), ms, 50);
    return m[1]!.replace(/\r/g, '');
  }

  /** Run until the output matches (devices appear asynchronously in the guest). */
  async until(cmd: string, test: (out: string) => boolean, ms = 20_000): Promise<string> {
    let last = '';
    await waitFor(`guest: ${cmd}`, async () => { last = await this.run(cmd); return test(last); }, ms, 200)
      .catch((e: Error) => { throw new Error(`${e.message}; last output: ${JSON.stringify(last)}`); });
    return last;
  }

  async close(): Promise<void> { await this.stream.finish(); await this.done; }
}

export async function openShell(conn: QemuConnection, dom: DomainRef): Promise<GuestShell> {
  return new GuestShell(await conn.domainOpenConsole(dom, null, 0));
}
