/**
 * The edges of the evidence builder (src/evidence/builder.ts): each warning in full, each cap at its
 * value and one past it, each kind of record routed where it belongs. Records come from the builders
 * of ./records.ts with the values of the real captures (pc-full-net-excerpt.log, pc-full-dmesg.txt,
 * the arm64 dmesg host bridge line `IO 0x3eff0000..0x3effffff -> 0x0000000000`, the legacy IDE quirk
 * lines of a real dmesg); counts one past a cap are built and say so.
 */
import {beforeEach, describe, expect, it} from 'vitest'
import {EvidenceBuilder, OTHER_MESSAGE_CAP} from '../../src/evidence/builder.js'
import type {DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import type {LspciBar, TraceRecord} from '../../src/ingest/records.js'
import {WarningSink} from '../../src/util/errors.js'
import {FILE, cfgRead, cfgWrite, kmsg, mapping, mem, nextSrc, resetLines, setStatus, tracedRead} from './records.js'

const NET = {slot: 2}
const WINDOW = 'pci-host-generic 4010000000.pcie:       IO 0x003eff0000..0x003effffff -> 0x0000000000'
const at = (line: number) => ({file: FILE, line})

function run(records: TraceRecord[], extra?: (b: EvidenceBuilder) => void): EvidenceSet {
  const b = new EvidenceBuilder(new WarningSink())
  for (const r of records) b.trace(r)
  extra?.(b)
  return b.finish()
}
const device = (set: EvidenceSet, bdf: string): DeviceEvidence => set.devices.find((d) => d.bdf === bdf)!
const warnings = (set: EvidenceSet) => set.warnings.map((w) => [w.code, w.message, w.source, w.count])

describe('EvidenceBuilder: kernel messages', () => {
  beforeEach(resetLines)

  it('a second kernel warns in full; the same release again does not', () => {
    const set = run([], (b) => {
      b.kmsg(kmsg('Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1'))
      b.kmsg(kmsg('Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1'))
      b.kmsg(kmsg('Linux version 6.12.57+deb13-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.12.57-1'))
    })
    expect(set.kernel).toEqual({release: '6.1.0-50-amd64', banner: expect.stringMatching(/^Linux version 6\.1\.0-50-amd64 /), src: at(1)})
    expect(warnings(set)).toEqual([['kernel-changed', 'a second kernel (6.12.57+deb13-amd64) after 6.1.0-50-amd64: logs of two boots?', at(3), 1]])
  })

  it('the first command line is kept; no kernel line, no command line: neither is in the set', () => {
    const set = run([], (b) => {
      b.kmsg(kmsg('Command line: console=ttyS0 loglevel=4 panic=-1'))
      b.kmsg(kmsg('Command line: console=ttyS0 virtio_pci.force_legacy=1'))
    })
    expect(set.cmdline).toEqual({text: 'console=ttyS0 loglevel=4 panic=-1', src: at(1)})
    const empty = run([])
    expect('kernel' in empty).toBe(false)
    expect('cmdline' in empty).toBe(false)
    expect(empty).toEqual({devices: [], otherMessages: [], inputs: [], warnings: []})
  })

  it('kernel messages naming no device: the first 20000 kept, the rest counted in one warning (built: 20001 lines)', () => {
    const b = new EvidenceBuilder(new WarningSink())
    for (let i = 0; i < OTHER_MESSAGE_CAP; i++) b.kmsg({kind: 'kmsg', text: `m${i}`, src: {file: 'dmesg.txt', line: i + 1}})
    const full = new EvidenceBuilder(new WarningSink())
    for (let i = 0; i < OTHER_MESSAGE_CAP + 1; i++) full.kmsg({kind: 'kmsg', text: `m${i}`, src: {file: 'dmesg.txt', line: i + 1}})
    const at20000 = b.finish()
    expect(at20000.otherMessages).toHaveLength(20000)
    expect(at20000.warnings).toEqual([])
    const past = full.finish()
    expect(past.otherMessages).toHaveLength(20000)
    expect(past.otherMessages.at(-1)?.text).toBe('m19999')
    expect(warnings(past)).toEqual([['messages-capped', 'kept 20000 kernel messages naming no device, 1 more not kept', undefined, 1]])
  })

  it('BAR lines: enumeration and `assigned` are the BAR; a quirk claim is not', () => {
    const set = run([], (b) => {
      b.kmsg(kmsg('pci 0000:00:01.1: BAR 0 [io  0x01f0-0x01f7]: legacy IDE quirk', '0000:00:01.1'))
      b.kmsg(kmsg('pci 0000:00:01.0: BAR 0 [io  0x1080-0x109f]: assigned', '0000:00:01.0'))
    })
    expect(device(set, '0000:00:01.1').bars[0]).toEqual({index: 0, sources: [], how: []})
    expect(device(set, '0000:00:01.1').messages.map((m) => m.text)).toEqual(['pci 0000:00:01.1: BAR 0 [io  0x01f0-0x01f7]: legacy IDE quirk'])
    expect(device(set, '0000:00:01.0').bars[0]).toEqual({index: 0, kind: 'io', is64: false, prefetchable: false, size: 0x20, addr: 0x1080, sources: [at(2)], how: ['dmesg']})
  })

  it('a message with a device that is no PCI address is kept as another message', () => {
    const set = run([], (b) => b.kmsg(kmsg('virtio-pci 0000:00:02.0: enabling device (0000 -> 0003)', 'not-a-bdf')))
    expect(set.devices).toEqual([])
    expect(set.otherMessages.map((m) => m.text)).toEqual(['virtio-pci 0000:00:02.0: enabling device (0000 -> 0003)'])
  })
})

describe('EvidenceBuilder: a host bridge I/O window after the accesses it covers', () => {
  beforeEach(resetLines)

  const io = (addr: number) => mem('read', 'virtio-pci', addr, 0, 1, '0xlegacy')

  it('an unattributed I/O access at either end of the window makes it late; one outside does not', () => {
    for (const [addr, late] of [[0x3eff0000, true], [0x3effffff, true], [0x3efeffff, false], [0x3f000000, false]] as const) {
      resetLines()
      const b = new EvidenceBuilder(new WarningSink())
      b.trace(io(addr))
      b.kmsg(kmsg(WINDOW))
      expect([addr, b.lateIoWindows.map((l) => [l.window.cpuStart, l.window.cpuEnd, l.src])]).toEqual([addr, late ? [[0x3eff0000, 0x3effffff, at(2)]] : []])
    }
  })

  it('a memory access there does not count; a window line naming a device is no host bridge window', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.trace(mem('read', 'virtio-pci-common-virtio-net', 0x3eff0010, 0, 1))
    b.kmsg(kmsg(WINDOW))
    expect(b.lateIoWindows).toEqual([])
    const named = new EvidenceBuilder(new WarningSink())
    named.trace(io(0x3eff0010))
    named.kmsg(kmsg(WINDOW, '0000:00:00.0'))
    expect(named.lateIoWindows).toEqual([])
  })

  it('256 distinct unattributed I/O addresses are remembered, the 257th not (built addresses)', () => {
    const with256 = new EvidenceBuilder(new WarningSink())
    for (let i = 0; i < 255; i++) with256.trace(io(0x1000 + i))
    with256.trace(io(0x3eff0010))
    with256.kmsg(kmsg(WINDOW))
    expect(with256.lateIoWindows).toHaveLength(1)
    const with257 = new EvidenceBuilder(new WarningSink())
    for (let i = 0; i < 256; i++) with257.trace(io(0x1000 + i))
    with257.trace(io(0x3eff0010))
    with257.kmsg(kmsg(WINDOW))
    expect(with257.lateIoWindows).toEqual([])
  })

  it('a window known before the trace attributes the access through it', () => {
    const b = new EvidenceBuilder(new WarningSink(), [{bridge: '4010000000.pcie', cpuStart: 0x3eff0000, cpuEnd: 0x3effffff, busStart: 0}])
    b.trace(mapping('add', 'virtio-net-pci', {slot: 1}, 0, 0x1000, 0x20))
    b.trace(mem('write', 'virtio-pci', 0x3eff1012, 1, 1))
    const set = b.finish()
    expect(device(set, '0000:00:01.0').regionAccesses.map((a) => [a.region, a.offset, a.addr])).toEqual([['legacy', 0x12, 0x3eff1012]])
    expect(b.lateIoWindows).toEqual([])
  })
})

describe('EvidenceBuilder: region accesses that belong to no device', () => {
  beforeEach(resetLines)

  it('unmapped and ambiguous accesses warn with the region name and the address', () => {
    const set = run([
      mapping('add', 'virtio-net-pci', NET, 4, 0xfebf4000, 0x4000),
      mapping('add', 'virtio-blk-pci', {slot: 3}, 4, 0xfebf4000, 0x4000),
      mem('read', 'virtio-pci-isr-virtio-net', 0xfebf5000, 0, 1),
      mem('read', 'virtio-pci-isr-virtio-net', 0xfe000000, 0, 1),
    ])
    expect(warnings(set)).toEqual([
      ['region-ambiguous', "access to 'virtio-pci-isr-virtio-net' at 0xfebf5000 lies in more than one mapped BAR: not attributed to a device", at(3), 1],
      ['region-unmapped', "access to 'virtio-pci-isr-virtio-net' at 0xfe000000 lies in no BAR mapped so far: not attributed to a device", at(4), 1],
    ])
  })

  it('an ambiguous I/O access is not remembered for a later window', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.trace(mapping('add', 'virtio-net-pci', NET, 0, 0x3eff0000, 0x20))
    b.trace(mapping('add', 'virtio-blk-pci', {slot: 3}, 0, 0x3eff0000, 0x20))
    b.trace(mem('read', 'virtio-pci', 0x3eff0010, 0, 1))
    b.kmsg(kmsg(WINDOW))
    expect(b.lateIoWindows).toEqual([])
  })

  it('a region read is no status write: only writes go to the status tracker', () => {
    const set = run([
      mapping('add', 'virtio-net-pci', NET, 4, 0xfebf4000, 0x4000),
      mem('read', 'virtio-pci-common-virtio-net', 0xfebf4014, 1, 1),
      setStatus('0xaaa', 1),
    ])
    expect(device(set, '0000:00:02.0').status).toEqual([])
    expect(set.warnings.map((w) => w.code)).toEqual(['status-untied'])
  })
})

describe('EvidenceBuilder: QEMU device names and absent functions', () => {
  beforeEach(resetLines)

  it('the second name of a BDF warns in full', () => {
    const set = run([cfgRead('virtio-net-pci', NET, 0x08, 0, 1), cfgRead('e1000', NET, 0x08, 0, 1)])
    expect(warnings(set)).toEqual([['machine-changed', '0000:00:02.0 is e1000 here but was virtio-net-pci before: traces of different machines in one input?', at(2), 1]])
    expect(device(set, '0000:00:02.0').qemuDevice).toBe('virtio-net-pci')
  })

  it('a pre-7.0 mapping event names no device: no name taken, no warning', () => {
    const set = run([mapping('add', '', NET, 1, 0xfebc0000, 0x1000), cfgRead('virtio-net-pci', NET, 0x08, 0, 1)])
    expect(set.warnings).toEqual([])
    expect(device(set, '0000:00:02.0').qemuDevice).toBe('virtio-net-pci')
    const only = run([mapping('add', '', NET, 1, 0xfebc0000, 0x1000)])
    expect(device(only, '0000:00:02.0').qemuDevice).toBeUndefined()
    expect(device(only, '0000:00:02.0').bars[1]).toMatchObject({size: 0x1000, addr: 0xfebc0000})
  })

  it('absent functions (`empty`) make no device from a mapping either', () => {
    expect(run([mapping('add', 'empty', NET, 1, 0xfebc0000, 0x1000)]).devices).toEqual([])
  })

  it('an event of QEMU before 7.0 (no bus) warns once that bus 0 is assumed', () => {
    const set = run([{...cfgRead('virtio-net-pci', NET, 0, 0x1af4), busUnknown: true}, {...cfgRead('virtio-net-pci', NET, 2, 0x1000), busUnknown: true}])
    expect(warnings(set)).toEqual([['cfg-bus-unknown', 'QEMU before 7.0 printed no bus number: functions are assumed to be on bus 0', at(1), 2]])
  })

  it('a mapping record sets the BAR and the region mapping; queue notifications are ignored', () => {
    const set = run([
      mapping('add', 'virtio-net-pci', NET, 4, 0xfebf4000, 0x4000),
      {kind: 'queue_notify', src: nextSrc(), vdev: '0xaaa', queue: 0} as unknown as TraceRecord,
      {kind: 'notify_write', src: nextSrc(), addr: 0xfebf7000, value: 0, size: 2} as unknown as TraceRecord,
      mem('write', 'virtio-pci-notify-virtio-net', 0xfebf7000, 0, 2),
    ])
    const d = device(set, '0000:00:02.0')
    expect(d.bars[4]).toMatchObject({size: 0x4000, addr: 0xfebf4000})
    expect(d.regionAccesses.map((a) => [a.region, a.offset, a.src])).toEqual([['notify', 0, at(4)]])
  })
})

describe('EvidenceBuilder: config writes', () => {
  beforeEach(resetLines)

  const sizing = (offset: number, programmed: number, mask: number) => [
    cfgRead('pcie-root-port', {slot: 1}, offset, programmed, 4),
    cfgWrite('pcie-root-port', {slot: 1}, offset, 0xffffffff, 4),
    cfgRead('pcie-root-port', {slot: 1}, offset, mask, 4),
    cfgWrite('pcie-root-port', {slot: 1}, offset, programmed, 4),
  ]

  it('a sizing write-back restores a BAR of the header type as read, not a register that is no BAR', () => {
    // the q35 root port (header type 1): 0x10 is BAR 0; 0x18 holds its bus numbers (0x00010100)
    const set = run([cfgRead('pcie-root-port', {slot: 1}, 0x0c, 0x00010000, 4), ...sizing(0x10, 0xfe800000, 0xfffff000), ...sizing(0x18, 0x00010100, 0x00ffffff)])
    const d = device(set, '0000:00:01.0')
    expect(d.config.byte(0x11)?.current.origin).toBe('restored')
    expect(d.config.byte(0x18)?.current).toMatchObject({origin: 'read', value: 0xff})
  })

  it('without a header type nothing is restored', () => {
    const set = run(sizing(0x10, 0xfe800000, 0xfffff000))
    expect(device(set, '0000:00:01.0').config.byte(0x11)?.current).toMatchObject({origin: 'read', value: 0xf0})
  })

  it('widths unknown: only the bytes the first read certainly covered are restored', () => {
    const records = [
      cfgRead('virtio-net-pci', NET, 0x0c, 0x0, 4),
      cfgRead('virtio-net-pci', NET, 0x10, 0xc081),
      cfgWrite('virtio-net-pci', NET, 0x10, 0xffffffff),
      cfgRead('virtio-net-pci', NET, 0x10, 0xffffffe1),
      cfgWrite('virtio-net-pci', NET, 0x10, 0xc081),
    ]
    const d = device(run(records), '0000:00:02.0')
    expect([0x10, 0x11, 0x12, 0x13].map((o) => [d.config.byte(o)?.current.origin, d.config.byte(o)?.current.value])).toEqual([
      ['restored', 0x81], ['restored', 0xc0], ['inferred', 0], ['inferred', 0],
    ])
  })
})

describe('EvidenceBuilder: dumps, resources and lspci facts', () => {
  beforeEach(resetLines)

  const dump = (bytes: Uint8Array, rowSources: {file: string; line?: number; record?: number}[]) =>
    ({kind: 'dump', src: {file: 'lspci.txt', line: 1}, domain: 0, bus: 0, slot: 2, func: 0, bytes, rowSources}) as const

  it('a text dump names each byte by its row; past the rows, the record', () => {
    const bytes = new Uint8Array(0x30).fill(0)
    const set = run([], (b) => b.dump(dump(bytes, [{file: 'lspci.txt', line: 2}, {file: 'lspci.txt', line: 3}])))
    const d = device(set, '0000:00:02.0')
    expect([0x0f, 0x10, 0x1f, 0x20].map((o) => d.config.byte(o)?.current.src)).toEqual([
      {file: 'lspci.txt', line: 2}, {file: 'lspci.txt', line: 3}, {file: 'lspci.txt', line: 3}, {file: 'lspci.txt', line: 1},
    ])
  })

  it('a binary dump (sysfs config) names each byte by its file offset', () => {
    const bytes = new Uint8Array(0x20).fill(0)
    const set = run([], (b) => b.dump(dump(bytes, [{file: 'config', record: 0}, {file: 'config', record: 16}])))
    expect([0x00, 0x0f, 0x11].map((o) => device(set, '0000:00:02.0').config.byte(o)?.current.src)).toEqual([{file: 'config', record: 0}, {file: 'config', record: 15}, {file: 'config', record: 17}])
  })

  it('a driver change warns in full; the same driver again does not; modules are kept', () => {
    const driver = (name: string, file: string, line: number) => ({kind: 'driver', src: nextSrc(), domain: 0, bus: 0, slot: 2, func: 0, driver: {name, src: {file, line}}}) as const
    const set = run([], (b) => {
      b.deviceFact(driver('virtio-pci', 'lspci.txt', 5))
      b.deviceFact(driver('virtio-pci', 'lspci.txt', 6))
      b.deviceFact(driver('vfio-pci', 'lspci2.txt', 5))
      b.deviceFact({kind: 'driver', src: nextSrc(), domain: 0, bus: 0, slot: 2, func: 0, modules: {names: ['virtio_pci'], src: {file: 'lspci.txt', line: 7}}})
    })
    expect(warnings(set)).toEqual([['driver-changed', '0000:00:02.0: driver vfio-pci here, virtio-pci in lspci.txt:6', {file: 'lspci2.txt', line: 5}, 1]])
    const d = device(set, '0000:00:02.0')
    expect(d.kernelDriver).toEqual({name: 'vfio-pci', src: {file: 'lspci2.txt', line: 5}})
    expect(d.kernelModules).toEqual({names: ['virtio_pci'], src: {file: 'lspci.txt', line: 7}})
  })

  it('lspci -v BAR lines without numbers: placed by a dump of the BAR registers, or a warning naming the block', () => {
    const bar = (l: Partial<LspciBar>): LspciBar => ({kind: 'mem', is64: false, prefetchable: false, ...l})
    // the capture's virtio-net BAR 0 (0xc081), BAR 1 (0xfebc0000) and BAR 4 (0xfebf400c, 64-bit)
    const lines = [
      {bar: bar({kind: 'io', start: 0xc080, size: 0x20}), src: {file: 'lspci.txt', line: 3}},
      {bar: bar({start: 0xfebc0000, size: 0x1000}), src: {file: 'lspci.txt', line: 3}},
      {bar: bar({is64: true, prefetchable: true, start: 0xfebf4000, size: 0x4000}), src: {file: 'lspci.txt', line: 4}},
    ]
    const unplaced = {kind: 'lspci-unplaced-bars', src: {file: 'lspci.txt', line: 2}, domain: 0, bus: 0, slot: 2, func: 0, lines, slots: 6, emptiesKnown: true} as const
    const lone = run([], (b) => b.deviceFact(unplaced))
    expect(warnings(lone)).toEqual([
      ['lspci-bar-index', 'lspci -v prints BARs without their number and no input tells which is which (use -vv, or add the -xxx dump of the same device); these BAR lines are ignored', {file: 'lspci.txt', line: 2}, 1],
    ])
    expect(device(lone, '0000:00:02.0').bars.every((b) => b.how.length === 0)).toBe(true)

    const registers = new Uint8Array(0x40)
    const v = new DataView(registers.buffer)
    v.setUint32(0x10, 0xc081, true)
    v.setUint32(0x14, 0xfebc0000, true)
    v.setUint32(0x20, 0xfebf400c, true)
    // BARs 2 and 3 have no line: with emptiesKnown they are empty slots
    const placed = run([], (b) => {
      b.deviceFact(unplaced)
      b.dump(dump(registers, [0, 1, 2, 3].map((i) => ({file: 'lspci.txt', line: 10 + i}))))
    })
    const bars = device(placed, '0000:00:02.0').bars
    expect(bars.map((b) => [b.index, b.size, b.addr, b.how])).toEqual([
      [0, 0x20, 0xc080, ['register', 'lspci']],
      [1, 0x1000, 0xfebc0000, ['register', 'lspci']],
      [2, 0, undefined, ['lspci']],
      [3, 0, undefined, ['lspci']],
      [4, 0x4000, 0xfebf4000, ['register', 'lspci']],
      [5, 0, undefined, ['upper-half']],
    ])
    expect(placed.warnings).toEqual([])
  })

  it('a dump that ends inside the BAR registers does not place unnumbered lines (32 bytes: BARs 4 and 5 unknown)', () => {
    // a legacy virtio device's BAR 0 (I/O) and BAR 1 (MSI-X memory), nothing said about BARs 2..5
    const lines = [
      {bar: {kind: 'io', is64: false, prefetchable: false, start: 0xc080, size: 0x20} as LspciBar, src: {file: 'lspci.txt', line: 3}},
      {bar: {kind: 'mem', is64: false, prefetchable: false, start: 0xfebc0000, size: 0x1000} as LspciBar, src: {file: 'lspci.txt', line: 4}},
    ]
    const registers = new Uint8Array(0x20)
    const v = new DataView(registers.buffer)
    v.setUint32(0x10, 0xc081, true)
    v.setUint32(0x14, 0xfebc0000, true)
    const set = run([], (b) => {
      b.deviceFact({kind: 'lspci-unplaced-bars', src: {file: 'lspci.txt', line: 2}, domain: 0, bus: 0, slot: 2, func: 0, lines, slots: 6, emptiesKnown: false})
      b.dump(dump(registers, [0, 1].map((i) => ({file: 'lspci.txt', line: 10 + i}))))
    })
    expect(set.warnings.map((w) => w.code)).toEqual(['lspci-bar-index'])
    expect(device(set, '0000:00:02.0').bars.every((b) => !b.how.includes('lspci'))).toBe(true)
    // the same dump with BARs 4 and 5 in it (0): the two lines are BARs 0 and 1
    const whole = new Uint8Array(0x40)
    whole.set(registers)
    const placed = run([], (b) => {
      b.deviceFact({kind: 'lspci-unplaced-bars', src: {file: 'lspci.txt', line: 2}, domain: 0, bus: 0, slot: 2, func: 0, lines, slots: 6, emptiesKnown: false})
      b.dump(dump(whole, [0, 1, 2, 3].map((i) => ({file: 'lspci.txt', line: 10 + i}))))
    })
    expect(placed.warnings).toEqual([])
    expect(device(placed, '0000:00:02.0').bars.filter((b) => b.how.includes('lspci')).map((b) => b.index)).toEqual([0, 1])
  })

  it('the BAR registers known only by reads do not place unnumbered lines', () => {
    const lines = [{bar: {kind: 'mem', is64: false, prefetchable: false, start: 0xfebc0000, size: 0x1000} as LspciBar, src: {file: 'lspci.txt', line: 3}}]
    const set = run(tracedRead('virtio-net-pci', NET, 0x14, 0xfebc0000, 4).concat(tracedRead('virtio-net-pci', NET, 0x10, 0xc081, 4)), (b) =>
      b.deviceFact({kind: 'lspci-unplaced-bars', src: {file: 'lspci.txt', line: 2}, domain: 0, bus: 0, slot: 2, func: 0, lines, slots: 6, emptiesKnown: false}),
    )
    expect(set.warnings.map((w) => w.code)).toContain('lspci-bar-index')
  })
})

describe('EvidenceBuilder.finish', () => {
  beforeEach(resetLines)

  it('devices in BDF order whatever the input order', () => {
    const set = run([cfgRead('virtio-blk-pci', {slot: 5}, 8, 0, 1), cfgRead('virtio-net-pci', {bus: 1, slot: 0}, 8, 0, 1), cfgRead('virtio-rng-pci', {slot: 3}, 8, 0, 1), cfgRead('i440FX', {slot: 0}, 8, 0, 1)])
    expect(set.devices.map((d) => d.bdf)).toEqual(['0000:00:00.0', '0000:00:03.0', '0000:00:05.0', '0000:01:00.0'])
  })

  it('domain (past 0xffff too), bus, slot and function each tell two functions apart; the same address again is the same function (built)', () => {
    const highest = {bus: 0xff, slot: 0x1f, func: 7}
    const set = run([
      cfgRead('a', {slot: 1, func: 0}, 0x08, 1, 1),
      {...cfgRead('b', {slot: 1, func: 0}, 0x08, 2, 1), domain: 1},
      // A domain past 0xffff (lspci -D prints up to 8 digits, as for a VMD domain 10000).
      {...cfgRead('g', {slot: 0, func: 0}, 0x08, 8, 1), domain: 0x10000},
      cfgRead('h', {slot: 0, func: 1}, 0x08, 9, 1),
      cfgRead('c', {bus: 1, slot: 1, func: 0}, 0x08, 3, 1),
      cfgRead('d', {slot: 0, func: 0}, 0x08, 4, 1),
      cfgRead('e', {slot: 1, func: 1}, 0x08, 5, 1),
      cfgRead('f', highest, 0x08, 6, 1),
      cfgRead('f', highest, 0x09, 7, 1),
    ])
    expect(set.devices.map((d) => [d.bdf, d.qemuDevice, d.config.byte(0x08)?.current.value])).toEqual([
      ['0000:00:00.0', 'd', 4],
      ['0000:00:00.1', 'h', 9],
      ['0000:00:01.0', 'a', 1],
      ['0000:00:01.1', 'e', 5],
      ['0000:01:01.0', 'c', 3],
      ['0000:ff:1f.7', 'f', 6],
      ['0001:00:01.0', 'b', 2],
      ['10000:00:00.0', 'g', 8],
    ])
    expect(device(set, '0000:ff:1f.7').config.byte(0x09)?.current.value).toBe(7)
  })

  it('unpaired config accesses are counted in one warning', () => {
    const set = run([...tracedRead('virtio-net-pci', NET, 0, 0x1af4, 2), cfgRead('virtio-net-pci', NET, 2, 0x1000), cfgRead('virtio-net-pci', NET, 4, 0x7)])
    expect(warnings(set)).toEqual([['cfg-width-unpaired', '2 config accesses had no matching pci-conf-data/MMCONFIG event: their widths are inferred', undefined, 1]])
  })

  it('a capability byte read as two values warns in full, naming the later read', () => {
    const set = run([
      cfgRead('virtio-net-pci', NET, 0x06, 0x10, 2),
      cfgRead('virtio-net-pci', NET, 0x34, 0x40, 1),
      cfgRead('virtio-net-pci', NET, 0x40, 0x0009, 2),
      cfgRead('virtio-net-pci', NET, 0x40, 0x0011, 2),
    ])
    expect(warnings(set)).toContainEqual(['config-readonly-changed', '0000:00:02.0: capability byte 0x40 read as 0x9 and later 0x11', at(4), 1])
  })

  it('a read-only header byte read as two values warns in full, naming both reads', () => {
    const set = run([cfgRead('virtio-net-pci', NET, 0x00, 0x1af4, 2), cfgRead('virtio-net-pci', NET, 0x00, 0x8086, 2)])
    expect(warnings(set)).toEqual([['config-readonly-changed', `0000:00:02.0: read-only config byte 0x0 was 0xf4 (${FILE}:1), now 0x86`, at(2), 2]])
  })

  it('lspci decoding a byte as another value than a read warns in full', () => {
    const set = run([cfgRead('virtio-net-pci', NET, 0x08, 0x00, 1)], (b) =>
      b.deviceFact({kind: 'decoded', src: {file: 'lspci.txt', line: 1}, domain: 0, bus: 0, slot: 2, func: 0, bytes: [{offset: 0x08, value: 0x01, src: {file: 'lspci.txt', line: 4}}]}),
    )
    expect(warnings(set)).toEqual([['lspci-decode-conflict', `0000:00:02.0: config byte 0x8 is 0x0 in ${FILE}:1 but lspci decoded 0x1 in lspci.txt:4`, {file: 'lspci.txt', line: 4}, 1]])
  })
})

describe('EvidenceBuilder: the config path without records', () => {
  beforeEach(resetLines)

  it('configPathAccess pairs like a memory record and counts as memory events traced', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.configPathAccess('write', 'index', 0xcf8, 0x80001000, 4, 1)
    b.trace(cfgRead('virtio-net-pci', NET, 0, 0x1af4))
    b.configPathAccess('read', 'data', 0xcfc, 0x1af4, 2, 3)
    b.trace(setStatus('0xaaa', 0))
    const set = b.finish()
    const d = device(set, '0000:00:02.0')
    expect(d.cfgReadWidths).toEqual({exact: 1, inferred: 0})
    expect(d.config.byte(1)?.current.origin).toBe('read')
    expect(d.config.byte(2)).toBeUndefined()
    // an event after a config-path access is no status write: 'qemu', as memory events are traced
    expect(set.warnings.map((w) => w.code)).toEqual(['status-untied'])
  })

  it('a config-path access ends the window of a status write', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.trace(mapping('add', 'virtio-net-pci', NET, 4, 0xfebf4000, 0x4000))
    b.trace(mem('write', 'virtio-pci-common-virtio-net', 0xfebf4014, 1, 1))
    b.configPathAccess('write', 'index', 0xcf8, 0x80001000, 4, 3)
    b.trace(setStatus('0xaaa', 1))
    expect(device(b.finish(), '0000:00:02.0').status).toEqual([])
  })
})

describe('EvidenceBuilder: more edges', () => {
  beforeEach(resetLines)

  it('every record counts in the input order that facts carry (seq)', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.kmsg(kmsg('Command line: console=ttyS0 loglevel=4 panic=-1')) // 1
    b.resource({kind: 'resource', src: nextSrc(), domain: 0, bus: 0, slot: 2, func: 0, index: 1, start: 0xfebc0000, end: 0xfebc0fff, flags: 0x40200}) // 2
    b.deviceFact({kind: 'decoded', src: nextSrc(), domain: 0, bus: 0, slot: 2, func: 0, bytes: [{offset: 0x08, value: 0x00, src: at(90)}]}) // 3
    b.dump({kind: 'dump', src: nextSrc(), domain: 0, bus: 0, slot: 2, func: 0, bytes: new Uint8Array([0xf4, 0x1a, 0x00, 0x10]), rowSources: [at(91)]}) // 4
    b.configPathAccess('write', 'index', 0xcf8, 0x8000100c, 4, 5) // 5
    b.trace(cfgRead('virtio-net-pci', NET, 0x0c, 0x0, 4)) // 6
    b.configPathAccess('read', 'data', 0xcfc, 0x0, 4, 7) // 7
    const d = device(b.finish(), '0000:00:02.0')
    expect([d.config.byte(0x08)?.current.seq, d.config.byte(0x00)?.current.seq, d.config.byte(0x0c)?.current.seq]).toEqual([3, 4, 6])
  })

  it('config-path events count as memory events: a QEMU status event keeps its cause', () => {
    const b = new EvidenceBuilder(new WarningSink())
    b.configPathAccess('write', 'index', 0xcf8, 0x80001004, 4, 1)
    b.configPathAccess('write', 'data', 0xcfc, 0x0003, 2, 2)
    b.trace(cfgWrite('virtio-net-pci', NET, 0x04, 0x0003))
    b.trace(setStatus('0xaaa', 0))
    b.configPathAccess('write', 'index', 0xcf8, 0x80001000, 4, 5)
    b.trace(setStatus('0xaaa', 0))
    expect(device(b.finish(), '0000:00:02.0').status.map((s) => s.cause)).toEqual(['command-write', 'qemu'])
  })

  it('a driver record without modules keeps the modules of an earlier one; endInput without a summary adds none', () => {
    const set = run([], (b) => {
      b.deviceFact({kind: 'driver', src: nextSrc(), domain: 0, bus: 0, slot: 2, func: 0, modules: {names: ['virtio_pci'], src: {file: 'lspci.txt', line: 3}}})
      b.deviceFact({kind: 'driver', src: nextSrc(), domain: 0, bus: 0, slot: 2, func: 0, driver: {name: 'virtio-pci', src: {file: 'lspci.txt', line: 2}}})
      b.endInput()
    })
    expect(device(set, '0000:00:02.0').kernelModules).toEqual({names: ['virtio_pci'], src: {file: 'lspci.txt', line: 3}})
    expect(set.inputs).toEqual([])
  })

  it('functions 00:00.1 and 00:08.0 are two devices (built)', () => {
    const set = run([cfgRead('PIIX3-ide', {slot: 0, func: 1}, 0x08, 0, 1), cfgRead('virtio-net-pci', {slot: 8}, 0x08, 0, 1)])
    expect(set.devices.map((d) => [d.bdf, d.qemuDevice])).toEqual([['0000:00:00.1', 'PIIX3-ide'], ['0000:00:08.0', 'virtio-net-pci']])
    expect(set.warnings).toEqual([])
  })

  it('an MMCONFIG value conflict names MMCONFIG; a memory event without a line names only its file', () => {
    const at1 = {bus: 1, slot: 0}
    const cfg = cfgRead('virtio-net-pci', at1, 0, 0x1af4)
    const set = run([cfg, mem('read', 'pcie-mmcfg-mmio', 0xb0100000, 0x1af5, 2)])
    expect(set.warnings.find((w) => w.code === 'cfg-value-conflict')?.message).toBe(
      `pci_cfg_read of 0000:01:00.0 offset 0x0 says 0x1af4, but the MMCONFIG read of the same access (${FILE}:2) says 0x1af5: conflicting evidence, the width stays unknown`,
    )
    resetLines()
    const noLine = {...mem('read', 'pcie-mmcfg-mmio', 0xb0100000, 0x1af5, 2), src: {file: 'trace-1234', record: 7}}
    const set2 = run([{...cfg, src: {file: 'trace-1234', record: 6}}, noLine])
    expect(set2.warnings.find((w) => w.code === 'cfg-value-conflict')?.message).toContain('MMCONFIG read of the same access (trace-1234) says 0x1af5')
  })

  it('an lspci -vv BAR line goes to its BAR', () => {
    const set = run([], (b) =>
      b.deviceFact({kind: 'lspci-bar', src: {file: 'lspci.txt', line: 4}, domain: 0, bus: 0, slot: 2, func: 0, index: 1, bar: {kind: 'mem', is64: false, prefetchable: false, start: 0xfebd2000, size: 0x1000}}),
    )
    expect(device(set, '0000:00:02.0').bars[1]).toEqual({index: 1, kind: 'mem', is64: false, prefetchable: false, size: 0x1000, addr: 0xfebd2000, sources: [{file: 'lspci.txt', line: 4}], how: ['lspci']})
  })

  it('unnumbered lines are placed by a dump that ends right after the BAR registers (built: 0x28 bytes)', () => {
    const registers = new Uint8Array(0x28)
    new DataView(registers.buffer).setUint32(0x14, 0xfebc0000, true)
    const lines = [{bar: {kind: 'mem', is64: false, prefetchable: false, start: 0xfebc0000, size: 0x1000} as LspciBar, src: {file: 'lspci.txt', line: 3}}]
    const set = run([], (b) => {
      b.deviceFact({kind: 'lspci-unplaced-bars', src: {file: 'lspci.txt', line: 2}, domain: 0, bus: 0, slot: 2, func: 0, lines, slots: 6, emptiesKnown: false})
      b.dump({kind: 'dump', src: {file: 'lspci.txt', line: 1}, domain: 0, bus: 0, slot: 2, func: 0, bytes: registers, rowSources: [0, 1, 2].map((i) => ({file: 'lspci.txt', line: 10 + i}))})
    })
    expect(set.warnings).toEqual([])
    expect(device(set, '0000:00:02.0').bars[1]).toMatchObject({size: 0x1000, addr: 0xfebc0000, how: ['register', 'lspci']})
  })
})
