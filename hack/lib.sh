# shellcheck shell=bash
# hack/lib.sh — sourced by hack/kind-up.sh, kind-down.sh, demo.sh and e2e.sh.
#
# It sets the variables the scripts share, prepares this offline workplace when it
# detects one, builds bin/kubectl-harden and puts it on PATH so that `kubectl harden`
# dispatches to it (kubectl finds plugins named kubectl-* on PATH).
#
# Environment (all optional):
#   HARDEN_KIND_CLUSTER       kind cluster name                     (default harden-e2e)
#   HARDEN_KUBECONFIG         kubeconfig file of that cluster       (default <repo>/.e2e/kubeconfig)
#   KIND_NODE_IMAGE           kind node image                       (default kindest/node:v1.34.0)
#   HARDEN_DEBUG_IMAGE        debug pod image, loaded into the nodes when present in docker
#   HARDEN_IMAGE_PULL_POLICY  debug pod image pull policy
#   HARDEN_OFFLINE            0 disables the offline workplace detection (../shared/kind)
#   HARDEN_SKIP_BUILD         1 skips building bin/kubectl-harden
#   VERSION, COMMIT, DATE     version information linked into the binary
#
# Sourcing it twice (a script that sources it and then runs another one) is cheap:
# the expensive steps mark themselves done in exported variables.

set -euo pipefail

HARDEN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export HARDEN_ROOT
export HARDEN_KIND_CLUSTER=${HARDEN_KIND_CLUSTER:-harden-e2e}
export HARDEN_KUBECONFIG=${HARDEN_KUBECONFIG:-$HARDEN_ROOT/.e2e/kubeconfig}
export HARDEN_KIND_VERSION=v0.30.0
HARDEN_KINDLAB_BIN=${KINDLAB_CACHE:-/var/cache/kindlab}/bin
# Go lives in /usr/local/go on the workplace VMs; harmless elsewhere.
if [[ -d /usr/local/go/bin && ":$PATH:" != *":/usr/local/go/bin:"* ]]; then
  export PATH="$PATH:/usr/local/go/bin"
fi

harden::log() { printf '=== [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
harden::die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# harden::path_prepend DIR puts DIR first on PATH (once).
harden::path_prepend() {
  local p=":$PATH:"
  p=${p//":$1:"/:}
  p=${p#:}
  p=${p%:}
  export PATH="$1${p:+:$p}"
}

# harden::offline_setup prepares dockerd and the cached images of the offline
# workplace (../shared/kind) and sets the image defaults that work without a registry.
harden::offline_setup() {
  local shared
  shared=$(cd "$HARDEN_ROOT/.." && pwd)/shared/kind/kind-up.sh
  if [[ "${HARDEN_OFFLINE:-1}" == 0 || ! -f "$shared" ]]; then
    return 0
  fi
  if [[ "${HARDEN_OFFLINE_READY:-}" != 1 ]]; then
    mkdir -p "$HARDEN_ROOT/.e2e"
    local log="$HARDEN_ROOT/.e2e/offline-setup.log" start=$SECONDS
    harden::log "offline workplace detected: SKIP_CLUSTER=1 $shared (log: $log)"
    if ! SKIP_CLUSTER=1 bash "$shared" >"$log" 2>&1; then
      tail -n 40 "$log" >&2
      harden::die "offline setup failed: $shared (full log: $log)"
    fi
    harden::log "offline setup ready in $((SECONDS - start))s"
    export HARDEN_OFFLINE_READY=1
  fi
  [[ -d "$HARDEN_KINDLAB_BIN" ]] && harden::path_prepend "$HARDEN_KINDLAB_BIN"
  export KIND_NODE_IMAGE=${KIND_NODE_IMAGE:-kindest/node:v1.34.4-offline}
  export HARDEN_DEBUG_IMAGE=${HARDEN_DEBUG_IMAGE:-local/busybox:1.35}
  export HARDEN_IMAGE_PULL_POLICY=${HARDEN_IMAGE_PULL_POLICY:-IfNotPresent}
}

# harden::kind_bin prints the path of a kind binary: kind on PATH, the offline
# cache, or the version pinned by hack/tools/go.mod (`tool sigs.k8s.io/kind`)
# built into hack/tools/bin. The product's go.mod does not depend on kind.
harden::kind_bin() {
  local tools="$HARDEN_ROOT/hack/tools/bin"
  if command -v kind >/dev/null 2>&1; then
    command -v kind
  elif [[ -x "$HARDEN_KINDLAB_BIN/kind" ]]; then
    echo "$HARDEN_KINDLAB_BIN/kind"
  elif [[ -x "$tools/kind" ]]; then
    echo "$tools/kind"
  else
    harden::log "building sigs.k8s.io/kind (hack/tools/go.mod pin $HARDEN_KIND_VERSION) into $tools"
    (cd "$HARDEN_ROOT/hack/tools" && go build -o "$tools/kind" sigs.k8s.io/kind) >&2
    echo "$tools/kind"
  fi
}

# harden::build builds bin/kubectl-harden with version information and puts bin/ first on PATH.
harden::build() {
  harden::path_prepend "$HARDEN_ROOT/bin"
  if [[ "${HARDEN_SKIP_BUILD:-}" == 1 || "${HARDEN_BUILT:-}" == 1 ]]; then
    return 0
  fi
  local pkg=github.com/kubectl-harden/kubectl-harden/pkg/version version commit date start=$SECONDS
  version=${VERSION:-$(git -C "$HARDEN_ROOT" describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)}
  commit=${COMMIT:-$(git -C "$HARDEN_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}
  date=${DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
  harden::log "building bin/kubectl-harden ($version)"
  (cd "$HARDEN_ROOT" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X $pkg.Version=$version -X $pkg.Commit=$commit -X $pkg.Date=$date" \
    -o bin/kubectl-harden ./cmd/kubectl-harden)
  harden::log "built in $((SECONDS - start))s: $(command -v kubectl-harden)"
  export HARDEN_BUILT=1
}

# harden::kubectl runs kubectl against the cluster's own kubeconfig.
harden::kubectl() { kubectl --kubeconfig "$HARDEN_KUBECONFIG" "$@"; }

harden::offline_setup
harden::build
command -v kubectl >/dev/null 2>&1 || harden::die "kubectl not found on PATH (needed for 'kubectl harden')"
