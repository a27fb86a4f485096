#!/usr/bin/env bash
# The overhead coffer adds per agent step: a release coffer runs a conversation against
# bench/scripted_llm.py, which answers at once with a tool call STEPS times, then
# `finish`. The figure is the median time between two model requests — parsing the
# answer, recording the action (sealed, durable), running the tool, recording the
# observation, building the next request — for the `think` tool (no process) and the
# `terminal` tool (`echo`, one bash per step). SQLite unless COFFER_DATABASE_URL is set.
# Usage: bench/agent_steps.sh [steps, default 100]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-100}"
KEY="bench-session-key"
cargo build --release -p coffer
BIN="${CARGO_TARGET_DIR:-target}/release/coffer"

WORK="$(mktemp -d)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
SESSION_API_KEY="$KEY" OH_SECRET_KEY="bench-secret-key" RUST_LOG=warn \
  "$BIN" serve --port 0 --data-dir "$WORK/data" >"$WORK/stdout" 2>"$WORK/server.log" &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q 'listening on' "$WORK/stdout" 2>/dev/null && break; sleep 0.1; done
URL="$(sed -n 's/^coffer listening on //p' "$WORK/stdout")"
[ -n "$URL" ] || { echo "bench: coffer did not start"; cat "$WORK/server.log"; exit 1; }

for tool in think terminal; do
  STEPS="$STEPS" TOOL="$tool" python3 bench/scripted_llm.py >"$WORK/llm-$tool" &
  PIDS+=($!)
  for _ in $(seq 1 50); do grep -q '^port' "$WORK/llm-$tool" 2>/dev/null && break; sleep 0.1; done
  LLM="http://127.0.0.1:$(awk '{print $2}' "$WORK/llm-$tool")"
  mkdir -p "$WORK/ws-$tool"
  body=$(printf '{"agent":{"llm":{"model":"openai/gpt-4o-mini","base_url":"%s/v1","api_key":"sk-bench","num_retries":0},"tools":[{"name":"terminal"}]},"workspace":{"working_dir":"%s"},"max_iterations":%d,"initial_message":{"role":"user","content":[{"type":"text","text":"go"}]}}' \
    "$LLM" "$WORK/ws-$tool" $((STEPS + 10)))
  id=$(curl -fsS -X POST "$URL/api/conversations" -H "X-Session-API-Key: $KEY" -H 'Content-Type: application/json' -d "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for _ in $(seq 1 1200); do
    status=$(curl -fsS "$URL/api/conversations/$id" -H "X-Session-API-Key: $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["execution_status"])')
    [ "$status" = running ] || [ "$status" = idle ] || break
    sleep 0.1
  done
  [ "$status" = finished ] || { echo "bench: the conversation ended $status"; exit 1; }
  stats=$(curl -fsS "$LLM/stats")
  printf '%-9s steps=%s  median per step: %s ms\n' "$tool" "$STEPS" "$(echo "$stats" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["median_gap_ms"], 2))')"
done
