function __cn-account_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-account_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cn-account_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-account_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cn-account_parse_tokens -S
    set -l unparsed_tokens (__cn-account_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cn-account'
        __cn-account_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'init'
            __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'email=' 'token=' 'token-file=' 'google' 'client-id=' 'client-secret=' 'device-endpoint=' 'token-endpoint=' 'protect' 'offline' 'h/help'
        case 'login'
            __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'token=' 'token-file=' 'google' 'client-id=' 'client-secret=' 'device-endpoint=' 'token-endpoint=' 'h/help'
        case 'list'
            __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'use'
            __cn-account_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'whoami'
            __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'offline' 'h/help'
        case 'devices'
            __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'offline' 'accept=+' 'accept-all' 'h/help'
        case 'profile'
            __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'name=' 'offline' 'wait=' 'h/help'
        case 'logout'
            __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
        case 'remove'
            __cn-account_parse_subcommand 1 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'force' 'h/help'
        case 'passphrase'
            __cn-account_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'set'
                __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'new-passphrase-file=' 'h/help'
            case 'remove'
                __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'h/help'
            end
        case 'mnemonic'
            __cn-account_parse_subcommand 0 'home=' 'account=' 'relay=' 'passphrase-file=' 'timeout=' 'q/quiet' 'force' 'h/help'
        case 'help'
            __cn-account_parse_subcommand -r 1 
        end
    end
end

function __cn-account_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cn-account_parse_subcommand -S -a positional_count
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

function __cn-account_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cn-account_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cn-account_tokens -p)
    if test -z "$(__cn-account_tokens -t)"
        set -l index (count (__cn-account_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cn-account' -f
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'init' -d 'Create an account on this device and sign in to its relay.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'login' -d 'Sign an existing account in again (after logout or an expired session).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'list' -d 'List the accounts of the store, one JSON line each.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'use' -d 'Make an account the default.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'whoami' -d 'Show the account in use and check its session with the relay.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'devices' -d 'List this account\'s devices as the relay knows them (active in 30 days); accept new ones.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'profile' -d 'Show or set the name friends see.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'logout' -d 'Forget the session token (sign in again with `cn-account login`).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'remove' -d 'Remove an account from this device: its keys, database and files.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'passphrase' -d 'Protect the account\'s secrets with a passphrase, or remove the protection.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'mnemonic' -d 'Show the account\'s 12-word recovery phrase.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" email' -l 'email' -d 'The account\'s e-mail address.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" token' -l 'token' -d 'A session token from the relay\'s operator (`cn-relay token --email E`).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" token-file' -l 'token-file' -d 'Read that token from the first line of this file (or pipe: `--token-file <(…)`, `/dev/stdin`), out of sight of ps.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" google' -l 'google' -d 'Sign in with Google: a code to enter on another device (OAuth device flow).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" client-id' -l 'client-id' -d 'OAuth client id (default: $CN_GOOGLE_CLIENT_ID).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" client-secret' -l 'client-secret' -d 'OAuth client secret of a device client (default: $CN_GOOGLE_CLIENT_SECRET).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" device-endpoint' -l 'device-endpoint' -d 'Device authorization endpoint (default: $CN_OAUTH_DEVICE_URL, else Google\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" token-endpoint' -l 'token-endpoint' -d 'Token endpoint (default: $CN_OAUTH_TOKEN_URL, else Google\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" protect' -l 'protect' -d 'Protect the secrets with a passphrase from the passphrase sources (or a prompt).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" offline' -l 'offline' -d 'Create the account without reaching the relay (it signs in on first use).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" token' -l 'token' -d 'A session token from the relay\'s operator (`cn-relay token --email E`).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" token-file' -l 'token-file' -d 'Read that token from the first line of this file (or pipe: `--token-file <(…)`, `/dev/stdin`), out of sight of ps.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" google' -l 'google' -d 'Sign in with Google: a code to enter on another device (OAuth device flow).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" client-id' -l 'client-id' -d 'OAuth client id (default: $CN_GOOGLE_CLIENT_ID).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" client-secret' -l 'client-secret' -d 'OAuth client secret of a device client (default: $CN_GOOGLE_CLIENT_SECRET).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" device-endpoint' -l 'device-endpoint' -d 'Device authorization endpoint (default: $CN_OAUTH_DEVICE_URL, else Google\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" token-endpoint' -l 'token-endpoint' -d 'Token endpoint (default: $CN_OAUTH_TOKEN_URL, else Google\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account login" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account list" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account list" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account list" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account list" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account list" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account list" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account use" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account use" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account use" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account use" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account use" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account use" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account use" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account whoami" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account whoami" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account whoami" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account whoami" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account whoami" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account whoami" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account whoami" offline' -l 'offline' -d 'Do not contact the relay.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account whoami" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" offline' -l 'offline' -d 'Do not contact the relay: show what the last sync recorded.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices"' -l 'accept' -d 'Accept a new device of this account (repeatable).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" accept-all' -l 'accept-all' -d 'Accept every new device of this account reported before this run.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account devices" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" name' -l 'name' -d 'The new name ("" removes it).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" offline' -l 'offline' -d 'Set it here only; it is sent by the next command that reaches the relay.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" wait' -l 'wait' -d 'Seconds to wait for the relay\'s word.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account profile" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account logout" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account logout" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account logout" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account logout" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account logout" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account logout" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account logout" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account remove" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account remove" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account remove" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account remove" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account remove" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account remove" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account remove" force' -l 'force' -d 'Do not ask.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account passphrase" -eq 1' -fa 'set' -d 'Set or change the passphrase (scrypt N=2^15, r=8, p=1).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_positional "cn-account passphrase" -eq 1' -fa 'remove' -d 'Store the secrets without a passphrase (mode 0600 only).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase set" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase set" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase set" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase set" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase set" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase set" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase set" new-passphrase-file' -l 'new-passphrase-file' -d 'Read the new passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase remove" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase remove" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase remove" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase remove" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase remove" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase remove" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account passphrase remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account mnemonic" home' -l 'home' -d 'The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account mnemonic" account' -l 'account' -d 'The account to use (default: $CN_ACCOUNT, else the store\'s default).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account mnemonic" relay' -l 'relay' -d 'The relay URL for this run (default: $CN_RELAY, else the account\'s).' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account mnemonic" passphrase-file' -l 'passphrase-file' -d 'Read the account\'s passphrase from the first line of this file.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account mnemonic" timeout' -l 'timeout' -d 'Seconds to wait for the relay.' -rfka ''
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account mnemonic" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no notes or events on stderr (errors still).'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account mnemonic" force' -l 'force' -d 'Print it even when stdout is not a terminal.'
complete -c 'cn-account' -n '__cn-account_should_offer_completions_for_flags_or_options "cn-account mnemonic" h help' -s 'h' -l 'help' -d 'Show help information.'
