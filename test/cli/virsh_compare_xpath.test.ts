// `--xpath` / `--wrap` of the dumpxml commands against the real virsh 9.0: full XPath 1.0
// (unions, predicates, functions, text and attribute nodes, relative paths), nodes printed as
// libxml2 dumps them, and the errors for expressions that select no node set.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { def, noVirsh, same as sameIn } from './compare_lib.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const skip = noVirsh;
const same = (cmds: string) => sameIn(def(cmds), { timeout: 15000 });

let dir = '';
let md = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirsh-xpath-'));
  md = join(dir, 'md.xml');
  writeFileSync(md, `<domain type='test'><name>md</name><memory>1024</memory><description>a &amp; b &lt;c&gt; "q"</description>
<metadata><app1:foo xmlns:app1="http://app1.org/app1/">..</app1:foo><app2:bar xmlns:app2="http://app1.org/app2/"><x a='1&amp;"'/>t</app2:bar></metadata>
<os><type>hvm</type></os></domain>\n`);
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

const EXPRS = ['//disk/target/@dev', '/domain/name', '//target', '//name/text()', '//os', 'devices/disk/target', '//nosuch',
  "//interface[@type='network']/mac/@address", '/domain/devices/*[1]', '//disk/target/@dev | //interface/@type | //name',
  '//*[starts-with(name(), "on_")]', '//comment()', '/', '/ | //name', '//devices/*[position() > 1]'];

test('domain XML: each expression plain and wrapped, as virsh prints it', { skip }, () => {
  const cmds = EXPRS.map((x) => `dumpxml test --xpath '${x}'; dumpxml test --xpath '${x}' --wrap`).join('; ');
  const r = same(cmds);
  assert.match(r.stdout, /^ dev="vda"\n/m);
  assert.match(r.stdout, /<nodes dev="vda"\/>/);
});

test('escaping, namespaces and text nodes', { skip }, () => {
  same(`define ${md}; dumpxml md --xpath //metadata; dumpxml md --xpath //description/text(); dumpxml md --xpath '//metadata/*' --wrap; `
    + 'dumpxml md --xpath //@a; dumpxml md --xpath //description --wrap');
});

test('every dumpxml command takes --xpath', { skip }, () => {
  same('pool-dumpxml default-pool --xpath //source; pool-dumpxml default-pool --xpath //source --wrap; net-dumpxml default --xpath //ip; '
    + 'vol-dumpxml --pool default-pool nosuch --xpath //x; snapshot-create-as test s1; snapshot-dumpxml test s1 --xpath //state; '
    + 'snapshot-dumpxml test s1 --xpath //disk --wrap; iface-dumpxml eth1 --xpath //ip/@address');
});

test('expressions that are not node sets, and bad ones', { skip }, () => {
  const r = same("dumpxml test --xpath 'count(//disk)'; dumpxml test --xpath 'string(//name)'; dumpxml test --xpath \"'abc'\"");
  assert.match(r.stderr, /error: internal error: Incorrect xpath 'count\(\/\/disk\)'/);
  same("dumpxml test --xpath 'foo()'; dumpxml test --xpath '1 +'; dumpxml test --xpath '//b['");
});
