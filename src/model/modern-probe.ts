/**
 * The modern (virtio 1) probe: vp_modern_probe (virtio_pci_modern_dev.c, 5.12+) with its caller
 * virtio_pci_modern_probe (virtio_pci_modern.c), or the single inline virtio_pci_modern_probe of 5.10.
 * In kernel order:
 *  1. device id outside 0x1000..0x107f -> -ENODEV, silent; virtio id = subsystem device id below
 *     0x1040 (transitional), else device id - 0x1040;
 *  2. no usable common capability -> dev_info "virtio_pci: leaving for legacy driver", -ENODEV;
 *  3. isr and notify looked up (both, always); either missing -> dev_err
 *     "virtio_pci: missing capabilities %i/%i/%i" (config offsets, 0 for missing), -EINVAL;
 *  4. DMA mask 64 then 32 bits (assumed to succeed on the targets modelled);
 *  5. optional device capability looked up;
 *  6. pci_request_selected_regions(modern_bars) (assumed free: the model knows no other resources);
 *  7. map common (minlen 56, align 4, size per profile), isr (1, 1, 1);
 *  8. notify: notify_off_multiplier (dword cap+16), length (cap+12), offset (cap+8), unvalidated;
 *     length + offset % PAGE_SIZE <= PAGE_SIZE -> map it whole (minlen 2, align 2, size length),
 *     else notify_map_cap: each queue is mapped at setup_vq time;
 *  9. device capability, if any: map (minlen 0, align 4, size PAGE_SIZE);
 * 10. any map failure -> -EINVAL; modern_bars released on that path from 5.19.
 * Config ops: virtio_pci_config_ops with a device capability, virtio_pci_config_nodev_ops without.
 */
import {PCI_STATUS, PCI_VENDOR_ID, VIRTIO_PCI_CAP_LENGTH, VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_NOTIFY_CAP_MULT} from '../pci/layout.js'
import {type DeviceContext, type ProbeReturn, type VirtioId, describeVirtioId} from './device-context.js'
import {type CapLookup, type ModernBars, virtioPciFindCapability} from './find-capability.js'
import {vpModernMapCapability} from './map-capability.js'
import {hex} from '../util/hex.js'

export const PAGE_SIZE = 4096
/** sizeof(struct virtio_pci_common_cfg): the minlen of the common map in every profile. */
export const VIRTIO_PCI_COMMON_CFG_SIZE = 56
/** The device ids vp_modern_probe owns ("devices >= 0x1000 and <= 0x107f"), and the first modern-only
 * one: below it the virtio id is the subsystem device id (transitional), from it device id - 0x1040. */
export const MODERN_DEVICE_ID_FIRST = 0x1000
export const MODERN_DEVICE_ID_LAST = 0x107f
export const MODERN_ONLY_DEVICE_ID_FIRST = 0x1040
/** vp_modern_probe's vp_modern_map_capability arguments per structure (start 0 for all four). The
 * common map's size is the profile's (commonMapSize), the notify map's the notify length. */
export const MODERN_MAPS = {
  common: {minlen: VIRTIO_PCI_COMMON_CFG_SIZE, align: 4},
  isr: {minlen: 1, align: 1, size: 1},
  notify: {minlen: 2, align: 2},
  device: {minlen: 0, align: 4, size: PAGE_SIZE},
} as const

export interface ModernResult {
  readonly ret: ProbeReturn
  readonly modernBars: number
  readonly notify?: {readonly multiplier: number; readonly mode: 'whole' | 'per-queue'}
  readonly configOps?: 'virtio_pci_config_ops' | 'virtio_pci_config_nodev_ops'
}

export function modernProbe(ctx: DeviceContext): ModernResult {
  const {rec, profile, dev} = ctx
  const rules = profile.rules
  const fn = rules.modernProbeFn
  const file = rules.modernFile
  const modernBars: ModernBars = {value: 0}
  const result = (ret: ProbeReturn, extra: Partial<ModernResult> = {}): ModernResult => ({ret, modernBars: modernBars.value, ...extra})

  if (dev.device < MODERN_DEVICE_ID_FIRST || dev.device > MODERN_DEVICE_ID_LAST) {
    const basis = rec.readsAt(PCI_VENDOR_ID)
    rec.failCheck({fn, rule: 'device id outside 0x1000..0x107f', detail: `device ${hex(dev.device)}: -ENODEV, silent`, kernelSource: file, check: 'modern.device-id', facts: {device: dev.device}, basis})
    return result({rc: 'ENODEV'})
  }
  rec.step(fn, 'device id outside 0x1000..0x107f', 'pass', hex(dev.device), file)
  let virtioId: VirtioId
  if (dev.device < MODERN_ONLY_DEVICE_ID_FIRST) {
    virtioId = ctx.subsystemDevice()
    rec.step(fn, 'device id < 0x1040 (transitional): virtio id = subsystem device id', 'info', describeVirtioId(virtioId), file)
  } else {
    virtioId = dev.device - MODERN_ONLY_DEVICE_ID_FIRST
    rec.step(fn, 'device id >= 0x1040: virtio id = device id - 0x1040', 'info', hex(virtioId), file)
  }

  // Each lookup with the reads of its walk: a failed lookup is what the check after it rests on.
  const find = (lookup: CapLookup) => {
    const mark = rec.mark()
    const pos = virtioPciFindCapability({rec, profile, hdrType: dev.hdrType, modernBars}, lookup)
    return {pos, reads: rec.readsSince(mark)}
  }
  const common = find('common')
  if (!common.pos) {
    const pciStatus = rec.lastValueAt(PCI_STATUS)
    rec.failCheck({
      fn,
      rule: 'no common capability: leave the device to the legacy driver',
      detail: '-ENODEV',
      kernelSource: file,
      check: 'modern.no-common',
      facts: pciStatus === undefined ? {} : {pciStatus},
      basis: common.reads,
      message: {level: 'info', text: 'virtio_pci: leaving for legacy driver', device: true},
    })
    return result({rc: 'ENODEV', virtioId})
  }
  const isrLookup = find('isr')
  const notifyLookup = find('notify')
  const [isr, notify] = [isrLookup.pos, notifyLookup.pos]
  if (!isr || !notify) {
    const text = `virtio_pci: missing capabilities ${common.pos}/${isr}/${notify}`
    rec.failCheck({
      fn,
      rule: '!isr || !notify',
      detail: `${text}: -EINVAL`,
      kernelSource: file,
      check: 'modern.missing-caps',
      facts: {common: common.pos, isr, notify},
      basis: [...(isr ? [] : isrLookup.reads), ...(notify ? [] : notifyLookup.reads)],
      message: {level: 'err', text, device: true},
    })
    return result({rc: 'EINVAL', virtioId})
  }
  rec.step(fn, '!isr || !notify', 'pass', `common ${hex(common.pos)}, isr ${hex(isr)}, notify ${hex(notify)}`, file)
  rec.step(fn, 'dma_set_mask_and_coherent(64) or (32)', 'info', 'assumed to succeed (no "Failed to enable 64-bit or 32-bit DMA")', file)
  const device = find('device').pos
  rec.step(
    fn,
    'pci_request_selected_regions(modern_bars, "virtio-pci-modern")',
    'info',
    `modern_bars ${hex(modernBars.value)}; assumed free (a conflict would print "BAR n: can't reserve" and return -EBUSY)`,
    file,
  )

  const mapCtx = {rec, profile, modernBars}
  const mapFailed = (what: string): ModernResult => {
    const release = rules.releaseRegionsOnMapError
      ? 'pci_release_selected_regions(modern_bars)'
      : 'modern_bars stay requested (no release on this error path)'
    rec.step(fn, `${what} map failed: -EINVAL`, 'fail', release, file)
    return result({rc: 'EINVAL', virtioId})
  }
  const commonMap = vpModernMapCapability(mapCtx, {
    struct: 'common',
    off: common.pos,
    ...MODERN_MAPS.common,
    start: 0,
    size: rules.commonMapSize,
  })
  if (!commonMap.ok) return mapFailed('common')
  if (!vpModernMapCapability(mapCtx, {struct: 'isr', off: isr, ...MODERN_MAPS.isr, start: 0}).ok) return mapFailed('isr')

  const at = `cap@${hex(notify)}`
  const multiplier = rec.config(`${at}.notify_off_multiplier`, notify + VIRTIO_PCI_NOTIFY_CAP_MULT, 4)
  const notifyLength = rec.config(`${at}.length`, notify + VIRTIO_PCI_CAP_LENGTH, 4)
  const notifyOffset = rec.config(`${at}.offset`, notify + VIRTIO_PCI_CAP_OFFSET, 4)
  const whole = notifyLength + (notifyOffset % PAGE_SIZE) <= PAGE_SIZE
  rec.step(
    fn,
    'notify_length + notify_offset % PAGE_SIZE <= PAGE_SIZE: map the whole notify structure now',
    'info',
    whole
      ? `${notifyLength} + ${notifyOffset % PAGE_SIZE} <= ${PAGE_SIZE}: whole`
      : `${notifyLength} + ${notifyOffset % PAGE_SIZE} > ${PAGE_SIZE}: notify_map_cap = ${hex(notify)}, queues mapped one by one at setup_vq`,
    file,
  )
  const notifyInfo = {multiplier, mode: whole ? ('whole' as const) : ('per-queue' as const)}
  if (whole && !vpModernMapCapability(mapCtx, {struct: 'notify', off: notify, ...MODERN_MAPS.notify, start: 0, size: notifyLength}).ok) {
    return {...mapFailed('notify'), notify: notifyInfo}
  }
  if (device && !vpModernMapCapability(mapCtx, {struct: 'device', off: device, ...MODERN_MAPS.device, start: 0}).ok) {
    return {...mapFailed('device'), notify: notifyInfo}
  }
  const configOps = device ? 'virtio_pci_config_ops' : 'virtio_pci_config_nodev_ops'
  rec.step('virtio_pci_modern_probe', 'config ops: with a device capability or without', 'info', configOps, 'drivers/virtio/virtio_pci_modern.c')
  return result({rc: 0, virtioId}, {notify: notifyInfo, configOps})
}
