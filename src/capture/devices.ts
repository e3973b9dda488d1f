/**
 * What the QEMU device arguments (everything after `--`) mean for the guest: the device list recorded
 * in case.json, and the Linux drivers the initramfs must load so each virtio device gets its driver.
 */

export interface DeviceArg {
  /** QOM type, e.g. "virtio-net-pci". */
  readonly type: string
  /** The whole -device value, e.g. "virtio-net-pci,disable-legacy=on". */
  readonly spec: string
}

/** Linux module for each virtio-pci QEMU device type (the -transitional/-non-transitional variants too). */
const DRIVER_OF_TYPE: Readonly<Record<string, string>> = {
  'virtio-net-pci': 'virtio_net',
  'virtio-blk-pci': 'virtio_blk',
  'virtio-rng-pci': 'virtio_rng',
  'virtio-balloon-pci': 'virtio_balloon',
  'virtio-serial-pci': 'virtio_console',
  'virtio-scsi-pci': 'virtio_scsi',
  'virtio-9p-pci': '9pnet_virtio',
  'virtio-input-host-pci': 'virtio_input',
  'virtio-keyboard-pci': 'virtio_input',
  'virtio-mouse-pci': 'virtio_input',
  'virtio-tablet-pci': 'virtio_input',
  'vhost-vsock-pci': 'vmw_vsock_virtio_transport',
}

/** The transport driver every case loads. */
export const TRANSPORT_MODULE = 'virtio_pci'

/** Finds every `-device TYPE,...` (or `-device driver=TYPE,...`) in QEMU arguments. */
export function parseDeviceArgs(qemuArgs: readonly string[]): DeviceArg[] {
  const out: DeviceArg[] = []
  for (let i = 0; i < qemuArgs.length; i++) {
    const a = qemuArgs[i]
    if (a !== '-device' && a !== '--device') continue
    const spec = qemuArgs[i + 1]
    if (spec === undefined) break
    i++
    const first = spec.split(',')[0] ?? ''
    const type = first.startsWith('driver=') ? first.slice('driver='.length) : first
    out.push({type, spec})
  }
  return out
}

export function baseDeviceType(type: string): string {
  return type.replace(/-(non-)?transitional$/, '')
}

/** The modules to load for these devices: the transport first, then one driver per known type. */
export function driversFor(devices: readonly DeviceArg[]): string[] {
  const wanted = [TRANSPORT_MODULE]
  for (const d of devices) {
    const driver = DRIVER_OF_TYPE[baseDeviceType(d.type)]
    if (driver && !wanted.includes(driver)) wanted.push(driver)
  }
  return wanted
}
