#!/usr/bin/env bash
# Installs what `probediff capture` and the QEMU-backed tests need, from Debian packages:
#   qemu-system-x86, busybox-static, cpio, xz-utils, zstd (host side), and Debian kernel images
#   5.10 (bullseye), 6.1 (bookworm) and 6.12 (trixie), fetched by package name with `apt-get download`
#   through an apt configuration of our own (the system's sources are never changed).
# Idempotent: installed packages are skipped, downloaded kernels are cached.
#
# Usage: scripts/setup-qemu.sh [--no-kernels] [--kernels "5.10 6.1 6.12"]
# Cache:  $PROBEDIFF_CACHE (default ~/.cache/probediff); kernels end up unpacked in
#         $PROBEDIFF_CACHE/kernels/<series>/ (boot/vmlinuz-*, lib/modules/*), with a `version` file.
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
host_pkgs="qemu-system-x86 busybox-static cpio xz-utils zstd gzip"
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

# --- Debian kernels through a private apt configuration ------------------------------------------
# The archive URI is taken from the system's own apt configuration, so no host is hard-coded here.
archive_uri() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $2 !~ /security/ {print ($2 ~ /^\[/ ? $3 : $2); exit}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "cannot find the Debian archive URI in /etc/apt"
  printf '%s' "$uri"
}

suite_of() {
  case "$1" in
    5.10) echo bullseye ;;
    6.1) echo bookworm ;;
    6.12) echo trixie ;;
    *) die "unknown kernel series $1 (known: 5.10 6.1 6.12)" ;;
  esac
}

uri=$(archive_uri)
for series in $series_list; do
  suite=$(suite_of "$series")
  dest="$cache/kernels/$series"
  if [ -f "$dest/version" ] && ls "$dest"/boot/vmlinuz-* >/dev/null 2>&1; then
    say "kernel $series cached: $(cat "$dest/version")"
    continue
  fi
  aptdir="$cache/apt/$suite"
  mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$cache/debs"
  : > "$aptdir/status"
  printf 'deb %s %s main\n' "$uri" "$suite" > "$aptdir/sources.list"
  opts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$aptdir/lists" -o "Dir::State::status=$aptdir/status"
        -o "Dir::Cache=$aptdir" -o "Dir::Cache::archives=$aptdir/archives" -o APT::Architecture=amd64
        -o Acquire::Languages=none)
  say "updating package lists for $suite"
  apt-get "${opts[@]}" update -qq >&2 || die "apt-get update for $suite failed"
  # linux-image-amd64 depends on exactly one versioned image package: that is the suite's kernel.
  pkg=$(apt-cache "${opts[@]}" depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || die "no linux-image package found for $suite"
  say "downloading $pkg ($suite)"
  (cd "$cache/debs" && apt-get "${opts[@]}" download "$pkg" >&2) || die "apt-get download $pkg failed"
  deb=$(ls -t "$cache/debs/${pkg}_"*.deb | head -1)
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  dpkg-deb -x "$deb" "$tmp"
  ls "$tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "$deb has no /boot/vmlinuz-*"
  # Keep only what a capture needs: the kernel and the virtio/PCI-related modules.
  printf '%s %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" > "$tmp/version"
  rm -rf "$dest"; mv "$tmp" "$dest"
  rm -f "$deb"
  say "kernel $series ready: $(cat "$dest/version")"
done
say "ready (cache: $cache)"
