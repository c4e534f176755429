#!/usr/bin/env bash
# Installs what building and testing CryptNode needs on a fresh Debian machine.
# Idempotent; run as root (or with sudo). The Swift toolchain is expected at /opt/swift
# or on PATH.
set -euo pipefail

packages=(libsqlite3-dev libarchive-dev libarchive-tools unzip zlib1g-dev curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Test-side Python peers (never runtime dependencies of the tools).
here="$(cd "$(dirname "$0")/.." && pwd)"
python3 -m pip install -q --disable-pip-version-check -r "$here/Tests/interop/requirements.txt"

command -v swift >/dev/null || [ -x /opt/swift/usr/bin/swift ] || { echo "setup: no Swift toolchain found" >&2; exit 1; }
echo "setup: ok"
