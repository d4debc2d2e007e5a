#!/usr/bin/env bash
# hack/kind-down.sh — delete the kind cluster of hack/kind-up.sh and its kubeconfig file,
# unless HARDEN_KEEP_CLUSTER=1.
set -euo pipefail
HARDEN_SKIP_BUILD=1 HARDEN_OFFLINE_READY=${HARDEN_OFFLINE_READY:-1}
export HARDEN_SKIP_BUILD HARDEN_OFFLINE_READY
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${HARDEN_KEEP_CLUSTER:-0}" == 1 ]]; then
  harden::log "HARDEN_KEEP_CLUSTER=1: keeping kind cluster $HARDEN_KIND_CLUSTER"
  exit 0
fi
KIND=$(harden::kind_bin)
harden::log "deleting kind cluster $HARDEN_KIND_CLUSTER"
"$KIND" delete cluster --name "$HARDEN_KIND_CLUSTER" --kubeconfig "$HARDEN_KUBECONFIG"
rm -f "$HARDEN_KUBECONFIG"
