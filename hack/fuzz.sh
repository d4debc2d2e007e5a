#!/usr/bin/env bash
# Run every fuzz target of the module for a short time each (FUZZTIME, default 20s).
# `go test ./...` already runs each target's seed corpus; this explores further.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20s}
status=0
while read -r pkg; do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "=== fuzz $pkg $target ($FUZZTIME)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" || status=1
  done
done < <(go list ./pkg/... ./internal/...)
exit $status
