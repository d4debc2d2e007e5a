#!/usr/bin/env bash
# Run every fuzz target of the module for a short time each (FUZZTIME, default 20s).
# `go test ./...` already runs each target's seed corpus; this explores further.
#
# A fuzz target finds bugs only while it executes new inputs. `go test -fuzz` instruments
# every package the test binary links and, on every run, resets and scans all of their
# coverage counters: linking client-go's clientset alone made a trivial target run about
# 300 times slower (43 000 → 150 runs/s), and each new input then took seconds to minimise.
# pkg/rbac and pkg/workloads therefore keep their client-go code in files built without the
# harden_fuzz tag, which this script sets, and it fails if a clientset creeps back into
# them. Minimisation is bounded too (FUZZMINIMIZETIME, default 2s).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20s}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-2s}
status=0
for pkg in ./pkg/rbac ./pkg/workloads; do
  if go list -tags harden_fuzz -deps "$pkg" | grep -qx 'k8s.io/client-go/kubernetes'; then
    echo "$pkg links k8s.io/client-go/kubernetes under -tags harden_fuzz: give the file that imports it //go:build !harden_fuzz" >&2
    status=1
  fi
done
while read -r pkg; do
  for target in $(go test -tags harden_fuzz -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "=== fuzz $pkg $target ($FUZZTIME)"
    go test -tags harden_fuzz -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" "$pkg" || status=1
  done
done < <(go list ./pkg/... ./internal/...)
exit $status
