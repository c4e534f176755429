#!/usr/bin/env bash
# Writes the shell completion scripts of the CryptNode commands into completions/:
#   completions/bash/<cmd>, completions/zsh/_<cmd>, completions/fish/<cmd>.fish
# swift-argument-parser generates them from the built binaries
# (`<cmd> --generate-completion-script bash|zsh|fish`).
#
# Usage: scripts/completions.sh [BIN_DIR]
#   BIN_DIR  the directory holding the built binaries
#            (default: `swift build --show-bin-path`, the debug build)
#
# Idempotent: a file is replaced only when its content changes, atomically, so that
# running it again after an unchanged build touches nothing.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
commands=(cn-relay cn-account cn-friend cn-send cn-recv)
out="$here/completions"

bin="${1:-}"
if [ -z "$bin" ]; then
  command -v swift >/dev/null || PATH="/opt/swift/usr/bin:$PATH"
  bin="$(cd "$here" && swift build --show-bin-path)"
fi

missing=0
for cmd in "${commands[@]}"; do
  if [ ! -x "$bin/$cmd" ]; then
    echo "completions: $bin/$cmd is missing; build it first (swift build --product $cmd)" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] || exit 1

tmp=""
trap 'rm -f "$tmp"' EXIT

# generate CMD SHELL FILE: writes CMD's completion script for SHELL to FILE.
generate() {
  local cmd="$1" shell="$2" file="$3"
  tmp="$(mktemp "$file.tmp.XXXXXX")"
  if ! "$bin/$cmd" --generate-completion-script "$shell" >"$tmp"; then
    echo "completions: $cmd --generate-completion-script $shell failed" >&2
    exit 1
  fi
  if [ ! -s "$tmp" ]; then
    echo "completions: $cmd printed an empty $shell script" >&2
    exit 1
  fi
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
  else
    chmod 0644 "$tmp"
    mv -f "$tmp" "$file"
    echo "completions: wrote ${file#"$here"/}"
  fi
  tmp=""
}

mkdir -p "$out/bash" "$out/zsh" "$out/fish"
for cmd in "${commands[@]}"; do
  generate "$cmd" bash "$out/bash/$cmd"
  generate "$cmd" zsh "$out/zsh/_$cmd"
  generate "$cmd" fish "$out/fish/$cmd.fish"
done
