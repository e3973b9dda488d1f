#!/usr/bin/env bash
# CI: re-capture a shipped case (CASE, or k<SERIES>-pc-modern-only; its case.json's own capture command) with a
# real Debian kernel under real QEMU, then require that the fresh capture matches the shipped golden's
# claim (`probediff check` on it; new input digests are "inputs changed, outcome same") and that the
# model agrees with the traced kernel for every virtio device of it.
# Usage: scripts/ci-capture-check.sh [SERIES | CASE]   (default 6.1; e.g. k6.12-virt-transitional)
set -euo pipefail
cd "$(dirname "$0")/.."
arg="${1:-6.1}"
if [ -d "traces/$arg" ]; then case="$arg"; else case="k$arg-pc-modern-only"; fi
[ -f "traces/$case/case.json" ] || { echo "ci-capture-check: no shipped case traces/$case"; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The capture flags and QEMU arguments after `probediff capture CASE` (plain words, no quoting).
mapfile -t args < <(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const words = m.reproduce.split(/\s+/)
  if (words[0] !== "probediff" || words[1] !== "capture" || words[2] !== m.name) throw new Error("unexpected reproduce line: " + m.reproduce)
  console.log(words.slice(3).join("\n"))
' "traces/$case/case.json")
mkdir -p "$out/traces" "$out/golden"
node bin/run.js capture "$case" --root "$out" "${args[@]}"
cp "golden/$case.json" "$out/golden/"
CI=1 node bin/run.js check "$case" --root "$out" --update=none | tee "$out/check.txt"
grep -Eq "^$case +[0-9]+ +match" "$out/check.txt" || { echo "ci-capture-check: the fresh capture does not match golden/$case.json"; exit 1; }
node bin/run.js replay "$out/traces/$case/trace.log.gz" --dmesg "$out/traces/$case/dmesg.txt" --json > "$out/replay.json"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const v = r.devices.map((d) => `${d.bdf} ${d.qemuDevice}: ${d.verdict}${d.verdictReason ? " (" + d.verdictReason + ")" : ""}`)
  console.log(v.join("\n"))
  if (r.devices.length < 3 || !r.devices.every((d) => d.verdict === "agree")) { console.error("ci-capture-check: not every device agrees"); process.exit(1) }
' "$out/replay.json"
