import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {
  classifyKernelText,
  parseCommandLine,
  parseEnablingDevice,
  parseLinuxVersion,
  parsePciBarLine,
  parsePciEnumLine,
  parseProbeFailure,
  parseVirtioPciMessage,
} from '../../src/ingest/kmsg-lines.js'

describe('PCI enumeration lines', () => {
  it('reads the old and the 6.6+ formats', () => {
    expect(parsePciEnumLine('pci 0000:00:03.0: [1af4:1000] type 00 class 0x020000')).toEqual({bdf: '0000:00:03.0', vendor: 0x1af4, device: 0x1000, headerType: 0, classCode: 0x020000})
    expect(parsePciEnumLine('pci 0000:01:00.0: [1af4:1041] type 00 class 0x020000 PCIe Endpoint')).toMatchObject({device: 0x1041, portType: 'PCIe Endpoint'})
    expect(parsePciEnumLine('pci 0000:00:03.0: [1b36:000c] type 01 class 0x060400 PCIe Root Port')).toMatchObject({headerType: 1, portType: 'PCIe Root Port'})
    expect(parsePciEnumLine('pci 0000:00:00.0: [8086:29c0] type 00 class 0x060000 conventional PCI endpoint')).toMatchObject({portType: 'conventional PCI endpoint'})
    expect(parsePciEnumLine('virtio-pci 0000:00:03.0: [1af4:1000] type 00 class 0x020000')).toBeUndefined()
  })

  it('reads BARs: reg 0x.., BAR n, ROM, assignments; not bridge windows', () => {
    expect(parsePciBarLine('pci 0000:00:03.0: reg 0x10: [io  0xc000-0xc03f]')).toEqual({
      bdf: '0000:00:03.0', bar: 0, kind: 'io', start: 0xc000, end: 0xc03f, size: 0x40, is64: false, prefetchable: false, style: 'reg',
    })
    expect(parsePciBarLine('pci 0000:00:04.0: reg 0x20: [mem 0xfebf0000-0xfebf3fff 64bit pref]')).toMatchObject({bar: 4, kind: 'mem', size: 0x4000, is64: true, prefetchable: true})
    expect(parsePciBarLine('pci 0000:00:03.0: reg 0x30: [mem 0xfeb80000-0xfebbffff pref]')).toMatchObject({bar: 6, style: 'reg'})
    expect(parsePciBarLine('pci 0000:00:04.0: BAR 4 [mem 0xfe000000-0xfe003fff 64bit pref]')).toMatchObject({bar: 4, style: 'bar', is64: true, size: 0x4000})
    expect(parsePciBarLine('pci 0000:00:01.0: ROM [mem 0xfea00000-0xfea0ffff pref]')).toMatchObject({bar: 6, prefetchable: true})
    expect(parsePciBarLine('pci 0000:00:01.1: BAR 1 [io  0x03f6]: legacy IDE quirk')).toMatchObject({bar: 1, start: 0x3f6, end: 0x3f6, size: 1, note: 'legacy IDE quirk'})
    expect(parsePciBarLine('pci 0000:00:04.0: BAR 4: assigned [mem 0xfe000000-0xfe003fff 64bit pref]')).toMatchObject({bar: 4, note: 'assigned'})
    expect(parsePciBarLine('pci 0000:00:04.0: BAR 4 [mem 0xfe000000-0xfe003fff 64bit pref]: assigned')).toMatchObject({bar: 4, note: 'assigned'})
    expect(parsePciBarLine('pci 0000:00:03.0:   bridge window [mem 0xfe800000-0xfe9fffff]')).toBeUndefined()
    expect(parsePciBarLine('pci 0000:00:03.0: reg 0x18c: [mem 0x0-0x3fff 64bit]')).toBeUndefined()
  })
})

describe('banner, command line, enable, probe failures', () => {
  it('reads them', () => {
    expect(parseLinuxVersion('Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12)')?.release).toBe('6.1.0-28-amd64')
    expect(parseCommandLine('Command line: console=ttyS0 panic=-1')).toBe('console=ttyS0 panic=-1')
    expect(parseCommandLine('Kernel command line: console=ttyS0')).toBe('console=ttyS0')
    expect(parseEnablingDevice('virtio-pci 0000:00:03.0: enabling device (0000 -> 0003)')).toEqual({bdf: '0000:00:03.0', from: 0, to: 3})
    expect(parseProbeFailure('virtio-pci: probe of 0000:00:03.0 failed with error -22')).toEqual({driver: 'virtio-pci', bdf: '0000:00:03.0', error: -22, style: 'probe-of'})
    expect(parseProbeFailure('virtio-pci 0000:00:03.0: probe with driver virtio-pci failed with error -12')).toEqual({
      driver: 'virtio-pci', bdf: '0000:00:03.0', error: -12, style: 'probe-with-driver',
    })
  })
})

describe('virtio-pci messages (linux-virtio-pci-probe.md)', () => {
  const dev = 'virtio-pci 0000:00:03.0: '
  const cases: [string, object][] = [
    [`${dev}virtio_pci: leaving for legacy driver`, {kind: 'leaving-for-legacy'}],
    [`${dev}virtio_pci: missing capabilities 64/0/112`, {kind: 'missing-capabilities', common: 64, isr: 0, notify: 112}],
    [`${dev}Failed to enable 64-bit or 32-bit DMA.  Trying to continue, but this might not work.`, {kind: 'dma-mask-failed'}],
    [`${dev}virtio_pci: bar unexpectedly changed to 7`, {kind: 'bar-changed', bar: 7}],
    [`${dev}virtio_pci: bad capability len 0 (>0 expected)`, {kind: 'bad-cap-len', length: 0, expected: 0, strict: true}],
    [`${dev}virtio_pci: bad capability len 16 (>=56 expected)`, {kind: 'bad-cap-len', length: 16, expected: 56, strict: false}],
    [`${dev}virtio_pci: map wrap-around 4096+4294967295`, {kind: 'map-wrap-around', start: 4096, offset: 4294967295}],
    [`${dev}virtio_pci: offset 2 not aligned to 4`, {kind: 'offset-not-aligned', offset: 2, align: 4}],
    [`${dev}virtio_pci: map virtio 56@16384 out of range on bar 4 length 16384`, {kind: 'map-out-of-range', minlen: 56, offset: 16384, bar: 4, barLength: 16384}],
    [`${dev}virtio_pci: unable to map virtio 4096@0 on bar 4`, {kind: 'unable-to-map', length: 4096, offset: 0, bar: 4}],
    ['virtio_pci: expected ABI version 0, got 1', {kind: 'abi-version', expected: 0, got: 1}],
    [`${dev}bad queue size 3`, {kind: 'bad-queue-size', size: 3}],
    [`${dev}bad notification offset 1 (x 4) for queue 2 > 2`, {kind: 'bad-notify-offset', offset: 1, multiplier: 4, queue: 2, length: 2}],
    [`${dev}platform bug: legacy virtio-pci must not be used with RAM above 0x4000GB`, {kind: 'legacy-ram-above', limitGb: 0x4000}],
    ['virtio_net virtio0: virtio: device uses modern interface but does not have VIRTIO_F_VERSION_1', {kind: 'no-version-1'}],
    ['virtio_net virtio0: virtio: common cfg size(56) does not match the feature VIRTIO_F_RING_RESET', {kind: 'common-cfg-size', size: 56, feature: 'VIRTIO_F_RING_RESET'}],
  ]
  for (const [text, expected] of cases) {
    it(text, () => {
      expect(parseVirtioPciMessage(text)).toMatchObject(expected)
      const c = classifyKernelText(text)
      expect(c.tag).toMatch(/^virtio(-pci)?$/)
      if (text.startsWith(dev)) expect(c.bdf).toBe('0000:00:03.0')
    })
  }

  it('tags other lines', () => {
    expect(classifyKernelText('virtio-pci: probe of 0000:00:03.0 failed with error -22')).toEqual({bdf: '0000:00:03.0', tag: 'probe-failed'})
    expect(classifyKernelText('pci 0000:00:03.0: BAR 0: can\'t reserve [io  0xc000-0xc03f]')).toEqual({bdf: '0000:00:03.0', tag: 'pci-bar-conflict'})
    expect(classifyKernelText('virtio-pci 0000:00:03.0: enabling device (0000 -> 0003)')).toEqual({bdf: '0000:00:03.0', tag: 'pci-enable'})
    expect(classifyKernelText('ahci 0000:00:1f.2: version 3.0')).toEqual({bdf: '0000:00:1f.2'})
    expect(classifyKernelText('pci_bus 0000:00: root bus resource [io  0x0000-0x0cf7 window]')).toEqual({})
  })
})

describe('kernel line parsers: properties (10,000 runs)', () => {
  it('never throw, and only name well-formed BDFs', () => {
    const unit = fc.constantFrom(...'pci virtio-pci 0000:00:03.0: [1af4:1000] type class 0x reg BAR ROM [io mem 64bit pref] - virtio_pci probe of failed with error -22 ()'.split(/(?=\s)/))
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(unit, {maxLength: 12}).map((a) => a.join(''))), (text) => {
        const c = classifyKernelText(text)
        if (c.bdf !== undefined) expect(c.bdf).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/)
        for (const f of [parsePciEnumLine, parsePciBarLine, parseProbeFailure, parseVirtioPciMessage, parseEnablingDevice]) f(text)
      }),
      {numRuns: 10_000},
    )
  })

  it('round-trip generated BAR lines in both formats', () => {
    fc.assert(
      fc.property(fc.nat(5), fc.boolean(), fc.nat(2 ** 36), fc.integer({min: 4, max: 30}), fc.boolean(), fc.boolean(), (bar, io, base, log2, is64, pref) => {
        const size = 2 ** log2
        const start = Math.floor(base / size) * size
        const res = `[${io ? 'io ' : 'mem'} 0x${start.toString(16)}-0x${(start + size - 1).toString(16)}${!io && is64 ? ' 64bit' : ''}${!io && pref ? ' pref' : ''}]`
        for (const line of [`pci 0000:00:03.0: reg 0x${(0x10 + 4 * bar).toString(16)}: ${res}`, `pci 0000:00:03.0: BAR ${bar} ${res}`]) {
          expect(parsePciBarLine(line)).toMatchObject({bar, kind: io ? 'io' : 'mem', start, size, is64: !io && is64, prefetchable: !io && pref})
        }
      }),
      {numRuns: 10_000},
    )
  })
})
