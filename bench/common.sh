# Sourced by bench/run.sh, review.sh and published.sh: builds the release binary and the
# generator, sets $bin, and generates the 10,000-plan repository in DIR (examples/generate.rs
# with its defaults) unless it is already there. Usage: setup_generated DIR
setup_generated() {
  cargo build --release --quiet --example generate --bin backout
  bin=$PWD/target/release/backout
  if [ ! -d "$1/plans" ]; then
    echo "generating $1 ..." >&2
    ./target/release/examples/generate "$1"
  fi
}
