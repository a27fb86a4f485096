#!/usr/bin/env bash
# The whole test suite: formatting, lints, every crate's tests (SQLite always; PostgreSQL
# when COFFER_TEST_POSTGRES_URL is set, which .ci/run does), and the real Python
# openhands-sdk client against the coffer binary.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

if [ -z "${COFFER_TEST_POSTGRES_URL:-}" ]; then
  echo "WARNING: COFFER_TEST_POSTGRES_URL is not set: PostgreSQL tests will be SKIPPED (CI sets it)." >&2
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "build the coffer binary"
cargo build -p coffer

step "compatibility: the real openhands-sdk client against coffer"
bash compat/run.sh "${CARGO_TARGET_DIR:-target}/debug/coffer"

step "cargo test (all crates)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo test --workspace 2>&1 | tee "$log"
# One closing line for the whole suite (every cargo test binary summed).
awk '/^test result:/ { p += $4; f += $6 } END { printf "\ntests: %d passed, %d failed\n", p, f; exit (f > 0) }' "$log"
