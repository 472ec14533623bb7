#!/usr/bin/env bash
# Sets up what is missing, then runs the sensor with the given arguments (default: `run`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/ensure.sh" run
if [ $# -eq 0 ]; then set -- run; fi
exec "$root/dist/src/cli/main.js" "$@"   # its #! line sets node's flags
