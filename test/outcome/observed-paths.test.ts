/**
 * observe() on each of its paths, every field in full: a trace without the reset-then-ACKNOWLEDGE
 * pair (and the log saying registered, or not), simpletrace sources (record numbers, no lines), and
 * the log facts it hands to observeFromLog (force_legacy from the command line, the ABI line, the
 * logged kernel's rules). Devices from test/outcome/builders.ts.
 */
import {describe, expect, it} from 'vitest'
import type {DeviceEvidence, EvidenceSet, RegionAccess, StatusChange} from '../../src/evidence/types.js'
import {observe} from '../../src/outcome/observed.js'
import {BDF, LINUX_OK, access, device, kmsg, status} from './builders.js'

const ENUM = `pci ${BDF}: [1af4:1000] type 00 class 0x020000`
const LEAVING = `virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`
const LSPCI = 'lspci -k: Kernel driver in use: virtio-pci (lspci.txt:3)'
const bound = (d: DeviceEvidence): DeviceEvidence => ({...d, kernelDriver: {name: 'virtio-pci', src: {file: 'lspci.txt', line: 3}}})
const LOG = {kernelLog: true}

describe('observe: no reset-then-ACKNOWLEDGE pair in the trace', () => {
  it('region accesses alone show the device was traced: not registered, transport none', () => {
    expect(observe(device({accesses: [access(5, 'legacy')]}), LOG)).toStrictEqual({
      transport: 'none',
      acknowledged: false,
      driverOk: false,
      transportEvidence: 'no reset-then-ACKNOWLEDGE status writes: the kernel did not register the device',
      messages: [],
      unattributedMessages: [],
    })
  })

  it('nothing traced for the device: unknown, with acknowledgedKnown false', () => {
    expect(observe(device({}), LOG)).toStrictEqual({
      transport: 'unknown',
      acknowledged: false,
      driverOk: false,
      transportEvidence: 'no virtio status events or region accesses traced',
      messages: [],
      unattributedMessages: [],
      acknowledgedKnown: false,
    })
  })

  it('the log says registered: its facts, DRIVER_OK from the trace or the log, unknown when neither sets it', () => {
    const noDriverOk = bound(device({status: [status(10, 0), status(11, 3)], messages: [ENUM]}))
    expect(observe(noDriverOk, LOG)).toStrictEqual({
      transport: 'modern',
      acknowledged: true,
      driverOk: false,
      transportEvidence: 'registered with no "leaving for legacy driver" in a log that covers the probe (the trace shows no reset-then-ACKNOWLEDGE status writes)',
      acknowledgedEvidence: LSPCI,
      driverOkKnown: false,
      messages: [],
      unattributedMessages: [],
    })
    const traceDriverOk = bound(device({status: [status(10, 0), status(11, 15)], messages: [ENUM]}))
    const o = observe(traceDriverOk, LOG)
    expect(o).toMatchObject({acknowledged: true, driverOk: true})
    expect(o.driverOkKnown).toBeUndefined()
    // A bound driver's line in the log: DRIVER_OK known from the log.
    const set = (d: DeviceEvidence): EvidenceSet => ({devices: [d], otherMessages: [kmsg('virtio_blk virtio0: [vda] 2048 512-byte logical blocks', 50)], inputs: [], warnings: []})
    const blk = {...device({status: [status(10, 0), status(11, 3)], messages: [ENUM]}), config: idConfig(0x1001)}
    const fromLog = observe(blk, {...LOG, evidence: set(blk)})
    expect(fromLog).toMatchObject({transport: 'modern', acknowledged: true, driverOk: true})
    expect(fromLog.driverOkKnown).toBeUndefined()
  })

  it('the log says not registered: the trace decides (none), the log does not add its reason', () => {
    const failed = device({status: [status(10, 0), status(11, 3)], messages: [ENUM, `virtio-pci: probe of ${BDF} failed with error -22`]})
    expect(observe(failed, LOG)).toStrictEqual({
      transport: 'none',
      acknowledged: false,
      driverOk: false,
      transportEvidence: 'no reset-then-ACKNOWLEDGE status writes: the kernel did not register the device',
      messages: [`virtio-pci: probe of ${BDF} failed with error -22`],
      unattributedMessages: [],
    })
  })
})

/** Vendor 0x1af4 and `id` as config bytes 0..3, from a dump. */
function idConfig(id: number): DeviceEvidence['config'] {
  const bytes = [0xf4, 0x1a, id & 0xff, id >> 8]
  return {size: 256, knownCount: 4, byte: (at) => (at < 4 ? {current: {value: bytes[at]!, origin: 'dump', src: {file: 'config.txt', line: at + 1}, seq: at}} : undefined)}
}

describe('observe: the trace\'s registration handed to the log reader', () => {
  it('the trace registered the device and no region access says how: the log names the transport, the trace being its registration fact', () => {
    expect(observe(device({status: LINUX_OK, messages: [ENUM]}), LOG)).toStrictEqual({
      transport: 'modern',
      acknowledged: true,
      driverOk: true,
      transportEvidence: 'registered with no "leaving for legacy driver" in a log that covers the probe (the trace shows no region accesses after the reset)',
      messages: [],
      unattributedMessages: [],
    })
    expect(observe(device({status: LINUX_OK, messages: [ENUM, LEAVING]}), LOG)).toStrictEqual({
      transport: 'legacy',
      acknowledged: true,
      driverOk: true,
      transportEvidence: 'registered after "leaving for legacy driver" (dmesg.txt:2) (the trace shows no region accesses after the reset)',
      messages: [LEAVING],
      unattributedMessages: [],
    })
  })
})

describe('observe: simpletrace sources (record numbers instead of lines)', () => {
  const rec = (record: number, val: number): StatusChange => ({val, src: {file: 'trace.bin', record}, cause: 'status-write'})
  const acc = (record: number, region: RegionAccess['region']): RegionAccess => ({...access(0, region), src: {file: 'trace.bin', record}})

  it('accesses count from the reset record on, by record number', () => {
    const st = [rec(40, 0), rec(41, 1), rec(42, 15)]
    const o = observe(device({status: st, accesses: [acc(39, 'legacy'), acc(40, 'common'), acc(45, 'notify')]}), LOG)
    expect(o).toMatchObject({transport: 'modern', acknowledged: true, driverOk: true, transportEvidence: "regions touched from the kernel's reset on: common, notify"})
    expect(observe(device({status: st, accesses: [acc(39, 'common'), acc(41, 'legacy')]}), LOG).transport).toBe('legacy')
  })
})

describe('observe: the log facts handed to the log reader', () => {
  const cmdline = (text: string) => ({text, src: {file: 'dmesg.txt', line: 1}})
  const setOf = (d: DeviceEvidence, o: Partial<EvidenceSet> = {}): EvidenceSet => ({devices: [d], otherMessages: [], inputs: [], warnings: [], ...o})

  it('force_legacy from the evidence\'s kernel command line', () => {
    const d = device({traced: false, messages: [ENUM, LEAVING]})
    const on = observe(d, {...LOG, evidence: setOf(d, {cmdline: cmdline('console=ttyS0 virtio_pci.force_legacy=1')})})
    expect(on).toMatchObject({transport: 'none', acknowledged: false})
    expect(on.transportEvidence).toBe('force_legacy on and "leaving for legacy driver" (dmesg.txt:2): the legacy probe failed, then the modern one returned -ENODEV (not printed)')
    const off = observe(d, {...LOG, evidence: setOf(d, {cmdline: cmdline('console=ttyS0')})})
    expect(off.transport).toBe('unknown')
  })

  it('the ABI line among the log\'s other lines: the legacy probe may have declined the revision', () => {
    const d = {...device({traced: false, messages: [ENUM, LEAVING]}), config: idConfig(0x1000)}
    const clean = observe(d, {...LOG, legacyAbiMessage: true, evidence: setOf(d)})
    expect(clean).toMatchObject({transport: 'legacy', acknowledged: true})
    const abi = observe(d, {...LOG, legacyAbiMessage: true, evidence: setOf(d, {otherMessages: [kmsg('virtio_pci: expected ABI version 0, got 1', 9)]})})
    expect(abi).toMatchObject({transport: 'unknown', acknowledged: false, acknowledgedEvidence: 'revision unknown', acknowledgedKnown: false})
    // A kernel that does not print the ABI line: the revision is unknown either way.
    expect(observe(d, {...LOG, evidence: setOf(d)}).acknowledgedEvidence).toBe('revision unknown, and this kernel declines a revision other than 0 silently')
  })

  it('the ABI line read only with a kernel log', () => {
    const d = {...device({traced: false, messages: [ENUM, LEAVING]}), config: idConfig(0x1000)}
    const set = setOf(d, {otherMessages: [kmsg('virtio_pci: expected ABI version 0, got 1', 9)]})
    expect(observe(d, {kernelLog: false, legacyAbiMessage: true, evidence: set})).toStrictEqual({
      transport: 'unknown',
      acknowledged: false,
      driverOk: false,
      transportEvidence: 'no kernel log',
      acknowledgedEvidence: 'no kernel log',
      driverOkKnown: false,
      messages: [],
      messagesKnown: false,
      acknowledgedKnown: false,
    })
  })

  it('the logged kernel\'s legacy BAR 0 errno: -EIO makes a force_legacy registration legacy', () => {
    const withRev = (d: DeviceEvidence): DeviceEvidence => ({...d, config: {...idConfig(0x1000), byte: (at) => (at === 8 ? {current: {value: 0, origin: 'dump', src: {file: 'config.txt', line: 9}, seq: 8}} : idConfig(0x1000).byte(at))}})
    const d = withRev(bound(device({traced: false, messages: [ENUM]})))
    const set = setOf(d, {cmdline: cmdline('virtio_pci.force_legacy=1')})
    expect(observe(d, {...LOG, evidence: set, legacyIomapErrno: 'EIO'})).toMatchObject({
      transport: 'legacy',
      transportEvidence: "registered with force_legacy on and no probe message: device id 0x1000 (config.txt:3) and revision 0 (config.txt:9) pass the legacy probe's checks, and a failed BAR 0 map would have been reported (-EIO)",
    })
    expect(observe(d, {...LOG, evidence: set}).transport).toBe('unknown')
  })

  it('without the evidence, the device and the other messages stand for it', () => {
    const d = {...device({status: LINUX_OK, accesses: [access(101, 'common')]}), config: idConfig(0x1041)}
    const o = observe(d, {...LOG, otherMessages: [kmsg('virtio_net virtio0: probe with driver virtio_net failed with error -2', 7)]})
    expect(o.driverFailure).toStrictEqual({driver: 'virtio_net', error: -2, line: 'virtio_net virtio0: probe with driver virtio_net failed with error -2', source: 'dmesg.txt:7'})
  })
})
