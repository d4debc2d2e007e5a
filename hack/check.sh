#!/usr/bin/env bash
# hack/check.sh — `make check`, what CI runs: the stages below one after the other.
# Each stage is a make target that also runs on its own; this script announces each
# with its start time, prints its duration when it ends, stops at the first failure
# and prints a summary of all stages at the end (also after a failure).
#
#   HARDEN_CHECK_STAGES="lint test"   run only these stages, in this order
#
# `upstream` (k8s.io/kubernetes' own kubelet code) tests something that changes
# rarely: it skips itself when nothing it covers changed since it last passed on
# this machine, and says so (hack/cache.sh). `krew-check` builds two of the six
# release platforms (linux/amd64 and windows/amd64: a tar.gz and a zip); the
# release workflow builds all six (KREW_CHECK_FULL=1).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

all=(lint test size upstream browser krew-check e2e)
read -r -a stages <<<"${HARDEN_CHECK_STAGES:-${all[*]}}"
declare -A what=(
  [lint]="go vet (also e2e, browser and windows builds), staticcheck, gofmt, go mod tidy of every module"
  [test]="unit, golden and fuzz-seed tests (go test ./...; unchanged packages from the test cache)"
  [size]="stripped binary at most 36 MB and the linker's method dead-code elimination on (hack/binsize)"
  [upstream]="kubelet defaults and drop-in merge against k8s.io/kubernetes (skipped when nothing it covers changed)"
  [browser]="the HTML report in headless Chromium (installs Debian's chromium with apt when none is on PATH)"
  [e2e]="end-to-end tests on a kind cluster (docker)"
  [krew-check]="GoReleaser snapshot of linux/amd64 and windows/amd64 validated and installed with Krew, kubectl harden version"
)

fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
# cpu sets CPU to the CPU seconds (user + system) used so far by this script's
# finished children: the work a stage did, whatever else loads the machine.
# `times` runs in this shell (in a $(...) subshell it would see only the
# subshell's own children, none), its output goes through a file.
cpu() {
  times >"$HARDEN_CHECK_TIMES"
  CPU=$(awk 'NR == 2 {
    n = split($1 " " $2, t, " "); s = 0
    for (i = 1; i <= n; i++) { split(t[i], p, "m"); sub(/s$/, "", p[2]); s += p[1] * 60 + p[2] }
    printf "%d\n", s }' "$HARDEN_CHECK_TIMES")
}
hr() { printf '%s\n' "==============================================================================="; }

results=()
check_start=$SECONDS
# A stage may leave a one-line note for the summary here (hack/cache.sh: cache::note).
HARDEN_CHECK_NOTE=$(mktemp "${TMPDIR:-/tmp}/harden-check-note.XXXXXX")
HARDEN_CHECK_TIMES=$(mktemp "${TMPDIR:-/tmp}/harden-check-times.XXXXXX")
export HARDEN_CHECK_NOTE
trap 'rm -f "$HARDEN_CHECK_NOTE" "$HARDEN_CHECK_TIMES"' EXIT
summary() {
  hr
  printf 'make check: %s in %s (started %s; load average now %s; %s CPUs)\n' \
    "$1" "$(fmt $((SECONDS - check_start)))" "$started" \
    "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" "$(nproc 2>/dev/null || echo '?')"
  printf '  %-11s %-7s %8s  %8s  %s\n' stage result wall CPU note
  printf '  %s\n' "${results[@]}"
  hr
}

started=$(date '+%Y-%m-%d %H:%M:%S')
hr
printf 'make check: %d stages (%s), started %s\n' "${#stages[@]}" "${stages[*]}" "$started"
hr
for stage in "${stages[@]}"; do
  [[ -n ${what[$stage]:-} ]] || { echo "unknown stage $stage (stages: ${all[*]})" >&2; exit 2; }
  cpu
  s=$SECONDS c=$CPU
  : >"$HARDEN_CHECK_NOTE"
  printf '\n>>> [%s] stage %s: %s\n' "$(date +%H:%M:%S)" "$stage" "${what[$stage]}"
  HARDEN_UPSTREAM=auto make --no-print-directory "$stage"
  rc=$?
  cpu
  d=$((SECONDS - s)) dc=$((CPU - c))
  note=$(head -n1 "$HARDEN_CHECK_NOTE")
  if [[ $rc -ne 0 ]]; then
    printf '<<< [%s] stage %s FAILED after %s (exit code %d)\n' "$(date +%H:%M:%S)" "$stage" "$(fmt $d)" "$rc"
    results+=("$(printf '%-11s FAILED  %8s  %8s  %s' "$stage" "$(fmt $d)" "$(fmt $dc)" "$note")")
    summary FAILED
    exit 1
  fi
  printf '<<< [%s] stage %s passed in %s (CPU %s)\n' "$(date +%H:%M:%S)" "$stage" "$(fmt $d)" "$(fmt $dc)"
  results+=("$(printf '%-11s passed  %8s  %8s  %s' "$stage" "$(fmt $d)" "$(fmt $dc)" "$note")")
done
summary passed
