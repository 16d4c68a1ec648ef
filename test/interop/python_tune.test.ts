// python3-libvirt 9.0.0 (the C library's remote driver) against tsvirtd for the tuning calls:
// blkio, interface and block I/O tune parameters, set and read back, with their errors. The
// same script runs through tsvirtd and on libvirt's in-process test driver; results must match.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { noPythonLibvirt, runPython } from './python_lib.js';
import { spawnDaemon, type SpawnedDaemon } from '../daemon/spawn.js';

const skip = noPythonLibvirt;

const SCRIPT = String.raw`
import sys, libvirt
libvirt.registerErrorHandler(lambda ctx, err: None, None)
c = libvirt.open(sys.argv[1])
d = c.lookupByName('test')
out = []
def err(f):
    try: out.append(('ok', f()))
    except libvirt.libvirtError as e: out.append(('error', e.get_error_code(), e.get_error_domain(), e.get_error_message()))
    except TypeError as e: out.append(('TypeError',))
err(lambda: d.setBlkioParameters({'weight': 77, 'device_weight': '/dev/sda,5,/dev/sdb,6', 'device_read_bytes_sec': '/dev/sdb,9'}, 0))
err(lambda: sorted(d.blkioParameters(0).items()))
err(lambda: sorted(d.blkioParameters(libvirt.VIR_DOMAIN_AFFECT_CONFIG).items()))
err(lambda: d.setBlkioParameters({'device_weight': '/dev/sda'}, 0))
err(lambda: d.setInterfaceParameters('testnet0', {'inbound.average': 9, 'inbound.floor': 2, 'outbound.average': 3, 'outbound.peak': 4}, 0))
err(lambda: sorted(d.interfaceParameters('aa:bb:cc:dd:ee:ff', 0).items()))
err(lambda: d.interfaceParameters('nope', 0))
err(lambda: d.setBlockIoTune('vda', {'total_bytes_sec': 10, 'total_bytes_sec_max': 20, 'group_name': 'gg'}, 0))
err(lambda: sorted(d.blockIoTune('vda', 0).items()))
err(lambda: d.setBlockIoTune('vda', {'read_bytes_sec': 1}, 0))
err(lambda: d.setBlockIoTune('vda', {'size_iops_sec': 10**15 + 1}, 0))
err(lambda: d.blockIoTune('nope', 0))
err(lambda: d.blockIoTune('vda', libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG))
err(lambda: d.XMLDesc(0).count('<bandwidth>') + d.XMLDesc(0).count('<iotune>') + d.XMLDesc(0).count('<blkiotune>'))
print(repr(out))
`;

function runScript(uri: string): string {
  const r = runPython(SCRIPT, [uri], 30000);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('python3-libvirt tuning calls through tsvirtd', { skip }, () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\n' }); });
  after(async () => { await d.stop(); });
  it('answer as libvirt\'s test driver, values and errors alike', () => {
    const want = runScript('test:///default');
    assert.equal(runScript(`test+unix:///default?socket=${d.rw}`), want);
    // the sets took effect: weight, the merged device lists, rates and throttles read back
    assert.match(want, /\('weight', 77\)/);
    assert.match(want, /\('device_weight', '\/dev\/sda,5,\/dev\/sdb,6'\)/);
    assert.match(want, /\('inbound\.floor', 2\)/);
    assert.match(want, /\('group_name', 'gg'\)/);
  });
});
