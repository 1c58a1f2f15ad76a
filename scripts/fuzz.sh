#!/usr/bin/env bash
# Runs every native Go fuzz target in the module for the given time each.
set -euo pipefail
t=${1:-20s}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  dir=$(dirname "$f")
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r fn; do
    echo "== $dir $fn ($t)"
    go test "$dir" -run '^$' -fuzz "^${fn}\$" -fuzztime "$t"
  done
done
