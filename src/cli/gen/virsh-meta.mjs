#!/usr/bin/env node
// Regenerates src/cli/commands.ts — tsvirsh's static command table — from the help output
// of the installed virsh 9.0, so that names, option types, the order in which bare words fill
// options, and every help string match virsh byte for byte. The table holds facts (the user
// interface), not code; run it by hand when adding commands:
//   node src/cli/gen/virsh-meta.mjs > src/cli/commands.ts
import { execFileSync } from 'node:child_process';

/**
 * command -> module under src/cli/ that implements it. Every virsh command is in the table (so
 * `help` lists what virsh lists, `help CMD` and option errors read as virsh's); one that is in
 * no module here parses, then reports that tsvirsh does not implement it.
 */
const IMPL = {
  generic: ['help', 'echo', 'connect', 'cd', 'pwd', 'quit', 'exit'],
  host: ['uri', 'version', 'hostname', 'nodeinfo', 'capabilities', 'sysinfo', 'freecell', 'nodecpumap', 'maxvcpus', 'domcapabilities', 'nodememstats'],
  domain_list: ['list'],
  domain_info: ['dominfo', 'domstate', 'domid', 'domuuid', 'domname', 'dumpxml', 'domiflist', 'domblklist', 'vcpucount',
    'vcpuinfo', 'dommemstat', 'domblkstat', 'domifstat', 'domblkinfo', 'domstats', 'schedinfo', 'memtune', 'domhostname', 'domifaddr'],
  domain_lifecycle: ['define', 'undefine', 'create', 'start', 'shutdown', 'destroy', 'reboot', 'reset', 'suspend', 'resume',
    'save', 'restore', 'managedsave', 'managedsave-remove', 'autostart', 'domrename'],
  domain_config: ['desc', 'setvcpus', 'setmem', 'setmaxmem', 'attach-device', 'detach-device', 'update-device'],
  event: ['event'],
  snapshot: ['snapshot-create', 'snapshot-create-as', 'snapshot-list', 'snapshot-info', 'snapshot-dumpxml', 'snapshot-current',
    'snapshot-parent', 'snapshot-revert', 'snapshot-delete'],
  network: ['net-list', 'net-info', 'net-dumpxml', 'net-define', 'net-create', 'net-start', 'net-destroy', 'net-undefine',
    'net-autostart', 'net-uuid', 'net-name', 'net-update', 'net-dhcp-leases'],
  pool: ['pool-list', 'pool-info', 'pool-dumpxml', 'pool-define', 'pool-define-as', 'pool-create', 'pool-create-as', 'pool-build',
    'pool-start', 'pool-destroy', 'pool-delete', 'pool-undefine', 'pool-refresh', 'pool-autostart', 'pool-uuid', 'pool-name'],
  volume: ['vol-list', 'vol-info', 'vol-dumpxml', 'vol-create', 'vol-create-as', 'vol-create-from', 'vol-clone', 'vol-delete',
    'vol-wipe', 'vol-resize', 'vol-path', 'vol-key', 'vol-name', 'vol-pool', 'vol-upload', 'vol-download'],
  qemu: ['qemu-monitor-command'],
  domain_devices: ['attach-disk', 'detach-disk', 'attach-interface', 'detach-interface'],
  console: ['console', 'ttyconsole', 'vncdisplay', 'domdisplay'],
  domxml: ['domxml-to-native'],
  domain_extra: ['domcontrol', 'domblkerror', 'domtime', 'inject-nmi', 'send-key', 'domif-getlink', 'domif-setlink', 'set-lifecycle-action', 'metadata', 'domfsinfo', 'domfsfreeze', 'domfsthaw', 'domfstrim', 'numatune', 'vcpupin', 'emulatorpin', 'iothreadinfo', 'perf', 'cpu-stats', 'setvcpu'],
  edit: ['edit', 'net-edit', 'pool-edit', 'snapshot-edit', 'save-image-edit'],
  domain_tune: ['blkiotune', 'domiftune', 'blkdeviotune'],
  checkpoint: ['checkpoint-create', 'checkpoint-create-as', 'checkpoint-list', 'checkpoint-info', 'checkpoint-dumpxml',
    'checkpoint-parent', 'checkpoint-delete', 'checkpoint-edit'],
  interface: ['iface-list', 'iface-name', 'iface-mac', 'iface-dumpxml', 'iface-define', 'iface-undefine', 'iface-start',
    'iface-destroy', 'iface-begin', 'iface-commit', 'iface-rollback', 'iface-bridge', 'iface-unbridge', 'iface-edit'],
  domain_misc: ['iothreadadd', 'iothreaddel', 'iothreadset', 'iothreadpin', 'set-user-password', 'send-process-signal', 'dump',
    'save-image-dumpxml', 'save-image-define', 'domlaunchsecinfo', 'screenshot'],
  nodedev: ['nodedev-list', 'nodedev-dumpxml', 'nodedev-info', 'nodedev-create', 'nodedev-destroy', 'nodedev-define',
    'nodedev-undefine', 'nodedev-start', 'nodedev-autostart', 'nodedev-event', 'nodedev-detach', 'nodedev-reattach', 'nodedev-reset'],
  pool_extra: ['pool-event', 'find-storage-pool-sources', 'find-storage-pool-sources-as', 'pool-capabilities'],
  net_extra: ['net-event', 'net-port-list', 'net-port-create', 'net-port-dumpxml', 'net-port-delete'],
  host_extra: ['cpu-models', 'nodecpustats', 'freepages', 'cpu-baseline', 'cpu-compare', 'hypervisor-cpu-baseline',
    'hypervisor-cpu-compare', 'allocpages', 'node-memory-tune', 'nodesuspend', 'nodesevinfo'],
  domain_block: ['blockresize', 'change-media', 'detach-device-alias', 'domblkthreshold', 'domjobinfo', 'domjobabort', 'dompmsuspend', 'dompmwakeup'],
  domain_rest: ['managedsave-dumpxml', 'managedsave-define', 'managedsave-edit', 'migrate-getspeed', 'migrate-setspeed',
    'migrate-getmaxdowntime', 'migrate-setmaxdowntime', 'migrate-compcache', 'migrate-postcopy',
    'qemu-agent-command', 'guest-agent-timeout', 'guestinfo', 'guestvcpus', 'get-user-sshkeys', 'set-user-sshkeys',
    'backup-begin', 'backup-dumpxml', 'domdirtyrate-calc', 'domsetlaunchsecstate', 'domxml-from-native', 'qemu-attach', 'blockjob'],
  nwfilter: ['nwfilter-list', 'nwfilter-define', 'nwfilter-dumpxml', 'nwfilter-undefine', 'nwfilter-edit', 'nwfilter-binding-list',
    'nwfilter-binding-create', 'nwfilter-binding-delete', 'nwfilter-binding-dumpxml'],
  secret: ['secret-define', 'secret-dumpxml', 'secret-event', 'secret-get-value', 'secret-list', 'secret-set-value', 'secret-undefine'],
};
/** Hidden option aliases (virsh's VSH_OT_ALIAS: accepted, never shown in help). */
const ALIASES = {
  'echo': { str: 'string', hi: 'string=hello' },
  'undefine': { 'delete-snapshots': 'delete-storage-volume-snapshots' },
  'pool-define-as': { 'source-path': 'source-dev' },
  'pool-create-as': { 'source-path': 'source-dev' },
  'domif-getlink': { persistent: 'config' },
  'domif-setlink': { persistent: 'config' },
  'nodedev-destroy': { name: 'device' },
};

/** Listing and info commands that also accept tsvirsh's --json (machine-readable output). */
const JSON_CMDS = new Set(['list', 'dominfo', 'domstate', 'domiflist', 'domblklist', 'vcpucount', 'vcpuinfo', 'dommemstat',
  'domblkstat', 'domifstat', 'domblkinfo', 'domstats', 'schedinfo', 'memtune', 'domifaddr', 'nodeinfo', 'freecell', 'nodecpumap',
  'nodememstats', 'version', 'snapshot-list', 'snapshot-info', 'net-list', 'net-info', 'net-dhcp-leases', 'pool-list', 'pool-info',
  'vol-list', 'vol-info']);
const JSON_OPT = { name: 'json', type: 'bool', help: 'print machine-readable JSON (tsvirsh extension)' };

const virsh = (...args) => {
  try {
    return execFileSync('virsh', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 4000 });
  } catch (e) { return (e.stdout ?? '') + (e.stderr ?? ''); }
};

const moduleOf = new Map();
for (const [m, cmds] of Object.entries(IMPL)) for (const c of cmds) moduleOf.set(c, m);

// Groups and the order of commands inside them, from `virsh help`.
const groups = [];
let cur = null;
for (const line of virsh('help').split('\n')) {
  let m = /^ (.+) \(help keyword '([^']+)'\):$/.exec(line);
  if (m) { cur = { name: m[1], keyword: m[2], commands: [] }; groups.push(cur); continue; }
  m = /^    (\S+) +(.*)$/.exec(line);
  if (m && cur) cur.commands.push(m[1]);
}

function parseHelp(name) {
  const text = virsh('-q', 'help', name);
  const sec = (title) => {
    const i = text.indexOf(`  ${title}\n`);
    if (i < 0) return null;
    const rest = text.slice(i + title.length + 3);
    const end = rest.search(/\n\n  [A-Z]+\n|\n\n$/);
    return rest.slice(0, end < 0 ? rest.length : end);
  };
  const nameLine = sec('NAME');
  const help = nameLine.slice(nameLine.indexOf(' - ') + 3);
  const synopsis = sec('SYNOPSIS').trim();
  const descRaw = sec('DESCRIPTION');
  const desc = descRaw === null ? '' : descRaw.replace(/^    /, '');
  const opts = [];
  const optText = sec('OPTIONS');
  if (optText) {
    for (const line of optText.split("\n").filter((l) => l !== "")) {
      // a help string with a newline continues on a line of its own (numatune --mode)
      if (!line.startsWith('    ') && opts.length) { opts[opts.length - 1].help += `\n${line}`; continue; }
      const m = /^    (?:\[--(?<d>[\w-]+)\] <(?<dt>string|number)>|--(?<s>[\w-]+) <(?<st>string|number)>|--(?<b>[\w-]+)|<(?<a>[\w-]+)>)(?: +)(?<h>.*)$/.exec(line);
      if (!m) throw new Error(`cannot parse option line of ${name}: ${JSON.stringify(line)}`);
      const g = m.groups;
      const h = g.h;
      if (g.d) {
        const esc = g.d.replace(/-/g, '\\-');
        const argv = new RegExp(`\\[\\[--${esc}\\] <string>\\]\\.\\.\\.|\\{\\[--${esc}\\] <string>\\}\\.\\.\\.`).test(synopsis);
        if (argv) opts.push({ name: g.d, type: 'argv', help: h, req: synopsis.includes(`{[--${g.d}] <string>}...`) });
        else opts.push({ name: g.d, type: g.dt === 'number' ? 'int' : 'data', help: h, req: true });
      } else if (g.s) opts.push({ name: g.s, type: g.st === 'number' ? 'int' : 'string', help: h });
      else if (g.b) opts.push({ name: g.b, type: 'bool', help: h });
      else opts.push({ name: g.a, type: 'argv', help: h, req: synopsis.includes(`<${g.a}>...`) && !synopsis.includes(`[<${g.a}>]...`) });
    }
  }
  // Which options bare words fill, in order: virsh -d 1 logs each assignment while parsing.
  const nonBool = opts.filter((o) => o.type !== 'bool');
  if (nonBool.length) {
    const words = nonBool.map((_, i) => `ZZ${i}`);
    const log = virsh('-d', '1', '-c', 'test:///default', [name, ...words].join(' '));
    let order = 0;
    for (const line of log.split('\n')) {
      const m = new RegExp(`^${name.replace(/[-]/g, '\\-')}: ([\\w-]+)\\(optdata\\): ZZ\\d+$`).exec(line);
      if (!m) continue;
      const o = opts.find((x) => x.name === m[1]);
      if (o && o.pos === undefined) o.pos = order++;
    }
  }
  if (JSON_CMDS.has(name)) {
    const last = opts[opts.length - 1];
    if (last && last.type === 'argv') opts.splice(opts.length - 1, 0, JSON_OPT); else opts.push(JSON_OPT);
  }
  for (const [alias, target] of Object.entries(ALIASES[name] ?? {})) opts.push({ name: alias, type: 'alias', help: target });
  return { help, desc, opts };
}

const out = [];
out.push('// GENERATED by src/cli/gen/virsh-meta.mjs from virsh 9.0\'s own help output — do not edit by hand.');
out.push('// tsvirsh\'s static command table: names, groups, option types, positional order and the help');
out.push('// strings, so help text and parse errors read exactly as virsh\'s. No code runs at import time.');
out.push("import type { CmdDef, GroupDef } from './defs.js';");
out.push('');
out.push('export const GROUPS: readonly GroupDef[] = ' + JSON.stringify(groups.filter((g) => g.commands.length), null, 1) + ';');
out.push('');
out.push('export const COMMANDS: Readonly<Record<string, CmdDef>> = {');
for (const g of groups) {
  for (const c of g.commands) {
    const h = parseHelp(c);
    const opts = h.opts.map((o) => {
      const f = [`n: ${JSON.stringify(o.name)}`, `t: '${o.type}'`];
      if (o.req) f.push('req: true');
      if (o.pos !== undefined) f.push(`pos: true`);
      f.push(`h: ${JSON.stringify(o.help)}`);
      return `{ ${f.join(', ')} }`;
    });
    out.push(`  ${JSON.stringify(c)}: { group: ${JSON.stringify(g.keyword)}, impl: '${moduleOf.get(c) ?? ''}', help: ${JSON.stringify(h.help)}, desc: ${JSON.stringify(h.desc)}, opts: [`);
    for (const o of opts) out.push(`    ${o},`);
    out.push('  ] },');
  }
}
out.push('};');
const missing = [...moduleOf.keys()].filter((c) => !groups.some((g) => g.commands.includes(c)));
if (missing.length) throw new Error('not in virsh help: ' + missing.join(', '));
process.stdout.write(out.join('\n') + '\n');
