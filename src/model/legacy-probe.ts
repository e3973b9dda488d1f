/**
 * The legacy (virtio 0.9.5) probe: virtio_pci_legacy_probe in virtio_pci_legacy.c up to 5.15,
 * vp_legacy_probe in virtio_pci_legacy_dev.c (called by virtio_pci_legacy_probe) from 5.16:
 *  1. device id outside 0x1000..0x103f -> -ENODEV, silent;
 *  2. revision != VIRTIO_PCI_ABI_VERSION (0) -> -ENODEV; up to 5.15 printk(KERN_ERR
 *     "virtio_pci: expected ABI version %d, got %d") with no device prefix, silent from 5.16;
 *  3. DMA masks (assumed to succeed);
 *  4. pci_request_region(0, "virtio-pci-legacy"): 0 without a request for a zero-length BAR, else
 *     assumed free;
 *  5. pci_iomap(BAR0, whole) NULL -> region released, -ENOMEM up to 5.16, -EIO from 5.17;
 *  6. virtio id = subsystem device id. Nothing checks that BAR0 is an I/O BAR.
 * Without CONFIG_VIRTIO_PCI_LEGACY the legacy probe is a stub returning -ENODEV; Debian enables it.
 */
import {PCI_REVISION_ID, PCI_VENDOR_ID, VIRTIO_PCI_ABI_VERSION} from '../pci/layout.js'
import {type DeviceContext, type ProbeReturn, describeVirtioId} from './device-context.js'
import {iomapFailureText, pciIomapRange} from './pci-iomap.js'
import {hex} from '../util/hex.js'

/** The device ids the legacy probe owns ("devices >= 0x1000 and <= 0x103f"). */
export const LEGACY_DEVICE_ID_FIRST = 0x1000
export const LEGACY_DEVICE_ID_LAST = 0x103f

export function legacyProbe(ctx: DeviceContext): ProbeReturn {
  const {rec, profile, dev} = ctx
  const fn = profile.rules.legacyProbeFn
  const file = profile.rules.legacyFile
  if (dev.device < LEGACY_DEVICE_ID_FIRST || dev.device > LEGACY_DEVICE_ID_LAST) {
    const basis = rec.readsAt(PCI_VENDOR_ID)
    rec.failCheck({fn, rule: 'device id outside 0x1000..0x103f', detail: `device ${hex(dev.device)}: -ENODEV, silent`, kernelSource: file, check: 'legacy.device-id', facts: {device: dev.device}, basis})
    return {rc: 'ENODEV'}
  }
  rec.step(fn, 'device id outside 0x1000..0x103f', 'pass', hex(dev.device), file)
  const revision = ctx.revision()
  if (revision !== VIRTIO_PCI_ABI_VERSION) {
    const loud = profile.rules.legacyAbiMessage
    rec.failCheck({
      fn,
      rule: 'revision != VIRTIO_PCI_ABI_VERSION (0)',
      detail: `revision ${revision}: -ENODEV${loud ? '' : ', silent'}`,
      kernelSource: file,
      check: 'legacy.revision',
      facts: {revision, expected: VIRTIO_PCI_ABI_VERSION},
      basis: rec.readsAt(PCI_REVISION_ID),
      ...(loud ? {message: {level: 'err', text: `virtio_pci: expected ABI version ${VIRTIO_PCI_ABI_VERSION}, got ${revision}`, device: false}} : {}),
    })
    return {rc: 'ENODEV'}
  }
  rec.step(fn, 'revision != VIRTIO_PCI_ABI_VERSION (0)', 'pass', 'revision 0', file)
  rec.step(fn, 'dma_set_mask(64) or dma_set_mask_and_coherent(32)', 'info', 'assumed to succeed', file)
  const bar0Len = rec.resourceLen(0)
  rec.step(
    fn,
    'pci_request_region(0, "virtio-pci-legacy")',
    'info',
    bar0Len === 0 ? 'BAR 0 has no length: returns 0 without a request' : 'assumed free (a conflict would return -EBUSY)',
    'drivers/pci/pci.c',
  )
  const io = pciIomapRange(rec, 0, 0, 0)
  if (!io.ok) {
    const errno = profile.rules.legacyIomapErrno
    const why = iomapFailureText(io.why, io.bar)
    rec.failCheck({fn, rule: 'pci_iomap(dev, 0, 0) returns NULL', detail: `${why}: region 0 released, -${errno}`, kernelSource: file, check: 'legacy.iomap-null', facts: {why: io.why, errno}})
    rec.mappings.push({what: 'legacy-bar0', bar: 0, offset: '0x0', length: hex(bar0Len), ok: false})
    return {rc: errno}
  }
  rec.step(fn, 'pci_iomap(dev, 0, 0) returns NULL', 'pass', `${hex(io.mapped)} bytes of BAR 0 mapped`, file)
  rec.mappings.push({what: 'legacy-bar0', bar: 0, offset: '0x0', length: hex(bar0Len), ok: true, mappedLength: hex(io.mapped)})
  const virtioId = ctx.subsystemDevice()
  rec.step(fn, 'virtio id = subsystem device id', 'info', describeVirtioId(virtioId), file)
  return {rc: 0, virtioId}
}
