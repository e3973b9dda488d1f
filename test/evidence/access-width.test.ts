import {beforeEach, describe, expect, it} from 'vitest'
import {type CfgValueConflict, CfgWidthPairer, type ResolvedCfgAccess} from '../../src/evidence/access-width.js'
import type {TraceRecord} from '../../src/ingest/records.js'
import {cf8, cfgRead, cfgWrite, confData, mem, resetLines, tracedRead, tracedWrite} from './records.js'

const NET = {slot: 2}

function pair(records: TraceRecord[]): {out: ResolvedCfgAccess[]; pairer: CfgWidthPairer} {
  const out: ResolvedCfgAccess[] = []
  const pairer = new CfgWidthPairer((a) => out.push(a))
  records.forEach((r, i) => {
    if (r.kind === 'cfg') pairer.cfg(r, i)
    else if (r.kind === 'mem') pairer.mem(r)
  })
  pairer.finish()
  return {out, pairer}
}

describe('CfgWidthPairer', () => {
  beforeEach(resetLines)

  it('recovers read widths from the pci-conf-data read that follows pci_cfg_read', () => {
    const {out, pairer} = pair([...tracedRead('virtio-net-pci', NET, 0, 0x1af4, 2), ...tracedRead('virtio-net-pci', NET, 0, 0x10001af4, 4)])
    expect(out.map((a) => [a.record.value, a.width, a.how])).toEqual([
      [0x1af4, 2, 'cf8'],
      [0x10001af4, 4, 'cf8'],
    ])
    expect(pairer.unpaired).toBe(0)
  })

  it('keeps each read with its own sequence number', () => {
    const {out} = pair(tracedRead('virtio-net-pci', NET, 0x0e, 0, 1))
    expect(out[0]?.seq).toBe(1)
  })

  it('recovers sub-dword offsets from the data port address (0xcfd = offset 1 of the dword)', () => {
    const {out} = pair(tracedRead('i440FX', {slot: 0}, 0x59, 0, 1))
    expect(out[0]).toMatchObject({width: 1, how: 'cf8'})
  })

  it('recovers write widths from the pci-conf-data write that precedes pci_cfg_write', () => {
    const {out} = pair(tracedWrite('virtio-net-pci', NET, 4, 0x103, 2))
    expect(out.map((a) => [a.record.op, a.width])).toEqual([['write', 2]])
  })

  it('the same access with another value is a conflict naming both events, not an access without its event', () => {
    const records = [cf8(NET, 0), cfgRead('virtio-net-pci', NET, 0, 0x1af4), confData('read', 0, 0x1af5, 2)]
    const out: ResolvedCfgAccess[] = []
    const conflicts: CfgValueConflict[] = []
    const pairer = new CfgWidthPairer((a) => out.push(a), (c) => conflicts.push(c))
    records.forEach((r, i) => (r.kind === 'cfg' ? pairer.cfg(r, i) : r.kind === 'mem' ? pairer.mem(r) : undefined))
    pairer.finish()
    expect(out[0]?.width).toBeUndefined()
    expect(pairer.unpaired).toBe(0)
    expect(conflicts.map((c) => [c.cfg.value, c.memValue, c.how, c.cfg.src, c.memLine])).toEqual([[0x1af4, 0x1af5, 'cf8', records[1]!.src, records[2]!.src.line]])
  })

  it('another function with another value is no conflict: just unpaired', () => {
    const conflicts: CfgValueConflict[] = []
    const pairer = new CfgWidthPairer(() => {}, (c) => conflicts.push(c))
    const records = [cf8({slot: 3}, 0), cfgRead('virtio-net-pci', NET, 0, 0x1af4), confData('read', 0, 0x1af5, 2)]
    records.forEach((r, i) => (r.kind === 'cfg' ? pairer.cfg(r, i) : r.kind === 'mem' ? pairer.mem(r) : undefined))
    expect(conflicts).toEqual([])
    expect(pairer.unpaired).toBe(1)
  })

  it('does not pair when CF8 selects another function', () => {
    const {out} = pair([cf8({slot: 3}, 0), cfgRead('virtio-net-pci', NET, 0, 0x1af4), confData('read', 0, 0x1af4, 2)])
    expect(out[0]?.width).toBeUndefined()
  })

  it('does not pair a write with a data write that belonged to an absent function', () => {
    // absent function: data write without pci_cfg_write; then a write with no data access of its own
    const {out} = pair([cf8({slot: 9}, 4), confData('write', 4, 0x103, 2), cfgWrite('virtio-net-pci', NET, 4, 0x103)])
    expect(out[0]?.width).toBeUndefined()
  })

  it('ignores data reads of absent functions (no pci_cfg_read before them)', () => {
    const {out} = pair([cf8({slot: 9}, 0), confData('read', 0, 0xffffffff, 4), ...tracedRead('virtio-net-pci', NET, 0, 0x1af4, 2)])
    expect(out.map((a) => a.width)).toEqual([2])
  })

  it('pairs MMCONFIG accesses by bus/devfn/offset inside the window', () => {
    const at = {bus: 1, slot: 0}
    const addr = 0xb0000000 + (1 << 20) + 0x100
    const {out} = pair([
      cfgRead('virtio-net-pci', at, 0x100, 0),
      mem('read', 'pcie-mmcfg-mmio', addr, 0, 4),
      mem('write', 'pcie-mmcfg-mmio', 0xb0000000 + (1 << 20) + 4, 0x7, 2),
      cfgWrite('virtio-net-pci', at, 4, 0x7),
    ])
    expect(out.map((a) => [a.width, a.how])).toEqual([
      [4, 'mmcfg'],
      [2, 'mmcfg'],
    ])
  })

  it('rejects an MMCONFIG access at another devfn', () => {
    const {out} = pair([cfgRead('virtio-net-pci', {slot: 2}, 0, 0x1af4), mem('read', 'pcie-mmcfg-mmio', 0xb0000000 + (3 << 15), 0x1af4, 2)])
    expect(out[0]?.width).toBeUndefined()
  })

  it('uses a width the input states', () => {
    const {out} = pair([cfgRead('x', NET, 0, 0xf4, 1)])
    expect(out[0]).toMatchObject({width: 1, how: 'stated'})
  })

  it('without memory events: no widths, and nothing counted as unpaired', () => {
    const {out, pairer} = pair([cfgRead('x', NET, 0, 0x1af4), cfgWrite('x', NET, 4, 7), cfgRead('x', NET, 4, 7)])
    expect(out.map((a) => a.width)).toEqual([undefined, undefined, undefined])
    expect(pairer.tracesMemoryEvents).toBe(false)
    expect(pairer.unpaired).toBe(0)
  })

  it('emits accesses in input order even though reads wait for their data event', () => {
    const {out} = pair([...tracedRead('x', NET, 0, 0x1af4, 2), ...tracedWrite('x', NET, 4, 7, 2), ...tracedRead('x', NET, 4, 7, 2)])
    expect(out.map((a) => a.record.op)).toEqual(['read', 'write', 'read'])
  })
})
