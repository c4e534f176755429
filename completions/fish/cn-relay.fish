function __cn-relay_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-relay_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cn-relay_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cn-relay_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cn-relay_parse_tokens -S
    set -l unparsed_tokens (__cn-relay_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cn-relay'
        __cn-relay_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'serve'
            __cn-relay_parse_subcommand 0 'host=' 'port=' 'data-dir=' 'website=' 'tls-cert=' 'tls-key=' 'google-client-id=+' 'oidc-issuer=+' 'oidc-audience=+' 'oidc-jwks-url=' 'oidc-jwks-file=' 'turn-secret=' 'turn-secret-file=' 'turn-url=+' 'msg-rate=' 'mailbox=' 'mailbox-ttl=' 'mailbox-quota=' 'max-outbound=' 'metrics=' 'log-level=' 'h/help'
        case 'token'
            __cn-relay_parse_subcommand 0 'email=' 'days=' 'data-dir=' 'h/help'
        case 'help'
            __cn-relay_parse_subcommand -r 1 
        end
    end
end

function __cn-relay_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cn-relay_parse_subcommand -S -a positional_count
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

function __cn-relay_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cn-relay_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cn-relay_tokens -p)
    if test -z "$(__cn-relay_tokens -t)"
        set -l index (count (__cn-relay_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cn-relay' -f
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_positional "cn-relay" -eq 1' -fa 'serve' -d 'Serve the relay (the default).'
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_positional "cn-relay" -eq 1' -fa 'token' -d 'Print an enrollment (session) token for an e-mail, signed with the relay\'s secret.'
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_positional "cn-relay" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" host' -l 'host' -d 'Address to bind.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" port' -l 'port' -d 'Port to bind (0: any free port, logged).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" data-dir' -l 'data-dir' -d 'Directory for the secret and the SQLite store.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" website' -l 'website' -d 'Directory of static files served at /.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" tls-cert' -l 'tls-cert' -d 'PEM certificate chain (turns on TLS).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" tls-key' -l 'tls-key' -d 'PEM private key.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve"' -l 'google-client-id' -d 'Accept Google ID tokens for this OAuth client id (repeatable).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve"' -l 'oidc-issuer' -d 'Accepted issuer of a generic OpenID Connect provider (repeatable).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve"' -l 'oidc-audience' -d 'Accepted audience (client id) of that provider (repeatable).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" oidc-jwks-url' -l 'oidc-jwks-url' -d 'URL of that provider\'s JWK set.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" oidc-jwks-file' -l 'oidc-jwks-file' -d 'File holding that provider\'s JWK set.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" turn-secret' -l 'turn-secret' -d 'TURN shared secret (coturn use-auth-secret).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" turn-secret-file' -l 'turn-secret-file' -d 'File holding the TURN shared secret.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve"' -l 'turn-url' -d 'TURN URL handed out with credentials (repeatable).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" msg-rate' -l 'msg-rate' -d 'MSG/RTC frames per second per socket, bursts of twice that; 0 = unlimited.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" mailbox' -l 'mailbox' -d 'Keep ciphertext for offline devices: on or off.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" mailbox-ttl' -l 'mailbox-ttl' -d 'How long mailbox items are kept (s, m, h, d).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" mailbox-quota' -l 'mailbox-quota' -d 'Per-device mailbox limit: ITEMS[,SIZE].' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" max-outbound' -l 'max-outbound' -d 'Outbound queue per socket before a non-reading client is closed.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" metrics' -l 'metrics' -d 'Serve Prometheus metrics at /metrics: on or off.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" log-level' -l 'log-level' -d 'trace, debug, info, notice, warning, error or critical.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay token" email' -l 'email' -d 'The user\'s e-mail address.' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay token" days' -l 'days' -d 'Validity in days (1…365).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay token" data-dir' -l 'data-dir' -d 'The relay\'s data directory (the secret is created if missing).' -rfka ''
complete -c 'cn-relay' -n '__cn-relay_should_offer_completions_for_flags_or_options "cn-relay token" h help' -s 'h' -l 'help' -d 'Show help information.'
