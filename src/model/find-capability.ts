/**
 * virtio_pci_find_capability (static in virtio_pci_modern.c up to 5.11, virtio_pci_modern_dev.c from
 * 5.12): walk the vendor-specific (0x09) capabilities and return the FIRST one of the wanted cfg_type
 * whose BAR is usable, or 0. Per capability it reads only cfg_type (byte at cap+3) and bar (byte at
 * cap+4):
 *  - bar > 5 is reserved: skipped (spelled `bar >= PCI_STD_NUM_BARS` from 5.19, same effect);
 *  - the wanted type with pci_resource_len(bar) != 0 and pci_resource_flags(bar) IO or MEM: chosen,
 *    and `modern_bars |= 1 << bar`; the same type on an unusable BAR is passed over and the walk goes on.
 * The kernel's walk has no memory: if the vendor capabilities form a cycle none of which is chosen, it
 * never returns. The model notices the first repeated position and stops with ProbeHangs.
 */
import {PCI_CAP_ID_VNDR, PCI_STD_NUM_BARS, VIRTIO_PCI_CAP_BAR, VIRTIO_PCI_CAP_CFG_TYPE, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_CAP_NOTIFY_CFG} from '../pci/layout.js'
import type {CapabilityFinding} from './types.js'
import {pciFindCapability, pciFindNextCapability} from './pci-core.js'
import type {KernelProfile} from './profiles.js'
import type {ProbeRecorder} from './recorder.js'
import {hex} from '../util/hex.js'
import {ProbeHangs} from './unknown.js'

export type CapLookup = 'common' | 'isr' | 'notify' | 'device'

export const LOOKUP_CFG_TYPE: Readonly<Record<CapLookup, number>> = {
  common: VIRTIO_PCI_CAP_COMMON_CFG,
  isr: VIRTIO_PCI_CAP_ISR_CFG,
  notify: VIRTIO_PCI_CAP_NOTIFY_CFG,
  device: VIRTIO_PCI_CAP_DEVICE_CFG,
}

export interface ModernBars {
  value: number
}

/** What the walk needs from the device and the kernel. */
export interface FindContext {
  readonly rec: ProbeRecorder
  readonly profile: KernelProfile
  readonly hdrType: number
  readonly modernBars: ModernBars
}

export function virtioPciFindCapability(ctx: FindContext, lookup: CapLookup): number {
  const {rec, profile} = ctx
  const cfgType = LOOKUP_CFG_TYPE[lookup]
  const fn = 'virtio_pci_find_capability'
  const seen = new Set<number>()
  const order: number[] = []
  const note = (f: Omit<CapabilityFinding, 'lookup'>) => rec.capabilities.push({lookup, ...f})

  let found = 0
  let detail = `no usable cfg_type ${cfgType} capability`
  for (let pos = pciFindCapability(rec, ctx.hdrType, PCI_CAP_ID_VNDR); pos > 0; pos = pciFindNextCapability(rec, pos, PCI_CAP_ID_VNDR)) {
    if (seen.has(pos)) {
      const cycle = [...order.slice(order.indexOf(pos)), pos]
      rec.failCheck({fn, rule: `vendor capability ${hex(pos)} reached again: the walk never ends`, kernelSource: profile.rules.modernFile, check: 'find.cycle', facts: {cycle}})
      throw new ProbeHangs(fn, cycle)
    }
    seen.add(pos)
    order.push(pos)
    const type = rec.config(`cap@${hex(pos)}.cfg_type`, pos + VIRTIO_PCI_CAP_CFG_TYPE, 1)
    const bar = rec.config(`cap@${hex(pos)}.bar`, pos + VIRTIO_PCI_CAP_BAR, 1)
    const base = {offset: hex(pos), cfgType: type, bar}
    if (bar >= PCI_STD_NUM_BARS) {
      note({...base, decision: type === cfgType ? 'skipped' : 'other-type', reason: `reserved BAR value ${bar} (${profile.rules.reservedBarRule})`})
      continue
    }
    if (type !== cfgType) {
      note({...base, decision: 'other-type', reason: `cfg_type ${type}, looking for ${cfgType}`})
      continue
    }
    const len = rec.resourceLen(bar)
    if (len === 0) {
      note({...base, decision: 'skipped', reason: `pci_resource_len(${bar}) is 0`})
      continue
    }
    const kind = rec.resourceKind(bar)
    if (kind === 'none') {
      note({...base, decision: 'skipped', reason: `BAR ${bar} has neither IORESOURCE_IO nor IORESOURCE_MEM`})
      continue
    }
    ctx.modernBars.value |= 1 << bar
    note({...base, decision: 'chosen'})
    found = pos
    detail = `cfg_type ${cfgType} at ${hex(pos)} on BAR ${bar} (${kind}); modern_bars ${hex(ctx.modernBars.value)}`
    break
  }
  rec.step(
    fn,
    `${lookup}: first vendor capability with cfg_type ${cfgType} whose BAR has a length and IO or MEM flags`,
    'info',
    detail,
    profile.rules.modernFile,
  )
  return found
}
