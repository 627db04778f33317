#!/usr/bin/env bash
# Debian packages Reverie needs: headless OpenGL for MuJoCo (EGL/OSMesa via Mesa's llvmpipe),
# espeak-ng/sox to synthesise real speech in the voice tests, openssl to make TLS test certificates,
# and chromium for the console's browser tests (driven by playwright). Installs only what is missing.
set -euo pipefail
packages=(libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri libosmesa6 espeak-ng sox openssl chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
  || { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; }
