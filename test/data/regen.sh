#!/bin/bash
# Regenerate the expected outputs of the conf golden tests from the real libvirt 9.0 test
# driver (virsh -c test:///default). Inputs are NAME.xml; expected outputs NAME.out.xml.
# Review the diff before committing: these files are the reference our formatters must match.
#   network/NAME.xml       net-define + net-dumpxml
#   storage/pool/NAME.xml  pool-define + pool-dumpxml (the test driver reports 100 GiB capacity)
#   storage/vol/NAME.xml   vol-create default-pool + vol-dumpxml (key/path set by the driver)
#   snapshot/NAME.xml      snapshot-create test --redefine + snapshot-dumpxml
#   checkpoint/NAME.xml    checkpoint-create test --redefine + checkpoint-dumpxml
#   capabilities/test-default.out.xml  virsh capabilities
#   interface/NAME.xml     iface-define + iface-dumpxml
set -euo pipefail
cd "$(dirname "$0")"
V="virsh -q -c test:///default"
# virsh adds a newline after each document: keep exactly one trailing newline
trim() { sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}'; }
name_of() { grep -m1 -o '<name>[^<]*</name>' "$1" | sed 's/<[^>]*>//g'; }

for f in network/*.xml; do
  case $f in *.out.xml) continue;; esac
  $V "net-define $f; net-dumpxml $(name_of "$f")" | grep -v '^Network .* defined from' | trim > "${f%.xml}.out.xml"
done
for f in storage/pool/*.xml; do
  case $f in *.out.xml) continue;; esac
  $V "pool-define $f; pool-dumpxml $(name_of "$f")" | grep -v '^Pool .* defined from' | trim > "${f%.xml}.out.xml"
done
for f in storage/vol/*.xml; do
  case $f in *.out.xml) continue;; esac
  $V "vol-create default-pool $f; vol-dumpxml --pool default-pool $(name_of "$f")" | grep -v '^Vol .* created from' | trim > "${f%.xml}.out.xml"
done
for f in snapshot/*.xml; do
  case $f in *.out.xml) continue;; esac
  $V "snapshot-create test $f --redefine; snapshot-dumpxml test $(name_of "$f")" 2>/dev/null \
    | grep -v '^Domain snapshot .* created from' | trim > "${f%.xml}.out.xml"
done
for f in checkpoint/*.xml; do
  case $f in *.out.xml) continue;; esac
  $V "checkpoint-create test $f --redefine; checkpoint-dumpxml test $(name_of "$f")" 2>/dev/null | trim > "${f%.xml}.out.xml"
done
$V capabilities | trim > capabilities/test-default.out.xml
for f in interface/*.xml; do
  case $f in *.out.xml) continue;; esac
  n=$(head -1 "$f" | grep -o "name='[^']*'" | head -1 | sed "s/name='\\(.*\\)'/\\1/")
  $V "iface-define $f; iface-dumpxml $n" | grep -v '^Interface .* defined from' | trim > "${f%.xml}.out.xml"
done
# node devices: the devices of the node document nodedev/node.xml, each as libvirt formats it
for n in $(grep -o '<name>[^<]*</name>' nodedev/node.xml | sed 's/<[^>]*>//g' | grep -v -e '^GVTg' -e '^i915$'); do
  virsh -q -c "test://$PWD/nodedev/node.xml" "nodedev-dumpxml $n" | trim > "nodedev/$n.out.xml"
done
