#!/usr/bin/env bash
# cron-alert.sh: sends this machine's disk usage (`df -h`), end-to-end
# encrypted, to a friend of the account, as one message, for example from cron.
#
# Usage: examples/cron-alert.sh RECIPIENT [COMMON-OPTIONS]
#   RECIPIENT       a friend of the account, e.g. ops@example.com
#   COMMON-OPTIONS  passed to cn-send, e.g. --account alerts@example.com, --home DIR
#   CN_BIN          a directory holding the cn-* commands, if not on PATH
#
# A crontab line (crontab -e) that reports every morning at 07:00; cron's PATH is
# short, hence CN_BIN, and a passphrase-protected account needs a passphrase source
# such as CN_PASSPHRASE_FILE (there is no terminal to ask on):
#   0 7 * * * CN_BIN=/usr/local/bin /path/to/examples/cron-alert.sh ops@example.com
#
# Exit status, cn-send's:
#   0   delivered to a device of the recipient, or stored by the relay for them
#   75  queued: the relay was unreachable (or keeps nothing for the recipient's
#       offline devices); the message is kept in the account's outbox and
#       delivered later by the next command of the account that reaches the relay,
#       such as a `cn-recv --follow` agent. Not lost; cron mails the note below.
#   other  an error (64 usage, 77 not friends or blocked, 78 no account, ...),
#       explained by an error line on stderr.
#
# To send every line of the output as a message of its own instead:
#   df -h | cn-send --to ops@example.com
set -euo pipefail

PATH="${CN_BIN:+$CN_BIN:}$PATH"

if [ $# -lt 1 ] || [ -z "$1" ]; then
    echo "usage: $0 RECIPIENT [COMMON-OPTIONS]" >&2
    exit 64
fi
to=$1
shift

# One message with the whole table: --json keeps its newlines (plain stdin lines
# would each be a message).
status=0
{ echo "Disk usage on $(hostname) at $(date -u '+%Y-%m-%d %H:%M UTC'):"; df -h; } |
    jq -Rsc --arg to "$to" '{to: $to, text: rtrimstr("\n")}' |
    cn-send --json -q "$@" |
    jq -c 'select(.error)' >&2 || status=$?   # the result line only if it is an error

case $status in
    0) ;;
    75) echo "cron-alert: the relay was not reachable; the alert is queued and will be delivered later" >&2 ;;
    *) echo "cron-alert: cn-send failed with status $status" >&2 ;;
esac
exit "$status"
