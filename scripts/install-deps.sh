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
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  help2man lintian
  libxxhash-dev libxml2-dev zlib1g-dev
  prometheus-cpp-dev libcurl4-openssl-dev libssl-dev openssl
  python3-botocore python3-boto3 python3-prometheus-client awscli s3cmd rclone
  python3-pytest python3-pytest-timeout python3-munch python3-isodate python3-tz python3-requests
  python3-dateutil
  nginx-light haproxy rocksdb-tools libjemalloc-dev wrk
  libgtest-dev libgmock-dev libbenchmark-dev
  libfuse3-dev fuse3 autoconf automake
  libnats-dev nats-server
  clang libclang-rt-14-dev clang-format
  chromium chromium-driver python3-selenium
  python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} Debian packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# An S3 server for the backup tests (it does not check signatures; the tests
# check those with botocore). Installed under tools/ so no global npm state.
S3RVER_VERSION=3.7.1
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$here/tools/node_modules/.bin/s3rver" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  echo "install-deps: installing s3rver $S3RVER_VERSION under tools/"
  mkdir -p "$here/tools"
  npm install --silent --no-audit --no-fund --prefix "$here/tools" "s3rver@$S3RVER_VERSION"
fi

# The package starts a system redis-server on 6379; walfs tests start their
# own on free ports and do not need it.
