#!/usr/bin/env bash
# Sets up what is missing (Debian packages, npm packages, build), lints, then runs the whole suite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/ensure.sh" test
cd "$root"
# The style is the linter's and the formatter's, and no export is dead: checked before the tests.
lint=0
npm run --silent lint || lint=$?
# Name the files: given a folder, node --test would also run every helper under a test/ folder.
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
tap="$(mktemp)"
trap 'rm -f "$tap"' EXIT
status=0
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "$@" "${files[@]}" || status=$?
# A plain closing line that any CI reads the same way.
pass=$(grep -E '^# pass [0-9]+' "$tap" | tail -1 | awk '{print $3}')
fail=$(grep -E '^# fail [0-9]+' "$tap" | tail -1 | awk '{print $3}')
skip=$(grep -E '^# skipped [0-9]+' "$tap" | tail -1 | awk '{print $3}')
echo "tests: ${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
[ "$lint" -eq 0 ] || { echo "lint: failed (npm run lint)"; exit "$lint"; }
exit "$status"
