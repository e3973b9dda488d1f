/**
 * observeFromLog and linkVirtioIndexes where the facts come from two places: ids partly in the config
 * space and partly from the enumeration line, a path-based netdev name and the only-function rule
 * both applying, virtio lines in a set read without a kernel log, another driver bound while the
 * trace shows a registration, the size line of a two-letter disk (vdaa). Config bytes through the
 * evidence's ConfigImage (as reads).
 */
import {describe, expect, it} from 'vitest'
import {ConfigImage} from '../../src/evidence/config-image.js'
import type {DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import {type LogObserveOptions, linkVirtioIndexes, observeFromLog, virtioDeviceFacts} from '../../src/outcome/log-observed.js'
import {BDF, device, kmsg} from './builders.js'

const LEAVING = `virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`
const OPTS: LogObserveOptions = {kernelLog: true, forceLegacy: false, legacyAbiMessage: false, abiLinePrinted: false}

/** A device whose config space holds exactly `bytes` (offset -> value, source line offset + 1). */
function withBytes(bytes: Record<number, number>, messages: string[] = [], bdf = BDF): DeviceEvidence {
  const image = new ConfigImage()
  for (const [at, value] of Object.entries(bytes)) image.observeRead(Number(at), value, 1, {file: 'config.txt', line: Number(at) + 1}, Number(at))
  const base = device({traced: false, messages})
  return {...base, bdf, config: image}
}
const setOf = (devices: DeviceEvidence[], other: string[] = []): EvidenceSet => ({devices, otherMessages: other.map((t, i) => kmsg(t, 100 + i)), inputs: [], warnings: []})

describe('the device id: the config space first, the enumeration line when the config space lacks a byte', () => {
  const ENUM_1040 = `pci ${BDF}: [1af4:1040] type 00 class 0x020000`
  const silent = (d: DeviceEvidence) => observeFromLog(setOf([d]), d, OPTS).registeredEvidence

  it('vendor and device words known: the config space wins over the enumeration line', () => {
    expect(silent(withBytes({0: 0xf4, 1: 0x1a, 2: 0x00, 3: 0x10, 8: 1}, [ENUM_1040, LEAVING]))).toBe('revision 1')
  })

  it('vendor known, device unknown: both from the enumeration line', () => {
    expect(silent(withBytes({0: 0xf4, 1: 0x1a, 8: 0}, [ENUM_1040, LEAVING]))).toBe('device id 0x1040 is outside 0x1000..0x103f')
  })

  it('one byte of the device word unknown (either one): from the enumeration line', () => {
    expect(silent(withBytes({0: 0xf4, 1: 0x1a, 2: 0x00, 8: 0}, [ENUM_1040, LEAVING]))).toBe('device id 0x1040 is outside 0x1000..0x103f')
    expect(silent(withBytes({0: 0xf4, 1: 0x1a, 3: 0x10, 8: 0}, [ENUM_1040, LEAVING]))).toBe('device id 0x1040 is outside 0x1000..0x103f')
    expect(silent(withBytes({0: 0xf4, 2: 0x00, 3: 0x10, 8: 0}, [ENUM_1040, LEAVING]))).toBe('device id 0x1040 is outside 0x1000..0x103f')
  })

  it('neither: device id unknown', () => {
    expect(silent(withBytes({0: 0xf4, 1: 0x1a}, [LEAVING]))).toBe('device id unknown')
  })
})

describe('linkVirtioIndexes: a path-based name and the only-function rule', () => {
  it('one function, one index, and a path-based netdev name: tied by the name', () => {
    const d = withBytes({0: 0xf4, 1: 0x1a, 2: 0x00, 3: 0x10})
    expect(linkVirtioIndexes(setOf([d], ['virtio_net virtio0 enp0s3: renamed from eth0'])).get(BDF)).toStrictEqual({index: 0, how: `netdev enp0s3 of virtio0 is named after ${BDF} (dmesg.txt:100)`})
  })

  it('a path-based name of another function: that one tied, this one not by the only-function rule', () => {
    const d = withBytes({0: 0xf4, 1: 0x1a, 2: 0x00, 3: 0x10})
    const links = linkVirtioIndexes(setOf([d], ['virtio_net virtio0 enp0s4: renamed from eth0']))
    expect([...links]).toStrictEqual([['0000:00:04.0', {index: 0, how: 'netdev enp0s4 of virtio0 is named after 0000:00:04.0 (dmesg.txt:100)'}]])
  })

  it('a slot-based name ties nothing: the only-function rule still applies', () => {
    const d = withBytes({0: 0xf4, 1: 0x1a, 2: 0x00, 3: 0x10})
    expect([...linkVirtioIndexes(setOf([d], ['virtio_net virtio0 ens3: renamed from eth0']))]).toStrictEqual([[BDF, {index: 0, how: 'the only virtio-pci function of the inputs, and virtio0 the only virtio device in the log'}]])
  })
})

describe('observeFromLog: facts from outside the kernel log', () => {
  const tied = () => {
    const d = withBytes({0: 0xf4, 1: 0x1a, 2: 0x41, 3: 0x10}, [`pci ${BDF}: [1af4:1041] type 00 class 0x020000`])
    return {d, set: setOf([d], ['virtio_blk virtio0: [vda] 2048 512-byte logical blocks'])}
  }

  it('without a kernel log, the virtio lines of the set are not read either', () => {
    const {d, set} = tied()
    expect(observeFromLog(set, d, OPTS)).toMatchObject({transport: 'modern', registered: true, driverOk: true})
    expect(observeFromLog(set, d, {...OPTS, kernelLog: false})).toStrictEqual({transport: 'unknown', transportEvidence: 'no kernel log', registeredEvidence: 'no kernel log'})
  })

  it('another driver bound now, and the trace shows the registration: not "another driver holds it"', () => {
    const d = {...withBytes({0: 0xf4, 1: 0x1a, 2: 0x41, 3: 0x10}, [`pci ${BDF}: [1af4:1041] type 00 class 0x020000`]), kernelDriver: {name: 'vfio-pci', src: {file: 'lspci.txt', line: 9}}}
    expect(observeFromLog(setOf([d]), d, {...OPTS, registeredElsewhere: "the trace's reset then ACKNOWLEDGE (trace.log:5)"})).toStrictEqual({
      transport: 'modern',
      transportEvidence: 'registered with no "leaving for legacy driver" in a log that covers the probe',
      registered: true,
      registeredEvidence: "the trace's reset then ACKNOWLEDGE (trace.log:5)",
    })
  })

  it('the virtio device of the function named as the registration fact', () => {
    const {d, set} = tied()
    expect(observeFromLog(set, d, OPTS).registeredEvidence).toBe('virtio0 exists (the only virtio-pci function of the inputs, and virtio0 the only virtio device in the log)')
  })
})

describe('virtioDeviceFacts: bound lines of later block devices', () => {
  it('the 27th virtio disk is vdaa: its size line is a bound driver\'s line too', () => {
    const line = 'virtio_blk virtio26: [vdaa] 2048 512-byte logical blocks (1.05 MB/1.00 MiB)'
    const set = setOf([], [line])
    const link = {index: 26, how: 'test'}
    expect(virtioDeviceFacts(set, link)).toStrictEqual({link, lines: set.otherMessages, bound: {text: line, src: 'dmesg.txt:100'}})
  })

  it('no bound line and no failure: neither key', () => {
    const set = setOf([], ['virtio_blk virtio3: 1/0/0 default/read/poll queues'])
    const link = {index: 3, how: 'test'}
    expect(virtioDeviceFacts(set, link)).toStrictEqual({link, lines: set.otherMessages})
  })
})

describe('observeFromLog: several registration facts, joined', () => {
  const ENUM = `pci ${BDF}: [1af4:1041] type 00 class 0x020000`
  const FAILED = `virtio-pci: probe of ${BDF} failed with error -22`
  const LSPCI = 'lspci -k: Kernel driver in use: virtio-pci (lspci.txt:9)'
  const TRACE = "the trace's reset then ACKNOWLEDGE (trace.log:5)"
  const bound = (messages: string[]) => ({...withBytes({}, messages), kernelDriver: {name: 'virtio-pci', src: {file: 'lspci.txt', line: 9}}})

  it('a failure against two registration facts: both named, "; " between them', () => {
    const d = bound([ENUM, FAILED])
    const why = `conflicting evidence: ${FAILED} (dmesg.txt:2) but ${LSPCI}; ${TRACE}`
    expect(observeFromLog(setOf([d]), d, {...OPTS, registeredElsewhere: TRACE})).toStrictEqual({transport: 'unknown', transportEvidence: why, registeredEvidence: why})
  })

  it('force_legacy and "leaving for legacy driver" against two registration facts: both named', () => {
    const d = bound([ENUM, LEAVING])
    const conflict = `conflicting evidence: force_legacy on and "leaving for legacy driver" (dmesg.txt:2): the legacy probe failed, then the modern one returned -ENODEV (not printed), but ${LSPCI}; ${TRACE}`
    expect(observeFromLog(setOf([d]), d, {...OPTS, forceLegacy: true, registeredElsewhere: TRACE})).toStrictEqual({transport: 'unknown', transportEvidence: conflict, registeredEvidence: conflict})
  })

  it('force_legacy, registered, the probe covered (tagged enumeration line) but the device id unknown: cannot tell which probe', () => {
    const d = {...bound([]), messages: [{kind: 'kmsg' as const, text: 'pci 0000:00:03.0: anything', src: {file: 'dmesg.txt', line: 1}, tag: 'pci-enum' as const}]}
    expect(observeFromLog(setOf([d]), d, {...OPTS, forceLegacy: true})).toStrictEqual({
      transport: 'unknown',
      transportEvidence: 'registered with force_legacy on and no probe message: legacy, or modern after a silent legacy decline (device id unknown)',
      registered: true,
      registeredEvidence: LSPCI,
    })
  })
})
