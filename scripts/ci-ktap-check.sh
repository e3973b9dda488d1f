#!/usr/bin/env bash
# CI: `probediff regress --output ktap` must be accepted by the kernel's own KTAP parser
# (tools/testing/kunit/kunit.py parse, from Debian's linux-source-6.1 package). The patch: Debian's
# 6.1 tree with "leaving for legacy driver" returning -EINVAL; the parser must count exactly the
# config spaces regress reports changed as failed, the rest as passed, and report no parse error.
# Usage: scripts/ci-ktap-check.sh   (after `probediff oracle build --debian 6.1` and `npm run build`)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

kunit=$(node -e 'import("./dist/oracle/debian.js").then((m) => console.log(m.ensureDebianKunitTools("6.1")))')
stock=$(node -e 'import("./dist/oracle/debian.js").then((m) => console.log(m.ensureDebianTree("6.1").dir))')
tree="$out/linux"
mkdir -p "$tree"
(cd "$stock" && find . -type f ! -name '.probediff-package' -exec cp --parents {} "$tree/" \;)
git -C "$tree" init -q
git -C "$tree" add -A
git -C "$tree" -c user.name=ci -c user.email=ci@probediff commit -q -m 'Debian linux-source-6.1'
file="$tree/drivers/virtio/virtio_pci_modern_dev.c"
perl -0pi -e 's/("virtio_pci: leaving for legacy driver\\n"\);\n\t\treturn -)ENODEV;/$1EINVAL;/' "$file"
git -C "$tree" diff --quiet && { echo "ci-ktap-check: the patch did not apply" >&2; exit 1; }

node bin/run.js regress --kernel-source "$tree" --output ktap > "$out/regress.ktap" || [ $? -eq 1 ]
node bin/run.js regress --kernel-source "$tree" --json > "$out/regress.json" || [ $? -eq 1 ]
python3 "$kunit/kunit.py" parse "$out/regress.ktap" > "$out/kunit.txt" || true
tail -n 3 "$out/kunit.txt"
node -e '
  const fs = require("fs")
  const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"))
  const parsed = fs.readFileSync(process.argv[2], "utf8")
  const total = r.configSpaces.total, changed = r.configSpaces.changed
  const want = `Ran ${total} tests: passed: ${total - changed}, failed: ${changed}`
  if (changed === 0) { console.error("ci-ktap-check: the patch changed nothing"); process.exit(1) }
  if (!parsed.includes(want) || /ERROR|errors:/.test(parsed)) { console.error(`ci-ktap-check: kunit.py parse did not say "${want}" without errors`); process.exit(1) }
  console.log(`ci-ktap-check: kunit.py accepted the KTAP of ${total} config spaces (${changed} changed)`)
' "$out/regress.json" "$out/kunit.txt"
