#!/usr/bin/env bash
# Sets up what is missing (Debian packages, npm packages, build), then runs the whole suite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/ensure.sh" test
cd "$root"
# Name the files: given a folder, node --test would also run every helper under a test/ folder.
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
exec node --test --test-reporter=spec "$@" "${files[@]}"
