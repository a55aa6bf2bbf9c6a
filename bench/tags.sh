#!/usr/bin/env bash
# Benchmarks `backout tags` on a repository of release tags, each on its own commit (one team,
# one directory that grows to TAGS plans; every GAP-th commit adds no plan, so its tag's plan
# is missing and its plans directory is the one of the commit before), next to git's own batch
# doing the same lookups, in alternating runs of the same session. Then the memory growth of
# both commands over SIZES tags.
# Usage: bench/tags.sh [DIR] [TAGS] [GAP]   (env: RUNS, default 7; SIZES, default
# "2500 5000 10000"; SIZES= skips the growth table; BIN, another backout binary to measure,
# e.g. a release build of an older commit, instead of building this one)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/backout-bench-tags}
count=${2:-10000}
gap=${3:-7}
runs=${RUNS:-7}
sizes=${SIZES-2500 5000 10000}

if [ -n "${BIN:-}" ]; then
  bin=$BIN
else
  cargo build --release --quiet --bin backout
  bin=$PWD/target/release/backout
fi

# Builds (once per parameters) the repository of `count` tags with every `gap`-th plan left out.
generate() { # dir, count, gap
  local dir=$1 count=$2 gap=$3 params="gen_tags.py $2 $3"
  if [ -d "$dir/.git" ] && [ "$(cat "$dir/.git/bench-params" 2>/dev/null)" = "$params" ]; then
    return
  fi
  echo "generating $dir: python3 bench/gen_tags.py $count $gap | git fast-import ..." >&2
  rm -rf "$dir"
  git init -q "$dir"
  python3 bench/gen_tags.py "$count" "$gap" | git -C "$dir" fast-import --quiet
  git -C "$dir" checkout -q main
  git -C "$dir" gc -q
  echo "$params" >"$dir/.git/bench-params"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

git_batch() { # dir: the same lookups as `backout tags`, by git
  git -C "$1" for-each-ref --format='%(refname:short):plans/app/%(refname:short)/plan.md' refs/tags |
    git -C "$1" cat-file --batch-check >/dev/null
}

# Runs backout (arguments after the directory) and git's batch alternately, RUNS times each;
# prints both medians, both peaks and the median of the paired ratios.
paired() { # label, dir, backout arguments...
  local label=$1 dir=$2; shift 2
  local ours=() theirs=() ratios=() peak_ours=0 peak_theirs=0 a b
  "$bin" -C "$dir" "$@" >/dev/null 2>&1 || true # warm the page cache
  git_batch "$dir"
  for _ in $(seq "$runs"); do
    read -r t m < <(run_once "$bin" -C "$dir" "$@")
    ours+=("$t"); [ "$m" -gt "$peak_ours" ] && peak_ours=$m
    a=$t
    read -r t m < <(run_once git_batch "$dir")
    theirs+=("$t"); [ "$m" -gt "$peak_theirs" ] && peak_theirs=$m
    b=$t
    ratios+=("$(echo "$a / $b" | bc -l)")
  done
  printf '%-28s median %6.3f s  peak %6.1f MB | git batch median %6.3f s  peak %6.1f MB | ratio %5.2fx\n' \
    "$label" "$(printf '%s\n' "${ours[@]}" | median)" "$(echo "$peak_ours / 1024" | bc -l)" \
    "$(printf '%s\n' "${theirs[@]}" | median)" "$(echo "$peak_theirs / 1024" | bc -l)" \
    "$(printf '%s\n' "${ratios[@]}" | median)"
}

# One timed run: prints "seconds peak-KB". `git_batch` is a function, and /usr/bin/time needs
# a program, so it runs in a bash that is given the function.
export -f git_batch
run_once() {
  local tmp start end
  tmp=$(mktemp)
  start=$(date +%s%N)
  if [ "$1" = git_batch ]; then
    /usr/bin/time -o "$tmp" -f '%M' bash -c 'git_batch "$1"' _ "$2" >/dev/null 2>&1 || true
  else
    /usr/bin/time -o "$tmp" -f '%M' "$@" >/dev/null 2>&1 || true
  fi
  end=$(date +%s%N)
  echo "$(echo "($end - $start) / 1000000000" | bc -l) $(tail -n 1 "$tmp")"
  rm -f "$tmp"
}

generate "$dir" "$count" "$gap"
echo "binary: $bin"
echo "repository: $dir (python3 bench/gen_tags.py $count $gap: $(git -C "$dir" tag | wc -l) tags, every ${gap}th without a plan), $(nproc) cores, $(git --version), $runs alternating runs"
paired "backout tags" "$dir" tags
paired "backout tags --at head" "$dir" tags --at head

if [ -n "$sizes" ]; then
  echo "memory growth (peak RSS of one run after a warm-up; every ${gap}th tag without a plan):"
  for n in $sizes; do
    sized=$dir-$n
    [ "$n" = "$count" ] && sized=$dir
    generate "$sized" "$n" "$gap"
    runs=3 paired "$n tags: backout tags" "$sized" tags
  done
fi
