#!/usr/bin/env bash
# Builds the eBPF capture programs (bpf/*.bpf.c) into bpf/build/*.bpf.o.
# Installs clang, libbpf-dev and bpftool from Debian when missing, generates vmlinux.h from
# the running kernel's BTF, and does nothing when the objects are newer than their inputs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/bpf"
OUT="$ROOT/bpf/build"
BTF="${PT_BTF:-/sys/kernel/btf/vmlinux}"

need_pkgs=()
command -v clang >/dev/null 2>&1 || need_pkgs+=(clang llvm)
command -v bpftool >/dev/null 2>&1 || need_pkgs+=(bpftool)
[ -f /usr/include/bpf/bpf_helpers.h ] || need_pkgs+=(libbpf-dev)
dpkg-query -W -f='${Status}' libbpf1 2>/dev/null | grep 'install ok installed' >/dev/null || need_pkgs+=(libbpf1)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  echo "build-bpf: installing ${need_pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

[ -r "$BTF" ] || { echo "build-bpf: $BTF not readable: the kernel has no BTF" >&2; exit 1; }
mkdir -p "$OUT"

# vmlinux.h: regenerated only when the kernel (its BTF) changes.
stamp="$OUT/vmlinux.kernel"
kernel_id="$(uname -r) $(stat -c %s "$BTF")"
if [ ! -s "$OUT/vmlinux.h" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$kernel_id" ]; then
  bpftool btf dump file "$BTF" format c >"$OUT/vmlinux.h.tmp"
  mv "$OUT/vmlinux.h.tmp" "$OUT/vmlinux.h"
  printf '%s' "$kernel_id" >"$stamp"
fi

arch="$(uname -m)"
case "$arch" in
  x86_64) target_arch=x86 ;;
  aarch64) target_arch=arm64 ;;
  *) target_arch="$arch" ;;
esac

for src in "$SRC"/*.bpf.c; do
  obj="$OUT/$(basename "${src%.c}").o"
  if [ -f "$obj" ] && [ "$obj" -nt "$src" ] && [ "$obj" -nt "$OUT/vmlinux.h" ] \
     && [ "$obj" -nt "$SRC/packettrail.h" ] && [ "$obj" -nt "${BASH_SOURCE[0]}" ]; then
    continue
  fi
  clang -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_"$target_arch" \
    -I"$OUT" -I"$SRC" -c "$src" -o "$obj.tmp"
  # Drop DWARF but keep BTF (CO-RE relocations live in .BTF.ext).
  if command -v llvm-strip >/dev/null 2>&1; then llvm-strip -g "$obj.tmp"; fi
  mv "$obj.tmp" "$obj"
  echo "build-bpf: built $obj" >&2
done
