#!/usr/bin/env bash
# Benchmarks `backout manifest` deriving a release's items over a range of 10,000 changed
# files in a repository of 100,000 files (bench/gen_derive.py), next to `git diff
# --name-only` on the same range, with hyperfine. Usage: bench/derive.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/backout-bench-derive}
command -v hyperfine >/dev/null || { echo "needs hyperfine: cargo install hyperfine" >&2; exit 2; }

cargo build --release --quiet --bin backout
bin=$PWD/target/release/backout
if [ ! -d "$dir/.git" ]; then
  echo "generating $dir ..." >&2
  git init -q "$dir"
  python3 bench/gen_derive.py | git -C "$dir" fast-import --quiet
  git -C "$dir" checkout -q main
  git -C "$dir" gc -q
fi

echo "repository: $dir ($(git -C "$dir" ls-files | wc -l) files; $(git -C "$dir" diff --name-only v1.0 HEAD | wc -l) changed since v1.0), $(nproc) cores, $(git --version)"
hyperfine --warmup 2 --runs "${RUNS:-10}" --export-markdown "${OUT:-/dev/null}" \
  -n "git diff --name-only v1.0 HEAD" "git -C '$dir' diff --name-only v1.0 HEAD" \
  -n "backout manifest v1.1 (toml)" "'$bin' -C '$dir' manifest v1.1" \
  -n "backout manifest v1.1 --format json" "'$bin' -C '$dir' manifest v1.1 --format json" \
  -n "backout check (manifest-drift on v1.1)" "'$bin' -C '$dir' check || true"
