#!/usr/bin/env bash
# Wall time of the default node scan against its floor, on the e2e kind cluster
# (hack/kind-up.sh or the cluster of HARDEN_KUBECONFIG), RUNS times each, interleaved:
#
#   floor  a bare pod per node, all nodes in parallel: create (pinned with nodeName, image
#          HARDEN_DEBUG_IMAGE) -> Succeeded -> logs -> delete (grace 0), with kubectl, in the
#          existing namespace BENCH_NAMESPACE (created once, deleted at the end). That is what
#          any debug-pod scanner needs at least; the kubectl process starts (4 per node) are
#          part of it, so the floor is a little generous.
#   scan   kubectl harden scan nodes -o json (temporary namespace, the default path)
#
# Prints every run, the medians and the ratio scan/floor (issue 10: at most 1.5).
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RUNS=${RUNS:-5}
NS=${BENCH_NAMESPACE:-harden-bench-floor}
IMAGE=${HARDEN_DEBUG_IMAGE:-busybox:1.37.0}
POLICY=${HARDEN_IMAGE_PULL_POLICY:-IfNotPresent}
k() { kubectl --kubeconfig "$HARDEN_KUBECONFIG" "$@"; }
mapfile -t nodes < <(k get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
k create namespace "$NS" >/dev/null 2>&1 || true
k label namespace "$NS" pod-security.kubernetes.io/enforce=privileged --overwrite >/dev/null
trap 'k delete namespace "$NS" --wait=false >/dev/null 2>&1 || true' EXIT

floor_node() {
  local node=$1 name="floor-$1-$RANDOM"
  name=${name:0:63}
  k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $name}
spec:
  nodeName: $node
  restartPolicy: Never
  automountServiceAccountToken: false
  tolerations: [{operator: Exists}]
  containers:
  - {name: c, image: "$IMAGE", imagePullPolicy: $POLICY, command: [sh, -c, "echo ok"]}
EOF
  k -n "$NS" wait --for=jsonpath='{.status.phase}'=Succeeded "pod/$name" --timeout=120s >/dev/null
  k -n "$NS" logs "$name" >/dev/null
  k -n "$NS" delete pod "$name" --grace-period=0 --force >/dev/null 2>&1
}

floor() {
  local pids=() rc=0
  for n in "${nodes[@]}"; do floor_node "$n" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}

scan() {
  local out
  out=$(kubectl harden --kubeconfig "$HARDEN_KUBECONFIG" scan nodes -o json 2>/dev/null) || true
  [[ $out == "{"* ]] || { echo "scan printed no JSON report" >&2; return 1; }
}

now() { date +%s.%N; }
floors=() scans=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now); floor; t1=$(now); scan; t2=$(now)
  floors+=("$(echo "$t1 - $t0" | bc)") scans+=("$(echo "$t2 - $t1" | bc)")
  printf 'run %d: floor %.2f s, scan %.2f s\n' "$i" "${floors[-1]}" "${scans[-1]}"
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
f=$(median "${floors[@]}") s=$(median "${scans[@]}")
printf 'nodes: %d, runs: %d\nmedian floor (bare pod per node): %.2f s\nmedian scan nodes:               %.2f s\nratio scan/floor:                %.2f\n' \
  "${#nodes[@]}" "$RUNS" "$f" "$s" "$(echo "$s / $f" | bc -l)"
