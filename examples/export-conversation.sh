#!/usr/bin/env bash
# export-conversation.sh: writes the stored conversation with one friend as a
# readable transcript, or as CSV for a spreadsheet, on stdout.
#
# It reads the account's database only (`cn-recv --history`): no network, and it
# does not take any events from cn-recv. Times are UTC.
#
# Usage: examples/export-conversation.sh [--csv] EMAIL [COMMON-OPTIONS] [HISTORY-OPTIONS]
#   --csv            CSV with a header line instead of a transcript
#   EMAIL            the friend whose conversation to export
#   COMMON-OPTIONS   e.g. --account alice@example.com, --home DIR
#   HISTORY-OPTIONS  --since MS (only messages sent at or after it, ms since 1970)
#                    and --limit N (only the newest N)
#   CN_BIN           a directory holding the cn-* commands, if not on PATH
#
#   examples/export-conversation.sh bob@example.com > bob.txt
#   examples/export-conversation.sh --csv bob@example.com --limit 1000 > bob.csv
#
# A transcript line:
#   [2026-12-02 03:34:00] alice@example.com (in reply to "Lunch at 12?"): Yes (edited)  [👍 bob@example.com]
# Lines of a multi-line message are indented by four spaces; a deleted message
# shows as "(deleted)". Needs jq.
set -euo pipefail

PATH="${CN_BIN:+$CN_BIN:}$PATH"

format=text
if [ "${1:-}" = "--csv" ]; then
    format=csv
    shift
fi
if [ $# -lt 1 ] || [ -z "$1" ] || [ "${1#-}" != "$1" ]; then
    echo "usage: $0 [--csv] EMAIL [COMMON-OPTIONS] [--since MS] [--limit N]" >&2
    exit 64
fi
peer=$1
shift

history=$(cn-recv --history -q --with "$peer" "$@")

if [ "$format" = csv ]; then
    jq -rs '
        def time: if . == null then "" else . / 1000 | floor | strftime("%Y-%m-%d %H:%M:%S") end;
        ["time", "from", "to", "text", "status", "replyTo", "edited", "deleted", "reactions", "id"],
        (.[] | [(.ts | time), .from, .to, (.text // ""), .status, (.replyTo // ""),
                (.edited | time), (.deleted | time),
                ([.reactions[]? | "\(.emoji) \(.from)"] | join("; ")), .id])
        | @csv' <<<"$history"
else
    jq -rs '
        def time: . / 1000 | floor | strftime("%Y-%m-%d %H:%M:%S");
        def quote: split("\n")[0] | if length > 40 then .[:40] + "..." else . end | "\"\(.)\"";
        (map({key: .id, value: .}) | from_entries) as $byId
        | .[]
        | "[\(.ts | time)] \(.from)"
          + (if .replyTo == null then ""
             elif $byId[.replyTo] == null then " (in reply to an earlier message)"
             elif $byId[.replyTo].deleted then " (in reply to a deleted message)"
             else " (in reply to \($byId[.replyTo].text | quote))" end)
          + ": "
          + (if .deleted then "(deleted)" else (.text | gsub("\n"; "\n    ")) end)
          + (if .edited and (.deleted | not) then " (edited)" else "" end)
          + (if .reactions then "  [" + ([.reactions[] | "\(.emoji) \(.from)"] | join(", ")) + "]" else "" end)
        ' <<<"$history"
fi
