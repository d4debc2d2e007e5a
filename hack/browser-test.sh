#!/usr/bin/env bash
# Runs the HTML report's browser test (test/browser, a module of its own so that
# chromedp stays out of the product's go.mod; build tag "browser"): opens
# `scan -o html` of the evidence fixtures in headless Chromium and checks its DOM.
# No cluster is needed.
#
# Chromium: the first of HARDEN_CHROMIUM, chromium, chromium-browser, google-chrome
# on PATH. When there is none, Debian's or Ubuntu's chromium package is installed with
# apt-get (about 100 packages with its libraries, ~300 MB, a few minutes; sudo when not
# root). HARDEN_NO_APT=1 fails instead of installing.
#
#   HARDEN_SCREENSHOT=docs/html-report.png hack/browser-test.sh   # also refresh the README picture
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '=== [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

chromium=${HARDEN_CHROMIUM:-}
if [[ -z $chromium ]]; then
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null; then chromium=$(command -v "$c"); break; fi
  done
fi
if [[ -z $chromium ]]; then
  if [[ ${HARDEN_NO_APT:-0} == 1 ]] || ! command -v apt-get >/dev/null; then
    echo "ERROR: no Chromium or Chrome on PATH (chromium, chromium-browser, google-chrome; or set HARDEN_CHROMIUM)." >&2
    echo "       Install one, e.g. 'sudo apt-get install chromium' or your distribution's package." >&2
    exit 1
  fi
  SUDO=""
  [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
  start=$SECONDS
  log "no Chromium on PATH: installing Debian's chromium with apt-get for the headless-browser test of -o html"
  log "  (chromium and its libraries, about 100 packages and 300 MB; once per machine; HARDEN_NO_APT=1 to refuse)"
  $SUDO apt-get update -qq
  pkg=chromium
  apt-cache show chromium >/dev/null 2>&1 || pkg="chromium-browser"
  new=$(apt-get install -s "$pkg" 2>/dev/null | grep -c '^Inst ' || true)
  log "apt-get install $pkg: $new new package(s)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
  chromium=$(command -v chromium || command -v chromium-browser)
  log "installed $("$chromium" --version 2>/dev/null || echo "$pkg") in $((SECONDS - start))s"
fi
export HARDEN_CHROMIUM=$chromium
log "go test -tags browser ./test/browser (Chromium: $chromium)"
cd test/browser
exec go test -tags browser -count=1 -v -run TestHTMLReportInChromium .
