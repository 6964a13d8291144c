#!/usr/bin/env bash
# Prints where the shared conformance suites are: ../shared/conformance
# beside this checkout, or beside the local checkout this one was cloned
# from; nothing if neither has them.
here="$(cd "$(dirname "$0")/.." && pwd)"
for dir in "$here/../shared/conformance" \
           "$(git -C "$here" remote get-url origin 2>/dev/null)/../shared/conformance"; do
  if [ -d "$dir/s3-tests" ]; then
    (cd "$dir" && pwd)
    exit 0
  fi
done
