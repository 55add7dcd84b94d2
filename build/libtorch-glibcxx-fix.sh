#!/usr/bin/env bash
# Usage: libtorch-glibcxx-fix.sh SHIM_SOURCE LIBLIBTORCHSHARP.so...
# Prints "patched FILE" for each file it patched (or had patched before), "not-needed" where the system
# libstdc++ already has GLIBCXX_3.4.32. See LibTorchGlibcxxFix.targets for the why.
set -euo pipefail
shim_src=$1; shift
libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [ -z "$libstdcxx" ] || grep -q GLIBCXX_3.4.32 "$libstdcxx"; then
  echo not-needed
  exit 0
fi
for tool in patchelf g++; do
  command -v "$tool" >/dev/null || {
    echo "error: TorchSharp needs GLIBCXX_3.4.32, which $libstdcxx lacks; the build works around it with patchelf and g++: apt-get install -y patchelf g++" >&2
    exit 1
  }
done
for f in "$@"; do
  d=$(dirname "$f")
  if [ ! "$d/libglibcxx_shim.so" -nt "$shim_src" ]; then
    g++ -O2 -shared -fPIC -o "$d/libglibcxx_shim.so" "$shim_src"
  fi
  if ! patchelf --print-needed "$f" | grep -qx libglibcxx_shim.so; then
    patchelf --clear-symbol-version _ZSt21ios_base_library_initv --add-needed libglibcxx_shim.so "$f"
  fi
  echo "patched $f"
done
