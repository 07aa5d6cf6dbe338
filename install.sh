#!/bin/sh
# Builds and installs copilot-api with its shell completions and man page.
#
#   ./install.sh                      # cargo install into ~/.cargo/bin, extras into ~/.local/share
#   ./install.sh --prefix DIR         # binary into DIR/bin, extras into DIR/share
#   ./install.sh --binary PATH        # install an already built binary instead of building
#
# Safe to run again: every step overwrites what the previous run installed.
set -eu

say() { printf 'install.sh: %s\n' "$*"; }
err() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || err "need '$1' (command not found)"; }

prefix=""
binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || err "--prefix needs a directory"; prefix=$2; shift 2 ;;
        --binary) [ $# -ge 2 ] || err "--binary needs a path"; binary=$2; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) err "unknown option: $1 (see --help)" ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
[ -f "$here/Cargo.toml" ] || err "run install.sh from the copilot-api source tree"

if [ -n "$prefix" ]; then
    bindir="$prefix/bin"
    share="$prefix/share"
else
    bindir="${CARGO_HOME:-$HOME/.cargo}/bin"
    share="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
mkdir -p "$bindir"

if [ -n "$binary" ]; then
    [ -x "$binary" ] || err "$binary is not an executable file"
    cp "$binary" "$bindir/copilot-api.tmp"
    mv "$bindir/copilot-api.tmp" "$bindir/copilot-api"
    say "installed $binary as $bindir/copilot-api"
else
    need cargo
    if [ -n "$prefix" ]; then
        cargo install --locked --force --path "$here" --root "$prefix"
    else
        cargo install --locked --force --path "$here"
    fi
    say "installed $bindir/copilot-api"
fi

install_file() { # src dest-dir dest-name
    mkdir -p "$2"
    cp "$here/$1" "$2/$3"
    say "installed $2/$3"
}
install_file man/copilot-api.1 "$share/man/man1" copilot-api.1
install_file completions/copilot-api.bash "$share/bash-completion/completions" copilot-api
install_file completions/_copilot-api "$share/zsh/site-functions" _copilot-api
install_file completions/copilot-api.fish "$share/fish/vendor_completions.d" copilot-api.fish

case ":$PATH:" in
    *":$bindir:"*) ;;
    *) say "note: $bindir is not on your PATH; add it to run 'copilot-api'" ;;
esac
say "done. Sign in with: copilot-api auth device login"
