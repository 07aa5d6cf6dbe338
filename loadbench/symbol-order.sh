#!/usr/bin/env bash
# Regenerates link/serving-order.txt: the functions the proxy runs while serving, in the order
# the linker should lay them out (build.rs hands the file to lld for release builds).
#
# Why: the kernel maps executable pages 64 KiB at a time around each page touched, so an idle
# proxy holds every 64 KiB window its serving code is spread over. Laid out together, that code
# fits in a fraction of the windows (see link/README.md).
#
# How: the release binary (built with its symbols, as the release profile does) runs under
# valgrind's callgrind while loadbench drives it (passthrough and translated requests, streamed
# and not); a second run adds curl calls to count_tokens, both model lists, /health and
# HEAD /. Each run's call counts are dumped when start-up ends (on entering
# memory::release_start_up_memory) and once the proxy has listened for 0.5 s. Listed first is
# what the chat run ran after that, then what ran only in that first half second (the one-time
# work of the first request, which loadbench sends as soon as the proxy listens), then what
# only the second run's extra routes ran, and last what only start-up ran (the proxy hands
# those pages back before serving); each group sorted by name.
#
# Usage: loadbench/symbol-order.sh [path/to/copilot-api]          (needs valgrind, ss, awk, curl)
#        loadbench/symbol-order.sh --check [path/to/copilot-api]  (how much of the list a
#        binary has: after a Rust or dependency upgrade, most names change and it is stale)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=$root/link/serving-order.txt
if [ "${1:-}" = --check ]; then
    bin=$(realpath "${2:-$root/target/release/copilot-api}")
    have=$(nm --defined-only "$bin" | awk 'NR == FNR { want[$0]; next } $3 in want' "$out" - | wc -l)
    total=$(wc -l <"$out")
    echo "symbol-order: $bin has $have of the $total functions listed in $out"
    [ "$have" -ge $((total * 9 / 10)) ] || { echo "symbol-order: the list is stale; regenerate it" >&2; exit 1; }
    exit 0
fi
bin=$(realpath "${1:-$root/target/release/copilot-api}")
for tool in valgrind callgrind_control ss awk curl; do
    command -v "$tool" >/dev/null || { echo "symbol-order: $tool is needed" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# `proxy-chat` and `proxy-routes` run the binary under callgrind and dump its counts once it
# listens; `proxy-routes` then also calls the routes Claude Code and the SDKs use beside chat.
for run in chat routes; do
    cat >"$work/proxy-$run" <<WRAP
#!/usr/bin/env bash
valgrind --tool=callgrind --callgrind-out-file=$work/$run.out --dump-instr=no \
    --compress-strings=no --compress-pos=no --demangle=no --log-file=$work/$run.log \
    --dump-before='_ZN11copilot_api6memory23release_start_up_memory*' \
    "$bin" "\$@" &
pid=\$!
trap 'kill -TERM \$pid' TERM INT
(
    for _ in \$(seq 600); do
        if ss -ltnp 2>/dev/null | grep -q "pid=\$pid,"; then
            sleep 0.5
            callgrind_control --dump=first-request \$pid >/dev/null
            [ $run = routes ] || exit 0
            port=\$(ss -ltnpH 2>/dev/null | awk -v p="pid=\$pid," 'index(\$0, p) { n = split(\$4, a, ":"); print a[n]; exit }')
            url=http://127.0.0.1:\$port
            for _ in 1 2; do
                curl -s -o /dev/null -X POST "\$url/v1/messages/count_tokens?beta=true" \\
                    -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \\
                    -d '{"model":"claude-haiku-4-5-20251001","messages":[{"role":"user","content":"Count these tokens, please."}]}'
                curl -s -o /dev/null \$url/v1/models
                curl -s -o /dev/null -H 'anthropic-version: 2023-06-01' \$url/v1/models
                curl -s -o /dev/null \$url/health
                curl -s -o /dev/null -I \$url/
            done
            exit 0
        fi
        sleep 0.05
    done
) &
wait \$pid || wait \$pid
WRAP
    chmod +x "$work/proxy-$run"
done

(cd "$here" && cargo build --release --quiet)
# Two start-ups: the one profiled is the second, which finds the model list cached on disk, as
# most starts do; so the first upstream connection is opened by the first request, not by
# start-up, and its code is listed with the first request's. (Each start writes the same
# files; the second's overwrite the first's.)
for run in chat routes; do
    "$here/target/release/loadbench" --bin "$work/proxy-$run" --log-levels warn --concurrency 1 \
        --duration 0.5 --warmup 0.2 --startups 2 --stream-requests 20 --streams 0 \
        >"$work/$run.md" 2>"$work/$run-progress.log" ||
        { cat "$work/$run-progress.log" >&2; exit 1; }
    [ -f "$work/$run.out.1" ] || { echo "symbol-order: no start-up dump ($run run)" >&2; exit 1; }
    [ -f "$work/$run.out.2" ] || { echo "symbol-order: no first-request dump ($run run)" >&2; exit 1; }
done

# Function names (mangled) of the binary itself, each once; callgrind marks recursion levels
# with a 'N suffix, names code without a symbol 0x… and has pseudo-functions in parentheses.
# Each group is sorted by name, so a regenerated list differs only where the code did (and in a
# few names that depend on timing, such as a contended lock).
names() {
    awk -v exe="$bin" '
        /^ob=/ { ob = substr($0, 4) }
        /^fn=/ && ob == exe {
            name = substr($0, 4); sub(/'"'"'[0-9]+$/, "", name)
            if (name !~ /^(0x|\()/) print name
        }' "$@" | LC_ALL=C sort -u
}
names "$work/chat.out" >"$work/chat"
names "$work/chat.out.2" "$work/routes.out.2" | LC_ALL=C comm -23 - "$work/chat" >"$work/first"
LC_ALL=C sort -m "$work/chat" "$work/first" >"$work/seen"
names "$work/routes.out" | LC_ALL=C comm -23 - "$work/seen" >"$work/routes"
LC_ALL=C sort -m "$work/seen" "$work/routes" >"$work/seen-all"
names "$work/chat.out.1" "$work/routes.out.1" | LC_ALL=C comm -23 - "$work/seen-all" >"$work/start-up"
cat "$work/chat" "$work/first" "$work/routes" "$work/start-up" >"$out.tmp"
mv "$out.tmp" "$out"
echo "symbol-order: $(wc -l <"$out") functions written to $out" \
    "($(wc -l <"$work/chat") chat, $(wc -l <"$work/first") first request," \
    "$(wc -l <"$work/routes") other routes, $(wc -l <"$work/start-up") start-up)" >&2
