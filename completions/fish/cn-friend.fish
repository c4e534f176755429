function __cn-friend_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-friend_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cn-friend_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-friend_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cn-friend_parse_tokens -S
    set -l unparsed_tokens (__cn-friend_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cn-friend'
        __cn-friend_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'request'
            __cn-friend_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'accept'
            __cn-friend_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'deny'
            __cn-friend_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'remove'
            __cn-friend_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'block'
            __cn-friend_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'unblock'
            __cn-friend_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'list'
            __cn-friend_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'all' 'offline' 'h/help'
        case 'pending'
            __cn-friend_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'fingerprint'
            __cn-friend_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'offline' 'h/help'
        case 'verify'
            __cn-friend_parse_subcommand -r 2 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'offline' 'h/help'
        case 'trust'
            __cn-friend_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'batch'
            __cn-friend_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'offline' 'h/help'
        case 'help'
            __cn-friend_parse_subcommand -r 1 
        end
    end
end

function __cn-friend_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cn-friend_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __cn-friend_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cn-friend_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cn-friend_tokens -p)
    if test -z "$(__cn-friend_tokens -t)"
        set -l index (count (__cn-friend_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cn-friend' -f
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'request' -d 'Send a friend request (one sealed packet per device of the peer).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'accept' -d 'Accept a pending friend request.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'deny' -d 'Deny a pending friend request.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'remove' -d 'End a friendship.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'block' -d 'Block a user: no requests or messages from them; ends a friendship.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'unblock' -d 'Lift a block (the friendship is not restored).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'list' -d 'List friends (with --all, every known peer), one JSON line each.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'pending' -d 'List friend requests waiting for an answer (checked and decrypted).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'fingerprint' -d 'Show the safety number with a peer (compare it on both sides).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'verify' -d 'Mark a peer verified after comparing safety numbers.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'trust' -d 'Accept a peer\'s new device keys without comparing safety numbers (the peer becomes unverified).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'batch' -d 'Read operations as JSON lines on stdin (the default without a subcommand).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_positional "cn-friend" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend request" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend request" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend request" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend request" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend request" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend request" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend request" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend accept" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend accept" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend accept" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend accept" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend accept" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend accept" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend accept" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend deny" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend deny" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend deny" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend deny" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend deny" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend deny" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend deny" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend remove" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend remove" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend remove" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend remove" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend remove" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend remove" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend block" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend block" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend block" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend block" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend block" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend block" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend block" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend unblock" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend unblock" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend unblock" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend unblock" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend unblock" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend unblock" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend unblock" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" all' -l 'all' -d 'Also peers asked, asking, former and blocked.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" offline' -l 'offline' -d 'Do not sync with the relay first.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend pending" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend pending" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend pending" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend pending" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend pending" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend pending" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend pending" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend fingerprint" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend fingerprint" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend fingerprint" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend fingerprint" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend fingerprint" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend fingerprint" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend fingerprint" offline' -l 'offline' -d 'Do not sync with the relay first.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend fingerprint" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend verify" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend verify" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend verify" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend verify" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend verify" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend verify" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend verify" offline' -l 'offline' -d 'Do not sync with the relay first.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend trust" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend trust" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend trust" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend trust" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend trust" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend trust" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend trust" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend batch" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend batch" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend batch" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend batch" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend batch" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend batch" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend batch" offline' -l 'offline' -d 'Do not connect to the relay: list, pending (as last synced), fingerprint, verify and trust work; the others fail with 64.'
complete -c 'cn-friend' -n '__cn-friend_should_offer_completions_for_flags_or_options "cn-friend batch" h help' -s 'h' -l 'help' -d 'Show help information.'
