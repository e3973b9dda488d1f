/**
 * virtio_pci_probe (drivers/virtio/virtio_pci_common.c) at each branch of its fallback, and what the
 * outcome carries for each: the attempts in order with what each returned, the step that decides the
 * fallback, the transport's config ops, and the fields a stopped run fills in. Same logic 5.10 ->
 * mainline:
 *   force_legacy: rc = legacy; if (rc == -ENODEV || rc == -ENOMEM) rc = modern;
 *   otherwise:    rc = modern; if (rc == -ENODEV) rc = legacy;
 */
import {describe, expect, it} from 'vitest'
import {predict} from '../../src/model/virtio-pci-probe.js'
import type {PredictedOutcome} from '../../src/model/types.js'
import {ConfigBuilder, MODERN_BARS, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'
import {ALL_NAMES, P510, P61, P612, profile} from './helpers.js'

const COMMON = 'drivers/virtio/virtio_pci_common.c'
const fallbackStep = (out: PredictedOutcome) => out.path.find((s) => s.fn === 'virtio_pci_probe' && s.rule.includes('try the'))!
const unmappableBar0 = {...TRANSITIONAL_BARS, 0: {type: 'io' as const, len: 0x40, start: 0}}
/** A modern device whose notify capability is missing: vp_modern_probe returns -EINVAL. */
const missingNotify = () =>
  new ConfigBuilder()
    .ids({device: 0x1000, revision: 0, subsystem: 1})
    .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000})
    .virtioCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
    .chain(0x50, 0x40)

describe('virtio_pci_probe without force_legacy: modern first, legacy only after -ENODEV', () => {
  it('modern rc 0: one attempt, the fallback step passes, virtio_pci_config_ops, register_virtio_device', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P61)
    expect(out.attempts).toEqual([{probe: 'modern', rc: '0'}])
    expect(fallbackStep(out)).toMatchObject({rule: 'modern rc == -ENODEV: try the legacy probe', result: 'pass', kernelSource: COMMON})
    expect(out.path.at(-1)).toMatchObject({fn: 'virtio_pci_probe', rule: 'pci_set_master, register_virtio_device', result: 'pass', kernelSource: COMMON})
  })

  it('modern -ENODEV (no capability list): the legacy probe runs and takes a transitional device', () => {
    const cfg = qemuTransitional().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false})
    const out = predict(input(cfg, TRANSITIONAL_BARS), P61)
    expect(out.attempts).toEqual([
      {probe: 'modern', rc: 'ENODEV'},
      {probe: 'legacy', rc: '0'},
    ])
    expect(fallbackStep(out).result).toBe('info')
    // The modern attempt ran and found no capability: modern_bars 0, as the outcome says.
    expect(out).toMatchObject({transport: 'legacy', rc: '0', configOps: 'virtio_pci_config_ops', modernBars: '0x0'})
  })

  it('modern -EINVAL (notify missing): no legacy attempt although the device is transitional', () => {
    const out = predict(input(missingNotify(), TRANSITIONAL_BARS), P61)
    expect(out.attempts).toEqual([{probe: 'modern', rc: 'EINVAL'}])
    expect(fallbackStep(out).result).toBe('fail')
    expect(out).toMatchObject({transport: 'none', rc: 'EINVAL'})
    expect(out.configOps).toBeUndefined()
  })

  it('both -ENODEV: the last step is the driver core, silent; no config ops', () => {
    const cfg = new ConfigBuilder().ids({device: 0x1110}).chain()
    const out = predict(input(cfg, {}), P612)
    expect(out.attempts).toEqual([
      {probe: 'modern', rc: 'ENODEV'},
      {probe: 'legacy', rc: 'ENODEV'},
    ])
    expect(out.path.at(-1)).toMatchObject({fn: 'call_driver_probe', result: 'fail', kernelSource: 'drivers/base/dd.c'})
    expect(out.configOps).toBeUndefined()
    expect(out.messages).toEqual([])
  })
})

describe('virtio_pci_probe with force_legacy: legacy first, modern after -ENODEV or -ENOMEM', () => {
  it.each(ALL_NAMES)('legacy rc 0: one attempt, the fallback step passes (%s)', (p) => {
    const out = predict(input(qemuTransitional(), TRANSITIONAL_BARS, true), profile(p))
    expect(out.attempts).toEqual([{probe: 'legacy', rc: '0'}])
    expect(fallbackStep(out)).toMatchObject({rule: 'legacy rc == -ENODEV || rc == -ENOMEM: try the modern probe', result: 'pass'})
    expect(out.configOps).toBe('virtio_pci_config_ops')
  })

  it('legacy -ENODEV (a modern-only id): the modern probe runs and takes it', () => {
    const out = predict(input(qemuModern(), MODERN_BARS, true), P61)
    expect(out.attempts).toEqual([
      {probe: 'legacy', rc: 'ENODEV'},
      {probe: 'modern', rc: '0'},
    ])
    expect(fallbackStep(out).result).toBe('info')
    expect(out).toMatchObject({transport: 'modern', configOps: 'virtio_pci_config_ops', modernBars: '0x10'})
  })

  it('5.10: legacy -ENOMEM (BAR0 not mappable): the modern probe runs too', () => {
    const out = predict(input(qemuTransitional(), unmappableBar0, true), P510)
    expect(out.attempts).toEqual([
      {probe: 'legacy', rc: 'ENOMEM'},
      {probe: 'modern', rc: '0'},
    ])
    expect(fallbackStep(out).result).toBe('info')
    expect(out.transport).toBe('modern')
  })

  it('6.1: legacy -EIO (BAR0 not mappable) is neither: no modern attempt, dd.c reports -5', () => {
    const out = predict(input(qemuTransitional(), unmappableBar0, true), P61)
    expect(out.attempts).toEqual([{probe: 'legacy', rc: 'EIO'}])
    expect(fallbackStep(out).result).toBe('fail')
    expect(out.path.at(-1)).toMatchObject({fn: 'call_driver_probe', result: 'fail', kernelSource: 'drivers/base/dd.c'})
  })

  it('both fail: the modern -EINVAL after a legacy -ENODEV is what the probe returns', () => {
    const cfg = missingNotify().ids({device: 0x1041})
    const out = predict(input(cfg, MODERN_BARS, true), P510)
    expect(out.attempts).toEqual([
      {probe: 'legacy', rc: 'ENODEV'},
      {probe: 'modern', rc: 'EINVAL'},
    ])
    expect(out).toMatchObject({rc: 'EINVAL', transport: 'none'})
    expect(out.path.at(-1)).toMatchObject({fn: 'really_probe', result: 'fail'})
    expect(out.messages.at(-1)).toBe('virtio-pci: probe of 0000:00:03.0 failed with error -22')
  })
})

describe('the virtio id across attempts (withEarlierId)', () => {
  it('a legacy -ENOMEM after the id was computed keeps it when the modern probe fails before computing one', () => {
    // 5.10, force_legacy: the legacy probe reads the subsystem id (virtio id 2), then fails to map
    // BAR0; the modern probe then fails on the missing notify cap, after its own id (also 2).
    const cfg = missingNotify().ids({device: 0x1000, revision: 0, subsystem: 2})
    const out = predict(input(cfg, unmappableBar0, true), P510)
    expect(out.attempts).toEqual([
      {probe: 'legacy', rc: 'ENOMEM'},
      {probe: 'modern', rc: 'EINVAL'},
    ])
    expect(out).toMatchObject({virtioDeviceId: '0x2', virtioType: 'block'})
  })

  it('a legacy device id past 0x103f computes no id: the modern one is taken', () => {
    const out = predict(input(qemuModern({device: 0x1043}), MODERN_BARS, true), P61)
    expect(out).toMatchObject({transport: 'modern', virtioDeviceId: '0x3', virtioType: 'console'})
  })

  it('a device neither probe accepts has no virtio id at all', () => {
    const out = predict(input(new ConfigBuilder().ids({device: 0x1110}).chain(), {}), P61)
    expect(out.virtioDeviceId).toBeUndefined()
    expect(out.virtioType).toBeUndefined()
    expect(Object.keys(out)).not.toContain('virtioDeviceIdUnknownOffsets')
  })
})

describe('a run that stops inside an attempt', () => {
  it('undetermined inside the modern probe: the attempt ends undetermined, only the offsets are named', () => {
    const out = predict(input(qemuModern().unknown(0x7e), MODERN_BARS), P61)
    expect(out.attempts).toEqual([{probe: 'modern', rc: 'undetermined'}])
    expect(out.undeterminedOffsets).toEqual(['0x7e'])
    expect(Object.keys(out)).not.toContain('undeterminedBars')
    expect(out.path.at(-1)).toMatchObject({
      fn: 'evidence',
      check: 'evidence.unknown',
      result: 'fail',
      facts: {what: 'cap@0x70.length', offsets: [0x7e], bars: []},
    })
    expect(out.transport).toBe('undetermined')
    expect(out.driverMatched).toBe(true)
  })

  it('undetermined on a resource fact: only the BAR is named', () => {
    const out = predict(input(qemuModern(), {1: {type: 'mem', len: 0x1000, start: 0xfebc0000}, 4: 'unknown'}), P61)
    expect(out.attempts).toEqual([{probe: 'modern', rc: 'undetermined'}])
    expect(out.undeterminedBars).toEqual([4])
    expect(Object.keys(out)).not.toContain('undeterminedOffsets')
  })

  it('undetermined inside the second attempt: the first keeps its rc', () => {
    const out = predict(input(qemuModern().unknown(0x7e), MODERN_BARS, true), P61)
    expect(out.attempts).toEqual([
      {probe: 'legacy', rc: 'ENODEV'},
      {probe: 'modern', rc: 'undetermined'},
    ])
  })

  it('undetermined before any attempt (the vendor id unknown): no attempts, no crash', () => {
    const out = predict(input(qemuModern().unknown(0x00), MODERN_BARS), P61)
    expect(out.attempts).toEqual([])
    expect(out).toMatchObject({rc: 'undetermined', transport: 'undetermined', undeterminedOffsets: ['0x0']})
  })

  it('a capability walk that cycles: the modern attempt ends with rc hang, no transport', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
      .virtioCap(0x50, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: 4})
      .chain(0x40, 0x50)
      .set(0x51, 1, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.attempts).toEqual([{probe: 'modern', rc: 'hang'}])
    expect(out).toMatchObject({rc: 'hang', transport: 'none', driverMatched: true})
    expect(Object.keys(out)).not.toContain('undeterminedOffsets')
    expect(out.messages).toEqual([])
  })
})

describe('pci_match_device and pci_setup_device before the probe', () => {
  it('another vendor: no attempt, driver not matched, the failed check is match.vendor with the vendor read', () => {
    const out = predict(input(new ConfigBuilder().ids({vendor: 0x8086, device: 0x1041}).chain(), {}), P61)
    expect(out.attempts).toEqual([])
    expect(out.path.at(-1)).toMatchObject({fn: 'pci_match_device', check: 'match.vendor', result: 'fail', facts: {vendor: 0x8086}, kernelSource: 'drivers/pci/pci-driver.c'})
    expect(out).toMatchObject({rc: 'ENODEV', transport: 'none', driverMatched: false})
  })

  it('vendor 0x1af4 matches: the match step passes before the probe', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P61)
    expect(out.path.find((s) => s.fn === 'pci_match_device')).toMatchObject({result: 'pass', kernelSource: 'drivers/pci/pci-driver.c'})
  })

  it('header type 3: no pci_dev, no attempt, the failed check is match.header-type', () => {
    const out = predict(input(qemuModern().set(0x0e, 1, 3), MODERN_BARS), P61)
    expect(out.attempts).toEqual([])
    expect(out.path.at(-1)).toMatchObject({fn: 'pci_setup_device', check: 'match.header-type', result: 'fail', facts: {hdrType: 3}, kernelSource: 'drivers/pci/probe.c'})
    expect(out).toMatchObject({rc: 'ENODEV', transport: 'none', driverMatched: false, messages: []})
  })
})

describe('the kernel the outcome was computed for', () => {
  it('a named profile has no selection key', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P612)
    expect(out.kernel).toEqual({profile: '6.12', version: '6.12.117'})
    expect(Object.keys(out.kernel!)).not.toContain('selection')
  })

  it('a profile picked from a release carries its selection', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), {...P61, selection: 'picked'})
    expect(out.kernel).toEqual({profile: '6.1', version: '6.1.192', selection: 'picked'})
  })
})

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
