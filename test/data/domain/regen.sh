#!/bin/sh
# Regenerate the golden NAME.expected.xml files from the real libvirt 9.0 test driver.
# Run by hand after adding or changing an input (tests never run this):
#   sh test/data/domain/regen.sh            # all inputs
#   sh test/data/domain/regen.sh full.xml   # some
# Each input must carry its own <uuid> and <mac> addresses so the output is reproducible.
# Inputs named testdriver-*.xml exercise the test driver's own define-time additions;
# all others only behaviour of libvirt's generic XML layer (see test/conf/domain.test.ts).
set -e
cd "$(dirname "$0")"
[ $# -gt 0 ] || set -- $(ls *.xml | grep -v '\.\(expected\|redefined\)\.xml$')
for f in "$@"; do
  name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$f" | head -n 1)
  out="${f%.xml}.expected.xml"
  # drop virsh's "Domain ... defined" banner and the blank lines around the document
  virsh -q -c test:///default "define $f; dumpxml $name --inactive" |
    awk 'NR <= 2 && (/^Domain .* defined from / || /^$/) { next } { buf[++n] = $0 }
         END { while (n > 0 && buf[n] == "") n--; for (i = 1; i <= n; i++) print buf[i] }' > "$out"
  echo "wrote $out"
  # libvirt does not always give back the same document when its output is defined again
  # (disks regroup once their default buses are written out): keep that second form too
  again="${f%.xml}.redefined.xml"
  virsh -q -c test:///default "define $out; dumpxml $name --inactive" |
    awk 'NR <= 2 && (/^Domain .* defined from / || /^$/) { next } { buf[++n] = $0 }
         END { while (n > 0 && buf[n] == "") n--; for (i = 1; i <= n; i++) print buf[i] }' > "$again"
  if cmp -s "$out" "$again"; then rm "$again"; else echo "wrote $again"; fi
done
