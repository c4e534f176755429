#!/usr/bin/env bash
# The main job: a local relay with its embedded SQLite store, and two local accounts
# (alice and bob, each in its own store under $DEMO) that are admitted with
# `cn-relay token`, befriend each other, print their safety numbers, which must be
# equal, and exchange a message (bob offline: from the mailbox), an edit, a reaction and
# read receipts. The relay then keeps serving in the foreground until Ctrl-C (graceful shutdown,
# exit 0). Run it again and it reuses the accounts and the friendship.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-9000}"
data="${2:-cn-relay-data}"
demo="${DEMO:-cn-demo}"
bin="$(swift build --show-bin-path)"
relay_url="ws://127.0.0.1:$port"
alice="${CN_USER:-alice@example.com}"
bob="${CN_PEER:-bob@example.com}"

"$bin/cn-relay" serve --port "$port" --data-dir "$data" &
relay_pid=$!
trap 'kill -TERM "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true' INT TERM
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$relay_pid" 2>/dev/null || { echo "run: cn-relay did not start" >&2; exit 1; }
  sleep 0.1
done
echo "run: cn-relay serving $relay_url (data in $data/; health: http://127.0.0.1:$port/healthz)" >&2

# cn-account/cn-friend for one user's store.
as() { local user="$1"; shift; CN_HOME="$demo/${user%@*}" "$bin/$@"; }

for user in "$alice" "$bob"; do
  if ! as "$user" cn-account whoami --offline >/dev/null 2>&1; then
    as "$user" cn-account init --email "$user" --relay "$relay_url" \
      --token "$("$bin/cn-relay" token --email "$user" --data-dir "$data")" -q
  fi
done

if ! as "$alice" cn-friend list -q | grep -q "\"email\":\"$bob\""; then
  as "$alice" cn-friend request "$bob" -q
  as "$bob" cn-friend accept "$alice" -q
fi
as "$alice" cn-friend list -q >/dev/null   # takes the FRIEND_ACCEPTED bob's accept left for alice

number_a="$(as "$alice" cn-friend fingerprint "$bob" -q)"
number_b="$(as "$bob" cn-friend fingerprint "$alice" -q)"
echo "$number_a"
echo "$number_b"
sn() { sed -E 's/.*"safetyNumber":"([0-9 ]+)".*/\1/'; }
if [ "$(sn <<<"$number_a")" = "$(sn <<<"$number_b")" ]; then
  echo "run: $alice and $bob are friends; their safety numbers are equal: $(sn <<<"$number_a")" >&2
else
  echo "run: the safety numbers differ" >&2
  kill -TERM "$relay_pid"; wait "$relay_pid" || true
  exit 1
fi
# Messages: bob is offline when alice writes (the relay's mailbox keeps it); bob reads it
# and marks it read; alice edits it and bob reacts; each side prints what it received.
id() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }
as "$bob" cn-recv --idle 0.5 -q >/dev/null   # what bob had not seen from earlier runs
sent="$(as "$alice" cn-send --to "$bob" "hello $bob, this is $alice")"
echo "$sent"
grep -q '"status":"stored"' <<<"$sent" || grep -q '"status":"delivered"' <<<"$sent" || { echo "run: the message was not accepted" >&2; exit 1; }
message="$(id <<<"$sent")"
echo "run: $bob receives it from the mailbox and marks it read:" >&2
as "$bob" cn-recv --idle 1 --mark-read -q
printf '%s\n' "{\"to\":\"$bob\",\"edit\":\"$message\",\"text\":\"hello $bob (edited)\"}" | as "$alice" cn-send --json
printf '%s\n' "{\"to\":\"$alice\",\"react\":\"$message\",\"emoji\":\"👍\"}" | as "$bob" cn-send --json
echo "run: $bob receives the edit:" >&2
as "$bob" cn-recv --idle 1 -q
echo "run: $alice receives the receipts and the reaction:" >&2
as "$alice" cn-recv --idle 1 -q
echo "run: $alice's history with $bob:" >&2
as "$alice" cn-recv --history --with "$bob" --limit 3
echo "run: stores in $demo/; try: CN_HOME=$demo/${alice%@*} $bin/cn-recv --history" >&2
echo "run: Ctrl-C stops the relay." >&2
wait "$relay_pid"
