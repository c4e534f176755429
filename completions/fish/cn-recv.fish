function __cn-recv_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-recv_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cn-recv_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-recv_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cn-recv_parse_tokens -S
    set -l unparsed_tokens (__cn-recv_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cn-recv'
        __cn-recv_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'idle=' 'follow' 'history' 'with=' 'since=' 'limit=' 'mark-read' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __cn-recv_parse_subcommand -r 1 
        end
    end
end

function __cn-recv_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cn-recv_parse_subcommand -S -a positional_count
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

function __cn-recv_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cn-recv_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cn-recv_tokens -p)
    if test -z "$(__cn-recv_tokens -t)"
        set -l index (count (__cn-recv_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cn-recv' -f
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" idle' -l 'idle' -d 'Exit after this many seconds without an event.' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" follow' -l 'follow' -d 'Stay connected (the account\'s agent): reconnect, flush the outbox, send receipts; stop with SIGINT or SIGTERM.'
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" history' -l 'history' -d 'Print stored messages (oldest first) without contacting the relay.'
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" with' -l 'with' -d 'With --history: only the conversation with this friend.' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" since' -l 'since' -d 'With --history: only messages sent at or after this time (milliseconds since 1970).' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" limit' -l 'limit' -d 'With --history: only the newest N messages.' -rfka ''
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" mark-read' -l 'mark-read' -d 'Send read receipts for the messages printed.'
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_flags_or_options "cn-recv" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-recv' -n '__cn-recv_should_offer_completions_for_positional "cn-recv" -eq 1' -fa 'help' -d 'Show subcommand help information.'
