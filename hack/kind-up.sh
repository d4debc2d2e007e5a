#!/usr/bin/env bash
# hack/kind-up.sh — create or reuse a 2-node kind cluster (control plane + worker) for the
# demo and the e2e tests, with its own kubeconfig file (never ~/.kube/config).
#
#   HARDEN_KIND_CLUSTER  cluster name      (default harden-e2e)
#   HARDEN_KUBECONFIG    kubeconfig file   (default .e2e/kubeconfig)
#   KIND_NODE_IMAGE      node image        (default kindest/node:v1.34.0; offline: kindest/node:v1.34.4-offline)
#   HARDEN_DEBUG_IMAGE   loaded into the nodes with `kind load docker-image` when docker has it
#
# An existing cluster of that name is always reused (its stopped nodes are started).
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start=$SECONDS
KIND=$(harden::kind_bin)
node_image=${KIND_NODE_IMAGE:-kindest/node:v1.34.0}
cluster=$HARDEN_KIND_CLUSTER

command -v docker >/dev/null 2>&1 || harden::die "docker is not installed: kind needs it"
docker info >/dev/null 2>&1 || harden::die "docker is not running (docker info failed): start dockerd first"

mkdir -p "$(dirname "$HARDEN_KUBECONFIG")"
if "$KIND" get clusters 2>/dev/null | grep -qx "$cluster"; then
  harden::log "reusing kind cluster $cluster"
  # after a reboot or a dockerd restart the node containers may be stopped
  for node in $("$KIND" get nodes --name "$cluster"); do
    if [[ "$(docker inspect -f '{{.State.Running}}' "$node" 2>/dev/null)" != true ]]; then
      harden::log "starting stopped node container $node"
      docker start "$node" >/dev/null
    fi
  done
  "$KIND" export kubeconfig --name "$cluster" --kubeconfig "$HARDEN_KUBECONFIG" >/dev/null 2>&1
else
  harden::log "creating kind cluster $cluster (image $node_image)"
  config=$(mktemp)
  trap 'rm -f "$config"' EXIT
  cat >"$config" <<'YAML'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
- role: worker
YAML
  "$KIND" create cluster --name "$cluster" --image "$node_image" --config "$config" \
    --kubeconfig "$HARDEN_KUBECONFIG" --wait 5m
fi

# The API server may take a few seconds after the node containers start.
for _ in $(seq 1 90); do
  harden::kubectl get --raw /readyz >/dev/null 2>&1 && break
  sleep 2
done
harden::kubectl get --raw /readyz >/dev/null || harden::die "the API server of kind cluster $cluster is not ready"

if [[ -n "${HARDEN_DEBUG_IMAGE:-}" ]]; then
  if docker image inspect "$HARDEN_DEBUG_IMAGE" >/dev/null 2>&1; then
    harden::log "loading $HARDEN_DEBUG_IMAGE into the nodes"
    loaded=0
    for _ in 1 2 3; do
      if "$KIND" load docker-image --name "$cluster" "$HARDEN_DEBUG_IMAGE" >/dev/null; then loaded=1; break; fi
      sleep 5
    done
    [[ $loaded == 1 ]] || harden::die "kind load docker-image $HARDEN_DEBUG_IMAGE failed"
  else
    harden::log "$HARDEN_DEBUG_IMAGE is not in docker: the nodes will pull it"
  fi
fi

harden::kubectl wait --for=condition=Ready nodes --all --timeout=180s >/dev/null
harden::kubectl wait --for=condition=Ready pods --all -n kube-system --timeout=180s >/dev/null
harden::kubectl get nodes -o wide
harden::log "kind cluster $cluster ready in $((SECONDS - start))s (kubeconfig: $HARDEN_KUBECONFIG)"
