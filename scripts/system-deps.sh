#!/usr/bin/env bash
# Debian packages convexformer needs: a C compiler, make and Python for node-gyp to build the
# addon, OpenBLAS for the GEMM addon, NumPy (Debian's) for the
# .npz interoperability test and the NumPy baseline in bench/, Chromium for the test that opens
# the HTML report, Fashion-MNIST's IDX files (dataset-fashion-mnist, in
# /usr/share/datasets/fashion-mnist) for `data fashion-mnist`, `vision` and their tests. Installs only what is
# missing.
set -euo pipefail
need=()
for pkg in g++ make python3 libopenblas-dev python3-numpy chromium dataset-fashion-mnist; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${need[@]}"
fi
