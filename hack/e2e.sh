#!/usr/bin/env bash
# hack/e2e.sh — end-to-end tests of kubectl harden against a real kind cluster.
#
# Builds the plugin (hack/lib.sh), creates or reuses the kind cluster (hack/kind-up.sh),
# runs `go test -tags e2e ./test/e2e/...` and then deletes the cluster if this script
# created it. HARDEN_KEEP_CLUSTER=1 always keeps it, HARDEN_KEEP_CLUSTER=0 always
# deletes it. HARDEN_SKIP_E2E=1 skips everything (loudly); nothing else skips:
# without docker or a cluster the tests fail.
#
#   HARDEN_E2E_RUN       a -run regexp for go test (default: all tests)
#   HARDEN_E2E_TIMEOUT   go test -timeout (default 40m)
#   HARDEN_E2E_PARALLEL  go test -parallel: how many of the tests that only read the
#                        cluster run at once, after the sequential ones (default 4;
#                        they wait on the cluster, not on the CPU)
#   HARDEN_E2E_SHARDS    2 (default): the tests that restart control-plane components
#                        and kubelets (E2E_NODE_SHARD below; they mostly wait for a
#                        restart) run on a second cluster, HARDEN_KIND_CLUSTER-b, at the
#                        same time as the others; 1: every test on one cluster. The
#                        shards are -run and -skip of one regexp, so every test runs in
#                        exactly one of them. A HARDEN_E2E_RUN selection runs on one.
set -euo pipefail

if [[ "${HARDEN_SKIP_E2E:-0}" == 1 ]]; then
  echo "#####################################################################" >&2
  echo "### SKIPPED: e2e tests NOT run because HARDEN_SKIP_E2E=1 is set   ###" >&2
  echo "#####################################################################" >&2
  exit 0
fi

# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The tests that restart kube-apiserver, the controller manager, the scheduler or a
# kubelet and wait for them, or freeze a node: the second shard's cluster runs them.
E2E_NODE_SHARD='^(TestFixPlanApplyRollback|TestMutations|TestFixClusterObjects|TestScanRightAfterKubeletRestart|TestFaults)$'

shards=${HARDEN_E2E_SHARDS:-2}
[[ "$shards" == 1 || "$shards" == 2 ]] || harden::die "HARDEN_E2E_SHARDS=$shards: want 1 or 2"
[[ -n "${HARDEN_E2E_RUN:-}" ]] && shards=1

KIND=$(harden::kind_bin)
# Each shard: a cluster name, its kubeconfig, whether this script keeps it.
names=("$HARDEN_KIND_CLUSTER") configs=("$HARDEN_KUBECONFIG")
if [[ "$shards" == 2 ]]; then
  names+=("$HARDEN_KIND_CLUSTER-b") configs+=("${HARDEN_KUBECONFIG%/*}/kubeconfig-b")
fi
keeps=()
for name in "${names[@]}"; do
  existed=0
  if docker info >/dev/null 2>&1 && "$KIND" get clusters 2>/dev/null | grep -qx "$name"; then
    existed=1
  fi
  keeps+=("${HARDEN_KEEP_CLUSTER:-$existed}")
done

teardown() {
  local rc=$? i
  for i in "${!names[@]}"; do
    if [[ "${keeps[$i]}" == 1 ]]; then
      harden::log "keeping kind cluster ${names[$i]} (delete it with: HARDEN_KIND_CLUSTER=${names[$i]} HARDEN_KUBECONFIG=${configs[$i]} HARDEN_KEEP_CLUSTER=0 hack/kind-down.sh)"
    else
      HARDEN_KIND_CLUSTER=${names[$i]} HARDEN_KUBECONFIG=${configs[$i]} HARDEN_KEEP_CLUSTER=0 "$HARDEN_ROOT/hack/kind-down.sh" || rc=1
    fi
  done
  exit "$rc"
}
trap teardown EXIT

# prefix LABEL: the output of a shard, each line labelled (several run at once).
prefix() { sed -u "s/^/[$1] /"; }

up_start=$SECONDS
pids=()
for i in "${!names[@]}"; do
  if [[ "$shards" == 1 ]]; then
    "$HARDEN_ROOT/hack/kind-up.sh"
  else
    (
      set -o pipefail
      HARDEN_KIND_CLUSTER=${names[$i]} HARDEN_KUBECONFIG=${configs[$i]} "$HARDEN_ROOT/hack/kind-up.sh" 2>&1 | prefix "${names[$i]}"
    ) &
    pids+=($!)
  fi
done
for pid in "${pids[@]}"; do
  wait "$pid" || harden::die "kind-up failed (see above)"
done
harden::log "kind-up took $((SECONDS - up_start))s"

# One test binary for every shard.
testbin="$HARDEN_ROOT/.e2e/e2e.test"
(cd "$HARDEN_ROOT" && go test -tags e2e -c -o "$testbin" ./test/e2e)
go_test_args=(-test.count=1 -test.timeout "${HARDEN_E2E_TIMEOUT:-40m}" -test.parallel "${HARDEN_E2E_PARALLEL:-4}" -test.v)

test_start=$SECONDS
if [[ "$shards" == 1 ]]; then
  run_args=()
  if [[ -n "${HARDEN_E2E_RUN:-}" ]]; then
    run_args=(-test.run "$HARDEN_E2E_RUN")
  fi
  harden::log "go test -tags e2e ./test/e2e (cluster $HARDEN_KIND_CLUSTER, kubeconfig $HARDEN_KUBECONFIG)"
  (cd "$HARDEN_ROOT/test/e2e" && "$testbin" "${go_test_args[@]}" "${run_args[@]}")
  harden::log "e2e tests passed in $((SECONDS - test_start))s"
  exit 0
fi

harden::log "go test -tags e2e ./test/e2e in two shards at once: ${names[1]} runs $E2E_NODE_SHARD, ${names[0]} the rest"
pids=()
for i in 0 1; do
  if [[ "$i" == 0 ]]; then select=(-test.skip "$E2E_NODE_SHARD"); else select=(-test.run "$E2E_NODE_SHARD"); fi
  (
    set -o pipefail
    cd "$HARDEN_ROOT/test/e2e" &&
      HARDEN_KIND_CLUSTER=${names[$i]} HARDEN_KUBECONFIG=${configs[$i]} \
        "$testbin" "${go_test_args[@]}" "${select[@]}" 2>&1 | prefix "${names[$i]}"
  ) &
  pids+=($!)
done
failed=0
for i in 0 1; do
  if wait "${pids[$i]}"; then
    harden::log "shard ${names[$i]} passed"
  else
    harden::log "shard ${names[$i]} FAILED"
    failed=1
  fi
done
[[ "$failed" == 0 ]] || harden::die "e2e tests failed after $((SECONDS - test_start))s"
harden::log "e2e tests passed in $((SECONDS - test_start))s (two shards)"
