/**
 * virtio_pci.force_legacy from the kernel command line (dmesg's `Command line:`). modprobe applies
 * `module.param=value` from the command line to a module loaded later, and a built-in driver reads it
 * directly, so the same text covers both. Values as the kernel's bool parser takes them: 1/0, y/n,
 * Y/N, true/false, on/off; a bare `virtio_pci.force_legacy` means true. The last occurrence wins.
 * (The kernel treats `-` and `_` in parameter names alike.)
 */
export function forceLegacyFromCmdline(cmdline: string): boolean {
  let value = false
  for (const word of cmdline.split(/\s+/)) {
    const m = /^virtio[-_]pci\.force[-_]legacy(?:=(.*))?$/.exec(word)
    if (!m) continue
    const v = (m[1] ?? '1').toLowerCase()
    if (['1', 'y', 'yes', 'true', 'on'].includes(v)) value = true
    else if (['0', 'n', 'no', 'false', 'off'].includes(v)) value = false
  }
  return value
}
