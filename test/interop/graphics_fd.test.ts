// REPLY_WITH_FDS end to end: the real python3-libvirt asks tsvirtd's QEMU driver for a socket
// connected to a guest's VNC server (virDomainOpenGraphicsFD, what virt-viewer and virt-manager
// use for local guests) and reads the VNC banner from the fd it received; errors as libvirt's;
// the daemon keeps no copy of the fds.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnDaemon } from '../daemon/spawn.js';
import { INITRD, KERNEL, skip as noGuest } from '../drivers/qemu/guest.js';
import { fdPass } from '../../src/util/fdpass.js';
import { open } from '../../src/api/index.js';

const PY = '/usr/bin/python3';
const skip = noGuest || (!fdPass() && 'built without the fd module') || (!fs.existsSync(PY) && `${PY} missing`);

test('python3-libvirt and the tsvirt library get a socket to the guest\'s VNC server (openGraphicsFD) through tsvirtd', { skip, timeout: 90_000 }, async () => {
  const d = await spawnDaemon({ config: 'drivers = [ "qemu" ]\n' });
  try {
    const xml = path.join(d.root, 'gfd.xml');
    fs.writeFileSync(xml, `<domain type='qemu'><name>gfd</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${KERNEL}</kernel><initrd>${INITRD}</initrd><cmdline>console=ttyS0</cmdline></os>
  <devices><graphics type='vnc' autoport='yes'/></devices></domain>\n`);
    const held = () => fs.readdirSync(`/proc/${d.proc.pid}/fd`).length;
    await new Promise((r) => setTimeout(r, 300));
    const before = held();
    const script = `
import libvirt, os, sys
c = libvirt.open(sys.argv[1])
d = c.createXML(open(sys.argv[2]).read(), 0)
for flags in (0, libvirt.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH):
    fd = d.openGraphicsFD(0, flags)
    print(os.read(fd, 12)); os.close(fd)
for idx, flags in ((3, 0), (0, 8)):
    try:
        d.openGraphicsFD(idx, flags)
    except libvirt.libvirtError as e:
        print(e.get_error_code(), e.get_error_message())
print(d.isActive())
d.destroy(); c.close()
`;
    const r = spawnSync(PY, ['-c', script, `qemu+unix:///system?socket=${d.rw}`, xml], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stdout, [
      "b'RFB 003.008\\n'", "b'RFB 003.008\\n'",
      '1 internal error: No graphics backend with index 3',
      '8 unsupported flags (0x8) in function qemuDomainOpenGraphicsFD',
      '1', '',
    ].join('\n'), r.stderr);
    // the tsvirt library gets the same socket (REPLY_WITH_FDS received with recvmsg)
    const conn = await open(`qemu+unix:///system?socket=${d.rw}`);
    try {
      const dom = await conn.createDomainXML(fs.readFileSync(xml, 'utf8'));
      const fd = await dom.openGraphicsFD(0);
      const banner = Buffer.alloc(12);
      fs.readSync(fd, banner, 0, 12, null);
      fs.closeSync(fd);
      assert.equal(banner.toString(), 'RFB 003.008\n');
      await assert.rejects(dom.openGraphicsFD(3), { message: 'internal error: No graphics backend with index 3' });
      // two at once on one connection: each reply's fd follows its own packet
      for (const f of await Promise.all([dom.openGraphicsFD(0), dom.openGraphicsFD(0, 1)])) {
        const b = Buffer.alloc(12);
        fs.readSync(f, b, 0, 12, null);
        fs.closeSync(f);
        assert.equal(b.toString(), 'RFB 003.008\n');
      }
      await dom.destroy();
    } finally { await conn.close(); }
    // guest gone, client gone: the daemon holds no socket pair end, nor the client's socket
    const deadline = Date.now() + 5000;
    while (held() > before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.ok(held() <= before, `daemon holds ${held()} fds, ${before} before`);
  } finally { await d.stop(); }
});
