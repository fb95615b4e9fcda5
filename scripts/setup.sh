#!/usr/bin/env bash
# One set-up command for a fresh Debian machine: system packages, npm ci, native addon, TypeScript build,
# web bundle. Idempotent and quiet on success; says clearly what failed.
#   bash scripts/setup.sh          everything the library, CLI and tests need
#   bash scripts/setup.sh --bench  also python3-torch/torchvision for the PyTorch peer benchmark, with an optimised
#                                  BLAS (OpenBLAS, OpenMP build: Debian's torch otherwise runs on the reference libblas3)
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -t mobilenet-setup.XXXXXX)
fail() { echo "setup: $1 failed; last lines of $log:" >&2; tail -n 25 "$log" >&2; exit 1; }

pkgs=(libdnnl-dev dataset-fashion-mnist chromium python3-onnx python3-h5py)
[ "${1:-}" = "--bench" ] && pkgs+=(python3-torch python3-torchvision libopenblas0-openmp)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >>"$log" 2>&1 || fail "apt-get update"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1 \
    || fail "apt-get install ${missing[*]}"
fi

# onnxruntime-node (dev: the inference peer) ships its CPU binaries; its install script would fetch CUDA ones from nuget
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error >>"$log" 2>&1 || fail "npm ci"

# The native oneDNN addon is optional: without it the library runs on TF.js's cpu backend (slowly) and says so.
if ! npm run --silent build:native >>"$log" 2>&1; then
  echo "setup: warning: the native oneDNN addon did not build; training will use the slow cpu backend (see $log)" >&2
fi

npm run --silent build >>"$log" 2>&1 || fail "TypeScript build"
if [ -f scripts/build-web.mjs ]; then
  node scripts/build-web.mjs >>"$log" 2>&1 || fail "web bundle build"
fi
rm -f "$log"
echo "setup: ok"
