#!/usr/bin/env bash
# Installs what `probediff capture` and the QEMU-backed tests need, from Debian packages:
#   qemu-system-x86, busybox-static, cpio, xz-utils, zstd, kmod (host side), and Debian kernel images
#   5.10 (bullseye), 6.1 (bookworm) and 6.12 (trixie), fetched by package name with `apt-get download`
#   through an apt configuration of our own (the system's sources are never changed); and, for each
#   series, the same suite's pciutils (lspci, its shared libraries, pci.ids) for `capture --lspci`,
#   with the kernel's module index (depmod over its whole module tree) for lspci -k.
# Idempotent: installed packages are skipped, downloaded kernels and pciutils are cached.
#
# Usage: scripts/setup-qemu.sh [--no-kernels] [--kernels "5.10 6.1 6.12"]   (--no-kernels: host packages only)
# Cache:  $PROBEDIFF_CACHE (default ~/.cache/probediff); kernels end up unpacked in
#         $PROBEDIFF_CACHE/kernels/<series>/ (boot/vmlinuz-*, lib/modules/*), with a `version` file;
#         pciutils in $PROBEDIFF_CACHE/pciutils/<series>/ (usr/bin/lspci, lib*, pci.ids, `version`,
#         lib/modules/<release>/modules.*.bin).
set -euo pipefail

series_list="5.10 6.1 6.12"
fetch_kernels=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-kernels) fetch_kernels=0 ;;
    --kernels) series_list="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup-qemu: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

cache="${PROBEDIFF_CACHE:-$HOME/.cache/probediff}"
say() { printf 'setup-qemu: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

# --- host packages -----------------------------------------------------------------------------
host_pkgs="qemu-system-x86 busybox-static cpio xz-utils zstd gzip kmod"
missing=""
for p in $host_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  say "installing:$missing"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found after install"
[ -x /bin/busybox ] || die "/bin/busybox not found after install"

[ "$fetch_kernels" = 1 ] || { say "host packages ready (kernels skipped)"; exit 0; }

# --- Debian kernels, through scripts/debian-apt.sh (a private apt configuration) ------------------
here="$(cd "$(dirname "$0")" && pwd)"

suite_of() {
  case "$1" in
    5.10) echo bullseye ;;
    6.1) echo bookworm ;;
    6.12) echo trixie ;;
    *) die "unknown kernel series $1 (known: 5.10 6.1 6.12)" ;;
  esac
}

for series in $series_list; do
  suite=$(suite_of "$series")
  dest="$cache/kernels/$series"
  if [ -f "$dest/version" ] && ls "$dest"/boot/vmlinuz-* >/dev/null 2>&1; then
    say "kernel $series cached: $(cat "$dest/version")"
    continue
  fi
  mkdir -p "$cache/debs"
  # linux-image-amd64 depends on exactly one versioned image package: that is the suite's kernel.
  pkg=$("$here/debian-apt.sh" "$suite" resolve linux-image-amd64)
  case "$pkg" in linux-image-[0-9]*) ;; *) die "no linux-image package found for $suite (got '$pkg')" ;; esac
  say "downloading $pkg ($suite)"
  (cd "$cache/debs" && "$here/debian-apt.sh" "$suite" apt-get download "$pkg" >&2) || die "apt-get download $pkg failed"
  deb=$(ls -t "$cache/debs/${pkg}_"*.deb | head -1)
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  dpkg-deb -x "$deb" "$tmp"
  ls "$tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "$deb has no /boot/vmlinuz-*"
  printf '%s %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" > "$tmp/version"
  rm -rf "$dest"; mv "$tmp" "$dest"
  rm -f "$deb"
  say "kernel $series ready: $(cat "$dest/version")"
done

# --- the suite's pciutils, for `capture --lspci` (lspci runs in the guest) ------------------------
# pciutils and the shared-library packages of its Depends closure (lib*, zlib1g, pci.ids); capture
# copies lspci, the libraries it really links (read from the ELF files) and pci.ids into the initramfs.
for series in $series_list; do
  suite=$(suite_of "$series")
  dest="$cache/pciutils/$series"
  if [ -f "$dest/version" ] && [ -x "$dest/usr/bin/lspci" ]; then
    say "pciutils $series cached: $(head -1 "$dest/version")"
    continue
  fi
  pkgs=$("$here/debian-apt.sh" "$suite" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
           --no-breaks --no-replaces --no-enhances --no-pre-depends pciutils |
         awk '/^[a-z0-9]/ && ($1 == "pciutils" || $1 == "pci.ids" || $1 == "zlib1g" || $1 ~ /^lib/) {print $1}' | sort -u)
  case " $(echo $pkgs) " in *" pciutils "*" libpci3 "*|*" libpci3 "*" pciutils "*) ;; *) die "no pciutils/libpci3 found for $suite (got: $pkgs)" ;; esac
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/debs"
  say "downloading pciutils ($suite):" $pkgs
  # shellcheck disable=SC2086
  (cd "$tmp/debs" && "$here/debian-apt.sh" "$suite" apt-get download $pkgs >&2) || die "apt-get download of pciutils ($suite) failed"
  : > "$tmp/version.new"
  for deb in "$tmp"/debs/*.deb; do
    dpkg-deb -x "$deb" "$tmp"
    printf '%s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" >> "$tmp/version.new"
  done
  # pciutils first: the line capture records as "the lspci package".
  { grep '^pciutils ' "$tmp/version.new"; grep -v '^pciutils ' "$tmp/version.new"; } > "$tmp/version"
  rm -rf "$tmp/debs" "$tmp/version.new"
  [ -x "$tmp/usr/bin/lspci" ] || die "pciutils ($suite) has no usr/bin/lspci"
  rm -rf "$dest"; mv "$tmp" "$dest"
  say "pciutils $series ready: $(head -1 "$dest/version")"
done
# --- the kernel's module index in the pciutils tree, for lspci -k's "Kernel modules:" ---------------
# Debian's kernel packages ship no modules.*.bin (depmod runs when the package is installed): depmod runs
# here over a hard-linked copy of the whole module tree, as on an installed system, and the binary
# indexes libkmod reads go to pciutils/<series>/lib/modules/<release>/ (the kernel cache is unchanged).
for series in $series_list; do
  modules=$(ls -d "$cache/kernels/$series"/lib/modules/*/ "$cache/kernels/$series"/usr/lib/modules/*/ 2>/dev/null | head -1 || true)
  [ -n "$modules" ] || continue
  release=$(basename "$modules")
  index="$cache/pciutils/$series/lib/modules/$release"
  if [ -f "$index/modules.alias.bin" ]; then say "module index $series cached"; continue; fi
  tmp="$cache/pciutils/$series.depmod.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/lib/modules"
  cp -al "$modules" "$tmp/lib/modules/$release" 2>/dev/null || cp -a "$modules" "$tmp/lib/modules/$release"
  depmod -b "$tmp" "$release" || die "depmod failed for kernel $series ($release)"
  mkdir -p "$index.tmp"
  mv "$tmp/lib/modules/$release"/modules.*.bin "$index.tmp/"
  rm -rf "$tmp" "$index"; mv "$index.tmp" "$index"
  say "module index $series ready: $(ls "$index" | tr '\n' ' ')"
done
say "ready (cache: $cache)"
