#!/usr/bin/env bash
# Checks the Krew distribution of kubectl-harden end to end, offline but for
# the Go module proxy:
#
#  1. renders plugins/krew.yaml (the krew-release-bot template) for the local
#     snapshot archives of hack/release.sh into dist/krew/harden.yaml, with the
#     archives' real sha256 (https release uris stay: installs use --archive);
#  2. validates it: Krew's rules and this project's (hack/tools/krewcheck),
#     then Krew's own validate-krew-manifest, and installs every platform's
#     archive into a scratch KREW_ROOT (sha256, files, bin, LICENSE);
#  3. in a temporary KREW_ROOT runs
#       kubectl krew install --manifest=dist/krew/harden.yaml --archive=dist/<this platform's archive>
#       kubectl harden version      (through kubectl's plugin dispatcher)
#       kubectl krew uninstall harden
#     and checks that the version printed is the snapshot's.
#
# Krew (sigs.k8s.io/krew/cmd/krew and cmd/validate-krew-manifest, pinned) is
# installed into hack/tools/bin with `go install`. Where the Go module proxy
# does not serve sigs.k8s.io/krew, step 2's validate-krew-manifest is skipped
# and step 3 uses hack/tools/krewcheck's stand-in for `krew install` and
# `krew uninstall` (same store/bin/receipts layout), with a loud warning;
# KREW_CHECK_REQUIRE_KREW=1 makes that an error instead.
#
# Environment:
#   KREW_VERSION                pinned Krew version (default below)
#   KREW_CHECK_REQUIRE_KREW=1   fail when the real Krew cannot be installed
#   KREW_BIN, VALIDATE_KREW_MANIFEST_BIN
#                               use these Krew binaries instead of installing
#   KUBECTL                     kubectl to dispatch with (default: kubectl on PATH)
#   KREW_CHECK_SKIP_RELEASE=1   do not run hack/release.sh when dist/ is empty
set -euo pipefail

KREW_VERSION="${KREW_VERSION:-v0.4.5}"
KREW_MODULE="sigs.k8s.io/krew"
PLUGIN=harden

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$ROOT/hack/tools/bin"
MANIFEST="$ROOT/dist/krew/$PLUGIN.yaml"

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf '\nWARNING: %s\n\n' "$*" >&2; }
die()  { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

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
if [ ! -f dist/metadata.json ] || [ ! -f dist/checksums.txt ]; then
  [ "${KREW_CHECK_SKIP_RELEASE:-}" = 1 ] && die "dist/ has no snapshot: run hack/release.sh first"
  log "dist/ has no snapshot: running hack/release.sh"
  hack/release.sh
fi
version="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | head -n1)"
[ -n "$version" ] || die "no version in dist/metadata.json: run hack/release.sh again"
TAG="v$version"
(cd dist && sha256sum --quiet -c checksums.txt) || die "dist/checksums.txt does not match the archives: run hack/release.sh again"

goos="$(go env GOOS)"; goarch="$(go env GOARCH)"
ext=tar.gz; [ "$goos" = windows ] && ext=zip
ARCHIVE="$ROOT/dist/kubectl-harden_${TAG}_${goos}_${goarch}.${ext}"
[ -f "$ARCHIVE" ] || die "no archive for this machine ($goos/$goarch): $ARCHIVE"
log "snapshot $TAG, archive for this machine: dist/$(basename "$ARCHIVE")"

# --- render and validate ------------------------------------------------------
log "building hack/tools/krewcheck"
(cd hack/tools && go build -o bin/krewcheck ./krewcheck) || die "could not build hack/tools/krewcheck"
KREWCHECK="$TOOLS_BIN/krewcheck"

log "rendering plugins/krew.yaml -> dist/krew/$PLUGIN.yaml (TagName $TAG)"
"$KREWCHECK" render -template plugins/krew.yaml -tag "$TAG" -dist dist -out "$MANIFEST"
# The manifest's sha256 must be the ones GoReleaser published in checksums.txt.
while read -r sum name; do
  grep -q "sha256: $sum\$" "$MANIFEST" || die "sha256 of $name ($sum) is not in $MANIFEST"
done < <(grep -E '_(linux|darwin|windows)_(amd64|arm64)\.(tar\.gz|zip)$' dist/checksums.txt)

log "validating dist/krew/$PLUGIN.yaml (Krew's rules, project rules, every platform's archive)"
"$KREWCHECK" validate -manifest "$MANIFEST" -dist dist

# --- Krew ----------------------------------------------------------------------
REAL_KREW=""
if [ -n "${KREW_BIN:-}" ]; then
  REAL_KREW="$KREW_BIN"
  VALIDATOR="${VALIDATE_KREW_MANIFEST_BIN:-}"
elif [ "$(installed_version "$TOOLS_BIN/krew" "$KREW_MODULE")" = "$KREW_VERSION" ] &&
     [ "$(installed_version "$TOOLS_BIN/validate-krew-manifest" "$KREW_MODULE")" = "$KREW_VERSION" ]; then
  log "Krew $KREW_VERSION already in hack/tools/bin"
  REAL_KREW="$TOOLS_BIN/krew"; VALIDATOR="$TOOLS_BIN/validate-krew-manifest"
else
  log "installing Krew $KREW_VERSION (krew, validate-krew-manifest) into hack/tools/bin"
  if out="$(GOBIN="$TOOLS_BIN" go install "$KREW_MODULE/cmd/krew@$KREW_VERSION" \
              "$KREW_MODULE/cmd/validate-krew-manifest@$KREW_VERSION" 2>&1)"; then
    REAL_KREW="$TOOLS_BIN/krew"; VALIDATOR="$TOOLS_BIN/validate-krew-manifest"
  else
    printf '%s\n' "$out" | tail -n 5 >&2
    [ "${KREW_CHECK_REQUIRE_KREW:-}" = 1 ] &&
      die "could not install Krew $KREW_VERSION with go install, and KREW_CHECK_REQUIRE_KREW=1"
    warn "Krew $KREW_VERSION could not be installed from the Go module proxy (see above).
  validate-krew-manifest is skipped, and 'krew install/uninstall' below is
  hack/tools/krewcheck's stand-in for Krew (same checks and on-disk layout),
  not Krew itself. Where the proxy serves $KREW_MODULE, this script uses Krew."
  fi
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/krew-check.XXXXXX")"
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT

if [ -n "$REAL_KREW" ]; then
  [ -x "$REAL_KREW" ] || die "Krew binary $REAL_KREW is not executable"
  # kubectl finds Krew as the plugin kubectl-krew.
  mkdir -p "$TMP/krewbin"
  ln -s "$REAL_KREW" "$TMP/krewbin/kubectl-krew"
  if [ -n "${VALIDATOR:-}" ]; then
    log "validate-krew-manifest (Krew $KREW_VERSION's validator; -skip-install: its install step downloads, done below with --archive)"
    PATH="$TMP/krewbin:$TOOLS_BIN:$PATH" "$VALIDATOR" -manifest "$MANIFEST" -skip-install \
      || die "Krew's validate-krew-manifest rejected $MANIFEST"
  fi
  # validate-krew-manifest's install step, offline: every platform with --archive.
  for target in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64; do
    tos="${target%_*}"; tarch="${target#*_}"; text=tar.gz; [ "$tos" = windows ] && text=zip
    root="$TMP/validate-$target"
    KREW_ROOT="$root" KREW_OS="$tos" KREW_ARCH="$tarch" KREW_NO_UPGRADE_CHECK=1 \
      PATH="$TMP/krewbin:$TOOLS_BIN:$PATH" "$KUBECTL" krew install --manifest="$MANIFEST" \
      --archive="dist/kubectl-harden_${TAG}_${target}.${text}" >"$root.log" 2>&1 \
      || { cat "$root.log" >&2; die "krew install failed for $tos/$tarch"; }
    find "$root/store" -type f -iname 'LICENSE*' | grep -q . || die "no LICENSE installed for $tos/$tarch"
  done
  log "krew install works for all 6 platforms (KREW_OS/KREW_ARCH)"
  KREW=("$KUBECTL" krew)
  PATH_PREFIX="$TMP/krewbin:$TOOLS_BIN"
else
  KREW=("$KREWCHECK")
  PATH_PREFIX="$TOOLS_BIN"
fi

# --- install, dispatch, uninstall ------------------------------------------------
export KREW_ROOT="$TMP/krew-root"
export KREW_NO_UPGRADE_CHECK=1
export PATH="$PATH_PREFIX:$KREW_ROOT/bin:$PATH"
mkdir -p "$KREW_ROOT"
# Nothing else may answer for `kubectl harden`.
if other="$(command -v kubectl-harden)"; then
  die "another kubectl-harden is on PATH ($other): kubectl would run it instead of Krew's"
fi

log "krew install --manifest=dist/krew/$PLUGIN.yaml --archive=dist/$(basename "$ARCHIVE")  (KREW_ROOT=$KREW_ROOT)"
if [ -n "$REAL_KREW" ]; then
  "${KREW[@]}" install --manifest="$MANIFEST" --archive="$ARCHIVE" || die "kubectl krew install failed"
else
  "${KREW[@]}" install -manifest "$MANIFEST" -archive "$ARCHIVE" || die "krew install (stand-in) failed"
fi
[ -L "$KREW_ROOT/bin/kubectl-$PLUGIN" ] || die "Krew did not link \$KREW_ROOT/bin/kubectl-$PLUGIN"

log "kubectl plugin list"
# (kubectl plugin list exits 1 on warnings about other plugins on PATH: ignore its status)
plugins="$("$KUBECTL" plugin list 2>/dev/null || true)"
grep -F "$KREW_ROOT/bin/kubectl-$PLUGIN" <<<"$plugins" \
  || die "kubectl plugin list does not show $KREW_ROOT/bin/kubectl-$PLUGIN"

log "kubectl $PLUGIN version  (via kubectl's plugin dispatcher)"
out="$("$KUBECTL" "$PLUGIN" version 2>&1)" || { printf '%s\n' "$out" >&2; die "'kubectl $PLUGIN version' failed"; }
printf '%s\n' "$out"
case "$out" in
  *"$TAG"*) ;;
  *) die "'kubectl $PLUGIN version' does not print the snapshot version $TAG (ldflags in .goreleaser.yaml?)" ;;
esac

log "krew uninstall $PLUGIN"
if [ -n "$REAL_KREW" ] && [ -z "$(ls -A "$KREW_ROOT/index" 2>/dev/null)" ]; then
  # `krew uninstall` refuses to run before `krew update` has cloned the plugin
  # index (a git repository, from the network); an empty local one will do.
  git init -q "$KREW_ROOT/index/default" || die "git init of an empty Krew index failed"
fi
"${KREW[@]}" uninstall "$PLUGIN" || die "krew uninstall failed"
[ ! -e "$KREW_ROOT/bin/kubectl-$PLUGIN" ] || die "kubectl-$PLUGIN is still linked after uninstall"
[ ! -e "$KREW_ROOT/store/$PLUGIN" ] || die "\$KREW_ROOT/store/$PLUGIN is still there after uninstall"
if "$KUBECTL" "$PLUGIN" version >/dev/null 2>&1; then
  die "'kubectl $PLUGIN version' still works after uninstall"
fi

if [ -n "$REAL_KREW" ]; then
  log "OK: Krew ($REAL_KREW) installed, ran ($TAG) and uninstalled $PLUGIN from dist/krew/$PLUGIN.yaml"
else
  log "OK (Krew stand-in, see WARNING above): installed, ran ($TAG) and uninstalled $PLUGIN from dist/krew/$PLUGIN.yaml"
fi
