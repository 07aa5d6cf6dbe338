# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_copilot_api_global_optspecs
    string join \n config= a/account-type= enterprise-url= g/github-token= v/verbose q/quiet no-color h/help V/version
end

function __fish_copilot_api_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_copilot_api_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_copilot_api_using_subcommand
    set -l cmd (__fish_copilot_api_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c copilot-api -n "__fish_copilot_api_needs_command" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_needs_command" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_needs_command" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_needs_command" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_needs_command" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "auth" -d 'Sign in to GitHub, show who is signed in, or sign out'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "start" -d 'Run the local OpenAI + Anthropic compatible server (foreground)'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "models" -d 'List the models your Copilot plan offers'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "usage" -d 'Show your Copilot plan and quota usage'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "count-tokens" -d 'Count the tokens of a text, OpenAI chat or Anthropic Messages request'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "claude-code" -d 'Print (or write) the environment that points Claude Code at a running copilot-api'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "doctor" -d 'Check the sign-in, Copilot, every provider, the config, the clock and the data directory; exit 1 when a check fails'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "keys" -d 'Named API keys for the server: add, list, remove'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "generate" -d 'Write the completion scripts and the man page into a directory (for packagers)'
complete -c copilot-api -n "__fish_copilot_api_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -f -a "device" -d 'Sign in with a GitHub device code'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -f -a "status" -d 'Show who is signed in, where the token comes from, and whether Copilot accepts it'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -f -a "logout" -d 'Remove the stored GitHub token'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -f -a "token" -d 'Print the stored GitHub token (for scripts)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and not __fish_seen_subcommand_from device status logout token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -f -a "login" -d 'Start the GitHub device flow and store the token'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from device" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -l json -d 'Print the status as JSON'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from logout" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "device" -d 'Sign in with a GitHub device code'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show who is signed in, where the token comes from, and whether Copilot accepts it'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "logout" -d 'Remove the stored GitHub token'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "token" -d 'Print the stored GitHub token (for scripts)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s p -l port -d 'Port to listen on (0 picks a free one)' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l host -d 'Address to bind. Anything but loopback needs `--api-key` or `--allow-unauthenticated`' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l api-key -d 'Require this key (as `x-api-key` or `Authorization: Bearer`) on every API route' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s r -l rate-limit -d 'Minimum seconds between upstream chat / messages / responses requests' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l ping-interval -d 'Seconds of upstream silence after which a translated stream gets a `ping` event' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l allowed-host -d 'Also answer requests addressed to this host name (besides localhost and loopback IPs); repeatable. Web pages reaching the server through any other name are refused' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l allowed-origin -d 'Let web pages from this origin (e.g. `https://app.example`) call the server; repeatable. `*` allows every web page (unsafe: any site you open could use your account)' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l max-connections -d 'Open client connections at most; at the cap the oldest idle one is closed for a new one [default: half the file-descriptor limit less 64, at most 4096]' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l client-timeout -d 'Seconds a client may take to send a request\'s head or body, or stay idle between requests, before it is disconnected [default: 30]' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l allow-unauthenticated -d 'Allow binding a non-loopback address without an API key'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s w -l wait -d 'When rate limited, queue requests instead of answering 429'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l manual -d 'Ask for confirmation in this terminal before each chat / messages / responses request'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s c -l claude-code -d 'Pick models and print a command that launches Claude Code against this server'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l expose-token -d 'Serve `GET /token` (the live Copilot token). Only for trusted local tools'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l print-settings -d 'Print the resolved settings as JSON and exit (for debugging configuration)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand start" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -l provider -d 'Only this provider\'s models (`copilot` or a `[providers.NAME]`)' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -l json -d 'Print the normalised model list as JSON'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -l refresh -d 'Ignore the cached catalogue and ask Copilot again'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand models" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l since -d 'Start of the period: `7d`, `12h`, `2026-12-01` or `2026-12-01T09:00` (UTC) [default: 30d]' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l until -d 'End of the period (same forms) [default: now]' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l by -d 'Group by model, provider, day, key or session' -r -f -a "model\t'The model that answered'
provider\t'The provider'
day\t'UTC day'
key\t'The named API key'
session\t'The client\'s session'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l json -d 'Print JSON (GitHub\'s unchanged; with --local, the report)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l local -d 'Report from the local usage ledger instead (works offline and while the server runs)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l csv -d 'Print CSV'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand usage" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -l format -d 'How to read the input (default: detected)' -r -f -a "text\t'Plain text'
openai\t'An OpenAI chat completions request'
anthropic\t'An Anthropic Messages request'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -s m -l model -d 'Model whose tokenizer to use [default: the request\'s `model`, else gpt-4o]' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -l encoding -d 'Tokenizer encoding, overriding the model\'s' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -l max -d 'Exit 1 when any count exceeds N (the count is still printed)' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -l beta -d 'The `anthropic-beta` header the request would carry (as the route counts it: Claude Code\'s `claude-code-…` betas exempt MCP tools from the tool overhead)' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -l json -d 'Print a JSON breakdown instead of bare numbers'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand count-tokens" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -s p -l port -d 'Port of the running copilot-api' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -l host -d 'Host of the running copilot-api' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -l model -d 'Main model (skips the prompt)' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -l small-model -d 'Small, fast model (skips the prompt)' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -l shell -d 'Shell syntax to print' -r -f -a "sh\t'POSIX sh (also bash and zsh)'
bash\t'bash'
zsh\t'zsh'
fish\t'fish'
powershell\t'PowerShell'
cmd\t'Windows cmd.exe'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -l write-settings -d 'Merge the env block into a Claude Code settings file instead of printing a command' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -s y -l yes -d 'Accept defaults instead of prompting'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand claude-code" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -l json -d 'Print the checks as JSON'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -f -a "add" -d 'Create a named key: prints it once, stores only its hash'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -f -a "list" -d 'List the named keys: names, limits, last use (never the keys)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -f -a "remove" -d 'Delete a named key'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and not __fish_seen_subcommand_from add list remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -l rpm -d 'Requests per minute at most' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -l daily-credits -d 'AI credits per UTC day at most' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "add" -d 'Create a named key: prints it once, stores only its hash'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the named keys: names, limits, last use (never the keys)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Delete a named key'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand completions" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -l config -d 'Read settings from this TOML file instead of the default location' -r -F
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -s a -l account-type -d 'Kind of Copilot plan; selects the Copilot API host when the token does not name one' -r -f -a "individual\t'Copilot Individual, Pro or Pro+'
business\t'Copilot Business'
enterprise\t'Copilot Enterprise'"
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -l enterprise-url -d 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -s g -l github-token -d 'Use this GitHub OAuth token instead of the stored one' -r
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -s v -l verbose -d 'Show more detail (debug logs; twice for trace)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -s q -l quiet -d 'Print only results and errors'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -l no-color -d 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand generate" -s V -l version -d 'Print version'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "auth" -d 'Sign in to GitHub, show who is signed in, or sign out'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "start" -d 'Run the local OpenAI + Anthropic compatible server (foreground)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "models" -d 'List the models your Copilot plan offers'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "usage" -d 'Show your Copilot plan and quota usage'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "count-tokens" -d 'Count the tokens of a text, OpenAI chat or Anthropic Messages request'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "claude-code" -d 'Print (or write) the environment that points Claude Code at a running copilot-api'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "doctor" -d 'Check the sign-in, Copilot, every provider, the config, the clock and the data directory; exit 1 when a check fails'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "keys" -d 'Named API keys for the server: add, list, remove'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "completions" -d 'Print a shell completion script'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "generate" -d 'Write the completion scripts and the man page into a directory (for packagers)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and not __fish_seen_subcommand_from auth start models usage count-tokens claude-code doctor keys completions generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "device" -d 'Sign in with a GitHub device code'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "status" -d 'Show who is signed in, where the token comes from, and whether Copilot accepts it'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "logout" -d 'Remove the stored GitHub token'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "token" -d 'Print the stored GitHub token (for scripts)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "add" -d 'Create a named key: prints it once, stores only its hash'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "list" -d 'List the named keys: names, limits, last use (never the keys)'
complete -c copilot-api -n "__fish_copilot_api_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "remove" -d 'Delete a named key'
