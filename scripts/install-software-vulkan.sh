#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) from Debian bookworm-backports, so that Dawn
# (npm `webgpu`) finds a WebGPU adapter on a machine without a GPU. Bookworm's own Mesa 22.3 is
# refused by Dawn ("shaderUniform*ArrayDynamicIndexing required"); Mesa 25 from backports works.
# Idempotent; needs root (or sudo). Also installs Chromium for the browser smoke test unless
# SKIP_CHROMIUM=1.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
list=/etc/apt/sources.list.d/backports.list
if ! grep -rqs "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian ${codename}-backports main" | as_root tee "$list" >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq -t "${codename}-backports" mesa-vulkan-drivers libvulkan1 libegl1 libgles2 libegl-mesa0 >/dev/null
if [ "${SKIP_CHROMIUM:-0}" != 1 ]; then
  as_root apt-get install -y -qq chromium >/dev/null
fi
echo "software Vulkan installed: $(ls /usr/share/vulkan/icd.d/ 2>/dev/null | tr '\n' ' ')"
