import {beforeEach, describe, expect, it} from 'vitest'
import {EvidenceBuilder} from '../../src/evidence/builder.js'
import type {DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import type {TraceRecord} from '../../src/ingest/records.js'
import {WarningSink} from '../../src/util/errors.js'
import {cf8, cfgRead, cfgWrite, confData, kmsg, mapping, mem, nextSrc, resetLines, setStatus, tracedRead, tracedWrite} from './records.js'

const NET_A = {slot: 2}
const NET_B = {slot: 5}
const BAR4_A = 0xfebf4000
const BAR4_B = 0xfebf8000

function run(records: TraceRecord[], extra?: (b: EvidenceBuilder) => void): EvidenceSet {
  const b = new EvidenceBuilder(new WarningSink())
  for (const r of records) b.trace(r)
  extra?.(b)
  return b.finish()
}

const device = (set: EvidenceSet, bdf: string): DeviceEvidence => {
  const d = set.devices.find((x) => x.bdf === bdf)
  if (!d) throw new Error(`no ${bdf}`)
  return d
}
const codes = (set: EvidenceSet) => set.warnings.map((w) => w.code)

/** A virtio vendor capability, read dword by dword with known widths. */
function vendorCap(dev: string, at: {slot: number}, offset: number, next: number, cfgType: number, bar: number, regionOffset: number) {
  return [
    cfgRead(dev, at, offset, (0x09 | (next << 8) | (16 << 16) | (cfgType << 24)) >>> 0, 4),
    cfgRead(dev, at, offset + 4, bar, 4),
    cfgRead(dev, at, offset + 8, regionOffset, 4),
    cfgRead(dev, at, offset + 12, 0x1000, 4),
  ]
}

describe('EvidenceBuilder: devices and config', () => {
  beforeEach(resetLines)

  it('builds one device per traced function with its QEMU name, in BDF order', () => {
    const set = run([cfgRead('virtio-blk-pci', {slot: 3}, 0, 0x1af4, 2), cfgRead('virtio-net-pci', NET_A, 0, 0x1af4, 2)])
    expect(set.devices.map((d) => [d.bdf, d.qemuDevice, d.traced])).toEqual([
      ['0000:00:02.0', 'virtio-net-pci', true],
      ['0000:00:03.0', 'virtio-blk-pci', true],
    ])
  })

  it('absent functions (QEMU >= 8.0 `empty`) are not devices', () => {
    const set = run([cfgRead('empty', {slot: 10, func: 4}, 0, 0xffffffff)])
    expect(set.devices).toEqual([])
  })

  it('counts exact and inferred read widths', () => {
    const set = run([...tracedRead('virtio-net-pci', NET_A, 0, 0x1af4, 2), cfgRead('virtio-net-pci', NET_A, 2, 0x1000)])
    const d = device(set, '0000:00:02.0')
    expect(d.cfgReadWidths).toEqual({exact: 1, inferred: 1})
    expect(d.config.byte(0)?.current.origin).toBe('read')
    expect(d.config.byte(2)?.current.origin).toBe('read-narrowest')
  })

  it('warns once when memory events are traced but a config access has no partner', () => {
    const set = run([...tracedRead('virtio-net-pci', NET_A, 0, 0x1af4, 2), cfgRead('virtio-net-pci', NET_A, 2, 0x1000)])
    expect(codes(set)).toEqual(['cfg-width-unpaired'])
  })

  it('warns when one BDF carries two QEMU device names (two machines in one input)', () => {
    const set = run([cfgRead('virtio-net-pci', NET_A, 0, 0x1af4, 2), cfgRead('e1000', NET_A, 0, 0x8086, 2)])
    expect(codes(set)).toContain('machine-changed')
    expect(codes(set)).toContain('config-readonly-changed')
  })

  it('a dump and a resource file add a device with a domain', () => {
    const b = new EvidenceBuilder(new WarningSink())
    const bytes = new Uint8Array(64)
    bytes.set([0xf4, 0x1a, 0x41, 0x10])
    b.dump({kind: 'dump', src: nextSrc(), domain: 1, bus: 0, slot: 3, func: 0, bytes, rowSources: [nextSrc(), nextSrc(), nextSrc(), nextSrc()]})
    b.resource({kind: 'resource', src: nextSrc(), domain: 1, bus: 0, slot: 3, func: 0, index: 4, start: 0xfe000000, end: 0xfe003fff, flags: 0x14220c})
    const set = b.finish()
    const d = device(set, '0001:00:03.0')
    expect(d.traced).toBe(false)
    expect(d.config.knownCount).toBe(64)
    expect(d.config.byte(0x12)?.current.src.line).toBe(3)
    expect(d.bars[4]).toMatchObject({kind: 'mem', size: 0x4000, addr: 0xfe000000, is64: true})
    expect(d.bars[5]?.upperHalfOf).toBe(4)
  })

  it('warns when a capability header changes between reads', () => {
    const set = run([
      cfgRead('virtio-net-pci', NET_A, 0x34, 0x40, 1),
      cfgRead('virtio-net-pci', NET_A, 0x40, 0x0009, 2),
      cfgRead('virtio-net-pci', NET_A, 0x40, 0x0011, 2),
    ])
    expect(codes(set)).toContain('config-readonly-changed')
  })
})

describe('EvidenceBuilder: region accesses', () => {
  beforeEach(resetLines)

  const twoNets = () => [
    mapping('add', 'virtio-net-pci', NET_A, 4, BAR4_A, 0x4000),
    mapping('add', 'virtio-net-pci', NET_B, 4, BAR4_B, 0x4000),
    mapping('add', 'virtio-net-pci', NET_A, 0, 0xc080, 0x20),
  ]

  it('attributes regions of the same name to devices by address', () => {
    const set = run([
      ...twoNets(),
      mem('read', 'virtio-pci-common-virtio-net', BAR4_A + 0x14, 0, 1, '0xa'),
      mem('read', 'virtio-pci-common-virtio-net', BAR4_B + 0x14, 0, 1, '0xb'),
      mem('read', 'virtio-pci-device-virtio-net', BAR4_B + 0x2006, 1, 2, '0xc'),
    ])
    expect(device(set, '0000:00:02.0').regionAccesses.map((a) => [a.region, a.offset])).toEqual([['common', 0x14]])
    expect(device(set, '0000:00:05.0').regionAccesses.map((a) => [a.region, a.offset, a.addr, a.bar])).toEqual([
      ['common', 0x14, BAR4_B + 0x14, 4],
      ['device', 0x6, BAR4_B + 0x2006, 4],
    ])
    expect(device(set, '0000:00:05.0').regionSummary).toEqual([
      {region: 'common', reads: 1, writes: 0, first: expect.anything()},
      {region: 'device', reads: 1, writes: 0, first: expect.anything()},
    ])
  })

  it('attributes the legacy `virtio-pci` I/O region by address, offsets from the BAR base', () => {
    const set = run([...twoNets(), mem('write', 'virtio-pci', 0xc080 + 0x12, 1, 1)])
    expect(device(set, '0000:00:02.0').regionAccesses.map((a) => [a.region, a.offset])).toEqual([['legacy', 0x12]])
  })

  it('places modern regions from the capabilities when the guest read them', () => {
    const dev = 'virtio-net-pci'
    const set = run([
      cfgRead(dev, NET_A, 0x34, 0x40, 1),
      ...vendorCap(dev, NET_A, 0x40, 0x00, 1, 4, 0x2000),
      ...twoNets(),
      mem('write', 'virtio-pci-common-virtio-net', BAR4_A + 0x2014, 0, 1),
    ])
    expect(device(set, '0000:00:02.0').regionAccesses.map((a) => [a.region, a.offset])).toEqual([['common', 0x14]])
  })

  it('re-places a region instance once the caps become known (placement cache)', () => {
    const dev = 'virtio-net-pci'
    const access = () => mem('write', 'virtio-pci-common-virtio-net', BAR4_A + 0x2014, 0, 1, '0xsame')
    const set = run([...twoNets(), access(), cfgRead(dev, NET_A, 0x34, 0x40, 1), ...vendorCap(dev, NET_A, 0x40, 0x00, 1, 4, 0x2000), access()])
    expect(device(set, '0000:00:02.0').regionAccesses.map((a) => a.offset)).toEqual([0x2014, 0x14])
  })

  it('follows a BAR that QEMU maps elsewhere (placement cache)', () => {
    const access = (addr: number) => mem('read', 'virtio-pci-isr-virtio-net', addr, 0, 1, '0xisr')
    const set = run([
      ...twoNets(),
      access(BAR4_A + 0x1000),
      mapping('del', 'virtio-net-pci', NET_A, 4, BAR4_A, 0x4000),
      mapping('add', 'virtio-net-pci', NET_A, 4, 0xe0000000, 0x4000),
      access(0xe0001000),
    ])
    expect(device(set, '0000:00:02.0').regionAccesses.map((a) => [a.region, a.offset, a.addr])).toEqual([
      ['isr', 0, BAR4_A + 0x1000],
      ['isr', 0, 0xe0001000],
    ])
  })

  it('does not attribute accesses outside every current mapping', () => {
    const set = run([
      ...twoNets(),
      mapping('del', 'virtio-net-pci', NET_A, 4, BAR4_A, 0x4000),
      mem('read', 'virtio-pci-common-virtio-net', BAR4_A, 0, 4),
      mem('read', 'virtio-pci-isr-virtio-net', 0xd0000000, 0, 1),
    ])
    expect(device(set, '0000:00:02.0').regionAccesses).toEqual([])
    expect(codes(set)).toEqual(['region-unmapped'])
    expect(set.warnings[0]?.count).toBe(2)
  })

  it('caps the kept accesses per device and counts the rest', () => {
    const reads = Array.from({length: 4100}, () => mem('read', 'virtio-pci-isr-virtio-net', BAR4_A + 0x1000, 0, 1))
    const d = device(run([...twoNets(), ...reads]), '0000:00:02.0')
    expect(d.regionAccesses).toHaveLength(4096)
    expect(d.omittedRegionAccesses).toBe(4)
    expect(d.regionSummary[0]?.reads).toBe(4100)
  })

  it('ignores regions that are not virtio-pci registers', () => {
    const set = run([...twoNets(), mem('read', 'e1000-mmio', BAR4_A, 0, 4)])
    expect(device(set, '0000:00:02.0').regionAccesses).toEqual([])
    expect(set.warnings).toEqual([])
  })
})

describe('EvidenceBuilder: virtio status', () => {
  beforeEach(resetLines)

  const maps = () => [mapping('add', 'virtio-net-pci', NET_A, 4, BAR4_A, 0x4000), mapping('add', 'virtio-net-pci', NET_B, 4, BAR4_B, 0x4000)]
  const statusWrite = (base: number, val: number, vdev: string) => [
    mem('write', 'virtio-pci-common-virtio-net', base + 0x14, val, 1),
    setStatus(vdev, val),
  ]

  it('ties each vdev to the device whose device_status was just written', () => {
    const set = run([
      ...maps(),
      ...statusWrite(BAR4_B, 0, '0xbbb'),
      ...statusWrite(BAR4_A, 0, '0xaaa'),
      setStatus('0xaaa', 0), // virtio_reset right after, same vdev
      ...statusWrite(BAR4_A, 1, '0xaaa'),
      ...statusWrite(BAR4_B, 1, '0xbbb'),
      ...statusWrite(BAR4_B, 3, '0xbbb'),
      ...statusWrite(BAR4_B, 15, '0xbbb'),
    ])
    const a = device(set, '0000:00:02.0')
    const b = device(set, '0000:00:05.0')
    expect(a.status.map((s) => s.val)).toEqual([0, 0, 1])
    expect(b.status.map((s) => s.val)).toEqual([0, 1, 3, 15])
    expect([a.acknowledged, a.driverOk, b.acknowledged, b.driverOk]).toEqual([true, false, true, true])
    expect(b.status.every((s) => s.cause === 'status-write')).toBe(true)
  })

  it('ties through the legacy VIRTIO_PCI_STATUS register', () => {
    const set = run([
      mapping('add', 'virtio-net-pci', NET_A, 0, 0xc080, 0x20),
      mem('write', 'virtio-pci', 0xc080 + 0x12, 1, 1),
      setStatus('0xaaa', 1),
    ])
    expect(device(set, '0000:00:02.0').status.map((s) => [s.val, s.cause])).toEqual([[1, 'status-write']])
  })

  it('ties through a PCI command write (bus master off clears DRIVER_OK), across mapping events', () => {
    const set = run([
      cfgWrite('virtio-net-pci', NET_A, 4, 0x0003),
      mapping('del', 'virtio-net-pci', NET_A, 4, BAR4_A, 0x4000),
      setStatus('0xaaa', 0),
    ])
    expect(device(set, '0000:00:02.0').status.map((s) => [s.val, s.cause])).toEqual([[0, 'command-write']])
  })

  it('a command write that leaves bus mastering on ties nothing (QEMU sets no status then)', () => {
    // cfg-only trace: the driver's status write is not traced, only the event it causes
    const set = run([cfgWrite('virtio-net-pci', NET_A, 4, 0x0107), setStatus('0xaaa', 0)])
    expect(device(set, '0000:00:02.0').status).toEqual([])
    expect(codes(set)).toEqual(['status-untied'])
  })

  it('a write that does not cover the command register ties nothing', () => {
    const set = run([cfgWrite('virtio-net-pci', NET_A, 0x0d, 0x40), setStatus('0xaaa', 0)])
    expect(device(set, '0000:00:02.0').status).toEqual([])
    expect(codes(set)).toEqual(['status-untied'])
  })

  it('does not tie when the value is not the one written', () => {
    const set = run([...maps(), mem('write', 'virtio-pci-common-virtio-net', BAR4_A + 0x14, 1, 1), setStatus('0xaaa', 3)])
    expect(device(set, '0000:00:02.0').status).toEqual([])
  })

  it('any later access closes the window', () => {
    const set = run([...maps(), mem('write', 'virtio-pci-common-virtio-net', BAR4_A + 0x14, 1, 1), cfgRead('virtio-net-pci', NET_A, 0, 0x1af4, 2), setStatus('0xaaa', 1)])
    expect(device(set, '0000:00:02.0').status).toEqual([])
  })

  it('attributes earlier events of a vdev once it is tied, in input order', () => {
    const set = run([
      setStatus('0xaaa', 0),
      ...maps(),
      ...statusWrite(BAR4_A, 1, '0xaaa'),
      cfgRead('virtio-net-pci', NET_A, 0, 0x1af4, 2),
      setStatus('0xaaa', 1),
    ])
    expect(device(set, '0000:00:02.0').status.map((s) => [s.val, s.cause, s.src.line])).toEqual([
      [0, 'qemu', 1],
      [1, 'status-write', 5],
      [1, 'qemu', 7],
    ])
  })

  it('a command write followed by a status that is not the previous one minus DRIVER_OK is not tied to it', () => {
    // QEMU's VM-stop handler re-sets the current status (15) with no guest access behind it.
    const set = run([
      ...maps(),
      ...statusWrite(BAR4_A, 15, '0xaaa'),
      cfgWrite('virtio-net-pci', NET_B, 4, 0x0507),
      setStatus('0xaaa', 15),
    ])
    expect(set.warnings).toEqual([])
    expect(device(set, '0000:00:02.0').status.map((s) => s.cause)).toEqual(['status-write', 'qemu'])
    expect(device(set, '0000:00:05.0').status).toEqual([])
  })

  it('a command write to a device that is not a virtio proxy ties nothing', () => {
    const set = run([cfgWrite('pcie-root-port', {slot: 1}, 4, 0x0107), setStatus('0xaaa', 0)])
    expect(device(set, '0000:00:01.0').status).toEqual([])
    expect(codes(set)).toEqual(['status-untied'])
  })

  it("a status write's window binds to the first vdev: other vdevs' events right after are QEMU's", () => {
    // Real 5.10 trace: the guest's last status write, then QEMU's VM stop re-sets every device's status.
    const set = run([
      ...maps(),
      ...statusWrite(BAR4_B, 15, '0xbbb'),
      ...statusWrite(BAR4_A, 15, '0xaaa'),
      setStatus('0xaaa', 15),
      setStatus('0xbbb', 15),
    ])
    expect(set.warnings).toEqual([])
    expect(device(set, '0000:00:05.0').status.map((s) => s.cause)).toEqual(['status-write', 'qemu'])
  })

  it('a widthless write at offset 4 and an exact dword write at 0 both decide by coverage', () => {
    const set = run([
      ...tracedWrite('virtio-net-pci', NET_A, 0, 0x00070000, 4), // dword at 0 does not cover offset 4
      setStatus('0xaaa', 0),
      ...tracedWrite('virtio-net-pci', NET_B, 4, 0x0003, 2),
      setStatus('0xbbb', 0),
    ])
    expect(device(set, '0000:00:02.0').status).toEqual([])
    expect(device(set, '0000:00:05.0').status.map((s) => s.cause)).toEqual(['command-write'])
  })
})

describe('EvidenceBuilder: kernel messages', () => {
  beforeEach(resetLines)

  it('takes the kernel release, the command line, per-device messages and BAR lines', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.kmsg(kmsg('Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1'))
    b.kmsg(kmsg('Command line: console=ttyS0 loglevel=4 panic=-1'))
    b.kmsg(kmsg('pci 0000:00:02.0: [1af4:1000] type 00 class 0x020000', '0000:00:02.0'))
    b.kmsg(kmsg('pci 0000:00:02.0: BAR 0 [io  0xc080-0xc09f]', '0000:00:02.0'))
    b.kmsg(kmsg('pci 0000:00:02.0: reg 0x20: [mem 0xfebf4000-0xfebf7fff 64bit pref]', '0000:00:02.0'))
    b.kmsg(kmsg('pci 0000:00:02.0: ROM [mem 0xfeb80000-0xfebbffff pref]', '0000:00:02.0'))
    b.kmsg(kmsg('Run /init as init process'))
    const set = b.finish()
    expect(set.kernel?.release).toBe('6.1.0-50-amd64')
    expect(set.cmdline?.text).toBe('console=ttyS0 loglevel=4 panic=-1')
    const d = device(set, '0000:00:02.0')
    expect(d.messages).toHaveLength(4)
    expect(d.traced).toBe(false)
    expect(d.bars[0]).toMatchObject({kind: 'io', size: 0x20, addr: 0xc080, how: ['dmesg']})
    expect(d.bars[4]).toMatchObject({kind: 'mem', is64: true, prefetchable: true, size: 0x4000, addr: 0xfebf4000})
    expect(d.bars[5]?.upperHalfOf).toBe(4)
    expect(set.otherMessages.map((m) => m.text)).toEqual([
      expect.stringMatching(/^Linux version/),
      expect.stringMatching(/^Command line/),
      'Run /init as init process',
    ])
  })

  it('warns about a second, different kernel', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.kmsg(kmsg('Linux version 6.1.0-50-amd64 (x)'))
    b.kmsg(kmsg('Linux version 6.12.57+deb13-amd64 (x)'))
    const set = b.finish()
    expect(set.kernel?.release).toBe('6.1.0-50-amd64')
    expect(codes(set)).toEqual(['kernel-changed'])
  })

  it('records input summaries and ends pairing at each input boundary', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.trace(cfgRead('virtio-net-pci', NET_A, 0, 0x1af4))
    b.endInput({file: 'a.log', format: 'qemu-log', bytes: 10, records: 1, unknownEvents: {}})
    const set = b.finish()
    expect(set.inputs.map((i) => i.file)).toEqual(['a.log'])
    expect(device(set, '0000:00:02.0').config.byte(0)?.current.origin).toBe('read-narrowest')
  })
})

describe('EvidenceBuilder: contradicting evidence', () => {
  beforeEach(resetLines)

  it('a pci_cfg value that differs from the pci-conf-data value of the same access is a conflict naming both lines', () => {
    const cfg = cfgRead('virtio-net-pci', NET_A, 0, 0x1af4)
    const data = confData('read', 0, 0x1af5, 2)
    const set = run([cf8(NET_A, 0), cfg, data])
    const w = set.warnings.find((x) => x.code === 'cfg-value-conflict')
    expect(w?.message).toBe(
      `pci_cfg_read of 0000:00:02.0 offset 0x0 says 0x1af4, but the pci-conf-data read of the same access (${data.src.file}:${data.src.line}) says 0x1af5: conflicting evidence, the width stays unknown`,
    )
    expect(w?.source).toEqual(cfg.src)
    expect(codes(set)).not.toContain('cfg-width-unpaired')
  })
})
