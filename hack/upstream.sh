#!/usr/bin/env bash
# hack/upstream.sh — `make upstream`: our kubelet defaults and --config-dir drop-in merge
# (pkg/checks) against the kubelet's own code, in the test-only module
# hack/upstream-defaults (k8s.io/kubernetes, kept out of the product's go.mod).
#
# The first run on a machine downloads ~380 modules (under a minute) and compiles
# ~1 800 packages of k8s.io/kubernetes and its dependencies: 10 to 20 minutes on two
# busy cores, with a progress line every 30 s. Later runs take seconds to a few minutes.
#
# Inside `make check` (HARDEN_UPSTREAM=auto) it runs only when something it covers
# changed since it last passed on this machine (see hack/cache.sh): the files below.
# `make upstream` (HARDEN_UPSTREAM=always) always runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=hack/cache.sh
source hack/cache.sh
GO=${GO:-go}

log() { printf '=== [%s] upstream: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# What the test covers: the kubelet settings, defaults, drop-in merge and live
# /configz comparison of pkg/checks, the evidence types they read, the module
# itself, the dependency versions, and this script.
inputs=(pkg/checks/kubelet.go pkg/checks/kubelet_live.go pkg/checks/helpers.go pkg/checks/model.go
  go.mod go.sum hack/upstream.sh hack/cache.sh)
mapfile -t -O "${#inputs[@]}" inputs < <(git ls-files hack/upstream-defaults 'pkg/evidence/*.go' | grep -v '^pkg/evidence/.*_test\.go$')
hash=$(printf '%s\n' "$("$GO" env GOVERSION)" "$(cache::hash "${inputs[@]}")" | sha256sum | cut -c1-64)
if [[ ${HARDEN_UPSTREAM:-always} == auto ]] && when=$(cache::fresh upstream "$hash"); then
  cache::note "skipped: nothing it covers changed since it $when"
  log "skipped: nothing it covers changed since it $when (pkg/checks/kubelet*.go, helpers.go, model.go, pkg/evidence, hack/upstream-defaults, go.mod/go.sum); 'make upstream' runs it anyway"
  exit 0
fi

cd hack/upstream-defaults
start=$SECONDS
# progress PHASE CMD...: runs a go command given -v (which prints each package
# as it is compiled) and prints, at most every 30 s, how many it compiled so far,
# so that a long first build is not silent. Other output passes through.
progress() {
  local phase=$1 total n=0 last=$SECONDS line rc
  shift
  total=$("$GO" list -deps -test ./... 2>/dev/null | wc -l)
  log "$phase (compiles up to $total packages when the build cache is cold)"
  set +e
  "$@" 2>&1 | while IFS= read -r line; do
    if [[ $line =~ ^[A-Za-z0-9_.~/-]+$ ]]; then
      n=$((n + 1))
    else
      printf '%s\n' "$line"
    fi
    if ((SECONDS - last >= 30)); then
      log "$phase: $n of up to $total packages compiled, $((SECONDS - start))s so far"
      last=$SECONDS
    fi
  done
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

log "go mod download (test-only module hack/upstream-defaults: k8s.io/kubernetes and its dependencies)"
n=$("$GO" mod download -json 2>/dev/null | grep -c '"Path"' || true)
log "$n modules ready after $((SECONDS - start))s"
progress "go vet" "$GO" vet -v ./...
log "go vet done after $((SECONDS - start))s"
log "go mod tidy -diff"
"$GO" mod tidy -diff
log "go test (the packages are compiled by now)"
"$GO" test -count=1 ./...
log "passed in $((SECONDS - start))s"
cd ../..
cache::record upstream "$hash" "hack/upstream-defaults"
cache::note "ran (something it covers changed, or no stamp on this machine)"
