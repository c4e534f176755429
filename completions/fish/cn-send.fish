function __cn-send_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-send_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cn-send_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-send_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cn-send_parse_tokens -S
    set -l unparsed_tokens (__cn-send_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cn-send'
        __cn-send_parse_subcommand -r 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'to=' 'json' 'wait=' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __cn-send_parse_subcommand -r 1 
        end
    end
end

function __cn-send_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cn-send_parse_subcommand -S -a positional_count
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

function __cn-send_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cn-send_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cn-send_tokens -p)
    if test -z "$(__cn-send_tokens -t)"
        set -l index (count (__cn-send_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cn-send' -f
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" to' -l 'to' -d 'The friend to send to (JSON lines may name their own "to").' -rfka ''
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" json' -l 'json' -d 'Read JSON lines on stdin instead of plain text lines.'
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" wait' -l 'wait' -d 'Seconds to wait for the relay\'s word on each message.' -rfka ''
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_flags_or_options "cn-send" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-send' -n '__cn-send_should_offer_completions_for_positional "cn-send" -eq 1' -fa 'help' -d 'Show subcommand help information.'
