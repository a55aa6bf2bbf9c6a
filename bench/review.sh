#!/usr/bin/env bash
# Benchmarks `backout review` next to one full `backout check` on the 10,000-plan repository
# of bench/run.sh, made a git history of three commits (once):
#   base             every plan and manifest
#   HEAD             base + one plan edited (team0/v1.50)      -> review --base HEAD~1
#   new-id           base + one manifest gains a new id          -> review --base HEAD~1 --head new-id
#   smoke            base + one manifest gains `smoke`, which every plan names (the worst case:
#                    every plan of the other teams is checked at both revisions)
# Uses hyperfine (`cargo install hyperfine`). Usage: bench/review.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/backout-bench}
runs=${RUNS:-10}

# shellcheck source=bench/common.sh
. bench/common.sh
setup_generated "$dir"
git=(git -C "$dir" -c user.name=bench -c user.email=bench@backout.invalid -c commit.gpgsign=false)
if ! "${git[@]}" rev-parse -q --verify HEAD >/dev/null; then
  echo "committing $dir ..." >&2
  "${git[@]}" add -A
  "${git[@]}" commit -q -m "10,000 plans"
  base=$("${git[@]}" rev-parse HEAD)
  manifest=plans/team5/v1.99/manifest.toml
  printf '\n[[items]]\nid = "t5-r99-audit"\nkind = "config"\n' >> "$dir/$manifest"
  "${git[@]}" commit -q -am "team5 v1.99: one new item" && "${git[@]}" branch -f new-id
  "${git[@]}" reset -q --hard "$base"
  printf '\n[[items]]\nid = "smoke"\nkind = "other"\n' >> "$dir/$manifest"
  "${git[@]}" commit -q -am "team5 v1.99: the smoke job" && "${git[@]}" branch -f smoke
  "${git[@]}" reset -q --hard "$base"
  sed -i 's/The incident commander on call decides, after a call with the service owner./The incident commander on call decides, after a call with the service owner and the DBA./' \
    "$dir/plans/team0/v1.50/plan.md"
  "${git[@]}" commit -q -am "team0 v1.50: the DBA joins the decision"
fi

echo "repository: $dir ($(find "$dir/plans" -name plan.md | wc -l) plans), $(nproc) cores" >&2
hyperfine --warmup 1 --runs "$runs" --ignore-failure --export-markdown "${EXPORT:-/dev/null}" \
  -n "check (10,000 plans)" "$bin -C $dir check" \
  -n "review: one plan edited" "$bin -C $dir review --base HEAD~1" \
  -n "review: one manifest gains a new id" "$bin -C $dir review --base HEAD~1 --head new-id" \
  -n "review: one manifest gains an id every plan names" "$bin -C $dir review --base HEAD~1 --head smoke --format json"
