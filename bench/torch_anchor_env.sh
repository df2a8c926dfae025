# Sourced by the bench/compare_torch*.sh scripts: finds the roro binary (BUILD_DIR argument,
# default build/), the PyTorch anchor and Debian's python with torch and numpy, or exits with the
# script's name in the message (66: something of ours is missing, 69: PyTorch is missing).
#   usage: source bench/torch_anchor_env.sh SCRIPT_NAME [BUILD_DIR]
# sets: repo, build, roro, anchor, python
script_name=$1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${2:-$repo/build}
[[ "$build" = /* ]] || build=$repo/$build
roro=$build/bin/roro
anchor=$(cd "$repo/../shared/anchors/torch_scn" 2>/dev/null && pwd) || {
  echo "$script_name: the PyTorch anchor is not at $repo/../shared/anchors/torch_scn" >&2; exit 66; }
python=/usr/bin/python3
if [[ ! -x "$roro" ]]; then
  echo "$script_name: $roro not found; build it first: cmake --build $build --target roro_cli" >&2
  exit 66
fi
if ! "$python" -c 'import torch, numpy' 2>/dev/null; then
  echo "$script_name: PyTorch is not installed for $python." >&2
  echo "  install it with: sudo scripts/setup.sh --anchor   (Debian packages python3-torch python3-numpy)" >&2
  exit 69
fi
