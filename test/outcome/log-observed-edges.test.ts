/**
 * The observed side from the kernel log, decision by decision (observeFromLog, linkVirtioIndexes):
 * each branch on a hand-built device whose lines are in the forms the kernel prints them (the driver
 * core's two failure forms, `leaving for legacy driver`, the PCI enumeration line, virtio device
 * lines), and the id and revision edges of the legacy probe's silent declines (0x1000..0x103f, 0).
 */
import {describe, expect, it} from 'vitest'
import type {BarEvidence, DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import type {KernelMessageRecord} from '../../src/ingest/records.js'
import {type LogObserveOptions, linkVirtioIndexes, observeFromLog, virtioDeviceFacts} from '../../src/outcome/log-observed.js'
import {observe} from '../../src/outcome/observed.js'
import {BDF, device, kmsg} from './builders.js'

const ENUM = (id = '1000') => `pci ${BDF}: [1af4:${id}] type 00 class 0x020000`
const LEAVING = `virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`
const FAILED_OLD = `virtio-pci: probe of ${BDF} failed with error -22`
const FAILED_NEW = `virtio-pci ${BDF}: probe with driver virtio-pci failed with error -5`

/** A device with config bytes (vendor/device word, revision) and a BAR 0, as an evidence view. */
function dev(o: {messages?: string[]; vendor?: number; device?: number; revision?: number; bar0?: Partial<BarEvidence>; kernelDriver?: string; bdf?: string} = {}): DeviceEvidence {
  const bytes = new Map<number, number>()
  const word = (at: number, v: number) => (bytes.set(at, v & 0xff), bytes.set(at + 1, v >> 8))
  if (o.vendor !== undefined) word(0, o.vendor)
  if (o.device !== undefined) word(2, o.device)
  if (o.revision !== undefined) bytes.set(8, o.revision)
  const base = device({traced: false, messages: o.messages ?? []})
  const bdf = o.bdf ?? BDF
  return {
    ...base,
    bdf,
    messages: (o.messages ?? []).map((t, i) => ({...kmsg(t, i + 1), ...(t.includes(bdf) ? {bdf} : {})})),
    config: {
      size: 256,
      knownCount: bytes.size,
      byte: (at) => (bytes.has(at) ? {current: {value: bytes.get(at)!, origin: 'dump', src: {file: 'config.txt', line: at + 1}, seq: at}} : undefined),
    },
    bars: [{index: 0, sources: [], how: [], ...o.bar0}, ...base.bars.slice(1)],
    ...(o.kernelDriver ? {kernelDriver: {name: o.kernelDriver, src: {file: 'lspci.txt', line: 9}}} : {}),
  }
}

function setOf(devices: DeviceEvidence[], other: string[] = []): EvidenceSet {
  return {devices, otherMessages: other.map((t, i) => kmsg(t, 100 + i)), inputs: [], warnings: []}
}

const OPTS: LogObserveOptions = {kernelLog: true, forceLegacy: false, legacyAbiMessage: false, abiLinePrinted: false}
const observeOne = (d: DeviceEvidence, opts: Partial<LogObserveOptions> = {}, other: string[] = []) => observeFromLog(setOf([d], other), d, {...OPTS, ...opts})

describe('observeFromLog: the probe failed', () => {
  it.each([
    [FAILED_OLD, -22],
    [FAILED_NEW, -5],
  ])('"%s": transport none, not registered, the errno', (line, error) => {
    expect(observeOne(dev({messages: [ENUM(), line]}))).toEqual({
      transport: 'none',
      transportEvidence: `the probe failed: ${line} (dmesg.txt:2)`,
      registered: false,
      registeredEvidence: `${line} (dmesg.txt:2)`,
      probeError: error,
    })
  })

  it('the last failure line counts; a failure of another driver or function does not', () => {
    const other = `virtio-pci: probe of 0000:00:04.0 failed with error -22`
    expect(observeOne(dev({messages: [FAILED_OLD, FAILED_NEW]})).probeError).toBe(-5)
    expect(observeOne(dev({messages: [`e1000 ${BDF}: probe with driver e1000 failed with error -5`]})).registered).toBeUndefined()
    expect(observeOne(dev({messages: [other]})).registered).toBeUndefined()
  })

  it('a failure and a registration fact conflict: unknown, both named', () => {
    const o = observeOne(dev({messages: [FAILED_OLD], kernelDriver: 'virtio-pci'}))
    const why = `conflicting evidence: ${FAILED_OLD} (dmesg.txt:1) but lspci -k: Kernel driver in use: virtio-pci (lspci.txt:9)`
    expect(o).toEqual({transport: 'unknown', transportEvidence: why, registeredEvidence: why})
  })

  it('without a kernel log nothing is read from the messages', () => {
    expect(observeOne(dev({messages: [FAILED_OLD]}), {kernelLog: false})).toEqual({transport: 'unknown', transportEvidence: 'no kernel log', registeredEvidence: 'no kernel log'})
  })
})

describe('observeFromLog: another driver holds the function', () => {
  it('lspci -k names another driver, no failure, no registration: unknown', () => {
    const why = 'lspci -k: Kernel driver in use: vfio-pci (lspci.txt:9): not virtio-pci, whose probe failed silently or never ran'
    expect(observeOne(dev({kernelDriver: 'vfio-pci'}))).toEqual({transport: 'unknown', transportEvidence: why, registeredEvidence: why})
  })

  it('another driver and a virtio-pci failure: the failure decides', () => {
    expect(observeOne(dev({kernelDriver: 'vfio-pci', messages: [FAILED_OLD]}))).toMatchObject({transport: 'none', registered: false})
  })
})

describe('observeFromLog: registered', () => {
  const registered = {kernelDriver: 'virtio-pci'}
  const by = 'lspci -k: Kernel driver in use: virtio-pci (lspci.txt:9)'

  it('after "leaving for legacy driver": legacy', () => {
    expect(observeOne(dev({...registered, messages: [ENUM(), LEAVING]}))).toEqual({
      transport: 'legacy',
      transportEvidence: 'registered after "leaving for legacy driver" (dmesg.txt:2)',
      registered: true,
      registeredEvidence: by,
    })
  })

  it('in a log that covers the probe, without "leaving": modern; without the enumeration line: unknown', () => {
    expect(observeOne(dev({...registered, messages: [ENUM()]}))).toEqual({
      transport: 'modern',
      transportEvidence: 'registered with no "leaving for legacy driver" in a log that covers the probe',
      registered: true,
      registeredEvidence: by,
    })
    expect(observeOne(dev(registered))).toEqual({
      transport: 'unknown',
      transportEvidence: 'registered, but the log does not cover the probe (no enumeration line of the function)',
      registered: true,
      registeredEvidence: by,
    })
  })

  it('the enumeration line is recognised by its tag too', () => {
    const d = dev(registered)
    const tagged = {...d, messages: [{kind: 'kmsg', text: 'anything', src: {file: 'dmesg.txt', line: 1}, tag: 'pci-enum'} as KernelMessageRecord]}
    expect(observeOne(tagged).transport).toBe('modern')
  })

  it('registration facts are joined: the virtio device, lspci -k, the trace', () => {
    const d = dev({...registered, messages: [ENUM()]})
    const o = observeFromLog(setOf([d]), d, {...OPTS, registeredElsewhere: 'the trace'})
    expect(o.registeredEvidence).toBe(`${by}; the trace`)
  })
})

describe('observeFromLog: force_legacy on', () => {
  const FL = {forceLegacy: true}

  it('"leaving for legacy driver": the legacy probe failed, then the modern one returned -ENODEV', () => {
    const why = 'force_legacy on and "leaving for legacy driver" (dmesg.txt:1): the legacy probe failed, then the modern one returned -ENODEV (not printed)'
    expect(observeOne(dev({messages: [LEAVING]}), FL)).toEqual({transport: 'none', transportEvidence: why, registered: false, registeredEvidence: why})
    const conflict = observeOne(dev({messages: [LEAVING], kernelDriver: 'virtio-pci'}), FL)
    expect(conflict).toEqual({
      transport: 'unknown',
      transportEvidence: `conflicting evidence: ${why}, but lspci -k: Kernel driver in use: virtio-pci (lspci.txt:9)`,
      registeredEvidence: `conflicting evidence: ${why}, but lspci -k: Kernel driver in use: virtio-pci (lspci.txt:9)`,
    })
  })

  const registrant = (o: Parameters<typeof dev>[0], opts: Partial<LogObserveOptions> = {}) => {
    const r = observeOne(dev({kernelDriver: 'virtio-pci', messages: [ENUM()], vendor: 0x1af4, ...o}), {...FL, ...opts})
    expect(r.registered).toBe(true)
    return {transport: r.transport, why: r.transportEvidence.replace('registered with force_legacy on and no probe message: ', '')}
  }

  it('device id unknown: legacy, or modern after a silent decline', () => {
    expect(observeOne(dev({kernelDriver: 'virtio-pci', messages: []}), FL).transport).toBe('unknown')
  })

  it.each([0x1040, 0x0fff])('device id 0x%s is outside 0x1000..0x103f: the modern probe registered it', (device) => {
    expect(registrant({device, revision: 0})).toEqual({
      transport: 'modern',
      why: `device id 0x${device.toString(16)} (config.txt:3) is outside 0x1000..0x103f, so the legacy probe declined and the modern one registered`,
    })
  })

  it.each([0x1000, 0x103f])('device id 0x%s, revision unknown: cannot tell', (device) => {
    expect(registrant({device})).toEqual({transport: 'unknown', why: 'legacy, or modern after a silent legacy decline (revision unknown)'})
  })

  it('revision 1: the legacy probe declined, modern registered', () => {
    expect(registrant({device: 0x1000, revision: 1})).toEqual({transport: 'modern', why: 'revision 1 (config.txt:9), so the legacy probe declined and the modern one registered'})
  })

  const accepted = 'device id 0x1000 (config.txt:3) and revision 0 (config.txt:9) pass the legacy probe\'s checks'

  it('revision 0 on a -EIO kernel: legacy (a failed BAR 0 map would have been printed)', () => {
    expect(registrant({device: 0x1000, revision: 0}, {legacyIomapErrno: 'EIO'})).toEqual({transport: 'legacy', why: `${accepted}, and a failed BAR 0 map would have been reported (-EIO)`})
  })

  it('revision 0 on a -ENOMEM kernel: legacy only with BAR 0 known mappable (a kind, a size, an address)', () => {
    const bar0 = {kind: 'io' as const, size: 0x40, addr: 0xc000}
    expect(registrant({device: 0x1000, revision: 0, bar0}, {legacyIomapErrno: 'ENOMEM'})).toEqual({transport: 'legacy', why: `${accepted}, and BAR 0 is an assigned io resource that pci_iomap maps`})
    const unknown = {transport: 'unknown', why: `${accepted}; legacy, or modern after a failed BAR 0 map (-ENOMEM falls back silently)`}
    expect(registrant({device: 0x1000, revision: 0, bar0: {...bar0, addr: 0}}, {legacyIomapErrno: 'ENOMEM'})).toEqual(unknown)
    expect(registrant({device: 0x1000, revision: 0, bar0: {...bar0, size: 0}}, {legacyIomapErrno: 'ENOMEM'})).toEqual(unknown)
    expect(registrant({device: 0x1000, revision: 0, bar0: {size: 0x40, addr: 0xc000}}, {legacyIomapErrno: 'ENOMEM'})).toEqual(unknown)
    expect(registrant({device: 0x1000, revision: 0, bar0: {kind: 'io', addr: 0xc000}}, {legacyIomapErrno: 'ENOMEM'})).toEqual(unknown)
    expect(registrant({device: 0x1000, revision: 0, bar0: {kind: 'io', size: 0x40}}, {legacyIomapErrno: 'ENOMEM'})).toEqual(unknown)
    expect(registrant({device: 0x1000, revision: 0, bar0})).toEqual(unknown)
  })
})

describe('observeFromLog: "leaving for legacy driver" and nothing after it', () => {
  const leaving = (o: Parameters<typeof dev>[0], opts: Partial<LogObserveOptions> = {}) => observeOne(dev({messages: [ENUM(), LEAVING], vendor: 0x1af4, ...o}), opts)

  it('device id 0x1000 / 0x103f with revision 0: legacy, registered', () => {
    for (const device of [0x1000, 0x103f]) {
      expect(leaving({device, revision: 0})).toEqual({
        transport: 'legacy',
        transportEvidence: `"leaving for legacy driver" (dmesg.txt:2) and no probe failure after it; the legacy probe cannot have declined silently (device id 0x${device.toString(16)} (config.txt:3), revision 0 (config.txt:9))`,
        registered: true,
        registeredEvidence: 'no probe failure reported after "leaving for legacy driver" (dmesg.txt:2)',
      })
    }
  })

  it.each([
    [0x0fff, 'device id 0xfff is outside 0x1000..0x103f'],
    [0x1040, 'device id 0x1040 is outside 0x1000..0x103f'],
  ])('device id 0x%s: unknown (%s)', (device, silent) => {
    expect(leaving({device, revision: 0})).toEqual({
      transport: 'unknown',
      transportEvidence: `"leaving for legacy driver" (dmesg.txt:2) and no error after it: legacy, or the legacy probe declined silently (${silent})`,
      registeredEvidence: silent,
    })
  })

  it('revision 1, or the device id unknown: unknown', () => {
    expect(leaving({device: 0x1000, revision: 1}).registeredEvidence).toBe('revision 1')
    expect(observeOne(dev({messages: [LEAVING]})).registeredEvidence).toBe('device id unknown')
  })

  it('the device id from the enumeration line when the config space does not have it', () => {
    const o = observeOne(dev({messages: [ENUM('1040'), LEAVING]}))
    expect(o.registeredEvidence).toBe('device id 0x1040 is outside 0x1000..0x103f')
  })

  it('revision unknown: legacy only on a kernel that prints the ABI line, in a log covering the probe, without that line', () => {
    const abi = {legacyAbiMessage: true}
    expect(leaving({device: 0x1000}, abi)).toMatchObject({
      transport: 'legacy',
      transportEvidence: '"leaving for legacy driver" (dmesg.txt:2) and no probe failure after it; the legacy probe cannot have declined silently (device id 0x1000 (config.txt:3), no "expected ABI version" line in a log that covers the probe)',
    })
    expect(leaving({device: 0x1000}, {...abi, abiLinePrinted: true}).registeredEvidence).toBe('revision unknown')
    expect(observeOne(dev({messages: [LEAVING], vendor: 0x1af4, device: 0x1000}), abi).registeredEvidence).toBe('revision unknown')
    expect(leaving({device: 0x1000}).registeredEvidence).toBe('revision unknown, and this kernel declines a revision other than 0 silently')
  })

  it('nothing in the log about the function', () => {
    const none = 'no probe failure in the log, and no virtio device of the log tied to this function (-ENODEV is not printed)'
    expect(observeOne(dev({messages: [ENUM()]}))).toEqual({transport: 'unknown', transportEvidence: none, registeredEvidence: none})
  })
})

describe('linkVirtioIndexes: virtioN tied to a function only where the log leaves no doubt', () => {
  const VIRTIO0 = 'virtio_blk virtio0: [vda] 2048 512-byte logical blocks (1.05 MB/1.00 MiB)'

  it('the only device that can register, one index, no other transport', () => {
    const d = dev({vendor: 0x1af4, device: 0x1001})
    expect(linkVirtioIndexes(setOf([d], [VIRTIO0])).get(BDF)).toEqual({index: 0, how: 'the only virtio-pci function of the inputs, and virtio0 the only virtio device in the log'})
  })

  it.each([0x1000, 0x107f])('device id 0x%s can register', (device) => {
    expect(linkVirtioIndexes(setOf([dev({vendor: 0x1af4, device})], [VIRTIO0])).size).toBe(1)
  })

  it.each([
    [0x1af4, 0x0fff],
    [0x1af4, 0x1080],
    [0x1af5, 0x1000],
  ])('vendor 0x%s device 0x%s cannot register: not tied', (vendor, device) => {
    expect(linkVirtioIndexes(setOf([dev({vendor, device})], [VIRTIO0])).size).toBe(0)
  })

  it('an unknown id may register but is not known to: not tied, and it keeps another function from being tied', () => {
    expect(linkVirtioIndexes(setOf([dev()], [VIRTIO0])).size).toBe(0)
    const two = setOf([dev({vendor: 0x1af4, device: 0x1001}), dev({bdf: '0000:00:04.0'})], [VIRTIO0])
    expect(linkVirtioIndexes(two).size).toBe(0)
    const withNonVirtio = setOf([dev({vendor: 0x1af4, device: 0x1001}), dev({bdf: '0000:00:04.0', vendor: 0x8086, device: 0x100e})], [VIRTIO0])
    expect(linkVirtioIndexes(withNonVirtio).get(BDF)?.index).toBe(0)
  })

  it.each(['virtio_mmio: probing', 'virtio-mmio virtio-mmio.0: x', 'virtio_ccw 0.0.0000: x', 'vduse: y', 'virtio_vdpa vdpa0: z'])('another virtio transport in the log ("%s"): not tied', (line) => {
    expect(linkVirtioIndexes(setOf([dev({vendor: 0x1af4, device: 0x1001})], [VIRTIO0, line])).size).toBe(0)
  })

  it('two indexes: not tied by order', () => {
    expect(linkVirtioIndexes(setOf([dev({vendor: 0x1af4, device: 0x1001})], [VIRTIO0, 'virtio_net virtio1: x'])).size).toBe(0)
  })

  it('a path-based netdev name ties its index, the first such line wins', () => {
    const set = setOf([dev({vendor: 0x1af4, device: 0x1000})], ['virtio_net virtio2 enp0s3: renamed from eth0', 'virtio_net virtio5 enp0s3: renamed from eth1', 'virtio_net virtio3 ens4: x'])
    expect(linkVirtioIndexes(set).get(BDF)).toEqual({index: 2, how: `netdev enp0s3 of virtio2 is named after ${BDF} (dmesg.txt:100)`})
  })

  it('the same set gives the same links (computed once)', () => {
    const set = setOf([dev({vendor: 0x1af4, device: 0x1001})], [VIRTIO0])
    expect(linkVirtioIndexes(set)).toBe(linkVirtioIndexes(set))
  })
})

describe('virtioDeviceFacts: the lines of virtioN', () => {
  const link = {index: 1, how: 'test'}

  it('a driver failure, and no bound line then', () => {
    const set = setOf([], ['virtio_net virtio1 enp0s3: renamed from eth0', 'virtio_net virtio1: probe with driver virtio_net failed with error -2', 'virtio_net virtio10: renamed from eth1'])
    const f = virtioDeviceFacts(set, link)
    expect(f.lines).toHaveLength(2)
    expect(f.failure).toEqual({driver: 'virtio_net', error: -2, text: 'virtio_net virtio1: probe with driver virtio_net failed with error -2', src: 'dmesg.txt:101'})
    expect(f.bound).toBeUndefined()
  })

  it.each(['renamed from eth0', '[vda] 2048 512-byte logical blocks'])('"%s" is a bound driver\'s line', (rest) => {
    const f = virtioDeviceFacts(setOf([], [`virtio_x virtio1: ${rest}`, 'virtio_x virtio1: renamed from eth9']), link)
    expect(f.bound).toEqual({text: `virtio_x virtio1: ${rest}`, src: 'dmesg.txt:100'})
  })

  it.each(['  renamed from eth0', 'x [vda] 2048', '[vd] 1', 'features 0x1'])('"%s" is not', (rest) => {
    expect(virtioDeviceFacts(setOf([], [`virtio_x virtio1: ${rest}`]), link).bound).toBeUndefined()
  })

  it('the observation takes DRIVER_OK from them: a bound line true, a failure false', () => {
    const d = dev({vendor: 0x1af4, device: 0x1001, messages: [ENUM('1001')]})
    const bound = observeFromLog(setOf([d], ['virtio_blk virtio0: [vda] 2048 512-byte logical blocks']), d, OPTS)
    expect(bound).toMatchObject({transport: 'modern', registered: true, driverOk: true, registeredEvidence: 'virtio0 exists (the only virtio-pci function of the inputs, and virtio0 the only virtio device in the log)'})
    const failed = observeFromLog(setOf([d], ['virtio_blk virtio0: probe with driver virtio_blk failed with error -5']), d, OPTS)
    expect(failed).toMatchObject({registered: true, driverOk: false})
    const neither = observeFromLog(setOf([d], ['virtio_blk virtio0: features 1']), d, OPTS)
    expect(neither.driverOk).toBeUndefined()
  })
})

describe('observe without a trace: DRIVER_OK as the log says', () => {
  it('a bound line: driverOk true; a driver failure: false', () => {
    const d = dev({vendor: 0x1af4, device: 0x1001, messages: [ENUM('1001')]})
    const withLine = (line: string) => {
      const set = setOf([d], [line])
      return observe(d, {kernelLog: true, evidence: set, otherMessages: set.otherMessages})
    }
    expect(withLine('virtio_blk virtio0: [vda] 2048 512-byte logical blocks')).toMatchObject({acknowledged: true, driverOk: true})
    expect(withLine('virtio_blk virtio0: probe with driver virtio_blk failed with error -5')).toMatchObject({acknowledged: true, driverOk: false})
  })
})
