#!/usr/bin/env bash
# CI: capture a fresh case with a real Debian kernel under real QEMU, then require that probediff's
# model agrees with the traced kernel for every virtio device of it.
# Usage: scripts/ci-capture-check.sh [SERIES]   (default 6.1)
set -euo pipefail
cd "$(dirname "$0")/.."
series="${1:-6.1}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node bin/run.js capture "ci-k$series" --kernel-series "$series" --root "$out" -- \
  -device virtio-net-pci -device virtio-rng-pci,disable-legacy=on \
  -blockdev driver=null-co,node-name=d0,size=1048576,read-zeroes=on -device virtio-blk-pci,disable-modern=on,drive=d0
node bin/run.js replay "$out/traces/ci-k$series/trace.log.gz" --dmesg "$out/traces/ci-k$series/dmesg.txt" --json > "$out/replay.json"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const v = r.devices.map((d) => `${d.bdf} ${d.qemuDevice}: ${d.verdict}${d.verdictReason ? " (" + d.verdictReason + ")" : ""}`)
  console.log(v.join("\n"))
  if (r.devices.length < 3 || !r.devices.every((d) => d.verdict === "agree")) { console.error("ci-capture-check: not every device agrees"); process.exit(1) }
' "$out/replay.json"
