#!/usr/bin/env bash
# hack/demo.sh — kubectl harden end to end on a fresh machine: build the plugin, bring up
# a 2-node kind cluster (or reuse it), scan its nodes and its RBAC, and keep the cluster.
# Findings are expected on a default cluster and do not fail the demo; errors do.
#
# At the end it prints what to try next. Those lines run as printed in a new shell: the
# `export` carries everything the demo itself used (kubeconfig, the directories of
# kubectl-harden and kind, and the debug image and pull policy when they were set).
# They are also written to .e2e/demo-try.sh; test/e2e/demo_test.go runs them in a
# clean environment against the demo's cluster.
set -euo pipefail
# The PATH of the person running the demo, before hack/lib.sh adds to it.
user_path=$PATH
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$HARDEN_ROOT/hack/kind-up.sh"
export KUBECONFIG=$HARDEN_KUBECONFIG

# run CMD... prints and runs a command; exit code 2 (findings) is fine in a demo.
run() {
  echo
  echo "\$ $*"
  local rc=0 start=$SECONDS
  "$@" || rc=$?
  case $rc in
    0) ;;
    2) echo "(exit code 2: findings at or above --fail-on; expected on a default cluster)" ;;
    *) harden::die "'$*' failed with exit code $rc" ;;
  esac
  echo "(took $((SECONDS - start))s)"
}

run kubectl harden version
run kubectl harden scan nodes
run kubectl harden rbac
run kubectl harden workloads

# The environment the suggestions need: what the demo used that a new shell lacks.
q() { printf '%q' "$1"; }
extra=()
for tool in kubectl-harden kubectl "$(harden::kind_bin)"; do
  dir=$(dirname "$(command -v "$tool")")
  if [[ ":$user_path:" != *":$dir:"* && " ${extra[*]} " != *" $dir "* ]]; then extra+=("$dir"); fi
done
exports="KUBECONFIG=$(q "$HARDEN_KUBECONFIG")"
if ((${#extra[@]})); then
  exports+=" PATH=$(q "$(IFS=:; echo "${extra[*]}")"):\$PATH"
fi
for var in HARDEN_DEBUG_IMAGE HARDEN_IMAGE_PULL_POLICY; do
  if [[ -n ${!var:-} ]]; then exports+=" $var=$(q "${!var}")"; fi
done
try=$(cat <<TRY
export $exports
kubectl harden scan node/$HARDEN_KIND_CLUSTER-control-plane -o wide
kubectl harden rbac who-can get secrets -A
kubectl harden all -o html > report.html    # the whole benchmark, one page
TRY
)
mkdir -p "$HARDEN_ROOT/.e2e"
printf '%s\n' "$try" >"$HARDEN_ROOT/.e2e/demo-try.sh"

cat <<MSG

The kind cluster "$HARDEN_KIND_CLUSTER" is still running. Try:
  ${try//$'\n'/$'\n'  }
Delete it with:
  HARDEN_KIND_CLUSTER=$(q "$HARDEN_KIND_CLUSTER") HARDEN_KUBECONFIG=$(q "$HARDEN_KUBECONFIG") HARDEN_KEEP_CLUSTER=0 $(q "$HARDEN_ROOT/hack/kind-down.sh")
  (or: $(q "$(harden::kind_bin)") delete cluster --name $(q "$HARDEN_KIND_CLUSTER"))
MSG
