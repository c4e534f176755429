#!/usr/bin/env bash
# The main job: a local relay with its embedded SQLite store, and a user admitted with
# `cn-relay token`. Runs in the foreground until Ctrl-C (graceful shutdown, exit 0).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-9000}"
data="${2:-cn-relay-data}"
user="${CN_USER:-alice@example.com}"
bin="$(swift build --show-bin-path)/cn-relay"

token="$("$bin" token --email "$user" --data-dir "$data")"
cat >&2 <<MSG
cn-relay: serving ws://127.0.0.1:$port/ (data in $data/; health: http://127.0.0.1:$port/healthz)
cn-relay: enrollment token for $user (valid 30 days):
$token
cn-relay: Ctrl-C stops the relay.
MSG
exec "$bin" serve --port "$port" --data-dir "$data"
