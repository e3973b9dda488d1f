/**
 * The edges of the region attribution (src/evidence/regions.ts) and the status tracker (status.ts) not
 * covered by regions-status.test.ts:
 * the host bridge I/O window at its ends (the arm64 `virt` window of the real dmesg lines, CPU
 * 0x3eff0000..0x3effffff -> PCI I/O 0), the last BAR index, and the placement cache. Addresses one off
 * a boundary are built and say so.
 */
import {describe, expect, it} from 'vitest'
import {DeviceState} from '../../src/evidence/device-state.js'
import {RegionAttributor, spaceOfRegion} from '../../src/evidence/regions.js'
import {StatusTracker} from '../../src/evidence/status.js'
import type {MemOpRecord, SetStatusRecord} from '../../src/ingest/records.js'
import {WarningSink} from '../../src/util/errors.js'

const src = (line: number) => ({file: 'trace.log', line})
const state = (slot: number) => new DeviceState({domain: 0, bus: 0, slot, func: 0}, () => {})
const mem = (addr: number, name: string, o: Partial<MemOpRecord> = {}): MemOpRecord => ({kind: 'mem', op: 'read', cpu: 0, mr: '0x55d0', addr, value: 0, size: 1, name, src: src(1), ...o})
const WINDOW = {bridge: '4010000000.pcie', cpuStart: 0x3eff0000, cpuEnd: 0x3effffff, busStart: 0}
const offsetOf = (r: ReturnType<RegionAttributor['attribute']>) => (typeof r === 'string' ? r : r.access.offset)

describe('spaceOfRegion', () => {
  it('the legacy block and PIO notify are I/O, the rest memory', () => {
    expect((['legacy', 'notify-pio', 'common', 'isr', 'device', 'notify', 'msix-table', 'msix-pba'] as const).map(spaceOfRegion)).toEqual(['io', 'io', 'mem', 'mem', 'mem', 'mem', 'mem', 'mem'])
  })
})

describe('RegionAttributor: the host bridge I/O window', () => {
  const attributor = () => {
    const a = new RegionAttributor()
    a.ioWindow(WINDOW)
    // the legacy BAR 0 of the arm64 captures' first virtio device, at PCI I/O 0x1000
    a.mapped(state(1), 0, 'add', 0x0, 0x20)
    return a
  }

  it('its first and last CPU addresses are inside; one past either end is not (built)', () => {
    const a = attributor()
    expect([a.inIoWindow(0x3efeffff), a.inIoWindow(0x3eff0000), a.inIoWindow(0x3effffff), a.inIoWindow(0x3f000000)]).toEqual([false, true, true, false])
    expect(offsetOf(a.attribute(mem(0x3eff0012, 'virtio-pci', {mr: ''}), 'legacy'))).toBe(0x12)
    // outside the window an I/O address is a bus address as printed
    expect(offsetOf(a.attribute(mem(0x12, 'virtio-pci', {mr: ''}), 'legacy'))).toBe(0x12)
  })

  it('a window to bus address 0x1000 (the older kernels\' form) shifts by it', () => {
    const a = new RegionAttributor()
    a.ioWindow({...WINDOW, busStart: 0x1000})
    a.mapped(state(1), 0, 'add', 0x1000, 0x20)
    expect(offsetOf(a.attribute(mem(0x3eff0012, 'virtio-pci', {mr: ''}), 'legacy'))).toBe(0x12)
  })

  it('memory regions are never translated', () => {
    const a = new RegionAttributor()
    a.ioWindow(WINDOW)
    a.mapped(state(1), 4, 'add', 0x3eff0000, 0x4000)
    expect(offsetOf(a.attribute(mem(0x3eff0014, 'virtio-pci-common-virtio-net', {mr: ''}), 'common'))).toBe(0x14)
  })

  it('the same window twice is kept once and keeps placements valid; another one is added', () => {
    const a = attributor()
    const access = mem(0x3eff0012, 'virtio-pci')
    expect(offsetOf(a.attribute(access, 'legacy'))).toBe(0x12)
    a.ioWindow({...WINDOW})
    expect(offsetOf(a.attribute(access, 'legacy'))).toBe(0x12)
    // a second window over the same CPU range to another bus range: the first one found still applies
    a.ioWindow({...WINDOW, busStart: 0x1000})
    expect(offsetOf(a.attribute(access, 'legacy'))).toBe(0x12)
    const b = new RegionAttributor()
    b.ioWindow({...WINDOW, cpuEnd: 0x3eff7fff})
    b.ioWindow(WINDOW)
    expect([b.inIoWindow(0x3eff8000), b.inIoWindow(0x3eff7fff)]).toEqual([true, true])
    const c = new RegionAttributor()
    c.ioWindow({...WINDOW, cpuStart: 0x3eff8000})
    c.ioWindow(WINDOW)
    expect(c.inIoWindow(0x3eff0000)).toBe(true)
  })

  it('a window learnt after a placement drops it (generation)', () => {
    const a = new RegionAttributor()
    a.mapped(state(1), 0, 'add', 0x0, 0x20)
    a.mapped(state(2), 0, 'add', 0x3eff0000, 0x20)
    const access = mem(0x3eff0012, 'virtio-pci')
    const first = a.attribute(access, 'legacy')
    expect(typeof first !== 'string' && first.device.bdf).toBe('0000:00:02.0')
    a.ioWindow(WINDOW)
    const second = a.attribute(access, 'legacy')
    expect(typeof second !== 'string' && second.device.bdf).toBe('0000:00:01.0')
  })
})

describe('RegionAttributor: BARs and the placement cache', () => {
  it('BAR 5 is the last BAR that holds registers; 6 (the ROM) does not (built: a device with its registers in BAR 5)', () => {
    const a = new RegionAttributor()
    const d = state(3)
    a.mapped(d, 5, 'add', 0xfe000000, 0x4000)
    expect(a.attribute(mem(0xfe000014, 'virtio-pci-common-virtio-net'), 'common')).toMatchObject({device: d, access: {bar: 5, offset: 0x14}})
  })

  it('removing a mapping drops the placement of a region instance', () => {
    const a = new RegionAttributor()
    const d = state(3)
    a.mapped(d, 4, 'add', 0xfe000000, 0x4000)
    const access = mem(0xfe000014, 'virtio-pci-common-virtio-net')
    expect(offsetOf(a.attribute(access, 'common'))).toBe(0x14)
    a.mapped(d, 4, 'del', 0xfe000000, 0x4000)
    expect(a.attribute(access, 'common')).toBe('unmapped')
  })

  it('two region instances of one name at two devices are placed each on its own', () => {
    const a = new RegionAttributor()
    const d3 = state(3)
    const d4 = state(4)
    a.mapped(d3, 4, 'add', 0xfe000000, 0x4000)
    a.mapped(d4, 4, 'add', 0xfe004000, 0x4000)
    const on3 = a.attribute(mem(0xfe000014, 'virtio-pci-common-virtio-net', {mr: '0xa'}), 'common')
    const on4 = a.attribute(mem(0xfe004014, 'virtio-pci-common-virtio-net', {mr: '0xb'}), 'common')
    const again3 = a.attribute(mem(0xfe000014, 'virtio-pci-common-virtio-net', {mr: '0xa'}), 'common')
    expect([on3, on4, again3].map((r) => typeof r !== 'string' && [r.device.bdf, r.access.offset])).toEqual([
      ['0000:00:03.0', 0x14], ['0000:00:04.0', 0x14], ['0000:00:03.0', 0x14],
    ])
    // one instance, two names (built): each name has its own placement
    const isr = a.attribute(mem(0xfe001000, 'virtio-pci-isr-virtio-net', {mr: '0xa'}), 'isr')
    expect(typeof isr !== 'string' && [isr.access.region, isr.access.offset]).toEqual(['isr', 0])
    const common = a.attribute(mem(0xfe000014, 'virtio-pci-common-virtio-net', {mr: '0xa'}), 'common')
    expect(typeof common !== 'string' && [common.access.region, common.access.offset]).toEqual(['common', 0x14])
  })

  it('a cached placement is used up to the last byte of its BAR; past it the access is placed again', () => {
    const a = new RegionAttributor()
    const d = state(3)
    a.mapped(d, 4, 'add', 0xfe000000, 0x4000)
    expect(offsetOf(a.attribute(mem(0xfe003000, 'virtio-pci-notify-virtio-net'), 'notify'))).toBe(0)
    expect(offsetOf(a.attribute(mem(0xfe003fff, 'virtio-pci-notify-virtio-net'), 'notify'))).toBe(0xfff)
    expect(a.attribute(mem(0xfe004000, 'virtio-pci-notify-virtio-net'), 'notify')).toBe('unmapped')
    expect(a.attribute(mem(0xfdffffff, 'virtio-pci-notify-virtio-net'), 'notify')).toBe('unmapped')
  })
})

describe('StatusTracker: the window of a PCI_COMMAND write, one byte at a time', () => {
  const status = (vdev: string, val: number, line = 10): SetStatusRecord => ({kind: 'status', vdev, val, src: src(line)})
  const tied = (offset: number, value: number, width: number | undefined, qemuDevice?: string) => {
    const t = new StatusTracker(new WarningSink())
    const d = state(3)
    if (qemuDevice) d.qemuDevice = qemuDevice
    t.cfgWrite(d, offset, value, width)
    t.status(status('0xa', 0), 1)
    return d.toEvidence(new WarningSink(), true).status.map((s) => s.cause)
  }

  it('a byte write at 0x03 ends before PCI_COMMAND; a byte write at 0x04 is it; a word at 0x05 is past it', () => {
    expect([tied(0x03, 0x00, 1), tied(0x04, 0x03, 1), tied(0x05, 0x00, 2)]).toEqual([[], ['command-write'], []])
  })

  it('bus mastering is bit 2 of the command byte: 0x03 clears it, 0x04 sets it (built from the capture\'s 0x0007)', () => {
    expect([tied(0x04, 0x0003, 2), tied(0x04, 0x0004, 2), tied(0x04, 0x00fb, 2), tied(0x04, 0x0300, 2)]).toEqual([['command-write'], [], ['command-write'], ['command-write']])
  })

  it('only QOM names that start with virtio- or vhost-', () => {
    expect([tied(0x04, 0, 2, 'virtio-net-pci'), tied(0x04, 0, 2, 'vhost-vsock-pci'), tied(0x04, 0, 2, 'virtio'), tied(0x04, 0, 2, 'pcie-virtio-x'), tied(0x04, 0, 2, 'vhostx-pci')]).toEqual([
      ['command-write'], ['command-write'], [], [], [],
    ])
  })

  it('the event after a command write must be the previous status without DRIVER_OK (15 -> 11), else it is QEMU\'s own', () => {
    const run = (previous: number, val: number) => {
      const t = new StatusTracker(new WarningSink())
      const d = state(3)
      t.regionAccess(d, {region: 'common', op: 'write', offset: 0x14, size: 1, value: previous, src: src(1), addr: 0, bar: 4})
      t.status(status('0xa', previous, 1), 1)
      t.accessSeen()
      t.cfgWrite(d, 0x04, 0x0003, 2)
      t.status(status('0xa', val, 2), 2)
      return d.toEvidence(new WarningSink(), true).status.map((s) => [s.val, s.cause])
    }
    expect(run(15, 11)).toEqual([[15, 'status-write'], [11, 'command-write']])
    expect(run(15, 15)).toEqual([[15, 'status-write'], [15, 'qemu']])
    expect(run(11, 11)).toEqual([[11, 'status-write'], [11, 'command-write']])
  })

  it('256 events held for an untied vdev are all kept; the 257th is dropped and said (built counts)', () => {
    const held = (n: number) => {
      const w = new WarningSink()
      const t = new StatusTracker(w)
      const d = state(3)
      for (let i = 0; i < n; i++) t.status(status('0xa', 1, i), i)
      t.regionAccess(d, {region: 'common', op: 'write', offset: 0x14, size: 1, value: 0, src: src(1), addr: 0, bar: 4})
      t.status(status('0xa', 0, 999), 999)
      return [d.toEvidence(new WarningSink(), true).status.length, w.warnings.map((x) => x.message)]
    }
    expect(held(256)).toEqual([257, []])
    expect(held(257)).toEqual([257, ['0000:00:03.0: 1 early virtio_set_status events of vdev 0xa were not kept']])
  })

  it('untied events at the end: counted with the dropped ones, the first held event as the source', () => {
    const w = new WarningSink()
    const t = new StatusTracker(w)
    for (let i = 0; i < 257; i++) t.status(status('0xa', 1, 100 + i), i)
    t.finish()
    expect(w.warnings).toEqual([{code: 'status-untied', message: '257 virtio_set_status events could not be tied to a PCI function (no status or command write before them; vdev 0xa)', source: src(100), count: 1}])
  })
})
