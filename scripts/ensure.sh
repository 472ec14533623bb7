#!/usr/bin/env bash
# Installs and builds what packetTrail needs on a Debian machine, so that the README's two
# commands work on a fresh clone with no other step. Idempotent and quick when all is there.
#   scripts/ensure.sh run    — to run the sensor (BPF toolchain for the ebpf tier)
#   scripts/ensure.sh test   — to run the tests (also rsyslog, TLS tools, psutil)
#   scripts/ensure.sh bench  — to run the benchmarks
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

need=(clang llvm bpftool libbpf-dev gcc make iproute2)
case "$mode" in
  # dnsmasq-base: the dnsmasq binary alone, without the Debian service (the DNS tests start their own).
  test|bench) need+=(rsyslog rsyslog-gnutls rsyslog-relp gnutls-bin openssl python3-psutil procps dnsmasq-base lintian strace) ;;
esac

missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "packettrail: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  else
    echo "packettrail: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # rsyslog's maintainer scripts may try to start the system service; tests start their own.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
fi

# Node dependencies: install when missing or when the lock file changed since.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi

rm -rf dist   # no stale output of deleted sources (the tests would still run it)
npx tsc -p tsconfig.json >&2
chmod +x dist/src/cli/main.js   # run as a program, its #! line gives node its memory flags

# Kernel programs for the ebpf tier (skipped with a note where the toolchain is absent).
if [ -x scripts/build-bpf.sh ]; then
  scripts/build-bpf.sh >&2 || echo "packettrail: BPF build failed; the ebpf tier will not be available" >&2
fi

# tracefs for the tracefs tier.
if [ "$(id -u)" -eq 0 ] && [ ! -e /sys/kernel/tracing/trace_pipe ] && [ -d /sys/kernel/tracing ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi
