/**
 * DeviceState: what one function gathers while records stream in, bounded (capped lists with counts),
 * and the DeviceEvidence it becomes.
 */
import {describe, expect, it} from 'vitest'
import {DEVICE_MESSAGE_CAP, DeviceState, REGION_ACCESS_CAP} from '../../src/evidence/device-state.js'
import type {RegionAccess} from '../../src/evidence/types.js'
import {WarningSink} from '../../src/util/errors.js'

const src = (line: number) => ({file: 'trace.log', line})
const state = () => new DeviceState({domain: 0, bus: 0, slot: 3, func: 0}, () => {})
const access = (line: number, region: RegionAccess['region'], op: 'read' | 'write'): RegionAccess => ({region, op, offset: 0, size: 1, value: 0, src: src(line), addr: 0, bar: 4})

describe('DeviceState', () => {
  it('region accesses: a summary per region (first access, reads, writes), all counted, the first 4096 kept', () => {
    const d = state()
    d.addRegionAccess(access(1, 'common', 'read'), 1)
    d.addRegionAccess(access(2, 'common', 'write'), 2)
    d.addRegionAccess(access(3, 'common', 'write'), 3)
    d.addRegionAccess(access(4, 'notify', 'write'), 4)
    for (let i = 0; i < REGION_ACCESS_CAP; i++) d.addRegionAccess(access(10 + i, 'isr', 'read'), 10 + i)
    const e = d.toEvidence(new WarningSink(), true)
    expect(e.regionSummary).toEqual([
      {region: 'common', reads: 1, writes: 2, first: src(1)},
      {region: 'notify', reads: 0, writes: 1, first: src(4)},
      {region: 'isr', reads: REGION_ACCESS_CAP, writes: 0, first: src(10)},
    ])
    expect(e.regionAccesses).toHaveLength(REGION_ACCESS_CAP)
    expect(e.omittedRegionAccesses).toBe(4)
    expect(REGION_ACCESS_CAP).toBe(4096)
  })

  it('exactly 4096 accesses: none omitted', () => {
    const d = state()
    for (let i = 0; i < REGION_ACCESS_CAP; i++) d.addRegionAccess(access(i, 'isr', 'read'), i)
    expect(d.toEvidence(new WarningSink(), true).omittedRegionAccesses).toBeUndefined()
  })

  it('kernel messages: the first 1000 kept, the rest counted in one warning', () => {
    const d = state()
    for (let i = 0; i < DEVICE_MESSAGE_CAP + 2; i++) d.addMessage({kind: 'kmsg', text: `m${i}`, src: {file: 'dmesg.txt', line: i + 1}})
    const w = new WarningSink()
    const e = d.toEvidence(w, true)
    expect(e.messages).toHaveLength(1000)
    expect(e.messages.at(-1)!.text).toBe('m999')
    expect(w.warnings).toEqual([{code: 'device-messages-capped', message: '0000:00:03.0: kept the first 1000 kernel messages, 2 more not kept', source: undefined, count: 1}])
    const quiet = state()
    for (let i = 0; i < DEVICE_MESSAGE_CAP; i++) quiet.addMessage({kind: 'kmsg', text: 'x', src: {file: 'dmesg.txt', line: 1}})
    const w2 = new WarningSink()
    quiet.toEvidence(w2, true)
    expect(w2.warnings).toEqual([])
  })

  it('status changes are kept in input order (late ones inserted), with ACKNOWLEDGE and DRIVER_OK from any of them', () => {
    const d = state()
    d.addStatus({val: 1, src: src(20), cause: 'status-write', seq: 20})
    d.addStatus({val: 0, src: src(10), cause: 'qemu', seq: 10})
    d.addStatus({val: 15, src: src(30), cause: 'status-write', seq: 30})
    d.addStatus({val: 3, src: src(25), cause: 'status-write', seq: 25})
    const e = d.toEvidence(new WarningSink(), true)
    expect(e.status.map((s) => s.val)).toEqual([0, 1, 3, 15])
    expect(e.status[0]).toEqual({val: 0, src: src(10), cause: 'qemu'})
    expect(e).toMatchObject({acknowledged: true, driverOk: true})
  })

  it('without memory events, "qemu" (no guest access seen) means cannot tell: the cause is left out', () => {
    const d = state()
    d.addStatus({val: 1, src: src(1), time: 2.5, cause: 'qemu', seq: 1})
    d.addStatus({val: 3, src: src(2), cause: 'status-write', seq: 2})
    expect(d.toEvidence(new WarningSink(), false).status).toEqual([{val: 1, src: src(1), time: 2.5}, {val: 3, src: src(2), cause: 'status-write'}])
  })

  it('ACKNOWLEDGE without DRIVER_OK, and neither', () => {
    const d = state()
    d.addStatus({val: 3, src: src(1), cause: 'qemu', seq: 1})
    expect(d.toEvidence(new WarningSink(), true)).toMatchObject({acknowledged: true, driverOk: false})
    const n = state()
    n.addStatus({val: 4, src: src(1), cause: 'qemu', seq: 1})
    expect(n.toEvidence(new WarningSink(), true)).toMatchObject({acknowledged: false, driverOk: true})
  })

  it('optional facts appear only when known: QEMU device, read widths of a traced device, lspci -k', () => {
    const d = state()
    const bare = d.toEvidence(new WarningSink(), true)
    for (const key of ['qemuDevice', 'cfgReadWidths', 'kernelDriver', 'kernelModules', 'omittedRegionAccesses', 'expansionRom']) expect(bare).not.toHaveProperty(key)
    expect(bare).toMatchObject({bdf: '0000:00:03.0', address: {domain: 0, bus: 0, slot: 3, func: 0}, traced: false, status: [], messages: []})
    d.qemuDevice = 'virtio-net-pci'
    d.traced = true
    d.cfgReadWidths.exact = 3
    d.kernelDriver = {name: 'virtio-pci', src: {file: 'lspci.txt', line: 2}}
    d.kernelModules = {names: ['virtio_pci'], src: {file: 'lspci.txt', line: 3}}
    const e = d.toEvidence(new WarningSink(), true)
    expect(e).toMatchObject({qemuDevice: 'virtio-net-pci', traced: true, cfgReadWidths: {exact: 3, inferred: 0}, kernelDriver: {name: 'virtio-pci'}, kernelModules: {names: ['virtio_pci']}})
    expect(e.bars).toHaveLength(6)
    expect(e).not.toHaveProperty('expansionRom')
    // sysfs `resource` line 6 of a QEMU virtio-net-pci with its ROM (IORESOURCE_MEM, PREFETCH, READONLY, SIZEALIGN)
    d.bars.onResource(6, 0xfeb80000, 0xfebbffff, 0x46200, {file: 'resource', line: 7})
    expect(d.toEvidence(new WarningSink(), true).expansionRom).toMatchObject({size: 0x40000, addr: 0xfeb80000})
  })
})
