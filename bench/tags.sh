#!/usr/bin/env bash
# Benchmarks `backout tags` on a repository of 10,000 release tags, each on its own commit
# (one team, one directory of 10,000 plans at the end), next to git's own batch doing the
# same lookups. Usage: bench/tags.sh [DIR] [TAGS]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/backout-bench-tags}
count=${2:-10000}
runs=${RUNS:-5}

cargo build --release --quiet --bin backout
bin=$PWD/target/release/backout
if [ ! -d "$dir/.git" ]; then
  echo "generating $dir ($count tags) ..." >&2
  git init -q "$dir"
  python3 bench/gen_tags.py "$count" | git -C "$dir" fast-import --quiet
  git -C "$dir" checkout -q main
  git -C "$dir" gc -q
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # label, command...
  local label=$1; shift
  local times=() peak=0 tmp out
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$runs"); do
    tmp=$(mktemp)
    /usr/bin/time -o "$tmp" -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -n 1 "$tmp"); rm -f "$tmp"
    times+=("${out% *}")
    [ "${out#* }" -gt "$peak" ] && peak=${out#* }
  done
  printf '%-52s median %6.3f s   peak RSS %6.1f MB\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "$(echo "$peak / 1024" | bc -l)"
}

echo "repository: $dir ($(git -C "$dir" tag | wc -l) tags), $(nproc) cores, $(git --version)"
measure "backout tags (plans in each tagged commit)" "$bin" -C "$dir" tags
measure "backout tags --at head" "$bin" -C "$dir" tags --at head
measure "git for-each-ref | git cat-file --batch-check" sh -c \
  "git -C '$dir' for-each-ref --format='%(refname:short):plans/app/%(refname:short)/plan.md' refs/tags | git -C '$dir' cat-file --batch-check >/dev/null"
