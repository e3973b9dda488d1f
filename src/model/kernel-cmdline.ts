/**
 * virtio_pci.force_legacy from the kernel command line (dmesg's `Command line:`). modprobe applies
 * `module.param=value` from the command line to a module loaded later, and a built-in driver reads it
 * directly, so the same text covers both. A bool parameter without a value is true; a value is parsed
 * like kstrtobool: first character y/Y/t/T/1 true, n/N/f/F/0 false, "on"/"of(f)" by the second
 * character; anything else is rejected and leaves the setting as it was. The last occurrence wins.
 * The kernel treats `-` and `_` in parameter names alike.
 */
export function forceLegacyFromCmdline(cmdline: string): boolean {
  return forceLegacySetOnCmdline(cmdline) ?? false
}

/** The value the command line gives virtio_pci.force_legacy, or undefined if it does not set it. */
export function forceLegacySetOnCmdline(cmdline: string): boolean | undefined {
  let value: boolean | undefined
  for (const word of cmdline.split(/\s+/)) {
    const m = /^virtio[-_]pci\.force[-_]legacy(?:=(.*))?$/.exec(word)
    if (!m) continue
    value = kstrtobool(m[1]) ?? value
  }
  return value
}

function kstrtobool(text: string | undefined): boolean | undefined {
  if (text === undefined) return true
  const first = text[0]?.toLowerCase()
  if (first === 'y' || first === 't' || first === '1') return true
  if (first === 'n' || first === 'f' || first === '0') return false
  if (first === 'o') {
    const second = text[1]?.toLowerCase()
    if (second === 'n') return true
    if (second === 'f') return false
  }
  return undefined
}
