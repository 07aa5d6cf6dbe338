
use builtin;
use str;

set edit:completion:arg-completer[copilot-api] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'copilot-api'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'copilot-api'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand auth 'Sign in to GitHub, show who is signed in, or sign out'
            cand start 'Run the local OpenAI + Anthropic compatible server (foreground)'
            cand models 'List the models your Copilot plan offers'
            cand usage 'Show your Copilot plan and quota usage'
            cand count-tokens 'Count the tokens of a text, OpenAI chat or Anthropic Messages request'
            cand claude-code 'Print (or write) the environment that points Claude Code at a running copilot-api'
            cand doctor 'Check the sign-in, Copilot, every provider, the config, the clock and the data directory; exit 1 when a check fails'
            cand keys 'Named API keys for the server: add, list, remove'
            cand completions 'Print a shell completion script'
            cand generate 'Write the completion scripts and the man page into a directory (for packagers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'copilot-api;auth'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand device 'Sign in with a GitHub device code'
            cand status 'Show who is signed in, where the token comes from, and whether Copilot accepts it'
            cand logout 'Remove the stored GitHub token'
            cand token 'Print the stored GitHub token (for scripts)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'copilot-api;auth;device'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Start the GitHub device flow and store the token'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'copilot-api;auth;device;login'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand --no-browser 'Do not open the verification page in a browser'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;auth;device;help'= {
            cand login 'Start the GitHub device flow and store the token'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'copilot-api;auth;device;help;login'= {
        }
        &'copilot-api;auth;device;help;help'= {
        }
        &'copilot-api;auth;status'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand --json 'Print the status as JSON'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;auth;logout'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;auth;token'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;auth;help'= {
            cand device 'Sign in with a GitHub device code'
            cand status 'Show who is signed in, where the token comes from, and whether Copilot accepts it'
            cand logout 'Remove the stored GitHub token'
            cand token 'Print the stored GitHub token (for scripts)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'copilot-api;auth;help;device'= {
            cand login 'Start the GitHub device flow and store the token'
        }
        &'copilot-api;auth;help;device;login'= {
        }
        &'copilot-api;auth;help;status'= {
        }
        &'copilot-api;auth;help;logout'= {
        }
        &'copilot-api;auth;help;token'= {
        }
        &'copilot-api;auth;help;help'= {
        }
        &'copilot-api;start'= {
            cand -p 'Port to listen on (0 picks a free one)'
            cand --port 'Port to listen on (0 picks a free one)'
            cand --host 'Address to bind. Anything but loopback needs `--api-key` or `--allow-unauthenticated`'
            cand --api-key 'Require this key (as `x-api-key` or `Authorization: Bearer`) on every API route'
            cand -r 'Minimum seconds between upstream chat / messages / responses requests'
            cand --rate-limit 'Minimum seconds between upstream chat / messages / responses requests'
            cand --ping-interval 'Seconds of upstream silence after which a translated stream gets a `ping` event'
            cand --allowed-host 'Also answer requests addressed to this host name (besides localhost and loopback IPs); repeatable. Web pages reaching the server through any other name are refused'
            cand --allowed-origin 'Let web pages from this origin (e.g. `https://app.example`) call the server; repeatable. `*` allows every web page (unsafe: any site you open could use your account)'
            cand --max-connections 'Open client connections at most; at the cap the oldest idle one is closed for a new one [default: half the file-descriptor limit less 64, at most 4096]'
            cand --client-timeout 'Seconds a client may take to send a request''s head or body, or stay idle between requests, before it is disconnected [default: 30]'
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand --allow-unauthenticated 'Allow binding a non-loopback address without an API key'
            cand -w 'When rate limited, queue requests instead of answering 429'
            cand --wait 'When rate limited, queue requests instead of answering 429'
            cand --manual 'Ask for confirmation in this terminal before each chat / messages / responses request'
            cand -c 'Pick models and print a command that launches Claude Code against this server'
            cand --claude-code 'Pick models and print a command that launches Claude Code against this server'
            cand --expose-token 'Serve `GET /token` (the live Copilot token). Only for trusted local tools'
            cand --print-settings 'Print the resolved settings as JSON and exit (for debugging configuration)'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;models'= {
            cand --provider 'Only this provider''s models (`copilot` or a `[providers.NAME]`)'
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand --json 'Print the normalised model list as JSON'
            cand --refresh 'Ignore the cached catalogue and ask Copilot again'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;usage'= {
            cand --since 'Start of the period: `7d`, `12h`, `2026-12-01` or `2026-12-01T09:00` (UTC) [default: 30d]'
            cand --until 'End of the period (same forms) [default: now]'
            cand --by 'Group by model, provider, day, key or session'
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand --json 'Print JSON (GitHub''s unchanged; with --local, the report)'
            cand --local 'Report from the local usage ledger instead (works offline and while the server runs)'
            cand --csv 'Print CSV'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;count-tokens'= {
            cand --format 'How to read the input (default: detected)'
            cand -m 'Model whose tokenizer to use [default: the request''s `model`, else gpt-4o]'
            cand --model 'Model whose tokenizer to use [default: the request''s `model`, else gpt-4o]'
            cand --encoding 'Tokenizer encoding, overriding the model''s'
            cand --max 'Exit 1 when any count exceeds N (the count is still printed)'
            cand --beta 'The `anthropic-beta` header the request would carry (as the route counts it: Claude Code''s `claude-code-…` betas exempt MCP tools from the tool overhead)'
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand --json 'Print a JSON breakdown instead of bare numbers'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;claude-code'= {
            cand -p 'Port of the running copilot-api'
            cand --port 'Port of the running copilot-api'
            cand --host 'Host of the running copilot-api'
            cand --model 'Main model (skips the prompt)'
            cand --small-model 'Small, fast model (skips the prompt)'
            cand --shell 'Shell syntax to print'
            cand --write-settings 'Merge the env block into a Claude Code settings file instead of printing a command'
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -y 'Accept defaults instead of prompting'
            cand --yes 'Accept defaults instead of prompting'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;doctor'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand --json 'Print the checks as JSON'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;keys'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Create a named key: prints it once, stores only its hash'
            cand list 'List the named keys: names, limits, last use (never the keys)'
            cand remove 'Delete a named key'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'copilot-api;keys;add'= {
            cand --rpm 'Requests per minute at most'
            cand --daily-credits 'AI credits per UTC day at most'
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;keys;list'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand --json 'Print JSON'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;keys;remove'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;keys;help'= {
            cand add 'Create a named key: prints it once, stores only its hash'
            cand list 'List the named keys: names, limits, last use (never the keys)'
            cand remove 'Delete a named key'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'copilot-api;keys;help;add'= {
        }
        &'copilot-api;keys;help;list'= {
        }
        &'copilot-api;keys;help;remove'= {
        }
        &'copilot-api;keys;help;help'= {
        }
        &'copilot-api;completions'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;generate'= {
            cand --config 'Read settings from this TOML file instead of the default location'
            cand -a 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --account-type 'Kind of Copilot plan; selects the Copilot API host when the token does not name one'
            cand --enterprise-url 'GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against'
            cand -g 'Use this GitHub OAuth token instead of the stored one'
            cand --github-token 'Use this GitHub OAuth token instead of the stored one'
            cand -v 'Show more detail (debug logs; twice for trace)'
            cand --verbose 'Show more detail (debug logs; twice for trace)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand --no-color 'Disable colours (also honoured: the `NO_COLOR` environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'copilot-api;help'= {
            cand auth 'Sign in to GitHub, show who is signed in, or sign out'
            cand start 'Run the local OpenAI + Anthropic compatible server (foreground)'
            cand models 'List the models your Copilot plan offers'
            cand usage 'Show your Copilot plan and quota usage'
            cand count-tokens 'Count the tokens of a text, OpenAI chat or Anthropic Messages request'
            cand claude-code 'Print (or write) the environment that points Claude Code at a running copilot-api'
            cand doctor 'Check the sign-in, Copilot, every provider, the config, the clock and the data directory; exit 1 when a check fails'
            cand keys 'Named API keys for the server: add, list, remove'
            cand completions 'Print a shell completion script'
            cand generate 'Write the completion scripts and the man page into a directory (for packagers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'copilot-api;help;auth'= {
            cand device 'Sign in with a GitHub device code'
            cand status 'Show who is signed in, where the token comes from, and whether Copilot accepts it'
            cand logout 'Remove the stored GitHub token'
            cand token 'Print the stored GitHub token (for scripts)'
        }
        &'copilot-api;help;auth;device'= {
            cand login 'Start the GitHub device flow and store the token'
        }
        &'copilot-api;help;auth;device;login'= {
        }
        &'copilot-api;help;auth;status'= {
        }
        &'copilot-api;help;auth;logout'= {
        }
        &'copilot-api;help;auth;token'= {
        }
        &'copilot-api;help;start'= {
        }
        &'copilot-api;help;models'= {
        }
        &'copilot-api;help;usage'= {
        }
        &'copilot-api;help;count-tokens'= {
        }
        &'copilot-api;help;claude-code'= {
        }
        &'copilot-api;help;doctor'= {
        }
        &'copilot-api;help;keys'= {
            cand add 'Create a named key: prints it once, stores only its hash'
            cand list 'List the named keys: names, limits, last use (never the keys)'
            cand remove 'Delete a named key'
        }
        &'copilot-api;help;keys;add'= {
        }
        &'copilot-api;help;keys;list'= {
        }
        &'copilot-api;help;keys;remove'= {
        }
        &'copilot-api;help;completions'= {
        }
        &'copilot-api;help;generate'= {
        }
        &'copilot-api;help;help'= {
        }
    ]
    $completions[$command]
}
