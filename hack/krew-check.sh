#!/usr/bin/env bash
# Checks the Krew distribution of kubectl-harden end to end with the real Krew,
# offline but for the Go module proxy:
#
#  1. builds a GoReleaser snapshot with hack/release.sh and takes dist/krew/harden.yaml,
#     the manifest it rendered from plugins/krew.yaml (sha256 from checksums.txt):
#       quick  (default, what `make check` runs) linux/amd64 and windows/amd64
#              (hack/release.sh --quick): the same .goreleaser.yaml narrowed to one
#              tar.gz and one zip platform; the other four differ from these only in
#              GOOS/GOARCH, and cross-compiling them costs a fresh machine half an
#              hour;
#       full   the six release platforms, with KREW_CHECK_FULL=1 (the release
#              workflow in docs/releasing.md runs it for every tag);
#  2. checks what Krew's validator does not: shortDescription of at most 50
#     characters, description and caveats within 80 columns, exactly the six
#     release platforms, and each built platform's sha256 equal to the one in
#     dist/checksums.txt for the archive its uri names;
#  3. validates it with Krew's validate-krew-manifest, and installs every built
#     platform's archive with `kubectl krew install --manifest --archive`
#     (KREW_OS/KREW_ARCH) into scratch KREW_ROOTs: the step the validator
#     skips offline;
#  4. in a temporary KREW_ROOT runs
#       kubectl krew install --manifest=dist/krew/harden.yaml --archive=dist/<linux/amd64 archive>
#       kubectl harden version      (through kubectl's plugin dispatcher)
#       kubectl krew uninstall harden
#     and checks that the version printed is the snapshot's.
#
# Krew and validate-krew-manifest (sigs.k8s.io/krew, pinned below) are
# installed into hack/tools/bin with `go install`. Every step must pass: there
# is no fallback.
#
# Environment:
#   KREW_VERSION              pinned Krew version (default below)
#   KUBECTL                   kubectl to dispatch with (default: kubectl on PATH)
#   KREW_CHECK_FULL=1         the six release platforms
#   KREW_CHECK_SKIP_RELEASE=1 check the snapshot already in dist/ (`make release`'s) instead of building one
set -euo pipefail

KREW_VERSION="${KREW_VERSION:-v0.4.3}"
KREW_MODULE="sigs.k8s.io/krew"
PLUGIN=harden
PLATFORMS=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$ROOT/hack/tools/bin"
MANIFEST="$ROOT/dist/krew/$PLUGIN.yaml"

log() { printf '==> [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"
command -v go >/dev/null || die "go is not on PATH"
KUBECTL="${KUBECTL:-kubectl}"
KUBECTL="$(command -v "$KUBECTL" || true)"
[ -n "$KUBECTL" ] || die "kubectl is not on PATH (set KUBECTL=/path/to/kubectl)"

installed_version() {
  [ -x "$1" ] || return 0
  go version -m "$1" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }'
}

# --- the snapshot -----------------------------------------------------------
# shellcheck source=hack/cache.sh
source hack/cache.sh
if [ "${KREW_CHECK_SKIP_RELEASE:-}" = 1 ]; then
  if [ ! -f dist/metadata.json ] || [ ! -f dist/checksums.txt ] || [ ! -f "$MANIFEST" ]; then
    die "dist/ has no snapshot: run hack/release.sh first"
  fi
  log "checking the snapshot already in dist/ (KREW_CHECK_SKIP_RELEASE=1)"
elif [ "${KREW_CHECK_FULL:-}" = 1 ]; then
  cache::note "full: six platforms"
  log "full check: the six release platforms (KREW_CHECK_FULL=1)"
  hack/release.sh
else
  cache::note "quick: linux/amd64, windows/amd64"
  log "quick check: linux/amd64 and windows/amd64 (a tar.gz and a zip); KREW_CHECK_FULL=1 or 'make release' build all six"
  hack/release.sh --quick
fi
[ -f dist/krew/platforms.txt ] || die "dist/krew/platforms.txt is missing: run hack/release.sh again"
mapfile -t BUILT <dist/krew/platforms.txt
built() { printf '%s\n' "${BUILT[@]}" | grep -qx "$1"; }
[ "$MANIFEST" -nt plugins/krew.yaml ] ||
  die "plugins/krew.yaml changed after dist/krew/$PLUGIN.yaml was rendered: run hack/release.sh again"
version="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | head -n1)"
[ -n "$version" ] || die "no version in dist/metadata.json: run hack/release.sh again"
TAG="v$version"
(cd dist && sha256sum --quiet -c checksums.txt) || die "dist/checksums.txt does not match the archives: run hack/release.sh again"
ARCHIVE="$ROOT/dist/kubectl-harden_${TAG}_linux_amd64.tar.gz"
[ -f "$ARCHIVE" ] || die "no linux/amd64 archive: $ARCHIVE"
log "snapshot $TAG, manifest dist/krew/$PLUGIN.yaml"

# --- what Krew's validator does not check ---------------------------------------
# The manifest is YAML written by plugins/krew.yaml's authors: a few greps
# against its known layout suffice (validate-krew-manifest parses it below).
short="$(sed -n 's/^  shortDescription: *//p' "$MANIFEST")"
[ -n "$short" ] || die "no spec.shortDescription in $MANIFEST"
[ "${#short}" -le 50 ] || die "spec.shortDescription is ${#short} characters, at most 50: \"$short\""
long="$(awk '/^  (description|caveats): \|/ { on = 1; next } /^  [a-zA-Z]/ { on = 0 } on && length($0) > 84 { print }' "$MANIFEST")"
[ -z "$long" ] || die "description/caveats lines wider than 80 columns (after the 4-space indent):
$long"
[ "$(grep -c '^  - selector:' "$MANIFEST")" = "${#PLATFORMS[@]}" ] ||
  die "$MANIFEST does not have exactly ${#PLATFORMS[@]} platforms (${PLATFORMS[*]})"
for target in "${PLATFORMS[@]}"; do
  tos="${target%_*}"; tarch="${target#*_}"; ext=tar.gz; [ "$tos" = windows ] && ext=zip
  asset="kubectl-harden_${TAG}_${target}.${ext}"
  # The platform whose selector is os/arch: its uri, and the sha256 after it.
  block="$(awk -v os="$tos" -v arch="$tarch" '
    /^  - selector:/ { if (o == os && a == arch) exit; o = ""; a = ""; u = ""; s = "" }
    /^        os: /   { o = $2 }
    /^        arch: / { a = $2 }
    /^    uri: /      { u = $2 }
    /^    sha256: /   { s = $2 }
    END { if (o == os && a == arch) print u, s }' "$MANIFEST")"
  [ -n "$block" ] || die "no platform with selector os=$tos arch=$tarch in $MANIFEST"
  uri="${block% *}"; sum="${block#* }"
  [ "${uri##*/}" = "$asset" ] || die "$tos/$tarch: uri names ${uri##*/}, GoReleaser names it $asset"
  built "$target" || continue # quick check: not built in this run
  [ -f "dist/$asset" ] || die "$tos/$tarch: dist/$asset is missing"
  want="$(awk -v a="$asset" '$2 == a { print $1 }' dist/checksums.txt)"
  [ -n "$want" ] || die "$tos/$tarch: $asset is not in dist/checksums.txt"
  [ "$sum" = "$want" ] || die "$tos/$tarch: sha256 in the manifest ($sum) is not the one in dist/checksums.txt ($want)"
done
log "shortDescription (${#short} chars), 80 columns, ${#PLATFORMS[@]} platforms; sha256 of dist/checksums.txt for the ${#BUILT[@]} built (${BUILT[*]}): OK"

# --- Krew ----------------------------------------------------------------------
if [ "$(installed_version "$TOOLS_BIN/krew" "$KREW_MODULE")" = "$KREW_VERSION" ] &&
   [ "$(installed_version "$TOOLS_BIN/validate-krew-manifest" "$KREW_MODULE")" = "$KREW_VERSION" ]; then
  log "Krew $KREW_VERSION already in hack/tools/bin"
else
  log "installing Krew $KREW_VERSION (krew, validate-krew-manifest) into hack/tools/bin"
  mkdir -p "$TOOLS_BIN"
  GOBIN="$TOOLS_BIN" go install "$KREW_MODULE/cmd/krew@$KREW_VERSION" \
    "$KREW_MODULE/cmd/validate-krew-manifest@$KREW_VERSION" ||
    die "go install $KREW_MODULE/cmd/krew@$KREW_VERSION and cmd/validate-krew-manifest failed (is the Go module proxy reachable?)"
  for b in krew validate-krew-manifest; do
    [ "$(installed_version "$TOOLS_BIN/$b" "$KREW_MODULE")" = "$KREW_VERSION" ] ||
      die "hack/tools/bin/$b is not $KREW_MODULE $KREW_VERSION after go install"
  done
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/krew-check.XXXXXX")"
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
# kubectl finds Krew as the plugin kubectl-krew; nothing else of hack/tools/bin
# goes on PATH.
mkdir -p "$TMP/krewbin"
ln -s "$TOOLS_BIN/krew" "$TMP/krewbin/kubectl-krew"
export KREW_NO_UPGRADE_CHECK=1

log "validate-krew-manifest $KREW_VERSION (-skip-install: its install step downloads the uris; done below with --archive)"
"$TOOLS_BIN/validate-krew-manifest" -manifest "$MANIFEST" -skip-install ||
  die "Krew's validate-krew-manifest rejected $MANIFEST"

for target in "${BUILT[@]}"; do
  tos="${target%_*}"; tarch="${target#*_}"; ext=tar.gz; [ "$tos" = windows ] && ext=zip
  root="$TMP/validate-$target"
  KREW_ROOT="$root" KREW_OS="$tos" KREW_ARCH="$tarch" PATH="$TMP/krewbin:$PATH" \
    "$KUBECTL" krew install --manifest="$MANIFEST" \
    --archive="dist/kubectl-harden_${TAG}_${target}.${ext}" >"$root.log" 2>&1 ||
    { cat "$root.log" >&2; die "kubectl krew install failed for $tos/$tarch"; }
  find "$root/store/$PLUGIN" -type f -iname 'LICENSE*' | grep -q . || die "no LICENSE installed for $tos/$tarch"
done
log "kubectl krew install --manifest --archive works for the ${#BUILT[@]} built platform(s) of ${#PLATFORMS[@]} (KREW_OS/KREW_ARCH)"

# --- install, dispatch, uninstall ------------------------------------------------
export KREW_ROOT="$TMP/krew-root"
export PATH="$TMP/krewbin:$KREW_ROOT/bin:$PATH"
mkdir -p "$KREW_ROOT"
# Nothing else may answer for `kubectl harden`.
if other="$(command -v kubectl-harden)"; then
  die "another kubectl-harden is on PATH ($other): kubectl would run it instead of Krew's"
fi

log "kubectl krew install --manifest=dist/krew/$PLUGIN.yaml --archive=dist/$(basename "$ARCHIVE")  (KREW_ROOT=$KREW_ROOT)"
"$KUBECTL" krew install --manifest="$MANIFEST" --archive="$ARCHIVE" || die "kubectl krew install failed"
[ -L "$KREW_ROOT/bin/kubectl-$PLUGIN" ] || die "Krew did not link \$KREW_ROOT/bin/kubectl-$PLUGIN"

log "kubectl plugin list"
# (kubectl plugin list exits 1 on warnings about other plugins on PATH: ignore its status)
plugins="$("$KUBECTL" plugin list 2>/dev/null || true)"
grep -F "$KREW_ROOT/bin/kubectl-$PLUGIN" <<<"$plugins" ||
  die "kubectl plugin list does not show $KREW_ROOT/bin/kubectl-$PLUGIN"

log "kubectl $PLUGIN version  (via kubectl's plugin dispatcher)"
out="$("$KUBECTL" "$PLUGIN" version 2>&1)" || { printf '%s\n' "$out" >&2; die "'kubectl $PLUGIN version' failed"; }
printf '%s\n' "$out"
case "$out" in
  *"$TAG"*) ;;
  *) die "'kubectl $PLUGIN version' does not print the snapshot version $TAG (ldflags in .goreleaser.yaml?)" ;;
esac

log "kubectl krew uninstall $PLUGIN"
# `krew uninstall` refuses to run before `krew update` has cloned the plugin
# index (a git repository, from the network); an empty local one will do.
git init -q "$KREW_ROOT/index/default" || die "git init of an empty Krew index failed"
"$KUBECTL" krew uninstall "$PLUGIN" || die "kubectl krew uninstall failed"
[ ! -e "$KREW_ROOT/bin/kubectl-$PLUGIN" ] || die "kubectl-$PLUGIN is still linked after uninstall"
[ ! -e "$KREW_ROOT/store/$PLUGIN" ] || die "\$KREW_ROOT/store/$PLUGIN is still there after uninstall"
[ ! -e "$KREW_ROOT/receipts/$PLUGIN.yaml" ] || die "\$KREW_ROOT/receipts/$PLUGIN.yaml is still there after uninstall"
if "$KUBECTL" "$PLUGIN" version >/dev/null 2>&1; then
  die "'kubectl $PLUGIN version' still works after uninstall"
fi

if [ "${#BUILT[@]}" = "${#PLATFORMS[@]}" ]; then
  log "OK: Krew $KREW_VERSION validated, installed, ran ($TAG) and uninstalled $PLUGIN from dist/krew/$PLUGIN.yaml; all ${#PLATFORMS[@]} platforms built and installed"
else
  log "OK: Krew $KREW_VERSION validated, installed, ran ($TAG) and uninstalled $PLUGIN from dist/krew/$PLUGIN.yaml; built and installed: ${BUILT[*]} (quick check)"
fi
