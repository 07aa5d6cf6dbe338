#!/usr/bin/env bash
# Real coding agents through copilot-api against tests/real-clients/fake_upstream.py, by hand:
#   Codex `exec` on a chat-only model (Responses → chat), with a shell tool round trip;
#   Codex `exec` on a Messages-only model with thinking (Responses → Messages), likewise;
#   Claude Code `-p` on a Responses-only model (Messages → chat → Responses), with a Bash round trip.
# Needs: `cargo build`, python3, and the two CLIs on PATH (npm i -g @openai/codex @anthropic-ai/claude-code).
# Each agent must end by quoting the tool's output ("hello-from-tool").
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
fake_port=${FAKE_PORT:-8766}
port=${PORT:-4199}
python3 tests/real-clients/fake_upstream.py "$fake_port" 2>"$work/fake.log" &
cat >"$work/config.toml" <<TOML
[providers.chatonly]
kind = "openai-compatible"
base_url = "http://127.0.0.1:$fake_port/chat/v1"
shapes = ["chat"]
[providers.responsesonly]
kind = "openai-compatible"
base_url = "http://127.0.0.1:$fake_port/responses/v1"
shapes = ["responses"]
[providers.messagesonly]
kind = "anthropic"
base_url = "http://127.0.0.1:$fake_port/anthropic"
api_key = "unused"
models = ["fake-messages"]
TOML
COPILOT_API_CONFIG="$work/config.toml" COPILOT_API_HOME="$work/home" \
  target/debug/copilot-api start --port "$port" 2>"$work/proxy.log" &
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

echo "== codex exec on fake-chat (Responses → chat)"
mkdir -p "$work/codex"
cat >"$work/codex/config.toml" <<TOML
model = "fake-chat"
model_provider = "copilot-api"
[model_providers.copilot-api]
name = "copilot-api"
base_url = "http://127.0.0.1:$port/v1"
wire_api = "responses"
TOML
(cd "$work" && CODEX_HOME="$work/codex" OPENAI_API_KEY=unused timeout 120 \
  codex exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox \
  "Run the shell command that prints a greeting, then tell me what it printed.") | tee "$work/codex.out"
grep -q "hello-from-tool" "$work/codex.out"

echo "== codex exec on fake-messages (Responses → Messages, with thinking)"
sed -i 's/^model = .*/model = "fake-messages"\nmodel_reasoning_effort = "high"/' "$work/codex/config.toml"
(cd "$work" && CODEX_HOME="$work/codex" OPENAI_API_KEY=unused timeout 120 \
  codex exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox \
  "Run the shell command that prints a greeting, then tell me what it printed.") | tee "$work/codex2.out"
grep -q "hello-from-tool" "$work/codex2.out"

echo "== claude -p on fake-responses (Messages → chat → Responses)"
(cd "$work" && ANTHROPIC_BASE_URL="http://127.0.0.1:$port" ANTHROPIC_AUTH_TOKEN=unused \
  ANTHROPIC_MODEL=fake-responses ANTHROPIC_SMALL_FAST_MODEL=fake-responses \
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 HOME="$work" timeout 180 \
  claude -p "Run the shell command that prints a greeting, then tell me what it printed." \
  --allowedTools Bash) | tee "$work/claude.out"
grep -q "hello-from-tool" "$work/claude.out"
echo "== proxy log"; grep -E "POST" "$work/proxy.log" || true
echo "real clients: ok"
