#!/usr/bin/env bash
# Client-compatibility check: runs the real openhands-sdk 1.58.2 RemoteWorkspace
# client against a freshly started coffer server.
#
# Usage: compat/run.sh PATH_TO_COFFER_BINARY
# Env:   COFFER_COMPAT_VENV  venv location (default: <repo>/.venv-compat)
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 PATH_TO_COFFER_BINARY" >&2
    exit 2
fi
BIN=$1
[[ -x $BIN ]] || { echo "compat: $BIN is not an executable file" >&2; exit 2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
VENV=${COFFER_COMPAT_VENV:-$ROOT/.venv-compat}
REQS="openhands-sdk==1.58.2 cryptography"
STAMP=$VENV/.coffer-compat-complete

# ── venv (Python 3.12 from pyenv), reused once complete ─────────────────────
find_python312() {
    local root candidates=()
    if command -v pyenv >/dev/null 2>&1 && root=$(pyenv root 2>/dev/null); then
        candidates+=("$root"/versions/3.12*)
    fi
    candidates+=(/root/.pyenv/versions/3.12*)
    local dir
    for dir in $(printf '%s\n' "${candidates[@]}" | sort -rV); do
        if [[ -x $dir/bin/python ]]; then echo "$dir/bin/python"; return 0; fi
    done
    return 1
}

if [[ ! -f $STAMP || $(cat "$STAMP") != "$REQS" ]]; then
    PY=$(find_python312) || { echo "compat: no pyenv Python 3.12 found (pyenv root, /root/.pyenv/versions/3.12*)" >&2; exit 1; }
    echo "compat: creating venv $VENV with $PY"
    "$PY" -m venv --clear "$VENV"
    # shellcheck disable=SC2086  # REQS is a word list on purpose
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $REQS
    echo "$REQS" > "$STAMP"
fi

# ── start coffer on a free port and read its ready line ─────────────────────
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir "$WORK/data"
: >"$WORK/stdout"
SESSION_API_KEY=compat-session-key OH_SECRET_KEY=compat-secret-key \
    "$BIN" serve --host 127.0.0.1 --port 0 --data-dir "$WORK/data" \
    >"$WORK/stdout" 2>"$WORK/server.log" &
SERVER_PID=$!

show_log() {
    echo "---- coffer stdout ----"; cat "$WORK/stdout"
    echo "---- coffer stderr ----"; cat "$WORK/server.log"
    echo "-----------------------"
}

URL=
DEADLINE=$((SECONDS + 30))
while ((SECONDS < DEADLINE)); do
    URL=$(sed -n 's|^coffer listening on \(http://[^ ]*\)$|\1|p' "$WORK/stdout" | head -n 1)
    [[ -n $URL ]] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        show_log; echo "compat: coffer exited before it was ready" >&2; exit 1
    fi
    sleep 0.1
done
if [[ -z $URL ]]; then
    show_log; echo "compat: no 'coffer listening on http://HOST:PORT' line within 30 s" >&2; exit 1
fi
echo "compat: coffer is listening on $URL"

# ── run the SDK check ────────────────────────────────────────────────────────
rc=0
"$VENV/bin/python" "$HERE/openhands_sdk_check.py" "$URL" | tee "$WORK/check.out" || rc=$?
SUMMARY=$(grep -E '^compat: [0-9]+ passed, [0-9]+ failed$' "$WORK/check.out" | tail -n 1 || true)
if [[ $rc -ne 0 || -z $SUMMARY || $SUMMARY != *", 0 failed" ]]; then
    show_log
    echo "${SUMMARY:-compat: 0 passed, 1 failed (the check script crashed, exit $rc)}"
    exit 1
fi
