#!/usr/bin/env bash
# Creates bench/pytorch/.venv with the CPU build of PyTorch (and numpy) for rotated_mnist.py.
# Nothing here touches package.json or node_modules. Re-running it is harmless.
#
#   bash bench/pytorch/setup.sh                 # torch 2.13.0+cpu (the wheel this machine's pip finds in /opt/wheels)
#   TORCH_SPEC='torch==2.14.1' bash bench/pytorch/setup.sh   # another version
#
# pip uses its own configuration (find-links, index); extra pip options may be passed in PIP_EXTRA,
# e.g. PIP_EXTRA='--find-links /path/to/wheels'.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
torch_spec="${TORCH_SPEC:-torch==2.13.0+cpu}"
find_links=()
[ -d /opt/wheels ] && find_links=(--find-links /opt/wheels)

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
# shellcheck disable=SC2086
"$venv/bin/python" -m pip install --disable-pip-version-check "${find_links[@]}" ${PIP_EXTRA:-} "$torch_spec" numpy
"$venv/bin/python" - <<'PY'
import torch
print("torch", torch.__version__, "| threads", torch.get_num_threads(), "| interop", torch.get_num_interop_threads())
print(torch.__config__.parallel_info())
PY
