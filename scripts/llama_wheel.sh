#!/usr/bin/env bash
# Build (once) and print the path of a llama-cpp-python wheel compiled for this CPU.
#
# Why: the default native build uses AMX instructions that some VMs advertise but fault on
# (SIGILL at the first matrix multiply). We compile with GGML_NATIVE=OFF and enable only the
# SIMD sets /proc/cpuinfo reports, AMX always off. The wheel is cached under a key made of the
# version and the flags, so a fresh venv (or CI) reuses it instead of compiling for ~10 minutes.
set -euo pipefail

VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
PYTHON="${PYTHON:-python3}"
CACHE_ROOT="${CA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-copyright-assistant/wheels}"

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
on_off() { if has "$1"; then echo ON; else echo OFF; fi; }

CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=$(on_off avx) -DGGML_AVX2=$(on_off avx2) -DGGML_FMA=$(on_off fma)"
CMAKE_ARGS+=" -DGGML_F16C=$(on_off f16c) -DGGML_AVX512=$(on_off avx512f)"
CMAKE_ARGS+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
CMAKE_ARGS+=" -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF"

key=$(printf '%s %s %s' "$VERSION" "$CMAKE_ARGS" "$($PYTHON -c 'import sys;print(sys.version_info[:2])')" | sha256sum | cut -c1-16)
dir="$CACHE_ROOT/llama-cpp-python-$VERSION-$key"
wheel=$(ls "$dir"/llama_cpp_python-*.whl 2>/dev/null | head -n1 || true)

if [[ -z "$wheel" ]]; then
  echo ">> Compiling llama-cpp-python $VERSION for this CPU (one time, about 10 minutes on 2 cores)" >&2
  echo ">> CMAKE_ARGS=$CMAKE_ARGS" >&2
  tmp="$dir.partial.$$"
  mkdir -p "$tmp"
  CMAKE_ARGS="$CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    "$PYTHON" -m pip wheel --no-cache-dir --no-deps -w "$tmp" "llama-cpp-python==$VERSION" >&2
  rm -rf "$dir" && mv "$tmp" "$dir"
  wheel=$(ls "$dir"/llama_cpp_python-*.whl | head -n1)
fi
echo "$wheel"
