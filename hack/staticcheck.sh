#!/usr/bin/env bash
# Installs the pinned staticcheck into hack/tools/bin (go install, no go.mod
# entry) and runs it over the main module, with and without the e2e tag, and
# over the browser-test module (test/browser, tag browser).
set -euo pipefail
cd "$(dirname "$0")/.."
STATICCHECK_VERSION=${STATICCHECK_VERSION:-v0.8.2} # staticcheck 2026.2.2, supports Go 1.26
GO=${GO:-go}
bin=$PWD/hack/tools/bin/staticcheck
if ! [ -x "$bin" ] || ! "$bin" -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})"; then
	echo "installing staticcheck $STATICCHECK_VERSION into hack/tools/bin (go install)" >&2
	GOBIN=$PWD/hack/tools/bin "$GO" install "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}"
fi
"$bin" ./...
"$bin" -tags e2e ./test/... ./pkg/debugpod/...
(cd test/browser && "$bin" -tags browser ./...)
