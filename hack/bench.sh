#!/usr/bin/env bash
# Benchmarks: evaluation of node controls over a full control-plane fixture, and the RBAC model
# over a synthetic cluster (10 000 roles, 50 000 bindings). Prints go test -bench output;
# with benchstat installed (go install golang.org/x/perf/cmd/benchstat@latest) compare two runs.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-3}
go test -run '^$' -bench . -benchmem -count "$COUNT" ./pkg/checks/ ./pkg/rbac/ ./pkg/evidence/ | tee "${BENCH_OUT:-/dev/null}"
