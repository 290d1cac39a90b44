#!/usr/bin/env bash
# Installs the Debian packages that the tests, training and evaluations need.
# Idempotent: exits at once when everything is already there (FORCE=1 re-runs).
#   - mesa-vulkan-drivers >= 25 (bookworm-backports): lavapipe for WebGPU (Dawn) in Node
#   - chromium: headless browser tests (WebGPU on SwiftShader)
#   - python3-torch, python3-onnx, python3-numpy: training and ONNX export (models/)
#   - python3-matplotlib: loss curves and evaluation figures (models/)
#   - espeak-ng, sox: speech synthesis and audio processing for lip-sync data
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
have() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | grep -q "^install ok installed $2"; }
PKGS=(chromium python3-torch python3-onnx python3-numpy python3-matplotlib espeak-ng sox)
missing=0
have mesa-vulkan-drivers '25\.' || missing=1
for p in "${PKGS[@]}"; do have "$p" '' || missing=1; done
if [ -z "${FORCE:-}" ] && [ "$missing" = 0 ]; then echo "system packages already installed"; exit 0; fi
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi

# Enable bookworm-backports without naming a host: reuse the URI of the existing Debian source.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  SRC=/etc/apt/sources.list.d/debian.sources
  if [ -f "$SRC" ]; then
    $SUDO sed -i 's/^Suites: bookworm bookworm-updates$/Suites: bookworm bookworm-updates bookworm-backports/' "$SRC"
    if ! grep -q 'bookworm-backports' "$SRC"; then
      { echo "Types: deb"; grep -m1 '^URIs:' "$SRC"; echo "Suites: bookworm-backports"; echo "Components: main";
        grep -m1 '^Signed-By:' "$SRC"; } | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
    fi
  else
    uri=$(grep -m1 -E '^deb ' /etc/apt/sources.list | awk '{print $2}')
    echo "deb $uri bookworm-backports main" | $SUDO tee -a /etc/apt/sources.list >/dev/null
  fi
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers
$SUDO apt-get install -y -qq "${PKGS[@]}"
dpkg-query -W -f='${Package} ${Version}\n' mesa-vulkan-drivers "${PKGS[@]}"
