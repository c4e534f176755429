#!/usr/bin/env bash
# echo-bot.sh: a bot that answers every message its account receives with
# "echo: TEXT", as a reply to that message.
#
# It runs `cn-recv --follow` (the account's agent: stays connected, reconnects,
# sends what is queued) and turns each incoming message into a JSON line for
# `cn-send --json`. Only messages whose "to" is this account are answered:
# cn-recv also prints the messages that this account's other devices send (with
# "to" the friend), and the bot's own replies, which it must not answer again.
# It prints one cn-send result line per reply on stdout.
#
# Usage: examples/echo-bot.sh [COMMON-OPTIONS]
#   COMMON-OPTIONS  passed to cn-account, cn-recv and cn-send, e.g.
#                   --account bot@example.com, --home DIR (default: $CN_HOME ...)
#   CN_BIN          a directory holding the cn-* commands, if not on PATH
#
#   examples/echo-bot.sh --account bot@example.com
#
# Stop it with Ctrl-C or SIGTERM: cn-recv ends cleanly, then the replies still on
# their way are sent and the script exits with cn-recv's status (0). Needs jq.
set -euo pipefail

PATH="${CN_BIN:+$CN_BIN:}$PATH"

# This account's address: the "to" of the messages to answer.
me=$(cn-account whoami --offline -q "$@" | jq -r .email)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/events"

# The replier: one reply line per message to this account. (Commands started in the
# background by a script ignore Ctrl-C, so the replier finishes its work.)
jq --unbuffered -c --arg me "$me" '
    select(.type == "message" and .to == $me)
    | {to: .from, replyTo: .id, text: ("echo: " + .text)}' <"$work/events" |
    cn-send --json -q "$@" &
replier=$!

# The agent: every event of the account, as JSON lines, into the replier.
cn-recv --follow -q "$@" >"$work/events" &
agent=$!

# Ctrl-C or SIGTERM stop the agent; its end closes the replier's input.
trap 'kill -TERM "$agent" 2>/dev/null || true' INT TERM
status=0
while true; do
    # A signal interrupts `wait`; wait again until the agent has really ended.
    wait "$agent" && { status=0; break; } || status=$?
    kill -0 "$agent" 2>/dev/null || break
done
wait "$replier" || exit $?
exit "$status"
