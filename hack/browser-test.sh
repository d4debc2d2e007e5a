#!/usr/bin/env bash
# Runs the HTML report's browser test (test/e2e/html_test.go, build tag
# "browser"): installs Chromium when no Chrome/Chromium is on PATH (Debian or
# Ubuntu: apt-get), then opens `scan -o html` of the evidence fixtures in
# headless Chromium and checks its DOM. No cluster is needed.
#   HARDEN_SCREENSHOT=docs/html-report.png hack/browser-test.sh   # also refresh the README picture
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && ! command -v google-chrome >/dev/null; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium || $SUDO apt-get install -y -qq chromium-browser
fi
exec go test -tags browser -count=1 -v -run TestHTMLReportInChromium ./test/e2e
