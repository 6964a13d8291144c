#!/usr/bin/env bash
# Writes the packaged /etc/walfs/walfs.toml to OUT: deploy/walfs.toml.head
# (the keys the package sets), then every key of walfs serve commented out
# at its default (walfs config example); checked with walfs config check.
# Usage: scripts/package-config.sh BINARY HEAD OUT
set -euo pipefail
bin=$1 head=$2 out=$3
mkdir -p "$(dirname "$out")"
{ cat "$head"; "$bin" config example; } > "$out.tmp"
"$bin" config check "$out.tmp" > /dev/null
mv "$out.tmp" "$out"
