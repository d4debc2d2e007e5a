#!/usr/bin/env bash
# Builds the release archives locally, as CI's GoReleaser does for a tag, but
# as a snapshot and without publishing anything:
#
#   dist/kubectl-harden_v<version>_{linux,darwin}_{amd64,arm64}.tar.gz
#   dist/kubectl-harden_v<version>_windows_{amd64,arm64}.zip
#   dist/checksums.txt, dist/metadata.json, dist/artifacts.json
#
# GoReleaser is installed (once) into hack/tools/bin with `go install`; the
# only network it needs is the Go module proxy.
#
# Environment:
#   GORELEASER_VERSION      pinned GoReleaser version (default below)
#   GORELEASER_PARALLELISM  builds run at once (default: GoReleaser's, the CPU count)
#   GORELEASER_ARGS         extra arguments for `goreleaser release`
set -euo pipefail

GORELEASER_VERSION="${GORELEASER_VERSION:-v2.15.1}"
GORELEASER_MODULE="github.com/goreleaser/goreleaser/v2"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$ROOT/hack/tools/bin"
GORELEASER="$TOOLS_BIN/goreleaser"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH"
command -v git >/dev/null || die "git is not on PATH (GoReleaser needs it)"
cd "$ROOT"
git rev-parse --verify -q HEAD >/dev/null || die "$ROOT is not a git work tree with a commit; GoReleaser needs one"

# installed_version BINARY MODULE: the module version a `go install`ed binary
# was built from, or nothing.
installed_version() {
  [ -x "$1" ] || return 0
  go version -m "$1" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }'
}

if [ "$(installed_version "$GORELEASER" "$GORELEASER_MODULE")" = "$GORELEASER_VERSION" ]; then
  log "GoReleaser $GORELEASER_VERSION already in hack/tools/bin"
else
  log "installing GoReleaser $GORELEASER_VERSION into hack/tools/bin (first time: several minutes)"
  mkdir -p "$TOOLS_BIN"
  GOBIN="$TOOLS_BIN" go install "$GORELEASER_MODULE@$GORELEASER_VERSION" \
    || die "go install $GORELEASER_MODULE@$GORELEASER_VERSION failed (is the Go module proxy reachable?)"
  [ "$(installed_version "$GORELEASER" "$GORELEASER_MODULE")" = "$GORELEASER_VERSION" ] \
    || die "hack/tools/bin/goreleaser is not $GORELEASER_VERSION after go install"
fi

# Without a git remote, GoReleaser's snapshot falls back to commit "none" and
# no commit date. Give this process (only) the repository's URL as origin.
if [ -z "$(git remote)" ]; then
  export GIT_CONFIG_COUNT=1
  export GIT_CONFIG_KEY_0=remote.origin.url
  export GIT_CONFIG_VALUE_0=https://github.com/kubectl-harden/kubectl-harden.git
fi

log "goreleaser check"
"$GORELEASER" check || die ".goreleaser.yaml does not pass 'goreleaser check'"

args=(release --snapshot --clean --skip=publish)
if [ -n "${GORELEASER_PARALLELISM:-}" ]; then
  args+=(--parallelism "$GORELEASER_PARALLELISM")
fi
# shellcheck disable=SC2206 # word splitting of GORELEASER_ARGS is wanted
args+=(${GORELEASER_ARGS:-})
log "goreleaser ${args[*]}"
"$GORELEASER" "${args[@]}" || die "goreleaser ${args[*]} failed"

# Check what the scripts after this one rely on.
[ -f dist/metadata.json ] || die "dist/metadata.json is missing"
[ -f dist/checksums.txt ] || die "dist/checksums.txt is missing"
version="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | head -n1)"
[ -n "$version" ] || die "no version in dist/metadata.json"
missing=0
for target in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64; do
  ext=tar.gz
  case "$target" in windows_*) ext=zip ;; esac
  archive="kubectl-harden_v${version}_${target}.${ext}"
  if [ ! -f "dist/$archive" ]; then
    printf 'ERROR: missing dist/%s\n' "$archive" >&2
    missing=1
  elif ! grep -q "  $archive\$" dist/checksums.txt; then
    printf 'ERROR: dist/%s is not in dist/checksums.txt\n' "$archive" >&2
    missing=1
  fi
done
[ "$missing" = 0 ] || die "GoReleaser did not produce the expected archives (see .goreleaser.yaml)"
(cd dist && sha256sum --quiet -c checksums.txt) || die "dist/checksums.txt does not match the archives"

log "snapshot v$version built:"
(cd dist && ls -l kubectl-harden_v"${version}"_* checksums.txt) >&2
