#!/usr/bin/env bash
# Builds coffer in release mode, starts it on a fresh SQLite data dir (or the database
# in COFFER_DATABASE_URL), and drives three routes with wrk at 1 and 64 connections:
#   GET /api/settings, GET /api/settings/secrets/{name}, PUT /api/settings/secrets.
# Prints requests/s and p50/p99 latency per case. Loopback only; every run is bounded.
# Usage: bench/run.sh [seconds per case, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
KEY="bench-session-key"

command -v wrk >/dev/null || { echo "bench: installing wrk"; apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p coffer

DATA="$(mktemp -d)"
LOG="$DATA/server.log"
SESSION_API_KEY="$KEY" OH_SECRET_KEY="bench-secret-key" RUST_LOG=warn \
  "${CARGO_TARGET_DIR:-target}/release/coffer" serve --port 0 --data-dir "$DATA/data" >"$DATA/stdout" 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do grep -q 'listening on' "$DATA/stdout" 2>/dev/null && break; sleep 0.1; done
URL="$(sed -n 's/^coffer listening on //p' "$DATA/stdout")"
[ -n "$URL" ] || { echo "bench: coffer did not start"; cat "$LOG"; exit 1; }

curl -fsS -X PATCH "$URL/api/settings" -H "X-Session-API-Key: $KEY" -H 'Content-Type: application/json' \
  -d '{"agent_settings_diff":{"llm":{"model":"openai/gpt-4o","api_key":"sk-bench"}}}' >/dev/null
curl -fsS -X PUT "$URL/api/settings/secrets" -H "X-Session-API-Key: $KEY" -H 'Content-Type: application/json' \
  -d '{"name":"BENCH_TOKEN","value":"bench-token-value"}' >/dev/null

printf '%-34s %5s %12s %10s %10s\n' case conns req/s p50 p99
run_case() { # name conns path [lua]
  local name="$1" conns="$2" path="$3" script="${4:-}"
  local args=(-t 2 -c "$conns" -d "${DURATION}s" --latency -H "X-Session-API-Key: $KEY")
  [ "$conns" -lt 2 ] && args[1]=1
  [ -n "$script" ] && args+=(-s "$script")
  local out
  out="$(BENCH_SESSION_KEY="$KEY" wrk "${args[@]}" "$URL$path")"
  if echo "$out" | grep -q 'Non-2xx'; then echo "bench: $name had non-2xx answers"; echo "$out"; exit 1; fi
  local rps p50 p99
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
  p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
  printf '%-34s %5s %12s %10s %10s\n' "$name" "$conns" "$rps" "$p50" "$p99"
}
for c in 1 64; do
  run_case "GET /api/settings" "$c" /api/settings
  run_case "GET /api/settings/secrets/{name}" "$c" /api/settings/secrets/BENCH_TOKEN
  run_case "PUT /api/settings/secrets" "$c" /api/settings/secrets bench/put_secret.lua
done
