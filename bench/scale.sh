#!/usr/bin/env bash
# The table of issue 15 ("instant at any scale"), each row beside its comparison in the same
# hyperfine run, except `tags` (bench/tags.sh):
#   1. `check` of 10,000 plans vs `cat` of their 20,000 files
#   2. one plan in the 10,000-plan repository: `check P`, `baseline --dry-run`, `publish`,
#      `review` of one edited plan; with the cache warm, and cold (`--no-cache`); and what
#      listing the directories and lstat-ing every file costs (find, ls -R, and
#      examples/stat_floor.rs, which does only that, in-process, on one thread and on all;
#      beside publish, `stat_floor --drills`: the 30,000 lstats publish's index needs; each
#      relative to its team's open directory, `--at`, as backout stamps files)
#   3. `check` of 10,000 plans x 100 items (1,000,000 ids) vs `cat`
#   4. peak RSS of each (and of `publish`), from /usr/bin/time, the largest of 3 runs
# Repositories (made once, by examples/generate.rs, parameters printed):
#   DIR     100 teams x 100 releases x 10 items: 10,000 plans, 100,000 ids; a git repository
#           whose first commit holds everything, with team0/v1.50 approved and tested (the
#           plan `publish` publishes), and whose HEAD edits team0/v1.49's Decision (the plan
#           `review --base HEAD~1` reviews)
#   DIR_1M  100 teams x 100 releases x 100 items: 10,000 plans, 1,000,000 ids (no git)
# BEFORE=/path/to/backout runs another build beside this one (e.g. main's). The cache lives in
# a temporary XDG_CACHE_HOME, removed at the end. Uses hyperfine.
# Prints, per row, each command's median, fastest run and mean user CPU, and its median as a
# multiple of the first command's (the comparison). Needs python3 to read hyperfine's JSON.
# Usage: bench/scale.sh [DIR] [DIR_1M]   (RUNS=10, WARMUP=2, EXPORT_DIR=where hyperfine's
# JSON goes, default a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/backout-scale}
dir1m=${2:-/tmp/backout-scale-1m}
runs=${RUNS:-10}
warmup=${WARMUP:-2}

cargo build --release --quiet --example generate --example stat_floor --bin backout
bin=$PWD/target/release/backout
generate=$PWD/target/release/examples/generate
stat_floor=$PWD/target/release/examples/stat_floor
before=${BEFORE:-}

cache=$(mktemp -d)
# The other build has a cache of its own: a cache file belongs to the build that wrote it,
# so sharing one would make each build's runs cold after the other's.
cache_before=$(mktemp -d)
before_cmd=${before:+env XDG_CACHE_HOME=$cache_before $before}
site=$(mktemp -d)
export_dir=${EXPORT_DIR:-$(mktemp -d)}
trap 'rm -rf "$cache" "$cache_before" "$site"; [ -n "${EXPORT_DIR:-}" ] || rm -rf "$export_dir"' EXIT
mkdir -p "$export_dir"
export XDG_CACHE_HOME=$cache

git=(git -C "$dir" -c user.name=bench -c user.email=bench@backout.invalid -c commit.gpgsign=false)
if [ ! -d "$dir/plans" ]; then
  echo "generating $dir: generate $dir --teams 100 --releases 100 --items 10" >&2
  "$generate" "$dir" --teams 100 --releases 100 --items 10
fi
if ! "${git[@]}" rev-parse -q --verify HEAD >/dev/null 2>&1; then
  echo "committing $dir ..." >&2
  git init -q "$dir"
  plan=$dir/plans/team0/v1.50/plan.md
  sed -i 's/^status = "draft"$/status = "approved"/; s/^duration = "45m"$/duration = "45m"\n[tested]\non = 2026-11-20\nresult = "pass"/' "$plan"
  "${git[@]}" add -A
  "${git[@]}" commit -q -m "10,000 plans; team0/v1.50 approved"
  sed -i 's/after a call with the service owner\./after a call with the service owner and the DBA./' \
    "$dir/plans/team0/v1.49/plan.md"
  "${git[@]}" commit -q -am "team0 v1.49: the DBA joins the decision"
fi
if [ ! -d "$dir1m/plans" ]; then
  echo "generating $dir1m: generate $dir1m --teams 100 --releases 100 --items 100" >&2
  "$generate" "$dir1m" --teams 100 --releases 100 --items 100
fi

echo "DIR    $dir: $(find "$dir/plans" -name plan.md | wc -l) plans (generate --teams 100 --releases 100 --items 10)"
echo "DIR_1M $dir1m: $(find "$dir1m/plans" -name plan.md | wc -l) plans (generate --teams 100 --releases 100 --items 100)"
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $("$bin" --version)${before:+, before: $("$before" --version) at $before}"

restore="${git[*]} checkout -q -- plans/team0/v1.50/plan.md"
n=0
bench() { # hyperfine with this script's settings, then its summary
  n=$((n + 1))
  hyperfine -N --warmup "$warmup" --runs "$runs" --ignore-failure --style none \
    --export-json "$export_dir/$n.json" "$@" >/dev/null
  python3 - "$export_dir/$n.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
first = statistics.median(results[0]["times"])
for r in results:
    median = statistics.median(r["times"])
    print(f"  {r['command']:<58} median {median * 1000:8.1f} ms  fastest {min(r['times']) * 1000:8.1f} ms"
          f"  user {r['user'] * 1000:7.1f} ms  {median / first:5.2f}x")
PY
}
rss() { # label, command...: the largest peak RSS of 3 runs, in MB
  local label=$1 peak=0 out tmp
  shift
  tmp=$(mktemp)
  for _ in 1 2 3; do
    /usr/bin/time -o "$tmp" -f '%M' "$@" >/dev/null 2>&1 || true
    out=$(tail -n 1 "$tmp")
    [ "$out" -gt "$peak" ] && peak=$out
  done
  rm -f "$tmp"
  printf 'peak RSS %-70s %6.1f MB\n' "$label" "$(echo "$peak / 1024" | bc -l)"
}

# Fill the cache (as any earlier run would), so that "warm" means: nothing changed since.
"$bin" -C "$dir" check >/dev/null || true
"$bin" -C "$dir1m" check >/dev/null || true
if [ -n "$before" ]; then
  $before_cmd -C "$dir" check >/dev/null || true
  $before_cmd -C "$dir1m" check >/dev/null || true
fi

echo
echo "## 1. check of 10,000 plans vs cat of their 20,000 files"
bench -n "cat (20,000 files)" "sh -c 'cat $dir/plans/*/*/* > /dev/null'" \
  -n "check" "$bin -C $dir check" \
  -n "check --no-cache" "$bin -C $dir --no-cache check" \
  ${before:+-n "check (before)" "$before_cmd -C $dir check"}

echo
echo "## 2. one plan in the 10,000-plan repository, warm cache and cold"
# The floor of any run that notices a change in any file: list and lstat each of them.
bench -n "find -printf %s (lstat of every file)" "find $dir/plans -type f -printf %s" \
  -n "ls -R (list every directory)" "ls -R $dir/plans" \
  -n "stat_floor (list, lstat 20,000 files, one thread)" "$stat_floor $dir/plans --at" \
  -n "stat_floor --threads (the same on every core)" "$stat_floor $dir/plans --threads --at" \
  -n "check team0/v1.50" "$bin -C $dir check team0/v1.50"
for row in "check team0/v1.50" "baseline team0/v1.51 --from team0/v1.50 --force --dry-run" "review --base HEAD~1"; do
  bench -n "$row" "$bin -C $dir $row" \
    -n "$row --no-cache" "$bin -C $dir --no-cache $row" \
    ${before:+-n "$row (before)" "$before_cmd -C $dir $row"}
done
# publish's floor: its index shows every plan's drill records, so it looks at every
# release's drills/ too (30,000 lstats).
bench --prepare "$restore" \
  -n "stat_floor --threads --drills (lstat 30,000 paths on every core)" "$stat_floor $dir/plans --threads --drills --at" \
  -n "publish team0/v1.50" "$bin -C $dir publish team0/v1.50 --out $site" \
  -n "publish team0/v1.50 --no-cache" "$bin -C $dir --no-cache publish team0/v1.50 --out $site" \
  ${before:+-n "publish team0/v1.50 (before)" "$before_cmd -C $dir publish team0/v1.50 --out $site"}
$restore

echo
echo "## 3. check of 10,000 plans x 100 items (1,000,000 ids) vs cat"
bench -n "cat (20,000 files, 1M ids)" "sh -c 'cat $dir1m/plans/*/*/* > /dev/null'" \
  -n "check (1M ids)" "$bin -C $dir1m check" \
  -n "check (1M ids) --no-cache" "$bin -C $dir1m --no-cache check" \
  ${before:+-n "check (1M ids, before)" "$before_cmd -C $dir1m check"}

echo
echo "## 4. peak RSS"
for build in "$bin" ${before:+"$before_cmd"}; do
  rss "$build check" $build -C "$dir" check
  rss "$build check team0/v1.50" $build -C "$dir" check team0/v1.50
  rss "$build review --base HEAD~1" $build -C "$dir" review --base HEAD~1
  rss "$build publish team0/v1.50" $build -C "$dir" publish team0/v1.50 --out "$site"
  $restore
  rss "$build check (1M ids)" $build -C "$dir1m" check
done
rss "$bin --no-cache check team0/v1.50" "$bin" -C "$dir" --no-cache check team0/v1.50
rss "$bin --no-cache publish team0/v1.50" "$bin" -C "$dir" --no-cache publish team0/v1.50 --out "$site"
$restore
rss "$bin --no-cache check (1M ids)" "$bin" -C "$dir1m" --no-cache check
