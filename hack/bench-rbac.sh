#!/usr/bin/env bash
# `kubectl harden rbac` and `rbac who-can -A` on a synthetic multi-tenant cluster, as users run
# them offline: hack/rbac-scale writes an RBAC snapshot of N namespaces (default 1 000, 2 000,
# 4 000 and 8 000; each with three service accounts, two pods, a Role and three RoleBindings, a
# platform team and deployer bound in every namespace, a path to cluster-admin), and each
# command is timed on it. Prints wall time, CPU time (user+sys, which a busy machine inflates
# less than wall time) and peak RSS per run, from GNU time. With BASE=<git ref>, a binary built
# from that ref in a temporary worktree is timed on the same snapshots too, for a before/after.
set -euo pipefail
cd "$(dirname "$0")/.."
NAMESPACES=${NAMESPACES:-"1000 2000 4000 8000"}
work=$(mktemp -d)
cleanup() {
  [ -n "${BASE:-}" ] && git worktree remove --force "$work/base-tree" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/after" ./cmd/kubectl-harden
go build -o "$work/rbac-scale" ./hack/rbac-scale
bins=(after)
if [ -n "${BASE:-}" ]; then
  git worktree add --quiet --detach "$work/base-tree" "$BASE"
  (cd "$work/base-tree" && go build -o "$work/before" ./cmd/kubectl-harden)
  bins=(before after)
fi
for n in $NAMESPACES; do
  "$work/rbac-scale" -namespaces "$n" > "$work/snapshot.json"
  for b in "${bins[@]}"; do
    for args in "rbac -o json" "rbac who-can get secrets -A -o json" "rbac who-can delete namespaces -A -o json"; do
      # shellcheck disable=SC2086
      /usr/bin/time -f "$b namespaces=$n $args: wall %es, cpu %Us user + %Ss sys, peak RSS %MkB, exit %x" \
        "$work/$b" $args --from-snapshot "$work/snapshot.json" > /dev/null
    done
  done
done
