#!/usr/bin/env bash
# Re-captures the shipped corpus: every case in traces/ of kind "capture" was made by this script,
# i.e. by `probediff capture` booting Debian kernels (scripts/setup-qemu.sh caches them) under QEMU.
# Each case's case.json also holds its own one-line `reproduce` command. At the end, traces/add-lspci.sh
# gives every case without one an lspci.txt from a second boot of the same command.
#
# Usage (from the repository root, after `npm run build`):
#   traces/capture-corpus.sh [--force] [SERIES...]      (default series: 5.10 6.1 6.12)
# Runs two captures at a time. Existing cases are kept unless --force. Series 6.1 and 6.12 also get
# aarch64 `virt` cases (--arch arm64, TCG) and 6.12 a case under trixie's QEMU 10 (--qemu-suite trixie).
set -euo pipefail
cd "$(dirname "$0")/.."
force=""
if [ "${1:-}" = "--force" ]; then force="--force"; shift; fi
series_list="${*:-5.10 6.1 6.12}"

blk='-blockdev driver=null-co,node-name=NODE,size=1048576,read-zeroes=on'
disk() { echo "${blk//NODE/$1}"; }

# name | extra probediff flags | notes | QEMU device args
cases() {
  local k="$1"
  cat <<EOC
k$k-pc-transitional||Transitional (default) devices of six types on the pc root bus: net, blk, rng, balloon, console (virtio-serial), scsi.|-device virtio-net-pci $(disk d0) -device virtio-blk-pci,drive=d0 -device virtio-rng-pci -device virtio-balloon-pci -device virtio-serial-pci -device virtio-scsi-pci
k$k-pc-modern-only||Modern-only devices (disable-legacy=on): ids 0x1041/0x1042/0x1044, revision 1, no I/O BAR.|-device virtio-net-pci,disable-legacy=on $(disk d0) -device virtio-blk-pci,drive=d0,disable-legacy=on -device virtio-rng-pci,disable-legacy=on
k$k-pc-legacy-only||Legacy-only devices (disable-modern=on): transitional ids, no virtio vendor capabilities, only the legacy I/O BAR.|-device virtio-net-pci,disable-modern=on $(disk d0) -device virtio-blk-pci,drive=d0,disable-modern=on -device virtio-rng-pci,disable-modern=on
k$k-pc-force-legacy|--append virtio_pci.force_legacy=1|virtio_pci.force_legacy=1 with transitional net and blk (legacy interface preferred) and a modern-only rng (legacy probe fails, falls back to modern).|-device virtio-net-pci $(disk d0) -device virtio-blk-pci,drive=d0 -device virtio-rng-pci,disable-legacy=on
k$k-pc-page-per-vq||page-per-vq=on: notify_off_multiplier 0x1000 and an 8 MiB modern BAR; a transitional net and a modern-only blk.|-device virtio-net-pci,page-per-vq=on $(disk d0) -device virtio-blk-pci,drive=d0,page-per-vq=on,disable-legacy=on
k$k-pc-modern-pio-notify||modern-pio-notify=on: an extra notify capability for the PIO notify BAR 2; a transitional net and a modern-only blk.|-device virtio-net-pci,modern-pio-notify=on $(disk d0) -device virtio-blk-pci,drive=d0,modern-pio-notify=on,disable-legacy=on
k$k-pc-vectors0||vectors=0: no MSI-X capability and no MSI-X BAR, so INTx; a transitional net and a modern-only blk.|-device virtio-net-pci,vectors=0 $(disk d0) -device virtio-blk-pci,drive=d0,vectors=0,disable-legacy=on
k$k-q35-root-port|--machine q35|q35: net and blk each behind a pcie-root-port (modern-only automatically, Express + PM caps, MMCONFIG), and a transitional rng on the root complex.|-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2 -device virtio-net-pci,bus=rp1 $(disk d0) -device virtio-blk-pci,drive=d0,bus=rp2 -device virtio-rng-pci
k$k-pc-ivshmem||A non-virtio device with vendor 0x1af4: ivshmem-plain (1af4:1110) with a 1 MiB RAM backend. virtio_pci matches vendor 0x1af4 with any device id and must reject it.|-object memory-backend-ram,id=hm,size=1048576 -device ivshmem-plain,memdev=hm
EOC
  if [ "$k" = 6.12 ]; then
    echo "k$k-pc-vectors1||vectors=1: an MSI-X table of one entry, too few for the config vector plus the queues, so the kernel leaves MSI-X disabled and uses INTx; a transitional net and a modern-only blk.|-device virtio-net-pci,vectors=1 $(disk d0) -device virtio-blk-pci,drive=d0,vectors=1,disable-legacy=on"
    echo "k$k-q35-root-port-legacy|--machine q35|A legacy-only net (disable-modern=on, disable-legacy=off) behind a pcie-root-port with io-reserve=0: the legacy probe succeeds (leaving for legacy driver, BAR 0 assigned late), then virtio_net fails its own probe with -ENOENT.|-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,io-reserve=0 -device virtio-net-pci,bus=rp1,disable-modern=on,disable-legacy=off"
  fi
  if [ "$k" = 6.1 ] || [ "$k" = 6.12 ]; then
    local a='--arch arm64 --memory 256'
    cat <<EOC
k$k-virt-transitional|$a|aarch64 virt (TCG, cortex-a57): transitional net, blk, rng and balloon on the generic ECAM host bridge (config only through ECAM); their legacy I/O BARs are reached through the host bridge's I/O window (CPU 0x3eff0000 -> PCI I/O 0).|-device virtio-net-pci $(disk d0) -device virtio-blk-pci,drive=d0 -device virtio-rng-pci -device virtio-balloon-pci
k$k-virt-legacy-only|$a|aarch64 virt: legacy-only net, blk, rng (disable-modern=on): every virtio register access is I/O through the host bridge's I/O window.|-device virtio-net-pci,disable-modern=on $(disk d0) -device virtio-blk-pci,drive=d0,disable-modern=on -device virtio-rng-pci,disable-modern=on
k$k-virt-force-legacy|$a --append virtio_pci.force_legacy=1|aarch64 virt with virtio_pci.force_legacy=1: transitional net and blk (legacy interface through the I/O window) and a modern-only rng (legacy probe fails, falls back to modern).|-device virtio-net-pci $(disk d0) -device virtio-blk-pci,drive=d0 -device virtio-rng-pci,disable-legacy=on
k$k-virt-root-port|$a|aarch64 virt: net and blk each behind a pcie-root-port (modern-only automatically), a legacy-only rng behind a third root port (its I/O BAR in the port's I/O window, reached through the host bridge's), and a transitional balloon on the root complex.|-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2 -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=3 -device virtio-net-pci,bus=rp1 $(disk d0) -device virtio-blk-pci,drive=d0,bus=rp2 -device virtio-rng-pci,bus=rp3,disable-modern=on,disable-legacy=off -device virtio-balloon-pci
EOC
  fi
  if [ "$k" = 6.12 ]; then
    echo "k$k-q35-root-port-qemu10|--machine q35 --qemu-suite trixie|QEMU 10.0 (Debian trixie's, from scripts/setup-qemu.sh's prefix): the devices of k$k-q35-root-port, net and blk behind pcie-root-ports and a transitional rng on the root complex.|-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2 -device virtio-net-pci,bus=rp1 $(disk d0) -device virtio-blk-pci,drive=d0,bus=rp2 -device virtio-rng-pci"
    echo "k$k-pc-transitional-qemu10|--qemu-suite trixie|QEMU 10.0 (Debian trixie's): the devices of k$k-pc-transitional on the pc root bus.|-device virtio-net-pci $(disk d0) -device virtio-blk-pci,drive=d0 -device virtio-rng-pci -device virtio-balloon-pci -device virtio-serial-pci -device virtio-scsi-pci"
  fi
  if [ "$k" = 6.1 ]; then
    echo "k$k-pc-transitional-cfgonly|--events cfg|Same devices as k$k-pc-transitional, traced with pci_cfg_*, pci_update_mappings_* and virtio_set_status only (no memory events, so access widths must be inferred).|-device virtio-net-pci $(disk d0) -device virtio-blk-pci,drive=d0 -device virtio-rng-pci -device virtio-balloon-pci -device virtio-serial-pci -device virtio-scsi-pci"
  fi
}

jobs_file=$(mktemp)
trap 'rm -f "$jobs_file"' EXIT
for k in $series_list; do cases "$k"; done > "$jobs_file"

run_one() {
  local line="$1" name flags notes devs k
  IFS='|' read -r name flags notes devs <<<"$line"
  k="${name#k}"; k="${k%%-*}"
  if [ -z "$force" ] && [ -f "traces/$name/case.json" ]; then echo "skip $name (exists)"; return 0; fi
  # shellcheck disable=SC2086
  node bin/run.js capture "$name" --kernel-series "$k" $flags --notes "$notes" $force -- $devs
}
export -f run_one
export force
tr '\n' '\0' < "$jobs_file" | xargs -0 -P 2 -I{} bash -c 'run_one "$1"' _ {}
# lspci.txt of each case without one: a second boot of the same command with --lspci (see add-lspci.sh).
traces/add-lspci.sh
du -sh traces
