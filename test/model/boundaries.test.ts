/**
 * The kernel's comparisons at their edges: each test names the kernel function and the rule it pins,
 * and puts the input at value - 1 / value / value + 1 so that `<` against `<=` (and the like) changes
 * its result. Written for the survivors of mutation testing (`npm run mutation`); the oracle fuzzer's
 * boundary seeds (src/oracle/fuzz/seeds.ts) check the same edges against the kernel's own code.
 */
import {describe, expect, it} from 'vitest'
import {virtioPciFindCapability} from '../../src/model/find-capability.js'
import {ProbeRecorder} from '../../src/model/recorder.js'
import {ProbeHangs} from '../../src/model/unknown.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {ConfigBuilder, MODERN_BAR4, MODERN_BARS, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'
import {ALL_NAMES, P510, P61, P612, profile} from './helpers.js'

const PREFIX = 'virtio-pci 0000:00:03.0: '
const failedChecks = (out: ReturnType<typeof predict>) => out.path.filter((s) => s.check !== undefined).map((s) => s.check)

describe('vp_modern_probe: device id < 0x1000 || device id > 0x107f -> -ENODEV', () => {
  it.each(ALL_NAMES)('0x107f is the last modern id: probed, virtio id 0x3f (%s)', (p) => {
    const out = predict(input(qemuModern({device: 0x107f}), MODERN_BARS), profile(p))
    expect(out).toMatchObject({rc: '0', transport: 'modern', virtioDeviceId: '0x3f', virtioType: 'unknown-63'})
  })

  it.each(ALL_NAMES)('0x1080 is past it: -ENODEV, silent, and the legacy probe declines it too (%s)', (p) => {
    const out = predict(input(qemuTransitional({device: 0x1080}), TRANSITIONAL_BARS), profile(p))
    expect(out).toMatchObject({rc: 'ENODEV', transport: 'none', messages: []})
    expect(failedChecks(out)).toEqual(['modern.device-id', 'legacy.device-id'])
  })

  it('0x1000 is the first id and 0x0fff is below it', () => {
    expect(predict(input(qemuTransitional({device: 0x1000}), TRANSITIONAL_BARS), P61)).toMatchObject({rc: '0', transport: 'modern'})
    const below = predict(input(qemuTransitional({device: 0x0fff}), TRANSITIONAL_BARS), P61)
    expect(below).toMatchObject({rc: 'ENODEV', messages: []})
    expect(failedChecks(below)).toEqual(['modern.device-id', 'legacy.device-id'])
  })
})

describe('vp_modern_probe: device id < 0x1040 takes the virtio id from the subsystem device id', () => {
  it('0x103f is the last transitional id: virtio id = subsystem device id', () => {
    const out = predict(input(qemuTransitional({device: 0x103f, subsystem: 2}), TRANSITIONAL_BARS), P61)
    expect(out).toMatchObject({rc: '0', transport: 'modern', virtioDeviceId: '0x2'})
  })

  it('0x1040 is the first modern id: virtio id = device - 0x1040 = 0, the subsystem id never read', () => {
    const cfg = qemuModern({device: 0x1040, subsystem: 2}).unknown(0x2c, 0x2d, 0x2e, 0x2f)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out).toMatchObject({rc: '0', virtioDeviceId: '0x0'})
    expect(out.path.flatMap((s) => s.reads).some((r) => r.what === 'PCI_SUBSYSTEM_ID')).toBe(false)
  })
})

describe('vp_legacy_probe: device id < 0x1000 || device id > 0x103f -> -ENODEV', () => {
  it.each(ALL_NAMES)('force_legacy: 0x103f is the last legacy id, driven by the legacy probe (%s)', (p) => {
    const out = predict(input(qemuTransitional({device: 0x103f, subsystem: 3}), TRANSITIONAL_BARS, true), profile(p))
    expect(out).toMatchObject({rc: '0', transport: 'legacy', virtioDeviceId: '0x3'})
  })

  it.each(ALL_NAMES)('force_legacy: 0x1040 is past it: legacy -ENODEV, then the modern probe takes it (%s)', (p) => {
    const out = predict(input(qemuTransitional({device: 0x1040}), TRANSITIONAL_BARS, true), profile(p))
    expect(out).toMatchObject({rc: '0', transport: 'modern', virtioDeviceId: '0x0'})
    expect(failedChecks(out)).toEqual(['legacy.device-id'])
  })

  it('force_legacy: 0x1000 is the first legacy id, 0x0fff is declined by both probes', () => {
    expect(predict(input(qemuTransitional({device: 0x1000}), TRANSITIONAL_BARS, true), P61)).toMatchObject({rc: '0', transport: 'legacy'})
    const below = predict(input(qemuTransitional({device: 0x0fff}), TRANSITIONAL_BARS, true), P61)
    expect(below).toMatchObject({rc: 'ENODEV', transport: 'none'})
    expect(failedChecks(below)).toEqual(['legacy.device-id', 'modern.device-id'])
  })
})

describe('virtio_pci_find_capability: bar >= PCI_STD_NUM_BARS (6) is reserved', () => {
  const withCommonOn = (bar: number) => qemuModern().virtioCap(0x40, {cfgType: 1, bar, offset: 0, length: 0x1000})
  const BAR5 = {type: 'mem' as const, len: 0x4000, start: 0xfd000000}

  it('BAR 5 is the last usable one: chosen, modern_bars gets bit 5', () => {
    const out = predict(input(withCommonOn(5), {...MODERN_BARS, 5: BAR5}), P61)
    expect(out).toMatchObject({rc: '0', modernBars: '0x30'})
    expect(out.mappings[0]).toMatchObject({what: 'common', bar: 5, ok: true})
  })

  it.each([
    ['5.10', 'bar > 0x5'],
    ['6.1', 'bar >= PCI_STD_NUM_BARS'],
  ])('BAR 6 is reserved: skipped without a pci_resource_* read, no common left (%s)', (p, rule) => {
    const out = predict(input(withCommonOn(6), {...MODERN_BARS, 5: BAR5}), profile(p))
    expect(out.capabilities.find((c) => c.lookup === 'common' && c.offset === '0x40')).toMatchObject({decision: 'skipped', reason: `reserved BAR value 6 (${rule})`})
    expect(out).toMatchObject({rc: 'ENODEV', messages: [`${PREFIX}virtio_pci: leaving for legacy driver`]})
  })
})

describe('vp_modern_map_capability: each map at its minlen, align and size', () => {
  const withCap = (at: number, spec: Parameters<ConfigBuilder['virtioCap']>[1]) => qemuModern().virtioCap(at, spec)

  it.each([
    ['5.10', '0x38'],
    ['6.1', '0x38'],
    ['6.12', '0x38'],
  ])('common length 56 = minlen: mapped, whatever the profile size (%s)', (p, mapped) => {
    const out = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 56}), MODERN_BARS), profile(p))
    expect(out.rc).toBe('0')
    expect(out.mappings[0]).toMatchObject({what: 'common', mappedLength: mapped, kernelLength: '0x38'})
  })

  it.each([
    ['5.10', 60, '0x38'],
    ['6.1', 59, '0x3b'],
    ['6.1', 61, '0x3c'],
    ['6.12', 63, '0x3f'],
    ['6.12', 65, '0x40'],
  ])('common: length = min(length, size) with size 56 / 60 / 64 (%s, length %i)', (p, length, mapped) => {
    const out = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 0, length}), MODERN_BARS), profile(p))
    expect(out.mappings[0]).toMatchObject({what: 'common', mappedLength: mapped, ok: true})
  })

  it('isr: length 1 = minlen is mapped (one byte), length 0 is not above start', () => {
    const one = predict(input(withCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 1}), MODERN_BARS), P61)
    expect(one.mappings.find((m) => m.what === 'isr')).toMatchObject({ok: true, mappedLength: '0x1'})
    const zero = predict(input(withCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0}), MODERN_BARS), P61)
    expect(zero.messages[0]).toBe(`${PREFIX}virtio_pci: bad capability len 0 (>0 expected)`)
  })

  it('isr: align 1 takes an odd offset', () => {
    const out = predict(input(withCap(0x50, {cfgType: 3, bar: 4, offset: 0x1001, length: 1}), MODERN_BARS), P61)
    expect(out.rc).toBe('0')
    expect(out.mappings.find((m) => m.what === 'isr')).toMatchObject({offset: '0x1001', ok: true})
  })

  it('notify: minlen 2 -> length 1 is "bad capability len 1 (>=2 expected)", length 2 is mapped', () => {
    const one = predict(input(withCap(0x70, {cfgType: 2, bar: 4, offset: 0x3000, length: 1, mult: 4}), MODERN_BARS), P61)
    expect(one.messages[0]).toBe(`${PREFIX}virtio_pci: bad capability len 1 (>=2 expected)`)
    const two = predict(input(withCap(0x70, {cfgType: 2, bar: 4, offset: 0x3000, length: 2, mult: 4}), MODERN_BARS), P61)
    expect(two.mappings.find((m) => m.what === 'notify')).toMatchObject({ok: true, mappedLength: '0x2'})
  })

  it('device: minlen 0, so length 1 is mapped; size PAGE_SIZE clips a longer one', () => {
    const one = predict(input(withCap(0x60, {cfgType: 4, bar: 4, offset: 0x2000, length: 1}), MODERN_BARS), P61)
    expect(one.mappings.find((m) => m.what === 'device')).toMatchObject({ok: true, mappedLength: '0x1'})
    const long = predict(input(withCap(0x60, {cfgType: 4, bar: 4, offset: 0x2000, length: 0x1001}), MODERN_BARS), P61)
    expect(long.mappings.find((m) => m.what === 'device')).toMatchObject({ok: true, kernelLength: '0x1000', mappedLength: '0x1000'})
  })

  it('device: align 4 -> offset 0x2002 is "offset 8194 not aligned to 4", 0x2004 is mapped', () => {
    const two = predict(input(withCap(0x60, {cfgType: 4, bar: 4, offset: 0x2002, length: 0x100}), MODERN_BARS), P61)
    expect(two.messages[0]).toBe(`${PREFIX}virtio_pci: offset 8194 not aligned to 4`)
    const four = predict(input(withCap(0x60, {cfgType: 4, bar: 4, offset: 0x2004, length: 0x100}), MODERN_BARS), P61)
    expect(four.rc).toBe('0')
  })

  it('minlen + offset > pci_resource_len: the isr byte at the last BAR byte fits, one further does not', () => {
    const last = predict(input(withCap(0x50, {cfgType: 3, bar: 4, offset: 0x3fff, length: 1}), MODERN_BARS), P61)
    expect(last.mappings.find((m) => m.what === 'isr')).toMatchObject({ok: true, mappedLength: '0x1'})
    const past = predict(input(withCap(0x50, {cfgType: 3, bar: 4, offset: 0x4000, length: 1}), MODERN_BARS), P61)
    expect(past.messages[0]).toBe(`${PREFIX}virtio_pci: map virtio 1@16384 out of range on bar 4 length 16384`)
  })

  it('common at BAR end - 56 fits exactly (the map is clipped to what is left)', () => {
    const out = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 0x4000 - 56, length: 0x1000}), MODERN_BARS), P612)
    expect(out.rc).toBe('0')
    expect(out.mappings[0]).toMatchObject({mappedLength: '0x38', kernelLength: '0x40'})
    const over = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 0x4000 - 52, length: 0x1000}), MODERN_BARS), P612)
    expect(over.messages[0]).toBe(`${PREFIX}virtio_pci: map virtio 56@16332 out of range on bar 4 length 16384`)
  })
})

describe('vp_modern_probe: notify_length + notify_offset % PAGE_SIZE <= PAGE_SIZE maps notify whole', () => {
  it.each([
    [0x3000, 0x1000, 'whole'],
    [0x3000, 0x1001, 'per-queue'],
    [0x3800, 0x7ff, 'whole'],
  ])('offset %i + length %i: %s', (offset, length, mode) => {
    const cfg = qemuModern().virtioCap(0x70, {cfgType: 2, bar: 4, offset, length, mult: 4})
    expect(predict(input(cfg, MODERN_BARS), P61).notify?.mode).toBe(mode)
  })
})

describe('pci_iomap_range: NULL when pci_resource_len(bar) <= offset', () => {
  it('device cap (minlen 0) at the last dword of the BAR is mapped; at the BAR end it is not', () => {
    const last = predict(input(qemuModern().virtioCap(0x60, {cfgType: 4, bar: 4, offset: 0x3ffc, length: 0x1000}), MODERN_BARS), P61)
    expect(last.mappings.find((m) => m.what === 'device')).toMatchObject({ok: true, mappedLength: '0x4'})
    const end = predict(input(qemuModern().virtioCap(0x60, {cfgType: 4, bar: 4, offset: 0x4000, length: 0x1000}), MODERN_BARS), P61)
    expect(end.messages[0]).toBe(`${PREFIX}virtio_pci: unable to map virtio 4096@16384 on bar 4`)
  })

  it('legacy: BAR 0 of length 1 is mapped (1 byte); BAR start 1 is not 0', () => {
    const cfg = () => new ConfigBuilder().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false})
    const one = predict(input(cfg(), {0: {type: 'io', len: 1, start: 0xc000}}), P61)
    expect(one).toMatchObject({rc: '0', transport: 'legacy'})
    expect(one.mappings[0]).toMatchObject({mappedLength: '0x1'})
    expect(predict(input(cfg(), {0: {type: 'io', len: 0x40, start: 1}}), P61)).toMatchObject({rc: '0', transport: 'legacy'})
  })

  it('the modern BAR of length 1: the common map is out of range', () => {
    const out = predict(input(qemuModern(), {1: MODERN_BARS[1], 4: {...MODERN_BAR4, len: 1}}), P510)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: map virtio 56@0 out of range on bar 4 length 1`)
  })
})

describe('pci_setup_device: subsystem device id by header type (drivers/pci/probe.c)', () => {
  const subsystemStep = (out: ReturnType<typeof predict>) => out.path.find((s) => s.rule.startsWith('subsystem device id'))

  it('CardBus (header 2) with the CardBus class 0x0607: PCI_CB_SUBSYSTEM_ID at 0x42', () => {
    const cfg = qemuTransitional({subsystem: 2}).set(0x0e, 1, 0x02).set(0x14, 1, 0x98).set(0x0a, 2, 0x0607).set(0x42, 2, 3)
    const out = predict(input(cfg, TRANSITIONAL_BARS), P61)
    expect(out).toMatchObject({rc: '0', virtioDeviceId: '0x3'})
    expect(subsystemStep(out)).toMatchObject({rule: 'subsystem device id (PCI_CB_SUBSYSTEM_ID)', detail: '0x3'})
  })

  it.each([0x0606, 0x0608])('CardBus with class %i: "bad" class, subsystem id 0', (cls) => {
    const cfg = qemuTransitional({subsystem: 2}).set(0x0e, 1, 0x02).set(0x14, 1, 0x98).set(0x0a, 2, cls).set(0x42, 2, 3)
    const out = predict(input(cfg, TRANSITIONAL_BARS), P61)
    expect(out.virtioDeviceId).toBe('0x0')
    expect(subsystemStep(out)?.rule).toBe(`subsystem device id (class 0x${cls.toString(16)} does not fit header type 2: ignored, subsystem id 0)`)
  })

  it.each([0x0603, 0x0605])('normal header with class %i next to the PCI bridge class: subsystem id read', (cls) => {
    const out = predict(input(qemuTransitional({subsystem: 2}).set(0x0a, 2, cls), TRANSITIONAL_BARS), P61)
    expect(out.virtioDeviceId).toBe('0x2')
    expect(subsystemStep(out)?.rule).toBe('subsystem device id (PCI_SUBSYSTEM_ID)')
  })

  it('normal header with the PCI bridge class 0x0604: subsystem id 0, named in the step', () => {
    const out = predict(input(qemuTransitional({subsystem: 2}).set(0x0a, 2, 0x0604), TRANSITIONAL_BARS), P61)
    expect(subsystemStep(out)).toMatchObject({rule: 'subsystem device id (class 0x604 does not fit header type 0: ignored, subsystem id 0)', detail: '0x0'})
  })

  it('bridge (header 1): the subsystem device id is the word at SSVID capability + 6', () => {
    const cfg = qemuTransitional({subsystem: 2}).set(0x0e, 1, 0x01).cap(0xb0, 0x0d).set(0xb6, 2, 4).chain(0xb0, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    const out = predict(input(cfg, TRANSITIONAL_BARS), P61)
    expect(out).toMatchObject({rc: '0', virtioDeviceId: '0x4'})
    expect(subsystemStep(out)?.rule).toBe('subsystem device id (SSVID capability at 0xb0)')
    expect(out.path.flatMap((s) => s.reads).find((r) => r.what === 'ssvid@0xb0.device')).toMatchObject({offset: '0xb6', width: 2})
  })

  it('bridge without an SSVID capability: subsystem id 0', () => {
    const out = predict(input(qemuTransitional({subsystem: 2}).set(0x0e, 1, 0x01), TRANSITIONAL_BARS), P61)
    expect(out.virtioDeviceId).toBe('0x0')
    expect(subsystemStep(out)?.rule).toBe('subsystem device id (bridge without an SSVID capability: 0)')
  })

  it('the subsystem id is read once even when both probes need it', () => {
    // The modern probe takes the transitional id, then finds no common cap (cfg_type 0x0c): -ENODEV,
    // and the legacy probe takes the id again from the cached pci_dev field.
    const cfg = qemuTransitional({subsystem: 2}).set(0x43, 1, 0x0c)
    const out = predict(input(cfg, TRANSITIONAL_BARS), P61)
    expect(out).toMatchObject({rc: '0', transport: 'legacy', virtioDeviceId: '0x2'})
    expect(out.path.filter((s) => s.rule.startsWith('subsystem device id'))).toHaveLength(1)
  })
})

describe('virtio_pci_probe: the virtio id of a failed probe', () => {
  it('modern -ENODEV after computing the id, legacy -ENODEV before it: the modern id is kept', () => {
    const out = predict(input(qemuModern().ids({device: 0x1041, capList: false}), MODERN_BARS), P612)
    expect(out).toMatchObject({rc: 'ENODEV', virtioDeviceId: '0x1', virtioType: 'net'})
  })

  it('force_legacy: legacy -ENODEV on the id range, then the modern id', () => {
    const out = predict(input(qemuModern({device: 0x1042}), MODERN_BARS, true), P61)
    expect(out).toMatchObject({rc: '0', transport: 'modern', virtioDeviceId: '0x2'})
  })

  it('no probe got as far as an id: no virtio id at all', () => {
    const out = predict(input(qemuTransitional({device: 0x1080}), TRANSITIONAL_BARS), P61)
    expect(out.virtioDeviceId).toBeUndefined()
    expect(out.virtioType).toBeUndefined()
  })
})

describe('undetermined: only the kind of evidence that is missing is named', () => {
  it('a missing config byte names offsets and no BARs; a missing BAR fact names BARs and no offsets', () => {
    const bytes = predict(input(qemuModern().unknown(0x7e), MODERN_BARS), P61)
    expect(bytes.undeterminedOffsets).toEqual(['0x7e'])
    expect(bytes.undeterminedBars).toBeUndefined()
    const bar = predict(input(qemuModern(), {1: MODERN_BARS[1], 4: 'unknown'}), P61)
    expect(bar.undeterminedBars).toEqual([4])
    expect(bar.undeterminedOffsets).toBeUndefined()
  })
})

describe('pci_iomap_range: a BAR with neither IORESOURCE_IO nor IORESOURCE_MEM gives NULL', () => {
  it.each([
    ['5.10', 'ENOMEM', 'modern'],
    ['6.1', 'EIO', 'none'],
  ])('legacy BAR 0 with a length and a start but no flags: pci_iomap fails (%s)', (p, errno, transport) => {
    const out = predict(input(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {type: 'none', len: 0x40, start: 0xc000}}, true), profile(p))
    expect(out.transport).toBe(transport)
    const step = out.path.find((s) => s.check === 'legacy.iomap-null')!
    expect(step.detail).toBe(`BAR 0 is neither IO nor MEM: region 0 released, -${errno}`)
  })

  it('legacy BAR 0 of length 0: pci_request_region returns 0 without a request, pci_iomap fails on the length', () => {
    const cfg = new ConfigBuilder().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false})
    const out = predict(input(cfg, {}), P61)
    expect(out.path.find((s) => s.rule === 'pci_request_region(0, "virtio-pci-legacy")')?.detail).toBe('BAR 0 has no length: returns 0 without a request')
    expect(out.path.find((s) => s.check === 'legacy.iomap-null')?.detail).toBe('pci_resource_len(0) 0 <= offset 0: region 0 released, -EIO')
    const withBar = predict(input(cfg, {0: {type: 'io', len: 0x40, start: 0xc000}}), P61)
    expect(withBar.path.find((s) => s.rule === 'pci_request_region(0, "virtio-pci-legacy")')?.detail).toBe('assumed free (a conflict would return -EBUSY)')
  })
})

describe('virtio_pci_find_capability: what each lookup records', () => {
  it('a reserved-BAR cap of another type is "other-type" for that lookup', () => {
    const cfg = qemuModern().virtioCap(0xa8, {cfgType: 1, bar: 7, offset: 0, length: 0x1000}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.capabilities.find((c) => c.lookup === 'isr' && c.offset === '0xa8')).toMatchObject({decision: 'other-type', reason: 'reserved BAR value 7 (bar >= PCI_STD_NUM_BARS)'})
  })
})

describe('virtio_pci_find_capability: a cycle of vendor caps never ends (ProbeHangs)', () => {
  it('names the cycle from its first repeated position', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
      .virtioCap(0x50, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: 4})
      .virtioCap(0x60, {cfgType: 4, bar: 4, offset: 0x2000, length: 0x1000})
      .chain(0x40, 0x50, 0x60)
      .set(0x61, 1, 0x50)
    const rec = new ProbeRecorder(input(cfg, MODERN_BARS))
    const walk = () => virtioPciFindCapability({rec, profile: P61, hdrType: 0, modernBars: {value: 0}}, 'common')
    expect(walk).toThrow(ProbeHangs)
    try {
      walk()
    } catch (e) {
      expect((e as ProbeHangs).cycle).toEqual([0x50, 0x60, 0x50])
    }
  })
})

describe('what the probe reads, by name (triage finds values by these names)', () => {
  it('vp_modern_probe: notify_off_multiplier, length and offset of the notify cap, each a dword', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P61)
    const reads = out.path.find((s) => s.rule.startsWith('notify_length + notify_offset % PAGE_SIZE'))!.reads
    expect(reads.map((r) => [r.what, r.offset, r.width])).toEqual([
      ['cap@0x70.notify_off_multiplier', '0x80', 4],
      ['cap@0x70.length', '0x7c', 4],
      ['cap@0x70.offset', '0x78', 4],
    ])
  })

  it('pci_iomap_range: the reason a map is NULL is named in the failing step', () => {
    const noStart = predict(input(qemuModern(), {1: MODERN_BARS[1], 4: {...MODERN_BAR4, start: 0}}), P61)
    expect(noStart.path.find((s) => s.check === 'map.iomap-null')?.rule).toBe('common: pci_iomap_range returns NULL (pci_resource_start(4) is 0)')
    const atEnd = predict(input(qemuModern().virtioCap(0x60, {cfgType: 4, bar: 4, offset: 0x4000, length: 0x1000}), MODERN_BARS), P61)
    expect(atEnd.path.find((s) => s.check === 'map.iomap-null')?.rule).toBe('device: pci_iomap_range returns NULL (pci_resource_len(4) 16384 <= offset 16384)')
  })

  it('vp_legacy_probe: a failed BAR 0 map is recorded with its length', () => {
    const out = predict(input(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {type: 'io', len: 0x40, start: 0}}, true), P61)
    expect(out.mappings).toEqual([{what: 'legacy-bar0', bar: 0, offset: '0x0', length: '0x40', ok: false}])
  })
})

describe('vp_modern_probe: a failed map ends the probe with -EINVAL, naming the structure', () => {
  it.each([
    ['common', 0x40, {cfgType: 1, bar: 4, offset: 2, length: 0x100}],
    ['isr', 0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0}],
    ['notify', 0x70, {cfgType: 2, bar: 4, offset: 0x3001, length: 0x100, mult: 4}],
    ['device', 0x60, {cfgType: 4, bar: 4, offset: 0x2002, length: 0x100}],
  ] as const)('%s map fails: "<what> map failed: -EINVAL", rc -EINVAL, nothing mapped after it', (what, at, spec) => {
    const out = predict(input(qemuModern().virtioCap(at, spec), MODERN_BARS), P61)
    expect(out).toMatchObject({rc: 'EINVAL', transport: 'none'})
    expect(out.path.filter((s) => s.rule.endsWith('map failed: -EINVAL')).map((s) => s.rule)).toEqual([`${what} map failed: -EINVAL`])
    expect(out.mappings[out.mappings.length - 1]).toMatchObject({what, ok: false})
    expect(out.configOps).toBeUndefined()
  })
})

describe('the kernel function and file each step names', () => {
  it('config ops are chosen in virtio_pci_modern_probe (virtio_pci_modern.c); the legacy BAR request in drivers/pci/pci.c', () => {
    const modern = predict(input(qemuModern(), MODERN_BARS), P61)
    expect(modern.path.find((s) => s.rule === 'config ops: with a device capability or without')).toMatchObject({
      fn: 'virtio_pci_modern_probe',
      kernelSource: 'drivers/virtio/virtio_pci_modern.c',
    })
    const legacy = predict(input(qemuTransitional(), TRANSITIONAL_BARS, true), P61)
    expect(legacy.path.find((s) => s.rule === 'pci_request_region(0, "virtio-pci-legacy")')).toMatchObject({fn: 'vp_legacy_probe', kernelSource: 'drivers/pci/pci.c'})
  })
})
