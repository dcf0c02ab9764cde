#!/usr/bin/env bash
# Set everything up on a fresh Debian/Ubuntu machine (or a laptop with Python 3.10+):
#   system packages -> a virtualenv in .venv with the project and its test extras -> the models.
# Idempotent: a second run only checks. Usage: scripts/setup.sh [--no-models]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

# System packages: PortAudio for sounddevice, npm for the voice-pack fallback source.
missing=()
ldconfig -p 2>/dev/null | grep -q libportaudio.so.2 || missing+=(libportaudio2)
command -v npm >/dev/null || missing+=(npm)
"$PY" -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then
    echo "setup: installing ${missing[*]} with sudo apt-get"
    sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "setup: please install these system packages, then run me again: ${missing[*]}" >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
# llama-cpp-python builds from source; its multimodal part is not used and triples the build time.
# pip keeps the built wheel in its cache, so later setups take seconds.
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF}"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"

if [ "${1:-}" != "--no-models" ]; then
  .venv/bin/assistant models fetch
  # Our faster Kokoro is built from the shipped one with PyTorch (the `build` extra, ~1 min once);
  # without it the assistant runs the shipped model.
  if .venv/bin/python -c "import torch, onnx" 2>/dev/null; then
    .venv/bin/assistant models build kokoro-fast
  else
    echo "setup: for the faster Kokoro engine: .venv/bin/pip install -e '.[build]' && .venv/bin/assistant models build"
  fi
fi
echo "setup: done. Talk to it with: .venv/bin/assistant run   (or: .venv/bin/assistant chat)"
