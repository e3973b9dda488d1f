/**
 * virtio_pci_probe's fallback step names what the first probe returned (`rc 0`, `rc -ENODEV`...), as
 * triage prints it beside the decision; and the transport and config ops of a successful probe are
 * those of the attempt that returned 0, the last one made.
 */
import {describe, expect, it} from 'vitest'
import {predict} from '../../src/model/virtio-pci-probe.js'
import type {PredictedOutcome} from '../../src/model/types.js'
import {ConfigBuilder, MODERN_BARS, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'
import {P510, P61} from './helpers.js'

const fallbackStep = (out: PredictedOutcome) => out.path.find((s) => s.fn === 'virtio_pci_probe' && s.rule.includes('try the'))!
const unmappableBar0 = {...TRANSITIONAL_BARS, 0: {type: 'io' as const, len: 0x40, start: 0}}
/** Common and ISR capabilities, no notify one: vp_modern_probe returns -EINVAL. */
const missingNotify = () =>
  new ConfigBuilder()
    .ids({device: 0x1000, revision: 0, subsystem: 1})
    .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000})
    .virtioCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
    .chain(0x50, 0x40)

describe("virtio_pci_probe: the fallback step's detail is the first probe's return", () => {
  it.each([
    ['modern rc 0', input(qemuModern(), MODERN_BARS), P61, 'rc 0'],
    ['modern -ENODEV (no capability list)', input(qemuTransitional().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false}), TRANSITIONAL_BARS), P61, 'rc -ENODEV'],
    ['modern -EINVAL', input(missingNotify(), TRANSITIONAL_BARS), P61, 'rc -EINVAL'],
    ['force_legacy, legacy rc 0', input(qemuTransitional(), TRANSITIONAL_BARS, true), P61, 'rc 0'],
    ['force_legacy, legacy -ENOMEM (5.10)', input(qemuTransitional(), unmappableBar0, true), P510, 'rc -ENOMEM'],
    ['force_legacy, legacy -EIO (6.1)', input(qemuTransitional(), unmappableBar0, true), P61, 'rc -EIO'],
  ] as const)('%s: %s', (_, probeInput, profile, detail) => {
    expect(fallbackStep(predict(probeInput, profile)).detail).toBe(detail)
  })
})

describe('virtio_pci_probe: transport and config ops come from the attempt that returned 0', () => {
  it('a modern device without a device capability: modern, virtio_pci_config_nodev_ops', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1044, revision: 1, subsystem: 0})
      .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000})
      .virtioCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
      .virtioCap(0x60, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: 4})
      .chain(0x60, 0x50, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out).toMatchObject({transport: 'modern', rc: '0', configOps: 'virtio_pci_config_nodev_ops'})
    expect(out.path.at(-1)!.detail).toBe('modern transport; the device is reset and ACKNOWLEDGE set')
  })

  it('modern -ENODEV then legacy rc 0: legacy, virtio_pci_config_ops', () => {
    const out = predict(input(qemuTransitional().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false}), TRANSITIONAL_BARS), P61)
    expect(out).toMatchObject({transport: 'legacy', rc: '0', configOps: 'virtio_pci_config_ops'})
    expect(out.path.at(-1)!.detail).toBe('legacy transport; the device is reset and ACKNOWLEDGE set')
  })

  it('legacy -ENODEV then modern -EINVAL (force_legacy): no transport, no config ops', () => {
    const out = predict(input(missingNotify().ids({device: 0x1041}), MODERN_BARS, true), P510)
    expect(out).toMatchObject({transport: 'none', rc: 'EINVAL'})
    expect('configOps' in out).toBe(false)
  })
})
