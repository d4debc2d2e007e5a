# shellcheck shell=bash
# hack/cache.sh — sourced by the scripts of `make check`: the cache directory
# (hack/release.sh keeps GoReleaser there), a stage's note for the summary, and
# the stamps of a stage that is slow and tests something that changes rarely
# (hack/upstream.sh). Such a stage hashes the files it covers and, once it has
# passed, leaves a stamp named after the hash in the cache directory; while the
# stamp is there, nothing it covers has changed since it passed and the stage is
# skipped, saying so.
#
#   HARDEN_CACHE_DIR   the cache directory (default ${XDG_CACHE_HOME:-~/.cache}/kubectl-harden);
#                      outside the clone, so that `git clean` and new clones keep it
#   HARDEN_NO_CACHE=1  ignore the stamps: run every stage in full

HARDEN_CACHE_DIR=${HARDEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-harden}

# cache::hash FILE... prints one sha256 over the paths and contents of the
# files, in sorted order; a missing file counts as a difference.
cache::hash() {
  local f
  for f in $(printf '%s\n' "$@" | LC_ALL=C sort -u); do
    if [[ -f $f ]]; then
      printf '%s %s\n' "$f" "$(sha256sum <"$f" | cut -c1-64)"
    else
      printf '%s missing\n' "$f"
    fi
  done | sha256sum | cut -c1-64
}

# cache::stamp NAME HASH prints the stamp file of a stage for a hash.
cache::stamp() { printf '%s/stamps/%s-%s\n' "$HARDEN_CACHE_DIR" "$1" "$2"; }

# cache::fresh NAME HASH succeeds when the stage passed for this hash (and
# HARDEN_NO_CACHE is not 1), printing when.
cache::fresh() {
  local s
  s=$(cache::stamp "$1" "$2")
  [[ ${HARDEN_NO_CACHE:-0} != 1 && -f $s ]] || return 1
  cat "$s"
}

# cache::record NAME HASH [TEXT] writes the stamp after the stage passed.
cache::record() {
  local s
  s=$(cache::stamp "$1" "$2")
  mkdir -p "$(dirname "$s")"
  printf 'passed %s%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${3:+ ($3)}" >"$s"
}

# cache::note TEXT leaves a one-line note for the summary of `make check`.
cache::note() {
  if [[ -n ${HARDEN_CHECK_NOTE:-} ]]; then printf '%s\n' "$*" >"$HARDEN_CHECK_NOTE"; fi
}
