#!/usr/bin/env bash
# `kubectl harden diff` on a 1 000-node report against itself, as users run it: a report made
# offline from the evidence fixtures (3 control-plane and 997 worker nodes, about 50 MB of JSON),
# written as JSON and as YAML, then diffed. Prints wall time, CPU time (user+sys, which a busy
# machine inflates less than wall time) and peak RSS per run, from GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${NODES:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/kubectl-harden" ./cmd/kubectl-harden
mkdir "$work/evidence"
for i in $(seq 0 $((NODES - 1))); do
  src=pkg/evidence/testdata/kind-worker.json
  [ "$i" -lt 3 ] && src=pkg/evidence/testdata/kind-control-plane.json
  sed "s/\"nodeName\": *\"[^\"]*\"/\"nodeName\": \"node-$(printf %04d "$i")\"/" "$src" > "$work/evidence/node-$i.json"
done
"$work/kubectl-harden" scan --from-evidence "$work/evidence" -o json > "$work/report.json"
"$work/kubectl-harden" scan --from-evidence "$work/evidence" -o yaml > "$work/report.yaml"
for f in "$work/report.json" "$work/report.yaml"; do echo "$(wc -c <"$f") $f"; done
for f in report.json report.yaml; do
  /usr/bin/time -f "diff $f: wall %es, cpu %Us user + %Ss sys, peak RSS %MkB, exit %x" \
    "$work/kubectl-harden" diff "$work/$f" "$work/$f" > /dev/null
done
