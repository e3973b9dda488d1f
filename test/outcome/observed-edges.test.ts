/**
 * The traced kernel's side at its edges: which reset-then-ACKNOWLEDGE pair is the kernel's, which
 * accesses count from it on (same input, at or after the reset line), which regions make a transport,
 * and when the kernel log fills in what the trace leaves open.
 */
import {describe, expect, it} from 'vitest'
import type {DeviceEvidence, EvidenceSet, RegionAccess} from '../../src/evidence/types.js'
import {kernelRegistration} from '../../src/evidence/registration.js'
import {observe} from '../../src/outcome/observed.js'
import {kernelQueues} from '../../src/outcome/queue-facts.js'
import {isProbeMessage, isUnattributedProbeMessage} from '../../src/outcome/probe-messages.js'
import {BDF, LINUX_OK, SEABIOS, access, device, kmsg, status} from './builders.js'

const LOG = {kernelLog: true}

describe('kernelRegistration: the last reset followed by a status write of exactly ACKNOWLEDGE', () => {
  it('a pair at the very start is found (index 0); a lone ACKNOWLEDGE is not a registration', () => {
    expect(kernelRegistration([status(1, 0), status(2, 1)])).toBe(0)
    expect(kernelRegistration([status(2, 1)])).toBe(-1)
    expect(kernelRegistration([])).toBe(-1)
  })

  it('0 then 3 (SeaBIOS) is not it; 1 then 0 is not it; the later of two pairs wins', () => {
    expect(kernelRegistration(SEABIOS)).toBe(-1)
    expect(kernelRegistration([status(1, 1), status(2, 0)])).toBe(-1)
    expect(kernelRegistration([status(1, 0), status(2, 1), status(3, 0), status(4, 1), status(5, 3)])).toBe(2)
  })

  it('a bus-master clear between the reset and ACKNOWLEDGE is skipped over, and the index is of the whole list', () => {
    expect(kernelRegistration([status(1, 7), status(2, 0), status(3, 0, 'command-write'), status(4, 1)])).toBe(1)
  })
})

describe('observe: transport from the accesses after the kernel reset', () => {
  const traced = (accesses: RegionAccess[], st = LINUX_OK) => observe(device({status: st, accesses}), LOG)

  it('accesses at the reset line count, those before it do not', () => {
    expect(traced([access(99, 'legacy'), access(100, 'common')]).transport).toBe('modern')
    expect(traced([access(99, 'common'), access(100, 'legacy')]).transport).toBe('legacy')
  })

  it('accesses of another input file do not count', () => {
    const other = {...access(200, 'legacy'), src: {file: 'other.log', line: 200}}
    expect(traced([other, access(150, 'common')]).transport).toBe('modern')
  })

  it.each(['common', 'isr', 'device', 'notify', 'notify-pio'] as const)('%s is a modern region', (region) => {
    expect(traced([access(101, region)]).transport).toBe('modern')
  })

  it('MSI-X alone says neither: unknown, with the regions named', () => {
    const o = traced([access(101, 'msix-table'), access(102, 'msix-pba')])
    expect(o).toMatchObject({transport: 'unknown', transportEvidence: 'both modern and legacy regions touched: msix-table, msix-pba'})
  })

  it('modern and legacy both touched: unknown, the regions named once each', () => {
    expect(traced([access(101, 'common'), access(102, 'legacy'), access(103, 'common')])).toMatchObject({
      transport: 'unknown',
      transportEvidence: 'both modern and legacy regions touched: common, legacy',
    })
  })

  it('a clear transport names the regions touched from the reset on', () => {
    expect(traced([access(101, 'common'), access(102, 'notify')]).transportEvidence).toBe("regions touched from the kernel's reset on: common, notify")
  })

  it('DRIVER_OK only counts from the registration on', () => {
    const firmwareOk = [status(10, 0), status(11, 15), status(100, 0), status(101, 1), status(102, 3)]
    expect(traced([access(101, 'common')], firmwareOk)).toMatchObject({acknowledged: true, driverOk: false})
    expect(traced([access(101, 'common')], [...firmwareOk, status(103, 7)]).driverOk).toBe(true)
  })
})

describe('observe: the kernel log filling in the trace', () => {
  const ENUM = `pci ${BDF}: [1af4:1041] type 00 class 0x020000`
  const bound = (d: DeviceEvidence): DeviceEvidence => ({...d, kernelDriver: {name: 'virtio-pci', src: {file: 'lspci.txt', line: 3}}})

  it('no reset-then-ACKNOWLEDGE in the trace, but the kernel says it registered: the log decides', () => {
    const d = bound(device({status: [status(10, 0), status(11, 3)], messages: [ENUM]}))
    const o = observe(d, LOG)
    expect(o).toMatchObject({transport: 'modern', acknowledged: true, driverOk: false})
    expect(o.transportEvidence).toBe('registered with no "leaving for legacy driver" in a log that covers the probe (the trace shows no reset-then-ACKNOWLEDGE status writes)')
    expect(o.acknowledgedEvidence).toBe('lspci -k: Kernel driver in use: virtio-pci (lspci.txt:3)')
  })

  it('registered per the log and DRIVER_OK in the trace', () => {
    const d = bound(device({status: [status(10, 15)], messages: [ENUM]}))
    expect(observe(d, LOG).driverOk).toBe(true)
  })

  it('registered in the trace, no region accesses: the log names the transport', () => {
    const d = bound(device({status: LINUX_OK, messages: [ENUM]}))
    const o = observe(d, LOG)
    expect(o.transport).toBe('modern')
    expect(o.transportEvidence).toBe(
      `registered with no "leaving for legacy driver" in a log that covers the probe (the trace shows no region accesses after the reset)`,
    )
  })

  it('registered in the trace, modern and legacy both touched: the log names the transport', () => {
    const d = bound(device({status: LINUX_OK, accesses: [access(101, 'common'), access(102, 'legacy')], messages: [ENUM]}))
    expect(observe(d, LOG)).toMatchObject({
      transport: 'modern',
      transportEvidence: 'registered with no "leaving for legacy driver" in a log that covers the probe (the trace shows both modern and legacy regions: common, legacy)',
    })
  })

  it('the log says unknown: the trace alone, unknown', () => {
    const d = device({status: LINUX_OK, messages: []})
    expect(observe(d, LOG)).toMatchObject({transport: 'unknown', transportEvidence: 'no region accesses traced after the kernel reset the device'})
  })

  it('a static dump with a log: the log\'s facts, DRIVER_OK unknown unless the log says', () => {
    const d = bound(device({traced: false, messages: [ENUM]}))
    const o = observe(d, LOG)
    expect(o).toMatchObject({transport: 'modern', acknowledged: true, driverOk: false, driverOkKnown: false})
    expect(o.acknowledgedKnown).toBeUndefined()
    const unknown = observe(device({traced: false, messages: [ENUM]}), LOG)
    expect(unknown).toMatchObject({acknowledged: false, acknowledgedKnown: false})
    const failed = observe(device({traced: false, messages: [ENUM, `virtio-pci: probe of ${BDF} failed with error -22`]}), LOG)
    expect(failed).toMatchObject({transport: 'none', acknowledged: false})
    expect(failed.acknowledgedKnown).toBeUndefined()
    expect(failed.driverOkKnown).toBeUndefined()
  })

  it('a virtio driver failure in the log is carried to the observed side', () => {
    const d = device({status: LINUX_OK, accesses: [access(101, 'common')]})
    const set: EvidenceSet = {devices: [{...d, config: {size: 256, knownCount: 4, byte: (at) => (at < 4 ? {current: {value: [0xf4, 0x1a, 0x41, 0x10][at]!, origin: 'dump', src: {file: 'c', line: 1}, seq: at}} : undefined)}}], otherMessages: [kmsg('virtio_net virtio0: probe with driver virtio_net failed with error -2', 7)], inputs: [], warnings: []}
    const o = observe(set.devices[0]!, {...LOG, evidence: set})
    expect(o.driverFailure).toEqual({driver: 'virtio_net', error: -2, line: 'virtio_net virtio0: probe with driver virtio_net failed with error -2', source: 'dmesg.txt:7'})
  })

  it('the ABI printk is unattributed: kept apart only with a log', () => {
    const abi = kmsg('virtio_pci: expected ABI version 0, got 1')
    expect(observe(device({status: LINUX_OK}), {kernelLog: true, otherMessages: [abi]}).unattributedMessages).toEqual(['virtio_pci: expected ABI version 0, got 1'])
    const noLog = observe(device({status: LINUX_OK}), {kernelLog: false, otherMessages: [abi]})
    expect(noLog.unattributedMessages).toBeUndefined()
    expect(noLog).toMatchObject({messages: [], messagesKnown: false})
  })
})

describe('probe messages: the unattributed ABI line', () => {
  it.each([
    ['virtio_pci: expected ABI version 0, got 1', true],
    ['virtio_pci: expected ABI version 0, got 1 ', false],
    [' virtio_pci: expected ABI version 0, got 1', false],
    ['virtio_pci: expected ABI version x, got 1', false],
  ])('%j -> %s', (text, unattributed) => {
    expect(isUnattributedProbeMessage(text)).toBe(unattributed)
  })

  it('device lines count only for their own BDF; "can\'t enable device" anywhere in the line', () => {
    expect(isProbeMessage(`virtio-pci 0000:00:04.0: virtio_pci: leaving for legacy driver`, BDF)).toBe(false)
    expect(isProbeMessage(`virtio-pci: probe of 0000:00:04.0 failed with error -5`, BDF)).toBe(false)
    expect(isProbeMessage(`virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`, BDF)).toBe(true)
    expect(isProbeMessage(`virtio-pci ${BDF}: BAR 4: error updating (can't enable device)`, BDF)).toBe(true)
    expect(isProbeMessage(`virtio-pci ${BDF}:  virtio_pci: leaving for legacy driver`, BDF)).toBe(false)
  })
})

describe('kernelQueues: the queue registers after the kernel registered the device', () => {
  const common = (line: number, op: 'read' | 'write', offset: number, value: number): RegionAccess => ({region: 'common', op, offset, size: 2, value, src: {file: 'trace.log', line}, addr: 0xfe000000 + offset, bar: 4})

  it('num_queues, then per selected queue the first size read before the driver writes it, enable and notify_off', () => {
    const accesses = [
      common(99, 'read', 0x12, 9),
      common(105, 'read', 0x12, 3),
      common(106, 'read', 0x12, 5),
      common(107, 'write', 0x16, 1),
      common(108, 'read', 0x18, 256),
      common(109, 'read', 0x18, 128),
      common(110, 'read', 0x1c, 0),
      common(111, 'read', 0x1e, 1),
      common(112, 'read', 0x1e, 7),
      common(113, 'write', 0x16, 0),
      common(114, 'write', 0x18, 64),
      common(115, 'read', 0x18, 64),
      common(116, 'read', 0x1c, 1),
      common(117, 'write', 0x16, 2),
      common(118, 'read', 0x1e, 3),
    ]
    const q = kernelQueues(device({status: LINUX_OK, accesses}))
    expect(q).toEqual({numQueues: 3, queues: [{index: 1, size: 256, enabled: false, notifyOff: 1}]})
  })

  it('queues sorted by index; the first enable and notify_off reads kept', () => {
    const accesses = [common(101, 'read', 0x12, 4), common(102, 'write', 0x16, 3), common(103, 'read', 0x18, 8), common(104, 'write', 0x16, 0), common(105, 'read', 0x18, 16), common(106, 'read', 0x1c, 1), common(107, 'read', 0x1c, 0)]
    expect(kernelQueues(device({status: LINUX_OK, accesses}))).toEqual({numQueues: 4, queues: [{index: 0, size: 16, enabled: true}, {index: 3, size: 8}]})
  })

  it('nothing before a queue is selected counts; other regions do not count', () => {
    const accesses = [common(101, 'read', 0x12, 2), common(102, 'read', 0x18, 8), {...common(103, 'write', 0x16, 0), region: 'device' as const}, common(104, 'read', 0x18, 8)]
    expect(kernelQueues(device({status: LINUX_OK, accesses}))).toEqual({numQueues: 2, queues: []})
  })

  it('no registration, or num_queues never read: undefined', () => {
    expect(kernelQueues(device({status: SEABIOS, accesses: [common(11, 'read', 0x12, 2)]}))).toBeUndefined()
    expect(kernelQueues(device({status: LINUX_OK, accesses: [common(101, 'write', 0x16, 0), common(102, 'read', 0x18, 8)]}))).toBeUndefined()
  })
})
