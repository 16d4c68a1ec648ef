// The QEMU driver's host answers read from the kernel: CPU time from /proc/stat (libvirt's
// field sums and order), free pages per NUMA node from /sys (system pages from MemFree, huge
// pages from free_hugepages), with libvirt's errors; and the CPU map's model names.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuModelNames, hostCpuStats, hostFreePages } from '../../../src/drivers/qemu/host_extra.js';
import { ErrorNumber } from '../../../src/util/error.js';

const STAT = 'cpu  100 5 40 900 7 2 3 0 0 0\ncpu0 60 5 20 400 3 1 1 0 0 0\ncpu1 40 0 20 500 4 1 2 0 0 0\nintr 1\n';

test('node CPU stats: kernel = system+irq+softirq, user = user+nice, in ns (USER_HZ 100), per CPU or all', () => {
  assert.deepEqual(hostCpuStats(-1, 0, 0, STAT), { params: [], nparams: 4 });
  assert.deepEqual(hostCpuStats(-1, 4, 0, STAT).params, [
    { field: 'kernel', value: 450_000_000 }, { field: 'user', value: 1_050_000_000 },
    { field: 'idle', value: 9_000_000_000 }, { field: 'iowait', value: 70_000_000 },
  ]);
  assert.equal(hostCpuStats(1, 4, 0, STAT).params[1]!.value, 400_000_000);
  assert.throws(() => hostCpuStats(7, 4, 0, STAT), { message: 'Invalid cpuNum in virHostCPUGetStatsLinux' });
  assert.throws(() => hostCpuStats(-1, 2, 0, STAT), { message: 'nparams in virHostCPUGetStatsLinux must be equal to 4' });
  assert.throws(() => hostCpuStats(-1, 4, 1, STAT), (e: { code: number }) => e.code === ErrorNumber.INVALID_ARG);
  // the real file parses too
  assert.equal(hostCpuStats(-1, 4, 0).params.length, 4);
});

test('free pages per node from a /sys tree: MemFree for 4 KiB pages, free_hugepages for huge ones', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsvirt-sysnode-'));
  try {
    for (const [n, free, huge] of [[0, 8000, 5], [1, 4004, 7]] as const) {
      mkdirSync(join(root, `node${n}`, 'hugepages', 'hugepages-2048kB'), { recursive: true });
      writeFileSync(join(root, `node${n}`, 'meminfo'), `Node ${n} MemTotal:  16000 kB\nNode ${n} MemFree:   ${free} kB\n`);
      writeFileSync(join(root, `node${n}`, 'hugepages', 'hugepages-2048kB', 'free_hugepages'), `${huge}\n`);
    }
    assert.deepEqual(hostFreePages([4, 2048], 0, 2, 0, root), [2000, 5, 1001, 7]);
    // the cell count is clipped to the last node
    assert.deepEqual(hostFreePages([2048], 1, 5, 0, root), [7]);
    assert.throws(() => hostFreePages([4], 2, 1, 0, root), { message: 'internal error: start cell 2 out of range (0-1)' });
    assert.throws(() => hostFreePages([1048576], 0, 1, 0, root), { message: 'Requested operation is not valid: page size 1048576 is not available on node 0' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CPU model names come from the CPU map, with the errors of the arch lookup', () => {
  assert.equal(cpuModelNames('x86_64', 0)[0], '486');
  assert.deepEqual(cpuModelNames('aarch64', 0), []);
  assert.throws(() => cpuModelNames('x86', 0), { message: 'invalid argument: cannot find architecture x86' });
  assert.throws(() => cpuModelNames('mips', 0), { message: "this function is not supported by the connection driver: 'mips' architecture is not supported by CPU driver" });
});
