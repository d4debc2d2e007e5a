#!/usr/bin/env bash
# Wall time of real scans: one node versus every node, RUNS times each, against the
# e2e kind cluster (hack/kind-up.sh). With parallel scanning, `scan nodes` should cost
# about one pod start, not one per node. Prints each run and the median.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RUNS=${RUNS:-5}
first=$(harden::kubectl get nodes -o jsonpath='{.items[0].metadata.name}')
count=$(harden::kubectl get nodes --no-headers | wc -l)
measure() {
  local label=$1; shift
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N)
    kubectl harden --kubeconfig "$HARDEN_KUBECONFIG" "$@" -o json >/dev/null
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s: %s s (runs: %s)\n' "$label" \
    "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" "${times[*]}"
}
measure "scan node/$first (1 node)" scan "node/$first"
measure "scan nodes ($count nodes)" scan nodes
