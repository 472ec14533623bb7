#!/usr/bin/env bash
# Sets up what is missing (Debian packages, npm packages, build), then runs the whole suite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/ensure.sh" test
cd "$root"
exec node --test --test-reporter=spec "$@" dist/test/
