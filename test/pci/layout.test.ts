/**
 * src/pci/layout.ts against the uapi headers the oracle build copies from each kernel tree
 * (include/uapi/linux/pci_regs.h and virtio_pci.h, in <build>/kinc/linux): every constant with a
 * kernel macro of the same name has its value.
 */
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import * as layout from '../../src/pci/layout.js'
import {PROFILES, availability, oracleBinary} from '../oracle/oracle-env.js'

/** Constants that are not uapi macros: where each comes from instead. */
const NOT_IN_UAPI: Readonly<Record<string, string>> = {
  PCI_CLASS_BRIDGE_PCI: 'include/linux/pci_ids.h',
  PCI_CLASS_BRIDGE_CARDBUS: 'include/linux/pci_ids.h',
  PCI_VENDOR_ID_REDHAT_QUMRANET: 'include/linux/pci_ids.h',
  PCI_FIND_CAP_TTL: 'drivers/pci/pci.c (pci.h from 6.18)',
  VIRTIO_PCI_CAP_ID: 'offsetof(struct virtio_pci_cap, id), include/uapi/linux/virtio_pci.h (no macro)',
  VIRTIO_PCI_CAP64_OFFSET_HI: 'offsetof(struct virtio_pci_cap64, offset_hi) (no macro)',
  VIRTIO_CONFIG_S_ACKNOWLEDGE: 'include/uapi/linux/virtio_config.h (not among the headers the oracle build copies)',
  VIRTIO_CONFIG_S_DRIVER: 'include/uapi/linux/virtio_config.h (not among the headers the oracle build copies)',
  VIRTIO_CONFIG_S_DRIVER_OK: 'include/uapi/linux/virtio_config.h (not among the headers the oracle build copies)',
  VIRTIO_CONFIG_S_FEATURES_OK: 'include/uapi/linux/virtio_config.h (not among the headers the oracle build copies)',
  VIRTIO_CONFIG_S_NEEDS_RESET: 'include/uapi/linux/virtio_config.h (not among the headers the oracle build copies)',
  VIRTIO_CONFIG_S_FAILED: 'include/uapi/linux/virtio_config.h (not among the headers the oracle build copies)',
  VIRTIO_PCI_CAP64_LENGTH_HI: 'offsetof(struct virtio_pci_cap64, length_hi) (no macro)',
}

/** `#define NAME 0x10` (decimal or hex literal), or `(~0x7ffU)` taken as 32 bits, in a header, by name. */
function defines(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const m of text.matchAll(/^#define\s+([A-Z0-9_]+)\s+(?:(0[xX][0-9a-fA-F]+|\d+)\b|\(~(0[xX][0-9a-fA-F]+)U?L?\))/gm)) {
    out.set(m[1]!, m[2] !== undefined ? Number(m[2]) : ~Number(m[3]) >>> 0)
  }
  return out
}

const headers = PROFILES.flatMap((series) => {
  const binary = oracleBinary(series)
  if (!binary) return []
  const dir = join(dirname(binary), 'kinc', 'linux')
  const text = ['pci_regs.h', 'virtio_pci.h'].map((h) => readFileSync(join(dir, h), 'utf8')).join('\n')
  return [{series, macros: defines(text)}]
})

describe.runIf(availability('the layout check against uapi headers', headers.length > 0))('src/pci/layout.ts against the uapi headers', () => {
  const constants = Object.entries(layout as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number')

  it.each(headers.map((h) => [h.series, h] as const))('%s: every constant the headers define has their value', (_series, h) => {
    const wrong = constants.filter(([name, value]) => h.macros.has(name) && h.macros.get(name) !== value).map(([name, value]) => `${name}: ${value} vs ${h.macros.get(name)}`)
    expect(wrong).toEqual([])
  })

  it('every constant is a macro of some header, or says where it comes from', () => {
    const nowhere = constants.map(([name]) => name).filter((name) => !NOT_IN_UAPI[name] && !headers.some((h) => h.macros.has(name)))
    expect(nowhere).toEqual([])
  })
})
