/** Virtio device ids and their names (include/uapi/linux/virtio_ids.h, 7.2). */

const NAMES: Readonly<Record<number, string>> = {
  1: 'net',
  2: 'block',
  3: 'console',
  4: 'rng',
  5: 'balloon',
  6: 'iomem',
  7: 'rpmsg',
  8: 'scsi',
  9: '9p',
  10: 'mac80211-wlan',
  11: 'rproc-serial',
  12: 'caif',
  13: 'memory-balloon',
  16: 'gpu',
  17: 'clock',
  18: 'input',
  19: 'vsock',
  20: 'crypto',
  21: 'signal-dist',
  22: 'pstore',
  23: 'iommu',
  24: 'mem',
  25: 'sound',
  26: 'fs',
  27: 'pmem',
  28: 'rpmb',
  29: 'mac80211-hwsim',
  30: 'video-encoder',
  31: 'video-decoder',
  32: 'scmi',
  33: 'nitro-sec-mod',
  34: 'i2c-adapter',
  35: 'watchdog',
  36: 'can',
  37: 'dmabuf',
  38: 'param-serv',
  39: 'audio-policy',
  40: 'bt',
  41: 'gpio',
  45: 'spi',
}

/** The type name of a virtio device id: `net`, `block`, ...; `unknown-<id>` for ids Linux does not name. */
export function virtioTypeName(id: number): string {
  return NAMES[id] ?? `unknown-${id}`
}

/** The spec's transitional PCI device ids (virtio 1.x, "PCI Device IDs"): device id -> virtio id. */
export const TRANSITIONAL_DEVICE_IDS: Readonly<Record<number, number>> = {
  0x1000: 1,
  0x1001: 2,
  0x1002: 5,
  0x1003: 3,
  0x1004: 8,
  0x1005: 4,
  0x1009: 9,
}
