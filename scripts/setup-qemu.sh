#!/usr/bin/env bash
# Installs what `probediff capture` and the QEMU-backed tests need, from Debian packages:
#   qemu-system-x86, qemu-system-arm, busybox-static, cpio, xz-utils, zstd, kmod (host side), and Debian
#   kernel images 5.10 (bullseye), 6.1 (bookworm) and 6.12 (trixie), fetched by package name with
#   `apt-get download` through an apt configuration of our own (the system's sources are never changed);
#   for each series, the same suite's pciutils (lspci, its shared libraries, pci.ids) for
#   `capture --lspci`, with the kernel's module index (depmod over its whole module tree) for lspci -k.
#   For `capture --arch arm64`: the arm64 kernels 6.1 and 6.12, their suites' arm64 pciutils and
#   bookworm's arm64 busybox-static. And trixie's QEMU (10.0) in a private prefix, for `--qemu`.
# Idempotent: installed packages are skipped, downloaded kernels and pciutils are cached.
#
# Usage: scripts/setup-qemu.sh [--no-kernels] [--kernels "5.10 6.1 6.12"] [--arm64-kernels "6.1 6.12"] [--no-qemu-next]
#        (--no-kernels: host packages only; --arm64-kernels "": no arm64 guest files)
# Cache:  $PROBEDIFF_CACHE (default ~/.cache/probediff); kernels end up unpacked in
#         $PROBEDIFF_CACHE/kernels/<series>/ (boot/vmlinuz-*, lib/modules/*), with a `version` file;
#         pciutils in $PROBEDIFF_CACHE/pciutils/<series>/ (usr/bin/lspci, lib*, pci.ids, `version`,
#         lib/modules/<release>/modules.*.bin); arm64 ones under kernels/arm64/<series>/ and
#         pciutils/arm64/<series>/; arm64 busybox in busybox/arm64/bin/busybox; trixie's QEMU in
#         qemu/trixie/ (bin/qemu-system-x86_64 runs it with trixie's own C library).
set -euo pipefail

series_list="5.10 6.1 6.12"
arm64_series_list="6.1 6.12"
fetch_kernels=1
qemu_next=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-kernels) fetch_kernels=0 ;;
    --kernels) series_list="$2"; shift ;;
    --arm64-kernels) arm64_series_list="$2"; shift ;;
    --no-qemu-next) qemu_next=0 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "setup-qemu: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

cache="${PROBEDIFF_CACHE:-$HOME/.cache/probediff}"
say() { printf 'setup-qemu: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

# --- host packages -----------------------------------------------------------------------------
host_pkgs="qemu-system-x86 qemu-system-arm busybox-static cpio xz-utils zstd gzip kmod"
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
command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 not found after install"
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

# Where an architecture's guest files go: amd64 at the top (as ever), others in a subdirectory.
arch_dir() { if [ "$2" = amd64 ]; then echo "$cache/$1"; else echo "$cache/$1/$2"; fi; }
apt_for() { local arch="$1"; shift; DEBIAN_APT_ARCH="$arch" "$here/debian-apt.sh" "$@"; }

fetch_kernel() { # series arch
  local series="$1" arch="$2" suite pkg deb tmp dest
  suite=$(suite_of "$series")
  dest="$(arch_dir kernels "$arch")/$series"
  if [ -f "$dest/version" ] && ls "$dest"/boot/vmlinuz-* >/dev/null 2>&1; then
    say "kernel $series ($arch) cached: $(cat "$dest/version")"
    return 0
  fi
  mkdir -p "$cache/debs"
  # linux-image-ARCH depends on exactly one versioned image package: that is the suite's kernel.
  pkg=$(apt_for "$arch" "$suite" resolve "linux-image-$arch")
  case "$pkg" in linux-image-[0-9]*) ;; *) die "no linux-image package found for $suite $arch (got '$pkg')" ;; esac
  say "downloading $pkg ($suite)"
  (cd "$cache/debs" && apt_for "$arch" "$suite" apt-get download "$pkg" >&2) || die "apt-get download $pkg failed"
  deb=$(ls -t "$cache/debs/${pkg}_"*.deb | head -1)
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  dpkg-deb -x "$deb" "$tmp"
  ls "$tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "$deb has no /boot/vmlinuz-*"
  printf '%s %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" > "$tmp/version"
  rm -rf "$dest"; mv "$tmp" "$dest"
  rm -f "$deb"
  say "kernel $series ($arch) ready: $(cat "$dest/version")"
}

# --- the suite's pciutils, for `capture --lspci` (lspci runs in the guest) ------------------------
# pciutils and the shared-library packages of its Depends closure (lib*, zlib1g, pci.ids); capture
# copies lspci, the libraries it really links (read from the ELF files) and pci.ids into the initramfs.
fetch_pciutils() { # series arch
  local series="$1" arch="$2" suite pkgs tmp dest deb
  suite=$(suite_of "$series")
  dest="$(arch_dir pciutils "$arch")/$series"
  if [ -f "$dest/version" ] && [ -x "$dest/usr/bin/lspci" ]; then
    say "pciutils $series ($arch) cached: $(head -1 "$dest/version")"
    return 0
  fi
  pkgs=$(apt_for "$arch" "$suite" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
           --no-breaks --no-replaces --no-enhances --no-pre-depends pciutils |
         awk '/^[a-z0-9]/ && ($1 == "pciutils" || $1 == "pci.ids" || $1 == "zlib1g" || $1 ~ /^lib/) {print $1}' | sort -u)
  case " $(echo $pkgs) " in *" pciutils "*" libpci3 "*|*" libpci3 "*" pciutils "*) ;; *) die "no pciutils/libpci3 found for $suite (got: $pkgs)" ;; esac
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/debs"
  say "downloading pciutils ($suite $arch):" $pkgs
  # shellcheck disable=SC2086
  (cd "$tmp/debs" && apt_for "$arch" "$suite" apt-get download $pkgs >&2) || die "apt-get download of pciutils ($suite $arch) failed"
  : > "$tmp/version.new"
  for deb in "$tmp"/debs/*.deb; do
    dpkg-deb -x "$deb" "$tmp"
    printf '%s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" >> "$tmp/version.new"
  done
  # pciutils first: the line capture records as "the lspci package".
  { grep '^pciutils ' "$tmp/version.new"; grep -v '^pciutils ' "$tmp/version.new"; } > "$tmp/version"
  rm -rf "$tmp/debs" "$tmp/version.new"
  [ -x "$tmp/usr/bin/lspci" ] || die "pciutils ($suite $arch) has no usr/bin/lspci"
  rm -rf "$dest"; mv "$tmp" "$dest"
  say "pciutils $series ($arch) ready: $(head -1 "$dest/version")"
}

# --- the kernel's module index in the pciutils tree, for lspci -k's "Kernel modules:" ---------------
# Debian's kernel packages ship no modules.*.bin (depmod runs when the package is installed): depmod runs
# here over a hard-linked copy of the whole module tree, as on an installed system, and the binary
# indexes libkmod reads go to pciutils/<series>/lib/modules/<release>/ (the kernel cache is unchanged).
index_modules() { # series arch
  local series="$1" arch="$2" kdir pdir modules release index tmp
  kdir="$(arch_dir kernels "$arch")/$series"
  pdir="$(arch_dir pciutils "$arch")/$series"
  modules=$(ls -d "$kdir"/lib/modules/*/ "$kdir"/usr/lib/modules/*/ 2>/dev/null | head -1 || true)
  [ -n "$modules" ] || return 0
  release=$(basename "$modules")
  index="$pdir/lib/modules/$release"
  if [ -f "$index/modules.alias.bin" ]; then say "module index $series ($arch) cached"; return 0; fi
  tmp="$pdir.depmod.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/lib/modules"
  cp -al "$modules" "$tmp/lib/modules/$release" 2>/dev/null || cp -a "$modules" "$tmp/lib/modules/$release"
  depmod -b "$tmp" "$release" || die "depmod failed for kernel $series $arch ($release)"
  mkdir -p "$index.tmp"
  mv "$tmp/lib/modules/$release"/modules.*.bin "$index.tmp/"
  rm -rf "$tmp" "$index"; mv "$index.tmp" "$index"
  say "module index $series ($arch) ready: $(ls "$index" | tr '\n' ' ')"
}

# --- a static busybox of another architecture, for that guest's initramfs (bookworm's package) --------
fetch_busybox() { # arch
  local arch="$1" dest tmp deb
  dest="$cache/busybox/$arch"
  if [ -x "$dest/bin/busybox" ] && [ -f "$dest/version" ]; then say "busybox ($arch) cached: $(cat "$dest/version")"; return 0; fi
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/debs"
  (cd "$tmp/debs" && apt_for "$arch" bookworm apt-get download busybox-static >&2) || die "apt-get download busybox-static ($arch) failed"
  deb=$(ls "$tmp"/debs/busybox-static_*.deb | head -1)
  dpkg-deb -x "$deb" "$tmp/root"
  mkdir -p "$tmp/bin"; mv "$tmp/root/bin/busybox" "$tmp/bin/busybox"
  printf 'busybox-static %s\n' "$(dpkg-deb -f "$deb" Version)" > "$tmp/version"
  rm -rf "$tmp/debs" "$tmp/root"
  rm -rf "$dest"; mv "$tmp" "$dest"
  say "busybox ($arch) ready: $(cat "$dest/version")"
}

# --- the next Debian release's QEMU (trixie: 10.0), unpacked into a private prefix ------------------
# qemu-system-x86 and the library packages of its Depends closure, with trixie's own C library: the
# wrapper bin/qemu-system-x86_64 runs the binary through trixie's dynamic loader with the prefix's
# library directories, and -L points QEMU at the prefix's firmware (whose absolute symlinks are made
# relative to the prefix), so nothing of the host's QEMU is used.
fetch_qemu_next() {
  local suite=trixie dest tmp pkgs deb link target
  dest="$cache/qemu/$suite"
  if [ -x "$dest/bin/qemu-system-x86_64" ] && "$dest/bin/qemu-system-x86_64" --version >/dev/null 2>&1; then
    say "QEMU ($suite) cached: $("$dest/bin/qemu-system-x86_64" --version | head -1)"
    return 0
  fi
  pkgs=$("$here/debian-apt.sh" "$suite" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
           --no-breaks --no-replaces --no-enhances --no-pre-depends qemu-system-x86 |
         awk '/^[a-z0-9]/ && ($1 ~ /^qemu-system-/ || $1 ~ /^lib/ || $1 == "zlib1g" || $1 == "seabios" || $1 == "ipxe-qemu") {print $1}' | sort -u)
  case " $(echo $pkgs) " in *" qemu-system-x86 "*) ;; *) die "no qemu-system-x86 found for $suite (got: $pkgs)" ;; esac
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/debs" "$tmp/root" "$tmp/bin"
  say "downloading QEMU ($suite): $(echo $pkgs | wc -w) packages"
  # shellcheck disable=SC2086
  (cd "$tmp/debs" && "$here/debian-apt.sh" "$suite" apt-get download $pkgs >&2) || die "apt-get download of QEMU ($suite) failed"
  : > "$tmp/version"
  for deb in "$tmp"/debs/*.deb; do
    dpkg-deb -x "$deb" "$tmp/root"
    printf '%s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" >> "$tmp/version"
  done
  rm -rf "$tmp/debs"
  # Firmware links such as usr/share/qemu/bios-256k.bin -> /usr/share/seabios/bios-256k.bin: into the
  # prefix (at its final path, where it is moved below).
  find "$tmp/root/usr/share/qemu" -type l | while read -r link; do
    target=$(readlink "$link")
    case "$target" in /*) ln -sfn "$dest/root$target" "$link" ;; esac
  done
  [ -x "$tmp/root/usr/bin/qemu-system-x86_64" ] || die "QEMU ($suite) has no usr/bin/qemu-system-x86_64"
  cat > "$tmp/bin/qemu-system-x86_64" <<WRAP
#!/bin/sh
# QEMU of Debian $suite ($(grep '^qemu-system-x86 ' "$tmp/version" | cut -d' ' -f2)), run with that release's C library.
r='$dest/root'
exec "\$r/usr/lib64/ld-linux-x86-64.so.2" --library-path "\$r/usr/lib/x86_64-linux-gnu" "\$r/usr/bin/qemu-system-x86_64" -L "\$r/usr/share/qemu" "\$@"
WRAP
  chmod 755 "$tmp/bin/qemu-system-x86_64"
  rm -rf "$dest"; mv "$tmp" "$dest"
  "$dest/bin/qemu-system-x86_64" --version >/dev/null || die "QEMU ($suite) does not run from $dest"
  say "QEMU ($suite) ready: $("$dest/bin/qemu-system-x86_64" --version | head -1)"
}

for series in $series_list; do fetch_kernel "$series" amd64; done
for series in $arm64_series_list; do fetch_kernel "$series" arm64; done
for series in $series_list; do fetch_pciutils "$series" amd64; done
for series in $arm64_series_list; do fetch_pciutils "$series" arm64; done
for series in $series_list; do index_modules "$series" amd64; done
for series in $arm64_series_list; do index_modules "$series" arm64; done
[ -z "$arm64_series_list" ] || fetch_busybox arm64
[ "$qemu_next" = 0 ] || fetch_qemu_next
say "ready (cache: $cache)"
