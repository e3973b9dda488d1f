#!/usr/bin/env bash
# Gives a shipped capture case an lspci.txt: boots the case's own QEMU command and kernel a second time
# with `probediff capture --lspci` into a temporary directory, checks that the second boot ran exactly
# the recorded QEMU argv, kernel package and modules, and keeps only its lspci.txt (plus an `lspci`
# record in case.json saying how it was made). The shipped trace.log.gz and dmesg.txt are not touched:
# the second boot's trace (which also holds lspci's own config reads) and dmesg are discarded.
#
# Usage (from the repository root, after `npm run build` and scripts/setup-qemu.sh):
#   traces/add-lspci.sh [--force] [CASE...]     (default: every k<series>-* case without lspci.txt)
# Runs one boot at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
if [ $# -gt 0 ]; then cases=("$@"); else mapfile -t cases < <(cd traces && ls -d k[0-9]*-*/ | tr -d /); fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for name in "${cases[@]}"; do
  dir="traces/$name"
  [ -f "$dir/case.json" ] || { echo "add-lspci: $dir has no case.json" >&2; exit 2; }
  if [ "$force" = 0 ] && [ -f "$dir/lspci.txt" ]; then echo "skip $name (has lspci.txt)"; continue; fi
  reproduce=$(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (m.kind !== "capture" || typeof m.reproduce !== "string") process.exit(3); console.log(m.reproduce)' "$dir/case.json") ||
    { echo "add-lspci: $name is not a capture case with a reproduce command" >&2; exit 2; }
  prefix="probediff capture $name "
  case "$reproduce" in "$prefix"*) ;; *) echo "add-lspci: $name: unexpected reproduce command: $reproduce" >&2; exit 2 ;; esac
  rest="${reproduce#"$prefix"}"
  # The recorded command, shell-quoted by probediff itself; --lspci goes before its "--".
  command="node bin/run.js capture $name --root $scratch --lspci ${rest}"
  echo "== $name: $command"
  rm -rf "${scratch:?}/traces/$name"
  # One retry: under TCG on a loaded host a guest can panic early ("IO-APIC + timer doesn't work").
  eval "$command" || { echo "add-lspci: $name: capture failed, retrying once" >&2; rm -rf "${scratch:?}/traces/$name"; eval "$command"; }
  node - "$dir/case.json" "$scratch/traces/$name" "$command" <<'EOF'
const fs = require('fs')
const [shippedFile, second, command] = process.argv.slice(2)
const shipped = JSON.parse(fs.readFileSync(shippedFile, 'utf8'))
const again = JSON.parse(fs.readFileSync(`${second}/case.json`, 'utf8'))
const same = (what, a, b) => {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    console.error(`add-lspci: ${shipped.name}: the second boot differs in ${what}:\n  shipped ${JSON.stringify(a)}\n  second  ${JSON.stringify(b)}`)
    process.exit(1)
  }
}
same('the QEMU argv', shipped.qemu.argv, again.qemu.argv)
same('the QEMU version', shipped.qemu.version, again.qemu.version)
same('the kernel', shipped.kernel, again.kernel)
same('the modules loaded', shipped.initramfs.modules, again.initramfs.modules)
if (!again.lspci) { console.error(`add-lspci: ${shipped.name}: the second boot wrote no lspci record`); process.exit(1) }
fs.copyFileSync(`${second}/lspci.txt`, `${shippedFile.replace(/case\.json$/, '')}lspci.txt.tmp`)
const record = {
  ...again.lspci,
  configReadsInTrace: false,
  howMade: `a second boot of the same QEMU argv and kernel on ${again.createdAt.slice(0, 10)} (${command.replace(/--root \S+/, "--root TMP")}); ` +
    "only its lspci.txt was kept; trace.log.gz and dmesg.txt are the first boot's",
}
const updated = {...shipped, files: {...shipped.files, lspci: again.lspci.file}, lspci: record}
fs.writeFileSync(`${shippedFile}.tmp`, `${JSON.stringify(updated, null, 2)}\n`)
EOF
  mv "$dir/lspci.txt.tmp" "$dir/lspci.txt"
  mv "$dir/case.json.tmp" "$dir/case.json"
  rm -rf "${scratch:?}/traces/$name"
done
