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
set -euo pipefail

if [[ "${HARDEN_SKIP_E2E:-0}" == 1 ]]; then
  echo "#####################################################################" >&2
  echo "### SKIPPED: e2e tests NOT run because HARDEN_SKIP_E2E=1 is set   ###" >&2
  echo "#####################################################################" >&2
  exit 0
fi

# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KIND=$(harden::kind_bin)
existed=0
if docker info >/dev/null 2>&1 && "$KIND" get clusters 2>/dev/null | grep -qx "$HARDEN_KIND_CLUSTER"; then
  existed=1
fi
keep=${HARDEN_KEEP_CLUSTER:-$existed}

teardown() {
  local rc=$?
  if [[ "$keep" == 1 ]]; then
    harden::log "keeping kind cluster $HARDEN_KIND_CLUSTER (delete it with: HARDEN_KEEP_CLUSTER=0 hack/kind-down.sh)"
  else
    HARDEN_KEEP_CLUSTER=0 "$HARDEN_ROOT/hack/kind-down.sh" || rc=1
  fi
  exit "$rc"
}
trap teardown EXIT

up_start=$SECONDS
"$HARDEN_ROOT/hack/kind-up.sh"
harden::log "kind-up took $((SECONDS - up_start))s"

run_args=()
if [[ -n "${HARDEN_E2E_RUN:-}" ]]; then
  run_args=(-run "$HARDEN_E2E_RUN")
fi
test_start=$SECONDS
harden::log "go test -tags e2e ./test/e2e/... (cluster $HARDEN_KIND_CLUSTER, kubeconfig $HARDEN_KUBECONFIG)"
(cd "$HARDEN_ROOT" && go test -tags e2e -count=1 -timeout "${HARDEN_E2E_TIMEOUT:-40m}" \
  -parallel "${HARDEN_E2E_PARALLEL:-4}" -v "${run_args[@]}" ./test/e2e/...)
harden::log "e2e tests passed in $((SECONDS - test_start))s"
