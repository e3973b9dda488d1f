/**
 * The edges of the width pairing (src/evidence/access-width.ts): each field of CF8 and of the MMCONFIG
 * address compared on its own, each output in full. Records come from the builders of ./records.ts
 * with the values of the real captures (pc-full-net-excerpt.log: CF8 0x80001000 for 00:02.0, data
 * reads at 0xcfc..0xcff; k6.12-q35-root-port: MMCONFIG at 0xb0000000); a value one off a boundary
 * is built and says so.
 */
import {beforeEach, describe, expect, it} from 'vitest'
import {type CfgValueConflict, CfgWidthPairer, configPathRegionOf, type ResolvedCfgAccess} from '../../src/evidence/access-width.js'
import type {TraceRecord} from '../../src/ingest/records.js'
import {cf8, cfgRead, cfgWrite, confData, mem, resetLines, tracedRead, tracedWrite} from './records.js'

const NET = {slot: 2}
const MMCFG = 0xb0000000

function pair(records: TraceRecord[]) {
  const out: ResolvedCfgAccess[] = []
  const conflicts: CfgValueConflict[] = []
  const pairer = new CfgWidthPairer((a) => out.push(a), (c) => conflicts.push(c))
  records.forEach((r, i) => {
    if (r.kind === 'cfg') pairer.cfg(r, i)
    else if (r.kind === 'mem') pairer.mem(r)
  })
  pairer.finish()
  return {out, conflicts, pairer, widths: out.map((a) => [a.record.op, a.record.offset, a.width, a.how])}
}

/** The CF8 value selecting `at`/`offset`, with fields changed (built from the capture's encoding). */
function cf8Value(value: number) {
  return mem('write', 'pci-conf-idx', 0xcf8, value >>> 0, 4, '0xidx')
}

describe('configPathRegionOf', () => {
  it("QEMU's config-path region names, and nothing else", () => {
    expect(['pci-conf-idx', 'pci-conf-data', 'pcie-mmcfg-mmio', 'pcie-mmcfg', 'pci-conf-idx2', 'virtio-pci', 'pcie-mmcf'].map(configPathRegionOf)).toEqual([
      'index', 'data', 'mmcfg', 'mmcfg', undefined, undefined, undefined,
    ])
  })
})

describe('CfgWidthPairer: CF8', () => {
  beforeEach(resetLines)

  it('the enable bit: 0x80000000 is the lowest enabled index (00:00.0 offset 0), one below is disabled', () => {
    const enabled = pair([cf8Value(0x80000000), cfgRead('i440FX', {slot: 0}, 0, 0x8086), confData('read', 0, 0x8086, 2)])
    expect(enabled.widths).toEqual([['read', 0, 2, 'cf8']])
    expect(enabled.pairer.unpaired).toBe(0)
    const disabled = pair([cf8Value(0x00000000), cfgRead('i440FX', {slot: 0}, 0, 0x8086), confData('read', 0, 0x8086, 2)])
    expect(disabled.widths).toEqual([['read', 0, undefined, undefined]])
    expect(disabled.pairer.unpaired).toBe(1)
  })

  it('no CF8 write seen yet: nothing pairs, not even 00:00.0 offset 0 (whose fields are all 0)', () => {
    const {widths, conflicts} = pair([cfgRead('virtio-net-pci', NET, 0, 0x1af4), confData('read', 0, 0x1af4, 2)])
    expect(widths).toEqual([['read', 0, undefined, undefined]])
    expect(conflicts).toEqual([])
    expect(pair([cfgRead('i440FX', {slot: 0}, 0, 0x8086), confData('read', 0, 0x8086, 2)]).widths).toEqual([['read', 0, undefined, undefined]])
  })

  it('memory events of other regions in between change nothing', () => {
    const other = mem('read', 'virtio-pci-common-virtio-net', 0xfebf4000, 0x1af4, 2)
    const {widths, pairer} = pair([cf8(NET, 0), cfgRead('virtio-net-pci', NET, 0, 0x1af4), other, confData('read', 0, 0x1af4, 2)])
    expect(widths).toEqual([['read', 0, 2, 'cf8']])
    expect(pairer.unpaired).toBe(0)
  })

  it('bus, device, function and register are each compared', () => {
    const at = {bus: 1, slot: 2, func: 3}
    const read = (idx: number) => pair([cf8Value(idx), cfgRead('virtio-net-pci', at, 0x10, 0xc081), confData('read', 0x10, 0xc081, 4)]).widths[0]![2]
    const base = 0x80000000 | (1 << 16) | (2 << 11) | (3 << 8) | 0x10
    expect(read(base)).toBe(4)
    // built: one field off at a time
    expect([read(base ^ (1 << 16)), read(base ^ (3 << 16)), read(base ^ (1 << 11)), read(base ^ (1 << 8)), read(base ^ 0x4), read(base + 0x01000000)]).toEqual([undefined, undefined, undefined, undefined, undefined, 4])
  })

  it('before QEMU 7.0 (no bus in the event) the bus is not compared', () => {
    const r = {...cfgRead('virtio-net-pci', NET, 0, 0x1af4), busUnknown: true}
    expect(pair([cf8({bus: 1, slot: 2}, 0), r, confData('read', 0, 0x1af4, 2)]).widths).toEqual([['read', 0, 2, 'cf8']])
    // and a bus-0 CF8 still pairs
    expect(pair([cf8(NET, 0), r, confData('read', 0, 0x1af4, 2)]).widths).toEqual([['read', 0, 2, 'cf8']])
  })

  it('the byte of the dword comes from the data port address: 0xcfe is offset 2', () => {
    expect(pair([cf8(NET, 0x04), cfgRead('virtio-net-pci', NET, 0x06, 0x10), confData('read', 0x06, 0x10, 2)]).widths).toEqual([['read', 6, 2, 'cf8']])
    // the data read at 0xcfc is offset 4, not 6
    expect(pair([cf8(NET, 0x04), cfgRead('virtio-net-pci', NET, 0x06, 0x10), confData('read', 0x04, 0x10, 2)]).widths).toEqual([['read', 6, undefined, undefined]])
  })

  it('data accesses of 1, 2 and 4 bytes give widths; any other size does not (built: 3, 8)', () => {
    const width = (size: number) => pair([cf8(NET, 0), cfgRead('virtio-net-pci', NET, 0, 0xf4), confData('read', 0, 0xf4, size)]).widths[0]![2]
    expect([1, 2, 3, 4, 8].map(width)).toEqual([1, 2, undefined, 4, undefined])
  })

  it('a CF8 read does not select anything nor end a pending read', () => {
    const idxRead = mem('read', 'pci-conf-idx', 0xcf8, 0x80001000, 4, '0xidx')
    const {widths, pairer} = pair([cf8(NET, 0), cfgRead('virtio-net-pci', NET, 0, 0x1af4), idxRead, confData('read', 0, 0x1af4, 2)])
    expect(widths).toEqual([['read', 0, 2, 'cf8']])
    expect(pairer.unpaired).toBe(0)
  })

  it('a new CF8 write ends a pending read: it had no data access', () => {
    const {widths, pairer} = pair([cf8(NET, 0), cfgRead('virtio-net-pci', NET, 0, 0x1af4), cf8(NET, 4), confData('read', 4, 0x1af4, 2)])
    expect(widths).toEqual([['read', 0, undefined, undefined]])
    expect(pairer.unpaired).toBe(1)
  })
})

describe('CfgWidthPairer: writes', () => {
  beforeEach(resetLines)

  it('a data write pairs only with the next pci_cfg_write', () => {
    const {widths, pairer} = pair([cf8(NET, 4), confData('write', 4, 0x0107, 2), cfgWrite('virtio-net-pci', NET, 4, 0x0107), cfgWrite('virtio-net-pci', NET, 4, 0x0107)])
    expect(widths).toEqual([['write', 4, 2, 'cf8'], ['write', 4, undefined, undefined]])
    expect(pairer.unpaired).toBe(1)
  })

  it('a read in between drops the data write', () => {
    const {widths} = pair([cf8(NET, 4), confData('write', 4, 0x0107, 2), cfgRead('virtio-net-pci', NET, 0, 0x1af4), cfgWrite('virtio-net-pci', NET, 4, 0x0107)])
    expect(widths).toEqual([['read', 0, undefined, undefined], ['write', 4, undefined, undefined]])
  })

  it('a stated width drops the data write too', () => {
    const {widths} = pair([cf8(NET, 4), confData('write', 4, 0x0107, 2), cfgWrite('virtio-net-pci', NET, 4, 0x0107, 1), cfgWrite('virtio-net-pci', NET, 4, 0x0107)])
    expect(widths).toEqual([['write', 4, 1, 'stated'], ['write', 4, undefined, undefined]])
  })

  it('the end of an input drops the data write and ends a pending read', () => {
    const out: ResolvedCfgAccess[] = []
    const pairer = new CfgWidthPairer((a) => out.push(a))
    const records = [cf8(NET, 4), confData('write', 4, 0x0107, 2)]
    for (const r of records) if (r.kind === 'mem') pairer.mem(r)
    pairer.finish()
    pairer.cfg(cfgWrite('virtio-net-pci', NET, 4, 0x0107), 3)
    expect(out.map((a) => [a.record.op, a.width])).toEqual([['write', undefined]])
    expect(pairer.unpaired).toBe(1)
    expect(pairer.tracesMemoryEvents).toBe(true)
  })

  it('a write with another value than its data write is a conflict naming the data write', () => {
    const data = confData('write', 4, 0x0107, 2)
    const cfg = cfgWrite('virtio-net-pci', NET, 4, 0x0103)
    const {widths, conflicts, pairer} = pair([cf8(NET, 4), data, cfg])
    expect(widths).toEqual([['write', 4, undefined, undefined]])
    expect(conflicts).toEqual([{cfg, how: 'cf8', memOp: 'write', memValue: 0x0107, memLine: data.src.line}])
    expect(pairer.unpaired).toBe(0)
  })

  it('an unpaired write right after a conflict is still counted as unpaired', () => {
    const records = [cf8(NET, 0), cfgRead('virtio-net-pci', NET, 0, 0x1af4), confData('read', 0, 0x1af5, 2), cfgWrite('virtio-net-pci', NET, 4, 0x0107)]
    const {widths, conflicts, pairer} = pair(records)
    expect(widths).toEqual([['read', 0, undefined, undefined], ['write', 4, undefined, undefined]])
    expect(conflicts).toHaveLength(1)
    expect(pairer.unpaired).toBe(1)
  })
})

describe('CfgWidthPairer: MMCONFIG', () => {
  beforeEach(resetLines)

  const at = {bus: 1, slot: 0}
  const mmRead = (addr: number, value = 0x1af4, size = 2) => pair([cfgRead('virtio-net-pci', at, 0, 0x1af4), mem('read', 'pcie-mmcfg-mmio', addr, value, size)])

  it('the window base must be 1 MiB aligned and not below 0', () => {
    expect(mmRead(MMCFG + (1 << 20)).widths).toEqual([['read', 0, 2, 'mmcfg']])
    // built: the base off by 4 KiB (another devfn) or by one byte, and an address below the window offset
    expect(mmRead(MMCFG + (1 << 20) + 0x1000).widths).toEqual([['read', 0, undefined, undefined]])
    expect(mmRead(MMCFG + (1 << 20) + 1).widths).toEqual([['read', 0, undefined, undefined]])
    expect(mmRead((1 << 20) - 0x100000).widths).toEqual([['read', 0, undefined, undefined]])
    expect(mmRead(1 << 20).widths).toEqual([['read', 0, 2, 'mmcfg']])
  })

  it('the same address with another value is a conflict, as for CF8', () => {
    const {widths, conflicts} = mmRead(MMCFG + (1 << 20), 0x1af5)
    expect(widths).toEqual([['read', 0, undefined, undefined]])
    expect(conflicts.map((c) => [c.how, c.memOp, c.memValue])).toEqual([['mmcfg', 'read', 0x1af5]])
  })

  it('another devfn with another value is only unpaired', () => {
    const {conflicts, pairer} = mmRead(MMCFG + (1 << 20) + 0x1000, 0x1af5)
    expect(conflicts).toEqual([])
    expect(pairer.unpaired).toBe(1)
  })

  it('a 3-byte access (built) never pairs, and is no conflict', () => {
    const {widths, conflicts} = mmRead(MMCFG + (1 << 20), 0x1af5, 3)
    expect(widths).toEqual([['read', 0, undefined, undefined]])
    expect(conflicts).toEqual([])
  })

  it('bus 0, device 2 (devfn 0x10): the address holds devfn << 12', () => {
    const net = pair([cfgRead('virtio-net-pci', NET, 0x10, 0xc081), mem('read', 'pcie-mmcfg-mmio', MMCFG + (0x10 << 12) + 0x10, 0xc081, 4)])
    expect(net.widths).toEqual([['read', 0x10, 4, 'mmcfg']])
  })

  it('a data write through MMCONFIG then a pci_cfg_write', () => {
    const {widths} = pair([mem('write', 'pcie-mmcfg-mmio', MMCFG + (1 << 20) + 4, 0x0107, 2), cfgWrite('virtio-net-pci', at, 4, 0x0107)])
    expect(widths).toEqual([['write', 4, 2, 'mmcfg']])
  })
})

describe('CfgWidthPairer: the count of unpaired accesses', () => {
  beforeEach(resetLines)

  it('counts from the first config-path event on, not before', () => {
    const {pairer} = pair([cfgRead('x', NET, 0, 0x1af4), cfgWrite('x', NET, 4, 7), ...tracedRead('x', NET, 0, 0x1af4, 2), cfgRead('x', NET, 2, 0x1000), ...tracedWrite('x', NET, 4, 7, 2), cfgWrite('x', NET, 4, 7)])
    expect(pairer.unpaired).toBe(2)
  })
})
