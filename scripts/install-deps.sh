#!/usr/bin/env bash
# Installs every Debian package that walfs needs to build, test and benchmark.
# Idempotent: packages already installed are skipped, and apt is not touched
# at all when nothing is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git curl ca-certificates
  libboost-dev libboost-system-dev libboost-context-dev
  libhiredis-dev redis-server redis-tools
  librocksdb-dev
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The package starts a system redis-server on 6379; walfs tests start their
# own on free ports and do not need it.
