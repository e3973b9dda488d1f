#!/usr/bin/env bash
# Runs apt-get / apt-cache against one Debian suite through a private apt configuration under
# $PROBEDIFF_CACHE/apt/<suite>, so the system's sources are never touched. The archive URI is read from
# the system's own apt configuration (no host is named here). DEBIAN_APT_ARCH (default amd64) picks the
# packages' architecture; each architecture has its own lists (apt/<suite> for amd64, apt/<suite>-ARCH).
#
# Usage: scripts/debian-apt.sh SUITE update
#        scripts/debian-apt.sh SUITE apt-cache ARGS...
#        scripts/debian-apt.sh SUITE apt-get ARGS...          (e.g. download PKG, run in the target dir)
#        scripts/debian-apt.sh SUITE resolve META             (prints the versioned package META depends on)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 SUITE update|apt-get|apt-cache|resolve ..." >&2; exit 2; }
suite="$1"; shift
cache="${PROBEDIFF_CACHE:-$HOME/.cache/probediff}"

archive_uri() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {print ($2 ~ /^\[/ ? $3 : $2); exit}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { echo "debian-apt: cannot find the Debian archive URI in /etc/apt" >&2; exit 1; }
  printf '%s' "$uri"
}

arch="${DEBIAN_APT_ARCH:-amd64}"
case "$arch" in amd64) aptdir="$cache/apt/$suite" ;; *) aptdir="$cache/apt/$suite-$arch" ;; esac
mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial"
[ -f "$aptdir/status" ] || : > "$aptdir/status"
printf 'deb %s %s main\n' "$(archive_uri)" "$suite" > "$aptdir/sources.list"
opts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$aptdir/lists" -o "Dir::State::status=$aptdir/status"
      -o "Dir::Cache=$aptdir" -o "Dir::Cache::archives=$aptdir/archives" -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
      -o Acquire::Languages=none)

ensure_lists() {
  # Refresh lists older than a day (or missing).
  if [ -z "$(find "$aptdir/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    apt-get "${opts[@]}" update -qq >&2
  fi
}

cmd="$1"; shift
case "$cmd" in
  update) apt-get "${opts[@]}" update -qq >&2 ;;
  apt-get) ensure_lists; apt-get "${opts[@]}" "$@" ;;
  apt-cache) ensure_lists; apt-cache "${opts[@]}" "$@" ;;
  resolve)
    ensure_lists
    apt-cache "${opts[@]}" depends "$1" | awk '/Depends: / {print $2; exit}' ;;
  *) echo "debian-apt: unknown command $cmd" >&2; exit 2 ;;
esac
