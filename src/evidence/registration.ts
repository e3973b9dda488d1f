/**
 * The kernel's registration of a virtio device as the status changes show it: register_virtio_device
 * resets the device (status write 0) and then sets ACKNOWLEDGE alone (a status write of exactly 1).
 * The outcome takes the last such pair as the kernel's registration (outcome/observed.ts); the
 * evidence keeps what follows it when a long trace makes it bound a device's history.
 */
import {VIRTIO_CONFIG_S_ACKNOWLEDGE} from '../pci/layout.js'
import type {StatusChange} from './types.js'

/**
 * Index of the reset that precedes the last status change setting ACKNOWLEDGE alone (0 then exactly
 * 1), or -1. Bus-master-clear events (PCI command writes) are left out: they are not driver writes.
 * Events QEMU could not tie to a register write (no memory events traced) are kept.
 */
export function kernelRegistration(status: readonly StatusChange[]): number {
  let next = -1
  for (let k = status.length - 1; k >= 0; k--) {
    const s = status[k]!
    if (s.cause === 'command-write') continue
    if (next >= 0 && s.val === 0 && status[next]!.val === VIRTIO_CONFIG_S_ACKNOWLEDGE) return k
    next = k
  }
  return -1
}
