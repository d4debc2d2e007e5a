#!/usr/bin/env bash
# Builds the release archives locally, as CI's GoReleaser does for a tag, but
# as a snapshot and without publishing anything:
#
#   dist/kubectl-harden_v<version>_{linux,darwin}_{amd64,arm64}.tar.gz
#   dist/kubectl-harden_v<version>_windows_{amd64,arm64}.zip
#   dist/checksums.txt, dist/metadata.json, dist/artifacts.json
#   dist/krew/harden.yaml   plugins/krew.yaml rendered for these archives
#
# The Krew manifest is rendered from this GoReleaser run: plugins/krew.yaml
# (the krew-release-bot template) with {{ .TagName }} the snapshot's tag and
# each {{ addURIAndSha "URL" .TagName }} replaced, as the bot does, by
# "uri: URL" and "sha256: <sum>", the sum taken from dist/checksums.txt for
# the archive the URL names. So the archives, the checksums and the manifest
# come from one run and cannot drift. hack/krew-check.sh validates and
# installs the result with Krew.
#
# GoReleaser is installed once per machine with `go install`, into the cache
# directory of hack/cache.sh (~/.cache/kubectl-harden/tools/goreleaser-<version>),
# so that new clones reuse it; the only network it needs is the Go module proxy.
# That first install compiles GoReleaser and its dependencies: 5 to 15 minutes on
# a busy machine.
#
#   hack/release.sh           the six platforms (`make release`)
#   hack/release.sh --quick   linux/amd64 and windows/amd64 (the tar.gz and the zip
#                             archive), from the same .goreleaser.yaml with its
#                             goos/goarch narrowed: what `make check`'s Krew check
#                             builds; the manifest's other four platforms get the
#                             placeholder sha256 ffff…f and dist/krew/platforms.txt
#                             lists the two built
#
# Environment:
#   GORELEASER_VERSION      pinned GoReleaser version (default below)
#   GORELEASER_PARALLELISM  builds run at once (default: GoReleaser's, the CPU count)
#   GORELEASER_ARGS         extra arguments for `goreleaser release`
set -euo pipefail

quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) printf 'usage: %s [--quick]\n' "$0" >&2; exit 2 ;;
esac
GORELEASER_VERSION="${GORELEASER_VERSION:-v2.15.1}"
GORELEASER_MODULE="github.com/goreleaser/goreleaser/v2"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/cache.sh
source "$ROOT/hack/cache.sh"
TOOLS_BIN="$HARDEN_CACHE_DIR/tools/goreleaser-$GORELEASER_VERSION"
GORELEASER="$TOOLS_BIN/goreleaser"

log() { printf '==> [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
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
  log "GoReleaser $GORELEASER_VERSION already installed ($GORELEASER)"
elif [ "$(installed_version "$ROOT/hack/tools/bin/goreleaser" "$GORELEASER_MODULE")" = "$GORELEASER_VERSION" ]; then
  mkdir -p "$TOOLS_BIN"
  cp "$ROOT/hack/tools/bin/goreleaser" "$GORELEASER"
  log "GoReleaser $GORELEASER_VERSION taken from hack/tools/bin into $TOOLS_BIN"
else
  log "installing GoReleaser $GORELEASER_VERSION into $TOOLS_BIN with go install (once per machine; 5 to 15 minutes on a busy machine; it needs Go >= 1.26.1)"
  mkdir -p "$TOOLS_BIN"
  start=$SECONDS
  GOBIN="$TOOLS_BIN" go install "$GORELEASER_MODULE@$GORELEASER_VERSION" \
    || die "go install $GORELEASER_MODULE@$GORELEASER_VERSION failed (is the Go module proxy reachable? is Go >= 1.26.1?)"
  log "GoReleaser installed in $((SECONDS - start))s"
  [ "$(installed_version "$GORELEASER" "$GORELEASER_MODULE")" = "$GORELEASER_VERSION" ] \
    || die "$GORELEASER is not $GORELEASER_VERSION after go install"
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

platforms=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64)
args=(release --snapshot --clean --skip=publish)
if [ "$quick" = 1 ]; then
  # The same configuration, narrowed to linux and windows on amd64: only goos and
  # goarch differ. `make lint` has compiled windows/amd64 with the same flags.
  config="$(mktemp "${TMPDIR:-/tmp}/goreleaser-quick.XXXXXX.yaml")"
  trap 'rm -f "$config"' EXIT
  sed -e 's/^    goos: \[linux, darwin, windows\]$/    goos: [linux, windows]/' \
      -e 's/^    goarch: \[amd64, arm64\]$/    goarch: [amd64]/' .goreleaser.yaml >"$config"
  [ "$(diff .goreleaser.yaml "$config" | grep -c '^>')" = 2 ] ||
    die "hack/release.sh --quick narrows the lines '    goos: [linux, darwin, windows]' and '    goarch: [amd64, arm64]' of .goreleaser.yaml: update it with them"
  args+=(--config "$config")
  platforms=(linux_amd64 windows_amd64)
fi
if [ -n "${GORELEASER_PARALLELISM:-}" ]; then
  args+=(--parallelism "$GORELEASER_PARALLELISM")
fi
# shellcheck disable=SC2206 # word splitting of GORELEASER_ARGS is wanted
args+=(${GORELEASER_ARGS:-})
log "goreleaser ${args[*]}  (${#platforms[@]} platform(s): ${platforms[*]})"
start=$SECONDS
"$GORELEASER" "${args[@]}" || die "goreleaser ${args[*]} failed"
log "goreleaser built ${#platforms[@]} archive(s) in $((SECONDS - start))s"

# Check what the scripts after this one rely on.
[ -f dist/metadata.json ] || die "dist/metadata.json is missing"
[ -f dist/checksums.txt ] || die "dist/checksums.txt is missing"
version="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | head -n1)"
[ -n "$version" ] || die "no version in dist/metadata.json"
missing=0
for target in "${platforms[@]}"; do
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

# render_manifest TEMPLATE TAG CHECKSUMS: plugins/krew.yaml filled in as
# krew-release-bot fills it, with the sha256 from CHECKSUMS instead of a
# download. Fails on an asset not in CHECKSUMS (with --quick: gives it the
# placeholder sha256 ffff…f: all digits would read as the YAML number 0,
# which Krew rejects) and on template syntax left over.
render_manifest() {
  awk -v tag="$2" -v sums="$3" -v quick="$quick" '
    BEGIN {
      while ((getline line < sums) > 0) { split(line, f, /[ \t]+/); sha[f[2]] = f[1] }
      close(sums)
    }
    /^[ \t]*#/ { print; next }          # comments are not rendered (none has {{)
    /\{\{ *addURIAndSha / {
      match($0, /^ */); pad = substr($0, 1, RLENGTH)
      if (!match($0, /"[^"]*"/)) { print "no URL in: " $0 > "/dev/stderr"; exit 1 }
      url = substr($0, RSTART + 1, RLENGTH - 2)
      gsub(/\{\{ *\.TagName *\}\}/, tag, url)
      n = split(url, parts, "/"); asset = parts[n]
      if (!(asset in sha) && quick == 1) sha[asset] = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
      if (!(asset in sha)) { print "no sha256 for " asset " in " sums > "/dev/stderr"; exit 1 }
      print pad "uri: " url
      print pad "sha256: " sha[asset]
      next
    }
    { gsub(/\{\{ *\.TagName *\}\}/, tag); print }
  ' "$1"
}

mkdir -p dist/krew
render_manifest plugins/krew.yaml "v$version" dist/checksums.txt >dist/krew/harden.yaml.tmp \
  || die "could not render plugins/krew.yaml"
if grep -v '^[[:space:]]*#' dist/krew/harden.yaml.tmp | grep -q '{{'; then
  grep -n '{{' dist/krew/harden.yaml.tmp >&2
  die "plugins/krew.yaml uses template syntax hack/release.sh does not render (only {{ .TagName }} and addURIAndSha)"
fi
mv dist/krew/harden.yaml.tmp dist/krew/harden.yaml
printf '%s\n' "${platforms[@]}" >dist/krew/platforms.txt
log "rendered plugins/krew.yaml -> dist/krew/harden.yaml (v$version, sha256 from dist/checksums.txt for ${platforms[*]})"

log "snapshot v$version built:"
(cd dist && ls -l kubectl-harden_v"${version}"_* checksums.txt krew/harden.yaml) >&2
