/**
 * The kernel's comparisons at their edges: each test names the kernel function and the rule it pins,
 * and puts the input at value - 1 / value / value + 1 so that `<` against `<=` (and the like) changes
 * its result. Written for the survivors of mutation testing (`npm run mutation`); the oracle fuzzer's
 * boundary seeds (src/oracle/fuzz/seeds.ts) check the same edges against the kernel's own code.
 */
import {describe, expect, it} from 'vitest'
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
