#!/usr/bin/env bash
# Makes sure Dawn finds a WebGPU adapter; on a machine without a GPU installs Mesa's software
# Vulkan (lavapipe) through scripts/install-software-vulkan.sh when run as root, else says how.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
[ -d node_modules/webgpu ] || npm install --no-audit --no-fund   # not npm ci: see .ci/run
if node scripts/probe-adapter.mjs 2>/dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
  echo "no WebGPU adapter: installing software Vulkan (Mesa lavapipe)..."
  bash scripts/install-software-vulkan.sh
  node scripts/probe-adapter.mjs
else
  echo "no WebGPU adapter. On a machine without a GPU run: sudo bash scripts/install-software-vulkan.sh" >&2
  exit 1
fi
