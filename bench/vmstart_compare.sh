#!/bin/sh
# vmstart_compare.sh: QEMU-driver start/destroy latency of tsvirtd and of the real libvirtd 9.0,
# in the same run, against the bare-QEMU floor (/work/shared/bench/vmstart.py), then N guests
# started at once and the daemon's RSS per running guest (bench/vmstart_scale.py).
#
#   sudo bench/vmstart_compare.sh [REPS] [N]        (root: both daemons run system mode)
#
# Both daemons run from a temp dir and are stopped (by their pid) at the end:
# - tsvirtd --root TMP/ts with drivers = ["qemu"], auth none;
# - libvirtd with its own libvirtd.conf (unix_sock_dir, pid file, auth none), started inside a
#   private mount namespace where /etc/libvirt, /run/libvirt, /var/{lib,log,cache}/libvirt,
#   /etc/passwd and /etc/group are bind-mounted temp copies: qemu.conf sets user/group root,
#   no security driver and stdio_handler=file (no virtlogd), and passwd gains the
#   'libvirt-qemu' user that libvirt 9.0 resolves (compiled-in default) before it reads
#   qemu.conf. Without that user its QEMU driver fails to initialise:
#   "Failed to parse user 'libvirt-qemu'". Nothing on the host is changed.
set -eu
REPS=${1:-8}
N=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
SHARED=${TSVIRT_SHARED_BENCH:-/work/shared/bench}
KERNEL=${TSVIRT_GUEST_KERNEL:-$REPO/.guest/vmlinuz}
INITRD=${TSVIRT_GUEST_INITRD:-$REPO/.guest/initrd.gz}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/vmcmp-XXXXXX)
TSPID=""
LVPID=""

cleanup() {
  [ -n "$TSPID" ] && kill "$TSPID" 2>/dev/null || true
  [ -f "$T/lv/libvirtd.pid" ] && kill "$(cat "$T/lv/libvirtd.pid")" 2>/dev/null || true
  sleep 1
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

# ---- tsvirtd
mkdir -p "$T/ts/etc/tsvirt"
printf 'drivers = ["qemu"]\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n' > "$T/ts/etc/tsvirt/tsvirtd.conf"
node "$REPO/bin/tsvirtd" --root "$T/ts" -f "$T/ts/etc/tsvirt/tsvirtd.conf" > "$T/tsvirtd.log" 2>&1 &
TSPID=$!
TS_URI="qemu+unix:///system?socket=$T/ts/run/tsvirt/tsvirt-sock"

# ---- libvirtd
L="$T/lv"
mkdir -p "$L/run" "$L/etc" "$L/varlib" "$L/runlv" "$L/log" "$L/cache"
cp -a /etc/libvirt/. "$L/etc/"
printf 'user = "root"\ngroup = "root"\ndynamic_ownership = 0\nsecurity_driver = "none"\nstdio_handler = "file"\n' > "$L/etc/qemu.conf"
cat > "$L/libvirtd.conf" <<EOF
unix_sock_dir = "$L/run"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:$L/libvirtd.log"
EOF
cp /etc/passwd "$L/passwd"; cp /etc/group "$L/group"
grep -q '^libvirt-qemu:' "$L/passwd" || echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >> "$L/passwd"
grep -q '^libvirt-qemu:' "$L/group" || echo 'libvirt-qemu:x:64055:' >> "$L/group"
cat > "$L/start.sh" <<'EOF'
#!/bin/sh
L=$1
mount --bind "$L/etc" /etc/libvirt
mount --bind "$L/passwd" /etc/passwd
mount --bind "$L/group" /etc/group
for d in varlib:/var/lib/libvirt runlv:/run/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
  mkdir -p "${d#*:}"; mount --bind "$L/${d%%:*}" "${d#*:}"
done
exec /usr/sbin/libvirtd -f "$L/libvirtd.conf" -p "$L/libvirtd.pid"
EOF
chmod +x "$L/start.sh"
unshare -m --propagation private "$L/start.sh" "$L" > "$L/stdout.log" 2>&1 &
LV_URI="qemu+unix:///system?socket=$L/run/libvirt-sock"

for i in $(seq 50); do
  [ -S "$T/ts/run/tsvirt/tsvirt-sock" ] && [ -S "$L/run/libvirt-sock" ] && break
  sleep 0.2
done
if ! virsh -q -c "$LV_URI" version >/dev/null 2>&1; then
  echo "libvirtd's QEMU driver is not usable here:" >&2
  grep -E 'error' "$L/libvirtd.log" | tail -n 3 >&2
  LV_URI=""
fi

echo "== vmstart.py: start/destroy vs the bare-QEMU floor ($REPS reps, abba)" >&2
$PY "$SHARED/vmstart.py" --uri "$TS_URI" --label tsvirtd ${LV_URI:+--uri "$LV_URI" --label libvirtd} \
  --kernel "$KERNEL" --initrd "$INITRD" --reps "$REPS" --hello-reps 2 --order abba --json-out "$T/vmstart.jsonl" >/dev/null
echo "== vmstart_scale.py: $N guests at once, daemon RSS per running guest" >&2
$PY "$HERE/vmstart_scale.py" --uri "$TS_URI" --label tsvirtd ${LV_URI:+--uri "$LV_URI" --label libvirtd} --n "$N" \
  --kernel "$KERNEL" --initrd "$INITRD" > "$T/scale.jsonl"
cat "$T/vmstart.jsonl" "$T/scale.jsonl"
