
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'copilot-api' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'copilot-api'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'copilot-api' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('auth', 'auth', [CompletionResultType]::ParameterValue, 'Sign in to GitHub, show who is signed in, or sign out')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Run the local OpenAI + Anthropic compatible server (foreground)')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models your Copilot plan offers')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Show your Copilot plan and quota usage')
            [CompletionResult]::new('count-tokens', 'count-tokens', [CompletionResultType]::ParameterValue, 'Count the tokens of a text, OpenAI chat or Anthropic Messages request')
            [CompletionResult]::new('claude-code', 'claude-code', [CompletionResultType]::ParameterValue, 'Print (or write) the environment that points Claude Code at a running copilot-api')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the sign-in, Copilot, every provider, the config, the clock and the data directory; exit 1 when a check fails')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Named API keys for the server: add, list, remove')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write the completion scripts and the man page into a directory (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'copilot-api;auth' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('device', 'device', [CompletionResultType]::ParameterValue, 'Sign in with a GitHub device code')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who is signed in, where the token comes from, and whether Copilot accepts it')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored GitHub token')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the stored GitHub token (for scripts)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'copilot-api;auth;device' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Start the GitHub device flow and store the token')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'copilot-api;auth;device;login' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Do not open the verification page in a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;auth;device;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Start the GitHub device flow and store the token')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'copilot-api;auth;device;help;login' {
            break
        }
        'copilot-api;auth;device;help;help' {
            break
        }
        'copilot-api;auth;status' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the status as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;auth;logout' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;auth;token' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;auth;help' {
            [CompletionResult]::new('device', 'device', [CompletionResultType]::ParameterValue, 'Sign in with a GitHub device code')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who is signed in, where the token comes from, and whether Copilot accepts it')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored GitHub token')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the stored GitHub token (for scripts)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'copilot-api;auth;help;device' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Start the GitHub device flow and store the token')
            break
        }
        'copilot-api;auth;help;device;login' {
            break
        }
        'copilot-api;auth;help;status' {
            break
        }
        'copilot-api;auth;help;logout' {
            break
        }
        'copilot-api;auth;help;token' {
            break
        }
        'copilot-api;auth;help;help' {
            break
        }
        'copilot-api;start' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to listen on (0 picks a free one)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (0 picks a free one)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to bind. Anything but loopback needs `--api-key` or `--allow-unauthenticated`')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Require this key (as `x-api-key` or `Authorization: Bearer`) on every API route')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Minimum seconds between upstream chat / messages / responses requests')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Minimum seconds between upstream chat / messages / responses requests')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Seconds of upstream silence after which a translated stream gets a `ping` event')
            [CompletionResult]::new('--allowed-host', '--allowed-host', [CompletionResultType]::ParameterName, 'Also answer requests addressed to this host name (besides localhost and loopback IPs); repeatable. Web pages reaching the server through any other name are refused')
            [CompletionResult]::new('--allowed-origin', '--allowed-origin', [CompletionResultType]::ParameterName, 'Let web pages from this origin (e.g. `https://app.example`) call the server; repeatable. `*` allows every web page (unsafe: any site you open could use your account)')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Open client connections at most; at the cap the oldest idle one is closed for a new one [default: half the file-descriptor limit less 64, at most 4096]')
            [CompletionResult]::new('--client-timeout', '--client-timeout', [CompletionResultType]::ParameterName, 'Seconds a client may take to send a request''s head or body, or stay idle between requests, before it is disconnected [default: 30]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--allow-unauthenticated', '--allow-unauthenticated', [CompletionResultType]::ParameterName, 'Allow binding a non-loopback address without an API key')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'When rate limited, queue requests instead of answering 429')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'When rate limited, queue requests instead of answering 429')
            [CompletionResult]::new('--manual', '--manual', [CompletionResultType]::ParameterName, 'Ask for confirmation in this terminal before each chat / messages / responses request')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Pick models and print a command that launches Claude Code against this server')
            [CompletionResult]::new('--claude-code', '--claude-code', [CompletionResultType]::ParameterName, 'Pick models and print a command that launches Claude Code against this server')
            [CompletionResult]::new('--expose-token', '--expose-token', [CompletionResultType]::ParameterName, 'Serve `GET /token` (the live Copilot token). Only for trusted local tools')
            [CompletionResult]::new('--print-settings', '--print-settings', [CompletionResultType]::ParameterName, 'Print the resolved settings as JSON and exit (for debugging configuration)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;models' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only this provider''s models (`copilot` or a `[providers.NAME]`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the normalised model list as JSON')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ignore the cached catalogue and ask Copilot again')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;usage' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Start of the period: `7d`, `12h`, `2026-12-01` or `2026-12-01T09:00` (UTC) [default: 30d]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'End of the period (same forms) [default: now]')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Group by model, provider, day, key or session')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (GitHub''s unchanged; with --local, the report)')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Report from the local usage ledger instead (works offline and while the server runs)')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Print CSV')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;count-tokens' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to read the input (default: detected)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model whose tokenizer to use [default: the request''s `model`, else gpt-4o]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model whose tokenizer to use [default: the request''s `model`, else gpt-4o]')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Tokenizer encoding, overriding the model''s')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Exit 1 when any count exceeds N (the count is still printed)')
            [CompletionResult]::new('--beta', '--beta', [CompletionResultType]::ParameterName, 'The `anthropic-beta` header the request would carry (as the route counts it: Claude Code''s `claude-code-…` betas exempt MCP tools from the tool overhead)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON breakdown instead of bare numbers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;claude-code' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port of the running copilot-api')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port of the running copilot-api')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host of the running copilot-api')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Main model (skips the prompt)')
            [CompletionResult]::new('--small-model', '--small-model', [CompletionResultType]::ParameterName, 'Small, fast model (skips the prompt)')
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'Shell syntax to print')
            [CompletionResult]::new('--write-settings', '--write-settings', [CompletionResultType]::ParameterName, 'Merge the env block into a Claude Code settings file instead of printing a command')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Accept defaults instead of prompting')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Accept defaults instead of prompting')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the checks as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;keys' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create a named key: prints it once, stores only its hash')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the named keys: names, limits, last use (never the keys)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Delete a named key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'copilot-api;keys;add' {
            [CompletionResult]::new('--rpm', '--rpm', [CompletionResultType]::ParameterName, 'Requests per minute at most')
            [CompletionResult]::new('--daily-credits', '--daily-credits', [CompletionResultType]::ParameterName, 'AI credits per UTC day at most')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;keys;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;keys;remove' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;keys;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create a named key: prints it once, stores only its hash')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the named keys: names, limits, last use (never the keys)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Delete a named key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'copilot-api;keys;help;add' {
            break
        }
        'copilot-api;keys;help;list' {
            break
        }
        'copilot-api;keys;help;remove' {
            break
        }
        'copilot-api;keys;help;help' {
            break
        }
        'copilot-api;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;generate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this TOML file instead of the default location')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--account-type', '--account-type', [CompletionResultType]::ParameterName, 'Kind of Copilot plan; selects the Copilot API host when the token does not name one')
            [CompletionResult]::new('--enterprise-url', '--enterprise-url', [CompletionResultType]::ParameterName, 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('--github-token', '--github-token', [CompletionResultType]::ParameterName, 'Use this GitHub OAuth token instead of the stored one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail (debug logs; twice for trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Disable colours (also honoured: the `NO_COLOR` environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'copilot-api;help' {
            [CompletionResult]::new('auth', 'auth', [CompletionResultType]::ParameterValue, 'Sign in to GitHub, show who is signed in, or sign out')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Run the local OpenAI + Anthropic compatible server (foreground)')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models your Copilot plan offers')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Show your Copilot plan and quota usage')
            [CompletionResult]::new('count-tokens', 'count-tokens', [CompletionResultType]::ParameterValue, 'Count the tokens of a text, OpenAI chat or Anthropic Messages request')
            [CompletionResult]::new('claude-code', 'claude-code', [CompletionResultType]::ParameterValue, 'Print (or write) the environment that points Claude Code at a running copilot-api')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the sign-in, Copilot, every provider, the config, the clock and the data directory; exit 1 when a check fails')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Named API keys for the server: add, list, remove')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write the completion scripts and the man page into a directory (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'copilot-api;help;auth' {
            [CompletionResult]::new('device', 'device', [CompletionResultType]::ParameterValue, 'Sign in with a GitHub device code')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who is signed in, where the token comes from, and whether Copilot accepts it')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored GitHub token')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the stored GitHub token (for scripts)')
            break
        }
        'copilot-api;help;auth;device' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Start the GitHub device flow and store the token')
            break
        }
        'copilot-api;help;auth;device;login' {
            break
        }
        'copilot-api;help;auth;status' {
            break
        }
        'copilot-api;help;auth;logout' {
            break
        }
        'copilot-api;help;auth;token' {
            break
        }
        'copilot-api;help;start' {
            break
        }
        'copilot-api;help;models' {
            break
        }
        'copilot-api;help;usage' {
            break
        }
        'copilot-api;help;count-tokens' {
            break
        }
        'copilot-api;help;claude-code' {
            break
        }
        'copilot-api;help;doctor' {
            break
        }
        'copilot-api;help;keys' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create a named key: prints it once, stores only its hash')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the named keys: names, limits, last use (never the keys)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Delete a named key')
            break
        }
        'copilot-api;help;keys;add' {
            break
        }
        'copilot-api;help;keys;list' {
            break
        }
        'copilot-api;help;keys;remove' {
            break
        }
        'copilot-api;help;completions' {
            break
        }
        'copilot-api;help;generate' {
            break
        }
        'copilot-api;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
