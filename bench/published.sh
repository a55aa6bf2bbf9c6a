#!/usr/bin/env bash
# Benchmarks `backout check` on the 10,000 generated plans when every plan is published, so
# each is checked against the manifests of its [published] commit, read from git. Builds
# (once) two repositories next to the generated one:
#   DIR-pub      one commit; every plan published from it
#   DIR-pub100   100 commits, each adding one team; each team's plans published from its own
# Uses hyperfine (`cargo install hyperfine`). Usage: bench/published.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/backout-bench}
runs=${RUNS:-10}

# shellcheck source=bench/common.sh
. bench/common.sh
setup_generated "$dir"

# Marks every plan.md under $2 (in repository $1) published from commit $3.
stamp() {
  find "$1/$2" -name plan.md -print0 | xargs -0 sed -i \
    -e 's/^status = "draft"/status = "published"/' \
    -e "s/^duration = \"45m\"/duration = \"45m\"\n[tested]\non = 2026-11-20\nresult = \"pass\"\n[published]\nat = 2026-11-25T16:00:00Z\ncommit = \"$3\"/"
}
fresh() { # a new repository holding a copy of the generated plans
  rm -rf "$1"; mkdir -p "$1"
  cp -r "$dir/plans" "$dir/backout.toml" "$1/"
  git -C "$1" init -q
}
git=(-c user.name=bench -c user.email=bench@backout.invalid -c commit.gpgsign=false)

if [ ! -d "$dir-pub/.git" ]; then
  echo "building $dir-pub ..." >&2
  fresh "$dir-pub"
  git -C "$dir-pub" "${git[@]}" add -A
  git -C "$dir-pub" "${git[@]}" commit -q -m "10,000 plans"
  stamp "$dir-pub" plans "$(git -C "$dir-pub" rev-parse HEAD)"
fi
if [ ! -d "$dir-pub100/.git" ]; then
  echo "building $dir-pub100 ..." >&2
  fresh "$dir-pub100"
  git -C "$dir-pub100" "${git[@]}" add backout.toml
  git -C "$dir-pub100" "${git[@]}" commit -q -m "config"
  for team in "$dir-pub100"/plans/*; do
    name=$(basename "$team")
    git -C "$dir-pub100" "${git[@]}" add "plans/$name"
    git -C "$dir-pub100" "${git[@]}" commit -q -m "$name"
    stamp "$dir-pub100" "plans/$name" "$(git -C "$dir-pub100" rev-parse HEAD)"
  done
fi

hyperfine --warmup 1 --runs "$runs" --export-markdown "${EXPORT:-/dev/null}" \
  -n "check, drafts" "$bin -C $dir check" \
  -n "check, every plan published from one commit" "$bin -C $dir-pub check" \
  -n "check, plans published from 100 commits" "$bin -C $dir-pub100 check"
