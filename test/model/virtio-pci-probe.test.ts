import {describe, expect, it} from 'vitest'
import {predict, probe} from '../../src/model/virtio-pci-probe.js'
import {
  BDF,
  ConfigBuilder,
  LEGACY_BAR0,
  MODERN_BAR4,
  MODERN_BARS,
  MSIX_BAR1,
  TRANSITIONAL_BARS,
  input,
  qemuModern,
  qemuTransitional,
} from './builders.js'
import {ALL_NAMES, P510, P61, P612, profile} from './helpers.js'

const PREFIX = `virtio-pci ${BDF}: `

describe('virtio_pci_probe: a QEMU modern-only device (virtio_pci_common.c)', () => {
  it.each([
    ['5.10', '0x38'],
    ['6.1', '0x3c'],
    ['6.12', '0x40'],
    ['mainline', '0x40'],
  ])('vp_modern_probe maps common with the profile size (%s)', (p, mapped) => {
    const out = predict(input(qemuModern(), MODERN_BARS), profile(p))
    expect(out.rc).toBe('0')
    expect(out.transport).toBe('modern')
    expect(out.virtioDeviceId).toBe('0x1')
    expect(out.virtioType).toBe('net')
    expect(out.messages).toEqual([])
    expect(out.configOps).toBe('virtio_pci_config_ops')
    expect(out.modernBars).toBe('0x10')
    expect(out.notify).toEqual({multiplier: '0x4', mode: 'whole'})
    const common = out.mappings.find((m) => m.what === 'common')!
    expect(common).toMatchObject({bar: 4, offset: '0x0', length: '0x1000', minlen: 56, align: 4, mappedLength: mapped, ok: true})
    expect(out.mappings.map((m) => [m.what, m.mappedLength])).toEqual([
      ['common', mapped],
      ['isr', '0x1'],
      ['notify', '0x1000'],
      ['device', '0x1000'],
    ])
    expect(out.driverMatched).toBe(true)
  })

  it('virtio_pci_find_capability: walks the vendor caps newest to oldest and takes common at 0x40', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P61)
    const common = out.capabilities.filter((c) => c.lookup === 'common')
    expect(common.map((c) => [c.offset, c.decision])).toEqual([
      ['0x84', 'other-type'],
      ['0x70', 'other-type'],
      ['0x60', 'other-type'],
      ['0x50', 'other-type'],
      ['0x40', 'chosen'],
    ])
  })

  it('records every read with its width, value and evidence line', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P61)
    const ids = out.path[0]!.reads[0]!
    expect(ids).toEqual({what: 'PCI_VENDOR_ID/PCI_DEVICE_ID', offset: '0x0', width: 4, value: '0x10411af4', sources: ['config.txt:1']})
    const firstCheck = out.path.find((s) => s.fn === 'vp_modern_map_capability')!
    expect(firstCheck.rule).toBe('common: bar >= PCI_STD_NUM_BARS || !(modern_bars & (1 << bar))')
    expect(firstCheck.reads.map((r) => r.what)).toEqual(['cap@0x40.bar', 'cap@0x40.offset', 'cap@0x40.length'])
    const lenStep = out.path.find((s) => s.rule === 'common: length <= start')!
    expect(lenStep.reads).toEqual([])
    expect(lenStep.kernelSource).toBe('drivers/virtio/virtio_pci_modern_dev.c')
  })

  it('5.10 names the inline virtio_pci_modern_probe and map_capability (virtio_pci_modern.c)', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P510)
    expect(out.path.some((s) => s.fn === 'virtio_pci_modern_probe' && s.kernelSource === 'drivers/virtio/virtio_pci_modern.c')).toBe(true)
    expect(out.path.some((s) => s.fn === 'map_capability')).toBe(true)
    expect(out.path.some((s) => s.fn === 'vp_modern_probe')).toBe(false)
  })

  it('reads the exact widths the kernel uses (PCI_STATUS word, list head byte, cap header word, bar byte, offset/length dword)', () => {
    const cfg = qemuModern()
    predict(input(cfg, MODERN_BARS), P61)
    const widthAt = (o: number) => new Set(cfg.reads.filter((r) => r.offset === o).map((r) => r.width))
    expect(widthAt(0x06)).toEqual(new Set([2]))
    expect(widthAt(0x34)).toEqual(new Set([1]))
    expect(widthAt(0x98)).toEqual(new Set([2]))
    expect(widthAt(0x44)).toEqual(new Set([1]))
    expect(widthAt(0x48)).toEqual(new Set([4]))
    expect(widthAt(0x4c)).toEqual(new Set([4]))
    expect(widthAt(0x80)).toEqual(new Set([4]))
    expect(widthAt(0x85)).toEqual(new Set([1]))
    expect(cfg.reads.some((r) => r.offset === 0x42)).toBe(false) // cap_len is never read
  })
})

describe('device ids (vp_modern_probe / vp_legacy_probe)', () => {
  it.each(ALL_NAMES)('vp_modern_probe + vp_legacy_probe: 1af4:1110 (ivshmem) is outside 0x1000..0x107f: -ENODEV, silent (%s)', (p) => {
    const cfg = new ConfigBuilder().ids({device: 0x1110, revision: 1}).chain()
    const out = predict(input(cfg, {2: {type: 'mem', len: 0x100000, start: 0xfe000000}}), profile(p))
    expect(out.rc).toBe('ENODEV')
    expect(out.transport).toBe('none')
    expect(out.messages).toEqual([])
    expect(out.driverMatched).toBe(true)
    expect(out.path.filter((s) => s.result === 'fail').map((s) => s.rule)).toEqual([
      'device id outside 0x1000..0x107f',
      'device id outside 0x1000..0x103f',
      '-ENODEV / -ENXIO: "rejects match" at debug level only',
    ])
  })

  it('vp_modern_probe: device 0x0fff is below the range: -ENODEV', () => {
    const out = predict(input(qemuModern({device: 0x0fff}), MODERN_BARS), P61)
    expect(out.rc).toBe('ENODEV')
  })

  it('vp_modern_probe: transitional id takes the virtio id from the subsystem device id', () => {
    const out = predict(input(qemuTransitional({device: 0x1000, subsystem: 2}), TRANSITIONAL_BARS), P61)
    expect(out.transport).toBe('modern')
    expect(out.virtioDeviceId).toBe('0x2')
    expect(out.virtioType).toBe('block')
  })

  it('vp_modern_probe: a modern id is device - 0x1040, the subsystem id is never read', () => {
    const cfg = qemuModern({device: 0x1042}).unknown(0x2c, 0x2d, 0x2e, 0x2f)
    const out = predict(input(cfg, MODERN_BARS), P612)
    expect(out.rc).toBe('0')
    expect(out.virtioDeviceId).toBe('0x2')
  })

  it('pci_match_device: vendor 8086 is not in virtio_pci_id_table: never probed', () => {
    const cfg = new ConfigBuilder().ids({vendor: 0x8086, device: 0x1237}).chain()
    const out = predict(input(cfg, {}), P61)
    expect(out.driverMatched).toBe(false)
    expect(out.transport).toBe('none')
    expect(out.messages).toEqual([])
  })
})

describe('the driver core report of a failed probe (dd.c)', () => {
  const missingNotify = () =>
    new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000})
      .virtioCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
      .chain(0x50, 0x40)

  it.each([
    ['5.10', 'warn', 'virtio-pci: probe of 0000:00:03.0 failed with error -22', 'really_probe'],
    ['6.1', 'warn', 'virtio-pci: probe of 0000:00:03.0 failed with error -22', 'call_driver_probe'],
    ['6.12', 'err', 'virtio-pci 0000:00:03.0: probe with driver virtio-pci failed with error -22', 'call_driver_probe'],
    ['mainline', 'err', 'virtio-pci 0000:00:03.0: probe with driver virtio-pci failed with error -22', 'call_driver_probe'],
  ])('vp_modern_probe: missing notify -> "missing capabilities" with offsets, then dd.c (%s)', (p, level, ddMessage, fn) => {
    const out = predict(input(missingNotify(), MODERN_BARS), profile(p))
    expect(out.rc).toBe('EINVAL')
    expect(out.transport).toBe('none')
    expect(out.messages).toEqual([`${PREFIX}virtio_pci: missing capabilities 64/80/0`, ddMessage])
    expect(out.messageDetails.map((m) => m.level)).toEqual(['err', level])
    expect(out.path[out.path.length - 1]!.fn).toBe(fn)
  })

  it('vp_modern_probe: missing isr -> "missing capabilities 64/0/112"', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000})
      .virtioCap(0x70, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: 4})
      .chain(0x70, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: missing capabilities 64/0/112`)
  })
})

describe('pci_find_capability / __pci_find_next_cap_ttl (drivers/pci/pci.c)', () => {
  it('PCI_STATUS_CAP_LIST clear: no capabilities, "leaving for legacy driver", the legacy probe takes a transitional device', () => {
    const cfg = qemuTransitional().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false})
    const out = predict(input(cfg, TRANSITIONAL_BARS), P61)
    expect(out.transport).toBe('legacy')
    expect(out.rc).toBe('0')
    expect(out.messages).toEqual([`${PREFIX}virtio_pci: leaving for legacy driver`])
    expect(out.messageDetails[0]!.level).toBe('info')
    expect(out.capabilities).toEqual([])
    expect(out.configOps).toBe('virtio_pci_config_ops')
    expect(out.mappings).toEqual([{what: 'legacy-bar0', bar: 0, offset: '0x0', length: '0x40', ok: true, mappedLength: '0x40'}])
  })

  it('PCI_STATUS_CAP_LIST clear on a modern-only device: both probes -ENODEV, only the info line', () => {
    const cfg = qemuModern().ids({device: 0x1041, capList: false})
    const out = predict(input(cfg, MODERN_BARS), P612)
    expect(out.rc).toBe('ENODEV')
    expect(out.messages).toEqual([`${PREFIX}virtio_pci: leaving for legacy driver`])
  })

  it('a cycle of vendor caps that never yields the wanted type: the kernel loops forever -> rc hang', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
      .virtioCap(0x50, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: 4})
      .chain(0x40, 0x50)
      .set(0x51, 1, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.rc).toBe('hang')
    expect(out.transport).toBe('none')
    const last = out.path[out.path.length - 1]!
    expect(last).toMatchObject({fn: 'virtio_pci_find_capability', result: 'fail'})
    expect(last.rule).toContain('0x40 reached again')
  })

  it('a cycle found only by a later lookup: common is found, the isr lookup hangs', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000})
      .virtioCap(0x50, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: 4})
      .chain(0x40, 0x50)
      .set(0x51, 1, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.rc).toBe('hang')
    expect(out.capabilities.filter((c) => c.lookup === 'common').map((c) => c.decision)).toEqual(['chosen'])
  })

  it('TTL 48: a cycle of non-vendor caps ends the walk (returns 0) instead of hanging', () => {
    const cfg = new ConfigBuilder().ids({device: 0x1000, revision: 0, subsystem: 1}).cap(0x40, 0x11).cap(0x50, 0x05).chain(0x40, 0x50).set(0x51, 1, 0x40)
    const out = predict(input(cfg, TRANSITIONAL_BARS), P61)
    expect(out.rc).toBe('0')
    expect(out.transport).toBe('legacy')
    expect(out.messages).toEqual([`${PREFIX}virtio_pci: leaving for legacy driver`])
    // pci_find_capability: 1 head byte + 48 header words, for each of the 4 lookups? No: only common is looked up.
    const words = out.path.flatMap((s) => s.reads).filter((r) => r.what.endsWith('.id/next'))
    expect(words).toHaveLength(48)
  })

  it('pos &= ~3: a list head of 0x43 reaches the cap at 0x40', () => {
    const cfg = qemuModern().set(0x34, 1, 0x9b)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.rc).toBe('0')
  })

  it('a next pointer below 0x40 ends the list; id 0xff ends the list', () => {
    const below = qemuTransitional().set(0x85, 1, 0x3c)
    expect(predict(input(below, TRANSITIONAL_BARS), P61).transport).toBe('legacy')
    // 0x3c looks like a vendor cap whose next is 0x70, but pos < 0x40 ends the walk before reading it
    const lookalike = qemuTransitional().set(0x85, 1, 0x3c).set(0x3c, 1, 0x09).set(0x3d, 1, 0x70)
    expect(predict(input(lookalike, TRANSITIONAL_BARS), P61).transport).toBe('legacy')
    const ff = qemuTransitional().set(0x70, 1, 0xff)
    expect(predict(input(ff, TRANSITIONAL_BARS), P61).transport).toBe('legacy')
  })
})

describe('virtio_pci_find_capability (virtio_pci_modern_dev.c)', () => {
  it('a common cap on an empty BAR (upper half of a 64-bit BAR) is skipped and a later one wins', () => {
    const cfg = qemuModern().virtioCap(0xa8, {cfgType: 1, bar: 5, offset: 0, length: 0x1000}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.rc).toBe('0')
    const first = out.capabilities.find((c) => c.lookup === 'common')!
    expect(first).toMatchObject({offset: '0xa8', decision: 'skipped', reason: 'pci_resource_len(5) is 0'})
    expect(out.mappings[0]!.capOffset).toBe('0x40')
  })

  it.each([
    ['5.10', 'bar > 0x5'],
    ['6.1', 'bar >= PCI_STD_NUM_BARS'],
  ])('bar >= 6 is reserved and skipped (%s)', (p, rule) => {
    const cfg = qemuModern().virtioCap(0xa8, {cfgType: 1, bar: 7, offset: 0, length: 0x1000}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    const out = predict(input(cfg, MODERN_BARS), profile(p))
    expect(out.rc).toBe('0')
    expect(out.capabilities[0]).toMatchObject({offset: '0xa8', decision: 'skipped', reason: `reserved BAR value 7 (${rule})`})
  })

  it('a BAR with a length but neither IO nor MEM flags is skipped', () => {
    const out = predict(input(qemuModern(), {1: MSIX_BAR1, 4: {type: 'none', len: 0x4000, start: 0}}), P61)
    expect(out.capabilities.find((c) => c.offset === '0x40')).toMatchObject({decision: 'skipped'})
    expect(out.rc).toBe('ENODEV')
  })

  it('modern_bars collects every chosen BAR (notify on an I/O BAR 2)', () => {
    const cfg = qemuModern().virtioCap(0x70, {cfgType: 2, bar: 2, offset: 0, length: 4, mult: 0})
    const out = predict(input(cfg, {...MODERN_BARS, 2: {type: 'io', len: 4, start: 0xc040}}), P61)
    expect(out.rc).toBe('0')
    expect(out.modernBars).toBe('0x14')
    expect(out.notify).toEqual({multiplier: '0x0', mode: 'whole'})
  })
})

describe('vp_modern_map_capability checks, in order', () => {
  const withCap = (at: number, spec: Parameters<ConfigBuilder['virtioCap']>[1]) => qemuModern().virtioCap(at, spec)

  it.each(['5.10', '6.1', '6.12'])('length - start < minlen: common length 55 vs 56 -> "bad capability len 55 (>=56 expected)" (%s)', (p) => {
    const out = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 55}), MODERN_BARS), profile(p))
    expect(out.rc).toBe('EINVAL')
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: bad capability len 55 (>=56 expected)`)
    expect(out.mappings).toEqual([expect.objectContaining({what: 'common', ok: false, length: '0x37'})])
  })

  it('length <= start: common length 0 -> "bad capability len 0 (>0 expected)"', () => {
    const out = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0}), MODERN_BARS), P61)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: bad capability len 0 (>0 expected)`)
  })

  it('length <= start: a device cap of length 0 fails too (minlen 0)', () => {
    const out = predict(input(withCap(0x60, {cfgType: 4, bar: 4, offset: 0x2000, length: 0}), MODERN_BARS), P61)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: bad capability len 0 (>0 expected)`)
    expect(out.rc).toBe('EINVAL')
  })

  it('offset & (align - 1): common at offset 2 -> "offset 2 not aligned to 4"', () => {
    const out = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 2, length: 0x100}), MODERN_BARS), P61)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: offset 2 not aligned to 4`)
  })

  it('offset & (align - 1): notify at an odd offset -> "offset 12289 not aligned to 2"', () => {
    const out = predict(input(withCap(0x70, {cfgType: 2, bar: 4, offset: 0x3001, length: 0x100, mult: 4}), MODERN_BARS), P61)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: offset 12289 not aligned to 2`)
  })

  it('minlen + offset > pci_resource_len(bar): "map virtio 56@16352 out of range on bar 4 length 16384"', () => {
    const out = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 0x3fe0, length: 0x1000}), MODERN_BARS), P61)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: map virtio 56@16352 out of range on bar 4 length 16384`)
  })

  it('only minlen is tested against the BAR: a longer structure is clipped by pci_iomap_range', () => {
    const out = predict(input(withCap(0x40, {cfgType: 1, bar: 4, offset: 0x3fc8, length: 0x1000}), MODERN_BARS), P61)
    expect(out.rc).toBe('0')
    expect(out.mappings[0]).toMatchObject({what: 'common', mappedLength: '0x38', kernelLength: '0x3c'})
  })

  it('pci_iomap_range NULL: device cap at the very end of the BAR -> "unable to map virtio 4096@16384 on bar 4"', () => {
    const out = predict(input(withCap(0x60, {cfgType: 4, bar: 4, offset: 0x4000, length: 0x1000}), MODERN_BARS), P61)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: unable to map virtio 4096@16384 on bar 4`)
  })

  it('pci_iomap_range NULL: a BAR with no start address -> "unable to map virtio 60@0 on bar 4"', () => {
    const out = predict(input(qemuModern(), {1: MSIX_BAR1, 4: {...MODERN_BAR4, start: 0}}), P61)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: unable to map virtio 60@0 on bar 4`)
  })

  it.each([
    ['6.1', 'virtio_pci: bar unexpectedly changed to 3'],
    ['6.12', 'virtio_pci: bar unexpectedly changed to 3'],
  ])('5.19+ bar >= PCI_STD_NUM_BARS || !(modern_bars & 1 << bar): the BAR byte changes between lookup and map (%s)', (p, text) => {
    const cfg = qemuModern().changesTo(0x44, 3)
    const out = predict(input(cfg, MODERN_BARS), profile(p))
    expect(out.rc).toBe('EINVAL')
    expect(out.messages[0]).toBe(`${PREFIX}${text}`)
  })

  it('5.10 has no BAR re-check: the changed BAR is used, and the range check fails on its length', () => {
    const cfg = qemuModern().changesTo(0x44, 3)
    const out = predict(input(cfg, MODERN_BARS), P510)
    expect(out.messages[0]).toBe(`${PREFIX}virtio_pci: map virtio 56@0 out of range on bar 3 length 0`)
  })

  it.each([
    ['5.10', 'modern_bars stay requested (no release on this error path)'],
    ['6.1', 'pci_release_selected_regions(modern_bars)'],
  ])('a map failure returns -EINVAL; region release on the error path (%s)', (p, detail) => {
    const out = predict(input(withCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0}), MODERN_BARS), profile(p))
    expect(out.rc).toBe('EINVAL')
    expect(out.path.find((s) => s.rule === 'isr map failed: -EINVAL')?.detail).toBe(detail)
  })
})

describe('vp_modern_probe: notify mapping mode (notify_map_cap)', () => {
  it('notify_length + offset % PAGE_SIZE > PAGE_SIZE: per-queue, nothing mapped now (page-per-vq)', () => {
    const cfg = qemuModern({mult: 0x1000}).virtioCap(0x70, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x400000, mult: 0x1000})
    const out = predict(input(cfg, {1: MSIX_BAR1, 4: {...MODERN_BAR4, len: 0x800000}}), P61)
    expect(out.rc).toBe('0')
    expect(out.notify).toEqual({multiplier: '0x1000', mode: 'per-queue'})
    expect(out.mappings.map((m) => m.what)).toEqual(['common', 'isr', 'device'])
  })

  it('the page offset counts: 0x800 bytes at 0x3800 fit the page, 0x801 do not', () => {
    const fit = qemuModern().virtioCap(0x70, {cfgType: 2, bar: 4, offset: 0x3800, length: 0x800, mult: 4})
    expect(predict(input(fit, MODERN_BARS), P61).notify?.mode).toBe('whole')
    const over = qemuModern().virtioCap(0x70, {cfgType: 2, bar: 4, offset: 0x3800, length: 0x801, mult: 4})
    expect(predict(input(over, MODERN_BARS), P61).notify?.mode).toBe('per-queue')
  })

  it('no device capability: virtio_pci_config_nodev_ops and no device map', () => {
    const cfg = qemuModern().set(0x63, 1, 0x0c)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.configOps).toBe('virtio_pci_config_nodev_ops')
    expect(out.mappings.map((m) => m.what)).toEqual(['common', 'isr', 'notify'])
  })
})

describe('force_legacy and the legacy probe', () => {
  it.each(ALL_NAMES)('force_legacy: the legacy probe takes a transitional device first (%s)', (p) => {
    const out = predict(input(qemuTransitional({subsystem: 2, device: 0x1001}), TRANSITIONAL_BARS, true), profile(p))
    expect(out.transport).toBe('legacy')
    expect(out.virtioDeviceId).toBe('0x2')
    expect(out.messages).toEqual([])
    expect(out.modernBars).toBeUndefined()
  })

  it('force_legacy on a modern-only device: legacy -ENODEV (id range), modern probe succeeds', () => {
    const out = predict(input(qemuModern(), MODERN_BARS, true), P61)
    expect(out.transport).toBe('modern')
  })

  it('virtio_pci_legacy_probe (5.10): revision != 0 prints "expected ABI version 0, got 1" without a prefix, then modern', () => {
    const out = predict(input(qemuTransitional({revision: 1}), TRANSITIONAL_BARS, true), P510)
    expect(out.transport).toBe('modern')
    expect(out.messages).toEqual(['virtio_pci: expected ABI version 0, got 1'])
    expect(out.messageDetails[0]!.level).toBe('err')
  })

  it.each(['6.1', '6.12'])('vp_legacy_probe (%s): revision != 0 is silent', (p) => {
    const out = predict(input(qemuTransitional({revision: 1}), TRANSITIONAL_BARS, true), profile(p))
    expect(out.transport).toBe('modern')
    expect(out.messages).toEqual([])
  })

  it('5.10: BAR0 cannot be mapped -> -ENOMEM, so force_legacy falls back to modern', () => {
    const out = predict(input(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {type: 'io', len: 0x40, start: 0}}, true), P510)
    expect(out.transport).toBe('modern')
    expect(out.mappings[0]).toMatchObject({what: 'legacy-bar0', ok: false})
  })

  it.each([
    ['6.1', 'virtio-pci: probe of 0000:00:03.0 failed with error -5'],
    ['6.12', 'virtio-pci 0000:00:03.0: probe with driver virtio-pci failed with error -5'],
  ])('5.17+: BAR0 cannot be mapped -> -EIO, no modern fallback (%s)', (p, msg) => {
    const out = predict(input(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {type: 'io', len: 0x40, start: 0}}, true), profile(p))
    expect(out.rc).toBe('EIO')
    expect(out.transport).toBe('none')
    expect(out.messages).toEqual([msg])
  })

  it.each([
    ['5.10', 'ENOMEM', 'virtio-pci: probe of 0000:00:03.0 failed with error -12'],
    ['6.1', 'EIO', 'virtio-pci: probe of 0000:00:03.0 failed with error -5'],
  ])('legacy-only device with an empty BAR0: pci_request_region returns 0, pci_iomap fails (%s)', (p, rc, dd) => {
    const cfg = new ConfigBuilder().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false})
    const out = predict(input(cfg, {}), profile(p))
    expect(out.rc).toBe(rc)
    expect(out.messages).toEqual([`${PREFIX}virtio_pci: leaving for legacy driver`, dd])
  })

  it('the legacy probe does not check that BAR0 is I/O: a MEM BAR0 is mapped', () => {
    const cfg = new ConfigBuilder().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false})
    const out = predict(input(cfg, {0: {type: 'mem', len: 0x1000, start: 0xfe000000}}), P612)
    expect(out.transport).toBe('legacy')
  })

  it('without force_legacy, a transitional device is driven by the modern probe', () => {
    const out = predict(input(qemuTransitional(), TRANSITIONAL_BARS), P61)
    expect(out.transport).toBe('modern')
  })
})

describe('undetermined: evidence the kernel needs is missing', () => {
  it('an unknown byte of the notify length makes the outcome undetermined, naming the offsets', () => {
    const cfg = qemuModern().unknown(0x7e)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.rc).toBe('undetermined')
    expect(out.undeterminedOffsets).toEqual(['0x7e'])
    const last = out.path[out.path.length - 1]!
    expect(last).toMatchObject({fn: 'evidence', result: 'fail'})
    expect(last.reads[last.reads.length - 1]).toMatchObject({what: 'cap@0x70.length', value: 'unknown'})
  })

  it('an unknown pci_resource_len makes it undetermined, naming the BAR', () => {
    const out = predict(input(qemuModern(), {1: MSIX_BAR1, 4: 'unknown'}), P61)
    expect(out.rc).toBe('undetermined')
    expect(out.undeterminedBars).toEqual([4])
  })

  it('unknown bytes the kernel never reads do not matter (MSI-X body, cap_len)', () => {
    const cfg = qemuModern().unknown(0x9a, 0x9b, 0x42, 0x52, 0x62, 0x72)
    expect(predict(input(cfg, MODERN_BARS), P61).rc).toBe('0')
  })

  it('cached pci_dev fields count only where the probe uses them: class and revision of a modern device', () => {
    expect(predict(input(qemuModern().unknown(0x08, 0x09, 0x0a, 0x0b), MODERN_BARS), P61).rc).toBe('0')
    const legacyFirst = predict(input(qemuTransitional().unknown(0x08), TRANSITIONAL_BARS, true), P61)
    expect(legacyFirst).toMatchObject({rc: 'undetermined', undeterminedOffsets: ['0x8']})
  })

  it('an unknown subsystem id (or class) leaves only the virtio id unknown: nothing else depends on it', () => {
    const classUnknown = predict(input(qemuTransitional().unknown(0x0b), TRANSITIONAL_BARS), P61)
    expect(classUnknown).toMatchObject({rc: '0', transport: 'modern', virtioDeviceIdUnknownOffsets: ['0xb']})
    expect(classUnknown.virtioDeviceId).toBeUndefined()
    const legacy = predict(input(qemuTransitional().unknown(0x2e, 0x2f), TRANSITIONAL_BARS, true), P510)
    expect(legacy).toMatchObject({rc: '0', transport: 'legacy', virtioDeviceIdUnknownOffsets: ['0x2e', '0x2f']})
  })

  it('a short-circuit keeps an unknown flag out: a zero-length BAR is skipped without reading its flags', () => {
    const cfg = qemuModern().virtioCap(0xa8, {cfgType: 1, bar: 5, offset: 0, length: 0x1000}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    const out = predict(input(cfg, {...MODERN_BARS, 5: {len: 0}}), P61)
    expect(out.rc).toBe('0')
  })

  it('inferred bytes are flagged on the read and on the outcome', () => {
    const cfg = qemuModern().markInferred(0x4e)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.usesInferred).toBe(true)
    expect(out.path.flatMap((s) => s.reads).find((r) => r.what === 'cap@0x40.length')).toMatchObject({inferred: true})
    expect(predict(input(qemuModern(), MODERN_BARS), P61).usesInferred).toBeUndefined()
  })
})

describe('probe(): outcome plus spec lints', () => {
  it('returns the lints apart from the predicted outcome', () => {
    const res = probe(input(qemuModern({mult: 3}), MODERN_BARS), P61)
    expect(res.predicted.rc).toBe('0')
    expect(res.lints.map((l) => l.code)).toContain('notify-multiplier')
  })

  it('carries the kernel profile it was computed for', () => {
    expect(predict(input(qemuModern(), MODERN_BARS), P61).kernel).toEqual({profile: '6.1', version: '6.1.192'})
  })

  it('legacy BAR facts: LEGACY_BAR0 is the default legacy BAR', () => {
    expect(LEGACY_BAR0.type).toBe('io')
  })
})
