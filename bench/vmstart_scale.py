#!/usr/bin/python3
"""vmstart_scale.py - N guests started at once, and the daemon's memory per running guest.

For each --uri (any daemon speaking libvirt's protocol with a QEMU driver), with the same
guest as /work/shared/bench/vmstart.py (TCG, 1 vCPU, direct kernel boot, file serial):

  one_ms        median of --reps single dom.create() calls (each destroyed again)
  all_ms        N threads, each with its own connection, call dom.create() together:
                wall time until the last one returned
  all_over_one  all_ms / one_ms  (goal for tsvirtd: <= 2)
  rss0_kib      daemon VmRSS with no guest running (after one warm start/destroy)
  rssN_kib      daemon VmRSS with the N guests running
  per_guest_kib (rssN - rss0) / N  (goal for tsvirtd: < 1024)
  destroy_all_ms  N concurrent dom.destroy() calls

and the floor (unless --no-bare): N bare QEMUs with the same guest launched together, exec until
each QMP answered query-status. On a 2-core machine N TCG QEMUs initialising at once are
CPU-bound, so the floor itself is far above 2x one start; compare all_ms with it.

JSON lines on stdout (one per URI), a short table on stderr. The domains are named
vmstart-scale-<pid>-<i> and removed at the end (also on Ctrl-C).
Run with /usr/bin/python3 (it needs the libvirt module).
"""
import argparse
import json
import os
import re
import signal
import socket
import statistics
import struct
import sys
import threading
import time

import libvirt

libvirt.registerErrorHandler(lambda *_: None, None)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def daemon_pid(uri):
    m = re.search(r'socket=([^&]+)', uri)
    path = m.group(1) if m else '/run/libvirt/libvirt-sock'
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    cred = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i'))
    s.close()
    return struct.unpack('3i', cred)[0]


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def domain_xml(name, a, serial):
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>{a.memory_mib}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{a.kernel}</kernel><initrd>{a.initrd}</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline></os>
  <features><acpi/><apic/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'><source path='{serial}'/><target port='0'/></serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>"""


def proc_cpu_ms(pid):
    """user + system CPU time a process has used so far, in ms."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf('SC_CLK_TCK')


def bare_floor(a, workdir, n, paused=False):
    """n bare QEMUs (same guest, -qmp) launched together: exec until every QMP answered query-status.
    paused=True adds -S: the guests do not run, so what is left is QEMU's own start-up, whose
    CPU time (summed over the n processes, divided by the cores) is the least any manager can
    need to start n guests at once on this machine. Returns (ms, summed CPU ms at QMP ready)."""
    import subprocess

    def argv(i):
        return ['/usr/bin/qemu-system-x86_64', '-name', f'vmstart-scale-bare{i}', '-machine', 'pc,accel=tcg', '-cpu', 'qemu64',
                '-m', str(a.memory_mib), '-smp', '1', '-nodefaults', '-no-user-config', '-display', 'none',
                '-kernel', a.kernel, '-initrd', a.initrd, '-append', 'console=ttyS0 panic=-1 quiet',
                '-serial', f'file:{workdir}/bare{i}.serial', '-qmp', f'unix:{workdir}/bare{i}.qmp,server=on,wait=off'] + (['-S'] if paused else [])

    def ready(i, deadline, ends):
        while time.perf_counter() < deadline:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(f'{workdir}/bare{i}.qmp')
                f = s.makefile('rw')
                f.readline()
                for cmd in ('qmp_capabilities', 'query-status'):
                    f.write(json.dumps({'execute': cmd}) + '\n'); f.flush(); f.readline()
                s.close()
                ends[i] = time.perf_counter()
                return
            except OSError:
                time.sleep(0.002)

    for i in range(n):
        if os.path.exists(f'{workdir}/bare{i}.qmp'):
            os.unlink(f'{workdir}/bare{i}.qmp')
    ends = [0.0] * n
    t0 = time.perf_counter()
    procs = [subprocess.Popen(argv(i), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(n)]
    try:
        threads = [threading.Thread(target=ready, args=(i, t0 + 60, ends)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cpu = sum(proc_cpu_ms(p.pid) for p in procs)
        return (max(ends) - t0) * 1e3, cpu
    finally:
        for p in procs:
            p.kill()
            p.wait()


def run_target(uri, label, a, workdir):
    conn = libvirt.open(uri)
    pid = daemon_pid(uri)
    names = [f'vmstart-scale-{os.getpid()}-{i}' for i in range(a.n)]
    doms = [conn.defineXML(domain_xml(n, a, os.path.join(workdir, f'{label}-{n}.serial'))) for n in names]
    try:
        # Warm-up (capabilities, first QMP, code paths), then the single-start figure.
        doms[0].create(); doms[0].destroy()
        ones = []
        for _ in range(a.reps):
            t0 = time.perf_counter(); doms[0].create(); ones.append((time.perf_counter() - t0) * 1e3)
            time.sleep(0.2); doms[0].destroy(); time.sleep(0.2)
        time.sleep(1.0)
        rss0 = rss_kib(pid)

        conns = [libvirt.open(uri) for _ in range(a.n)]
        mine = [c.lookupByName(n) for c, n in zip(conns, names)]
        barrier = threading.Barrier(a.n + 1)
        errors = []
        ends = [0.0] * a.n

        def starter(i):
            barrier.wait()
            try:
                mine[i].create()
            except libvirt.libvirtError as e:
                errors.append(str(e))
            ends[i] = time.perf_counter()

        threads = [threading.Thread(target=starter, args=(i,)) for i in range(a.n)]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        all_ms = (max(ends) - t0) * 1e3
        time.sleep(a.settle)
        rssn = rss_kib(pid)
        running = sum(1 for d in mine if d.isActive())

        def destroyer(i):
            try:
                mine[i].destroy()
            except libvirt.libvirtError as e:
                errors.append(str(e))

        t1 = time.perf_counter()
        threads = [threading.Thread(target=destroyer, args=(i,)) for i in range(a.n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        destroy_ms = (time.perf_counter() - t1) * 1e3
        for c in conns:
            c.close()
        one = statistics.median(ones)
        return {'type': 'scale', 'label': label, 'uri': uri, 'n': a.n, 'one_ms': round(one, 1), 'one_all': [round(x, 1) for x in ones],
                'all_ms': round(all_ms, 1), 'all_over_one': round(all_ms / one, 2), 'running': running,
                'rss0_kib': rss0, 'rssN_kib': rssn, 'per_guest_kib': round((rssn - rss0) / a.n, 1),
                'destroy_all_ms': round(destroy_ms, 1), 'errors': errors, 'loadavg': os.getloadavg()[0]}
    finally:
        for d in doms:
            try:
                if d.isActive():
                    d.destroy()
            except libvirt.libvirtError:
                pass
            try:
                d.undefine()
            except libvirt.libvirtError:
                pass
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--uri', action='append', required=True)
    ap.add_argument('--label', action='append')
    ap.add_argument('--n', type=int, default=10)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--no-bare', dest='bare', action='store_false', help='skip the bare-QEMU concurrent floor')
    ap.add_argument('--settle', type=float, default=2.0, help='seconds between the starts and the RSS sample')
    ap.add_argument('--memory-mib', type=int, default=128)
    ap.add_argument('--kernel', default='/work/main/.guest/vmlinuz')
    ap.add_argument('--initrd', default='/work/main/.guest/initrd.gz')
    ap.add_argument('--workdir', default=f'/tmp/vmstart-scale-{os.getpid()}')
    a = ap.parse_args()
    labels = a.label or [chr(65 + i) for i in range(len(a.uri))]
    os.makedirs(a.workdir, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        if a.bare:
            ones = sorted(bare_floor(a, a.workdir, 1)[0] for _ in range(a.reps))
            one = ones[len(ones) // 2]
            time.sleep(0.5)
            all_ms = bare_floor(a, a.workdir, a.n)[0]
            r = {'type': 'scale', 'label': 'bare', 'n': a.n, 'one_ms': round(one, 1), 'all_ms': round(all_ms, 1),
                 'all_over_one': round(all_ms / one, 2), 'loadavg': os.getloadavg()[0]}
            print(json.dumps(r), flush=True)
            log(f"  bare qemu floor: one {r['one_ms']} ms, {a.n} at once {r['all_ms']} ms (x{r['all_over_one']})")
            time.sleep(1.0)
            # QEMU's own start-up CPU (paused guests): the physical floor for n at once here
            pone = sorted(bare_floor(a, a.workdir, 1, paused=True) for _ in range(a.reps))
            p_one_ms, p_one_cpu = pone[len(pone) // 2]
            time.sleep(0.5)
            p_all_ms, p_all_cpu = bare_floor(a, a.workdir, a.n, paused=True)
            cores = os.cpu_count() or 1
            cpu_floor_ms = p_all_cpu / cores
            r = {'type': 'scale', 'label': 'bare-paused', 'n': a.n, 'one_ms': round(p_one_ms, 1), 'one_cpu_ms': p_one_cpu,
                 'all_ms': round(p_all_ms, 1), 'all_cpu_ms': p_all_cpu, 'cores': cores,
                 'cpu_floor_ms': round(cpu_floor_ms, 1), 'all_over_one': round(p_all_ms / p_one_ms, 2),
                 'cpu_floor_over_one': round(cpu_floor_ms / p_one_ms, 2), 'loadavg': os.getloadavg()[0]}
            print(json.dumps(r), flush=True)
            log(f"  bare qemu -S (start-up only): one {r['one_ms']} ms ({p_one_cpu:.0f} ms CPU), {a.n} at once {r['all_ms']} ms "
                f"(x{r['all_over_one']}); {a.n} start-ups need {p_all_cpu:.0f} ms CPU = {cpu_floor_ms:.0f} ms on {cores} cores "
                f"= x{r['cpu_floor_over_one']} of one start-up at the very least")
            time.sleep(1.0)
        for uri, label in zip(a.uri, labels):
            r = run_target(uri, label, a, a.workdir)
            print(json.dumps(r), flush=True)
            log(f"  {label}: one {r['one_ms']} ms, {a.n} at once {r['all_ms']} ms (x{r['all_over_one']}), "
                f"running {r['running']}/{a.n}, RSS {r['rss0_kib']} -> {r['rssN_kib']} KiB "
                f"({r['per_guest_kib']} KiB/guest), destroy all {r['destroy_all_ms']} ms, errors {len(r['errors'])}")
    finally:
        for f in os.listdir(a.workdir):
            os.unlink(os.path.join(a.workdir, f))
        os.rmdir(a.workdir)


if __name__ == '__main__':
    main()
