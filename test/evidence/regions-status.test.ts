/**
 * Two trackers of the evidence builder on their own: RegionAttributor (which function and register
 * block a memory_region_ops access belongs to: the BAR QEMU maps there, of the right space) and
 * StatusTracker (which function a virtio_set_status event belongs to: the access right before it).
 * Records are in the shape the QEMU trace parsers give them.
 */
import {describe, expect, it} from 'vitest'
import {DeviceState} from '../../src/evidence/device-state.js'
import {RegionAttributor, regionOfName} from '../../src/evidence/regions.js'
import {StatusTracker} from '../../src/evidence/status.js'
import type {RegionAccess} from '../../src/evidence/types.js'
import type {MemOpRecord, SetStatusRecord} from '../../src/ingest/records.js'
import {WarningSink} from '../../src/util/errors.js'

const src = (line: number) => ({file: 'trace.log', line})
const state = (slot: number) => new DeviceState({domain: 0, bus: 0, slot, func: 0}, () => {})
const mem = (addr: number, name: string, o: Partial<MemOpRecord> = {}): MemOpRecord => ({kind: 'mem', op: 'write', cpu: 0, mr: '0x55d0', addr, value: 1, size: 1, name, src: src(1), ...o})
/** BAR registers as the guest read them: BAR 0 I/O, BAR 4 64-bit prefetchable memory. */
function withBars(d: DeviceState): DeviceState {
  d.bars.onCfgRead(0x10, 0xc001, 4, src(1))
  d.bars.onCfgRead(0x20, 0xfe00000c, 4, src(2))
  return d
}

describe('regionOfName: QEMU region names', () => {
  it.each([
    ['virtio-pci', 'legacy'],
    ['msix-table', 'msix-table'],
    ['msix-pba', 'msix-pba'],
    ['virtio-pci-common-virtio-net', 'common'],
    ['virtio-pci-isr-virtio-blk', 'isr'],
    ['virtio-pci-device-virtio-net', 'device'],
    ['virtio-pci-notify-virtio-net', 'notify'],
    ['virtio-pci-notify-pio-virtio-net', 'notify-pio'],
  ])('%s -> %s', (name, region) => {
    expect(regionOfName(name)).toBe(region)
  })

  it.each(['virtio-pci-common', 'virtio-pcix', 'pci-conf-data', 'msix-table-x', 'Virtio-pci'])('%s is not tracked', (name) => {
    expect(regionOfName(name)).toBeUndefined()
  })
})

describe('RegionAttributor', () => {
  it('an access inside a mapped BAR: the device, the BAR, the offset inside the region (QEMU layout)', () => {
    const a = new RegionAttributor()
    const d = withBars(state(3))
    a.mapped(d, 4, 'add', 0xfe000000, 0x4000)
    const r = a.attribute(mem(0xfe003004, 'virtio-pci-notify-virtio-net', {value: 2, size: 2}), 'notify')
    expect(r).toEqual({device: d, access: {region: 'notify', op: 'write', offset: 4, size: 2, value: 2, src: src(1), addr: 0xfe003004, bar: 4}})
  })

  it('the first and the last byte of the BAR are inside; the byte after it is not', () => {
    const a = new RegionAttributor()
    const d = withBars(state(3))
    a.mapped(d, 4, 'add', 0xfe000000, 0x4000)
    expect(a.attribute(mem(0xfe000000, 'virtio-pci-common-virtio-net', {mr: ''}), 'common')).toMatchObject({access: {offset: 0}})
    expect(a.attribute(mem(0xfe003fff, 'virtio-pci-notify-virtio-net', {mr: ''}), 'notify')).toMatchObject({access: {offset: 0xfff}})
    expect(a.attribute(mem(0xfe004000, 'virtio-pci-notify-virtio-net', {mr: ''}), 'notify')).toBe('unmapped')
    expect(a.attribute(mem(0xfdffffff, 'virtio-pci-common-virtio-net', {mr: ''}), 'common')).toBe('unmapped')
  })

  it('a BAR of the other space does not take the access: I/O regions in I/O BARs, memory ones in memory BARs', () => {
    const a = new RegionAttributor()
    const d = withBars(state(3))
    a.mapped(d, 0, 'add', 0xc000, 0x40)
    expect(a.attribute(mem(0xc012, 'virtio-pci'), 'legacy')).toMatchObject({device: d, access: {region: 'legacy', offset: 0x12, bar: 0}})
    expect(a.attribute(mem(0xc012, 'msix-table', {mr: '0x1'}), 'msix-table')).toBe('unmapped')
    expect(a.attribute(mem(0xc000, 'virtio-pci-notify-pio-x', {mr: '0x2'}), 'notify-pio')).toMatchObject({access: {region: 'notify-pio', offset: 0}})
  })

  it('a BAR whose kind is unknown takes any region', () => {
    const a = new RegionAttributor()
    const d = state(3)
    a.mapped(d, 2, 'add', 0x1000, 0x100)
    expect(a.attribute(mem(0x1010, 'virtio-pci'), 'legacy')).toMatchObject({access: {bar: 2, offset: 0x10}})
  })

  it('two mapped BARs over the address: ambiguous', () => {
    const a = new RegionAttributor()
    a.mapped(state(3), 2, 'add', 0x1000, 0x100)
    a.mapped(state(4), 2, 'add', 0x1000, 0x100)
    expect(a.attribute(mem(0x1010, 'virtio-pci'), 'legacy')).toBe('ambiguous')
  })

  it('a BAR unmapped at its address is gone; unmapping another address keeps it; the ROM (bar 6) is ignored', () => {
    const a = new RegionAttributor()
    const d = state(3)
    a.mapped(d, 2, 'add', 0x1000, 0x100)
    a.mapped(d, 2, 'del', 0x2000, 0x100)
    expect(a.attribute(mem(0x1010, 'virtio-pci'), 'legacy')).toMatchObject({device: d})
    a.mapped(d, 2, 'del', 0x1000, 0x100)
    expect(a.attribute(mem(0x1010, 'virtio-pci'), 'legacy')).toBe('unmapped')
    a.mapped(d, 6, 'add', 0x1000, 0x100)
    expect(a.attribute(mem(0x1010, 'virtio-pci'), 'legacy')).toBe('unmapped')
  })

  it('a remembered placement is dropped when the BAR moves (same region instance)', () => {
    const a = new RegionAttributor()
    const d = withBars(state(3))
    a.mapped(d, 4, 'add', 0xfe000000, 0x4000)
    expect(a.attribute(mem(0xfe000014, 'virtio-pci-common-virtio-net'), 'common')).toMatchObject({access: {offset: 0x14}})
    a.mapped(d, 4, 'add', 0xfd000000, 0x4000)
    expect(a.attribute(mem(0xfe000014, 'virtio-pci-common-virtio-net'), 'common')).toBe('unmapped')
    expect(a.attribute(mem(0xfd000014, 'virtio-pci-common-virtio-net'), 'common')).toMatchObject({access: {offset: 0x14}})
  })

  it('a remembered placement is dropped when the device learns its capabilities (the region moves inside the BAR)', () => {
    const a = new RegionAttributor()
    const d = withBars(state(3))
    a.mapped(d, 4, 'add', 0xfe000000, 0x4000)
    expect(a.attribute(mem(0xfe003000, 'virtio-pci-notify-virtio-net'), 'notify')).toMatchObject({access: {offset: 0}})
    // The guest reads the caps: a notify cap (cfg_type 2) on BAR 4 at offset 0x2000, the list head at 0x40.
    const cap = [0x09, 0x00, 0x14, 0x02, 0x04, 0, 0, 0, 0x00, 0x20, 0, 0, 0x00, 0x10, 0, 0]
    d.image.observeRead(0x06, 0x10, 2, src(3), 3)
    d.image.observeRead(0x34, 0x40, 1, src(4), 4)
    cap.forEach((b, i) => d.image.observeRead(0x40 + i, b, 1, src(5 + i), 5 + i))
    expect(a.attribute(mem(0xfe003000, 'virtio-pci-notify-virtio-net'), 'notify')).toMatchObject({access: {offset: 0x1000}})
  })

  it('an access past the end of a remembered placement is placed again', () => {
    const a = new RegionAttributor()
    const d3 = withBars(state(3))
    const d4 = withBars(state(4))
    a.mapped(d3, 4, 'add', 0xfe000000, 0x4000)
    a.mapped(d4, 4, 'add', 0xfe004000, 0x4000)
    expect(a.attribute(mem(0xfe000000, 'virtio-pci-common-virtio-net'), 'common')).toMatchObject({device: d3})
    expect(a.attribute(mem(0xfe004000, 'virtio-pci-common-virtio-net'), 'common')).toMatchObject({device: d4})
    expect(a.attribute(mem(0xfe000000, 'virtio-pci-common-virtio-net'), 'common')).toMatchObject({device: d3})
  })
})

describe('StatusTracker', () => {
  const status = (vdev: string, val: number, line = 10): SetStatusRecord => ({kind: 'status', vdev, val, src: src(line)})
  const write = (region: RegionAccess['region'], offset: number, value: number, op: 'read' | 'write' = 'write'): RegionAccess => ({region, op, offset, size: 1, value, src: src(1), addr: 0, bar: 4})
  const track = () => {
    const w = new WarningSink()
    return {w, t: new StatusTracker(w)}
  }
  const statuses = (d: DeviceState) => d.toEvidence(new WarningSink(), true).status

  it('a device_status write (common 0x14, legacy 0x12) ties the event carrying the written value', () => {
    const {t} = track()
    const d = state(3)
    t.regionAccess(d, write('common', 0x14, 0x101))
    t.status(status('0xa', 1), 1)
    const l = state(4)
    t.accessSeen()
    t.regionAccess(l, write('legacy', 0x12, 3))
    t.status(status('0xb', 3), 2)
    expect(statuses(d)).toEqual([{val: 1, src: src(10), cause: 'status-write'}])
    expect(statuses(l)).toEqual([{val: 3, src: src(10), cause: 'status-write'}])
  })

  it('other registers, reads, or a value that does not match do not tie', () => {
    const {t, w} = track()
    const d = state(3)
    t.regionAccess(d, write('common', 0x13, 1))
    t.status(status('0xa', 1), 1)
    t.regionAccess(d, write('legacy', 0x14, 1))
    t.status(status('0xa', 1), 2)
    t.regionAccess(d, write('common', 0x14, 1, 'read'))
    t.status(status('0xa', 1), 3)
    t.regionAccess(d, write('common', 0x14, 2))
    t.status(status('0xa', 1), 4)
    t.finish()
    expect(statuses(d)).toEqual([])
    expect(w.warnings).toEqual([
      {code: 'status-untied', message: '4 virtio_set_status events could not be tied to a PCI function (no status or command write before them; vdev 0xa)', source: src(10), count: 1},
    ])
  })

  it('the window ends at the next access; the repeat of the same vdev inside it is kept, another vdev is not', () => {
    const {t} = track()
    const d = state(3)
    t.regionAccess(d, write('common', 0x14, 0))
    t.status(status('0xa', 0, 10), 1)
    t.status(status('0xb', 0, 11), 2)
    t.status(status('0xa', 0, 12), 3)
    t.accessSeen()
    t.status(status('0xa', 0, 13), 4)
    expect(statuses(d).map((s) => [s.src.line, s.cause])).toEqual([[10, 'status-write'], [12, 'status-write'], [13, 'qemu']])
  })

  it('events held for a vdev not yet tied are attributed when it is, in input order', () => {
    const {t} = track()
    const d = state(3)
    t.status(status('0xa', 7, 5), 1)
    t.regionAccess(d, write('common', 0x14, 0))
    t.status(status('0xa', 0, 6), 2)
    expect(statuses(d).map((s) => [s.val, s.cause])).toEqual([[7, 'qemu'], [0, 'status-write']])
  })

  it('a PCI_COMMAND write clearing bus mastering ties the event with DRIVER_OK cleared from the previous status', () => {
    const {t} = track()
    const d = state(3)
    t.status(status('0xa', 15, 1), 1)
    t.cfgWrite(d, 0x04, 0x0003, 2)
    t.status(status('0xa', 11, 2), 2)
    expect(statuses(d).map((s) => [s.val, s.cause])).toEqual([[15, 'qemu'], [11, 'command-write']])
  })

  it('a command write that keeps bus mastering, or misses PCI_COMMAND, is no trigger', () => {
    for (const [offset, value, width] of [[0x04, 0x0007, 2], [0x06, 0x0000, 2], [0x00, 0x00000000, 4], [0x02, 0x0000, 2]] as const) {
      const {t} = track()
      const d = state(3)
      t.cfgWrite(d, offset, value, width)
      t.status(status('0xa', 0), 1)
      expect(statuses(d)).toEqual([])
    }
  })

  it('a dword write at 0x02, or a word at 0x03, covers PCI_COMMAND (its byte taken from the value)', () => {
    for (const [offset, value, width] of [[0x02, 0x00030000, 4], [0x03, 0x0300, 2], [0x04, 0x03, undefined]] as const) {
      const {t} = track()
      const d = state(3)
      t.cfgWrite(d, offset, value, width)
      t.status(status('0xa', 0), 1)
      expect(statuses(d).map((s) => s.cause)).toEqual(['command-write'])
    }
    const {t} = track()
    const d = state(3)
    t.cfgWrite(d, 0x02, 0x00040000, 4)
    t.status(status('0xa', 0), 1)
    expect(statuses(d)).toEqual([])
  })

  it('only virtio-pci proxies (virtio-*, vhost-*) clear DRIVER_OK on a command write', () => {
    for (const [qemuDevice, tied] of [['virtio-net-pci', true], ['vhost-user-blk-pci', true], ['e1000', false], [undefined, true]] as const) {
      const {t} = track()
      const d = state(3)
      if (qemuDevice) d.qemuDevice = qemuDevice
      t.cfgWrite(d, 0x04, 0, 2)
      t.status(status('0xa', 0), 1)
      expect(statuses(d).length > 0).toBe(tied)
    }
  })

  it('a command write does not move a vdev tied elsewhere; a status write does, with a warning', () => {
    const {t, w} = track()
    const a = state(3)
    const b = state(4)
    t.regionAccess(a, write('common', 0x14, 0))
    t.status(status('0xa', 0, 1), 1)
    t.accessSeen()
    t.cfgWrite(b, 0x04, 0, 2)
    t.status(status('0xa', 0, 2), 2)
    expect(statuses(b)).toEqual([])
    expect(statuses(a).map((s) => s.cause)).toEqual(['status-write', 'qemu'])
    t.accessSeen()
    t.regionAccess(b, write('common', 0x14, 1))
    t.status(status('0xa', 1, 3), 3)
    expect(statuses(a).map((s) => s.cause)).toEqual(['status-write', 'qemu', 'qemu'])
    expect(w.warnings).toEqual([
      {code: 'status-vdev-conflict', message: 'virtio_set_status vdev 0xa follows an access to 0000:00:04.0 but was tied to 0000:00:03.0 before', source: src(3), count: 1},
    ])
  })

  it('at most 256 events are held per vdev; the rest are counted and said when it is tied', () => {
    const {t, w} = track()
    const d = state(3)
    for (let i = 0; i < 258; i++) t.status(status('0xa', 1, i), i)
    t.regionAccess(d, write('common', 0x14, 0))
    t.status(status('0xa', 0, 999), 999)
    expect(statuses(d)).toHaveLength(257)
    expect(w.warnings).toEqual([{code: 'status-held-dropped', message: '0000:00:03.0: 2 early virtio_set_status events of vdev 0xa were not kept', source: undefined, count: 1}])
  })

  it('finish with nothing held warns nothing; held events of two vdevs are counted together', () => {
    const quiet = track()
    quiet.t.finish()
    expect(quiet.w.warnings).toEqual([])
    const {t, w} = track()
    t.status(status('0xa', 1, 1), 1)
    t.status(status('0xb', 1, 2), 2)
    t.status(status('0xb', 3, 3), 3)
    t.finish()
    expect(w.warnings[0]!.message).toBe('3 virtio_set_status events could not be tied to a PCI function (no status or command write before them; vdev 0xa, 0xb)')
  })

  it('offset 0x12 is device_status only in the legacy region; an event without a time gets no time key', () => {
    const {t} = track()
    const d = state(3)
    t.regionAccess(d, write('device', 0x12, 1))
    t.status(status('0xa', 1), 1)
    t.accessSeen()
    t.regionAccess(d, write('common', 0x12, 1))
    t.status(status('0xa', 1), 2)
    expect(statuses(d)).toStrictEqual([])
    const l = state(4)
    t.accessSeen()
    t.regionAccess(l, write('legacy', 0x12, 1))
    t.status(status('0xb', 1), 3)
    expect(statuses(l)).toStrictEqual([{val: 1, src: src(10), cause: 'status-write'}])
  })

  it('the time of an event is kept', () => {
    const {t} = track()
    const d = state(3)
    t.regionAccess(d, write('common', 0x14, 1))
    t.status({...status('0xa', 1), time: 12.5}, 1)
    expect(statuses(d)).toEqual([{val: 1, src: src(10), time: 12.5, cause: 'status-write'}])
  })
})
