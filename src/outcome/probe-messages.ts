/**
 * Which kernel log lines count as messages of the virtio-pci probe, for comparing predicted and
 * observed messages. Only lines the probe (or the driver core reporting its return) can print:
 *  - `virtio-pci BDF: virtio_pci: ...` from vp_modern_probe / vp_modern_map_capability (leaving for
 *    legacy driver, missing capabilities, bar unexpectedly changed, bad capability len, map
 *    wrap-around, offset not aligned, out of range, unable to map);
 *  - `virtio-pci BDF: Failed to enable 64-bit or 32-bit DMA...` (modern and legacy probes);
 *  - `virtio-pci BDF: BAR n: can't reserve ...` (pci_request_region(s) conflict);
 *  - `virtio-pci BDF: ...can't enable device...` (pci_enable_device failures);
 *  - the driver core's report: `virtio-pci BDF: probe with driver virtio-pci failed with error -N`
 *    (6.9+) or `virtio-pci: probe of BDF failed with error -N` (up to 6.8);
 *  - unattributed: `virtio_pci: expected ABI version %d, got %d` (legacy probe up to 5.15, no device
 *    name in it).
 * Not counted: `virtio-pci BDF: enabling device (...)` (pci_enable_device; depends on the COMMAND
 * register before the probe, which the model does not predict), and everything printed later by
 * setup_vq or the virtio drivers. With notify mapped per queue, setup_vq maps each queue through
 * vp_modern_map_capability, whose failure lines look the same as probe-time ones: the verdict sets
 * aside those the setup_vq model predicts.
 */

const DEVICE_PROBE_LINE =
  /^(?:virtio_pci: (?:leaving for legacy driver|missing capabilities |bar unexpectedly changed to |bad capability len |map wrap-around |offset \d+ not aligned to |map virtio \d+@\d+ out of range on bar |unable to map virtio )|Failed to enable 64-bit or 32-bit DMA|BAR \d+: can't reserve |probe with driver virtio-pci failed with error |.*can't enable device)/

export const ABI_VERSION_LINE = /^virtio_pci: expected ABI version \d+, got \d+$/

/** True if `text` is a line the virtio-pci probe of `bdf` prints (device-named forms). */
export function isProbeMessage(text: string, bdf: string): boolean {
  const prefix = `virtio-pci ${bdf}: `
  if (text.startsWith(prefix)) return DEVICE_PROBE_LINE.test(text.slice(prefix.length))
  return text.startsWith(`virtio-pci: probe of ${bdf} failed with error `)
}

/** True for probe lines that carry no device name. */
export function isUnattributedProbeMessage(text: string): boolean {
  return ABI_VERSION_LINE.test(text)
}
