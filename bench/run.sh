#!/usr/bin/env bash
# Benchmarks `backout check` on a generated repository of 10,000 plans (10 items each, a
# vocabulary of 100,000 ids), and on one plan of it. Prints median wall time and peak RSS
# over RUNS runs (default 7). Usage: bench/run.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/backout-bench}
runs=${RUNS:-7}

# shellcheck source=bench/common.sh
. bench/common.sh
setup_generated "$dir"

measure() { # label, command...
  local label=$1; shift
  local times=() peak=0
  "$@" >/dev/null 2>&1 || true # warm the page cache
  for _ in $(seq "$runs"); do
    local out tmp
    tmp=$(mktemp)
    /usr/bin/time -o "$tmp" -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -n 1 "$tmp")
    rm -f "$tmp"

    times+=("${out% *}")
    local rss=${out#* }
    [ "$rss" -gt "$peak" ] && peak=$rss
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-40s median %6.3f s   peak RSS %6.1f MB   (%s runs)\n' "$label" "$median" "$(echo "$peak / 1024" | bc -l)" "$runs"
}

plans=$(find "$dir/plans" -name plan.md | wc -l)
echo "repository: $dir ($plans plans), $(nproc) cores"
measure "backout check (all plans)" "$bin" -C "$dir" check
measure "backout check team0/v1.50 (one plan)" "$bin" -C "$dir" check team0/v1.50
measure "backout list" "$bin" -C "$dir" list
measure "cat every plan and manifest" sh -c "cat '$dir'/plans/*/*/* > /dev/null"
