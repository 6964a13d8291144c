#!/usr/bin/env bash
# Runs every libFuzzer target for a number of seconds from its seed corpus.
# usage: tests/fuzz/run.sh BUILD_DIR SECONDS
set -uo pipefail
build="$1"; seconds="$2"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$build/crashes"
failed=0
for target in entry path range tx request apply auth_file sigv4 s3; do
  bin="$build/fuzz_$target"
  work="$build/corpus/$target"
  mkdir -p "$work"
  seeds="$here/corpus/$target"
  out=$("$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" \
        -timeout=10 -rss_limit_mb=2048 "$work" "$seeds" 2>&1)
  rc=$?
  execs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
  if [ $rc -ne 0 ]; then
    failed=1
    echo "fuzz_$target: FAILED after ${execs:-?} executions"
    echo "$out" | grep -E "ERROR|SUMMARY|Test unit written" | head -5
  else
    echo "fuzz_$target: ${execs:-?} executions in ${seconds}s, 0 crashes"
  fi
done
exit $failed
