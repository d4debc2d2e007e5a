#!/usr/bin/env bash
# Benchmarks: evaluation of node controls over a full control-plane fixture, parsing and evaluating
# 4 MiB of hostile certificates (the live bound of one node), the RBAC model over a synthetic
# cluster (10 000 roles, 50 000 bindings), and diff of a 1 000-node report (decode, validate,
# compare; hack/bench-diff.sh times the command itself). Prints go test -bench output;
# with benchstat installed (go install golang.org/x/perf/cmd/benchstat@latest) compare two runs.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-3}
go test -run '^$' -bench . -benchmem -count "$COUNT" ./pkg/checks/ ./pkg/rbac/ ./pkg/evidence/ ./pkg/report/ | tee "${BENCH_OUT:-/dev/null}"
# The node scan on a simulated cluster of 10, 100 and 1 000 nodes (pkg/debugpod/sim: the real
# runner on a fake clientset with realistic latencies and client-go's rate limiter), --parallel 50:
# wall time, API requests and peak RSS per scan. One run each; the 1 000-node one takes ~40 s.
go test -run '^$' -bench BenchmarkSimulatedScan -benchtime 1x ./pkg/debugpod/ | tee -a "${BENCH_OUT:-/dev/null}"
