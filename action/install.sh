#!/usr/bin/env bash
# Installs the backout release BACKOUT_VERSION for this runner from the project's GitHub
# releases, checks the archive against its published SHA-256, and puts it on PATH.
set -euo pipefail

repository="https://github.com/backout-dev/backout"
version="${BACKOUT_VERSION#v}"
if [ -z "$version" ]; then
  echo "::error::the version input is empty; give a release such as 0.1.0"
  exit 2
fi

case "${RUNNER_OS}-${RUNNER_ARCH}" in
  Linux-X64) target=x86_64-unknown-linux-musl ;;
  Linux-ARM64) target=aarch64-unknown-linux-musl ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
  Windows-X64) target=x86_64-pc-windows-msvc ;;
  *)
    echo "::error::no backout release for ${RUNNER_OS} on ${RUNNER_ARCH}; install it with cargo install backout instead"
    exit 2
    ;;
esac

name="backout-v${version}-${target}"
archive="${name}.tar.gz"
if [ "$RUNNER_OS" = "Windows" ]; then archive="${name}.zip"; fi
url="${repository}/releases/download/v${version}/${archive}"

dir="${RUNNER_TEMP}/backout-${version}"
mkdir -p "$dir"
cd "$dir"
curl --fail --silent --show-error --location --retry 3 --output "$archive" "$url"
curl --fail --silent --show-error --location --retry 3 --output "${archive}.sha256" "${url}.sha256"

if command -v sha256sum >/dev/null; then
  sha256sum --check "${archive}.sha256"
else
  shasum --algorithm 256 --check "${archive}.sha256"
fi

if [ "$RUNNER_OS" = "Windows" ]; then
  unzip -q -o "$archive"
else
  tar -xzf "$archive"
fi
echo "${dir}/${name}" >> "$GITHUB_PATH"
"${dir}/${name}/backout" --version
