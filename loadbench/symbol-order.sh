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
# and not). The call counts are dumped once the proxy listens; what runs afterwards is the
# serving set, listed first (sorted by name), followed by the start-up-only functions.
#
# Usage: loadbench/symbol-order.sh [path/to/copilot-api]          (needs valgrind, ss, awk)
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
for tool in valgrind callgrind_control ss awk; do
    command -v "$tool" >/dev/null || { echo "symbol-order: $tool is needed" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/proxy" <<WRAP
#!/usr/bin/env bash
valgrind --tool=callgrind --callgrind-out-file=$work/cg.out --dump-instr=no \
    --compress-strings=no --compress-pos=no --demangle=no --log-file=$work/valgrind.log \
    "$bin" "\$@" &
pid=\$!
trap 'kill -TERM \$pid' TERM INT
(
    for _ in \$(seq 600); do
        if ss -ltnp 2>/dev/null | grep -q "pid=\$pid,"; then
            sleep 0.5
            callgrind_control --dump=start-up \$pid >/dev/null
            exit
        fi
        sleep 0.05
    done
) &
wait \$pid || wait \$pid
WRAP
chmod +x "$work/proxy"

(cd "$here" && cargo build --release --quiet)
"$here/target/release/loadbench" --bin "$work/proxy" --log-levels warn --concurrency 1 \
    --duration 0.5 --warmup 0.2 --startups 1 --stream-requests 20 --streams 0 \
    >"$work/report.md" 2>"$work/progress.log" ||
    { cat "$work/progress.log" >&2; exit 1; }
[ -f "$work/cg.out.1" ] || { echo "symbol-order: no start-up dump was taken" >&2; exit 1; }

# Function names (mangled) of the binary itself, each once; callgrind marks recursion levels
# with a 'N suffix, names code without a symbol 0x… and has pseudo-functions in parentheses.
# Each group is sorted by name, so a regenerated list differs only where the code did.
names() {
    awk -v exe="$bin" '
        /^ob=/ { ob = substr($0, 4) }
        /^fn=/ && ob == exe {
            name = substr($0, 4); sub(/'"'"'[0-9]+$/, "", name)
            if (name !~ /^(0x|\()/) print name
        }' "$1" | LC_ALL=C sort -u
}
names "$work/cg.out" >"$work/serving"
names "$work/cg.out.1" | LC_ALL=C comm -23 - "$work/serving" >"$work/start-up"
cat "$work/serving" "$work/start-up" >"$out.tmp"
mv "$out.tmp" "$out"
echo "symbol-order: $(wc -l <"$out") functions written to $out" >&2
