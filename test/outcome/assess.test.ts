import {describe, expect, it} from 'vitest'
import {ConfigImage} from '../../src/evidence/config-image.js'
import type {DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import {linuxVirtioPci} from '../../src/model/driver.js'
import {profileByName} from '../../src/model/profiles.js'
import {assessDevice, forceLegacyOf, profileOf, resolveKernelOption} from '../../src/outcome/assess.js'
import {InputError, UsageError} from '../../src/util/errors.js'
import {LINUX_OK, device} from './builders.js'
import {qemuModern} from '../model/builders.js'

function set(o: Partial<EvidenceSet>): EvidenceSet {
  return {devices: [], otherMessages: [], inputs: [], warnings: [], ...o}
}

const BANNER = 'Linux version 6.12.117+deb13-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1 (2026-01-01)'
const kernel = {release: '6.12.117+deb13-amd64', banner: BANNER, src: {file: 'dmesg.txt', line: 1}}

describe('assessDevice: one device through model, observed side and verdict', () => {
  it('the profile comes from --kernel, else from the Linux version line', () => {
    expect(profileOf(set({kernel}))!.name).toBe('6.12')
    expect(profileOf(set({kernel}), '5.10')!.name).toBe('5.10')
    expect(profileOf(set({}))).toBeUndefined()
    expect(() => profileOf(set({}), 'nonsense')).toThrow(UsageError)
  })

  it('force_legacy comes from --force-legacy, else from the command line', () => {
    const withCmdline = set({cmdline: {text: 'console=ttyS0 virtio_pci.force_legacy=1', src: {file: 'dmesg.txt', line: 2}}})
    expect(forceLegacyOf(withCmdline)).toBe(true)
    expect(forceLegacyOf(withCmdline, false)).toBe(false)
    expect(forceLegacyOf(set({}))).toBe(false)
  })

  it('a static dump without a kernel log has no observed side: undetermined', () => {
    const dev = device({traced: false})
    const a = assessDevice(set({devices: [dev]}), dev, linuxVirtioPci(profileByName('6.1')!), false)
    expect(a.observed).toBeUndefined()
    expect(a.verdict.kind).toBe('undetermined')
    expect(a.result.predicted.rc).toBe('undetermined')
    expect(a.result.predicted.undeterminedOffsets).toEqual(['0x0', '0x1', '0x2', '0x3'])
  })
})

describe('assess: the kernel, force_legacy and the observed side, at their edges', () => {
  const OLD_BANNER = 'Linux version 4.19.0-27-amd64 (...) #1 SMP Debian 4.19.316-1 (2024-06-25)'
  const old = {release: '4.19.0-27-amd64', banner: OLD_BANNER, src: {file: 'dmesg.txt', line: 3}}
  const driver = linuxVirtioPci(profileByName('6.1')!)

  it('a log from a kernel outside the modelled range is an input error at its Linux version line', () => {
    expect(() => profileOf(set({kernel: old}))).toThrow(InputError)
    expect(() => profileOf(set({kernel: old}))).toThrow(/^dmesg\.txt:3: kernel 4\.19\.0-27-amd64: outside the modelled range/)
    expect(profileOf(set({kernel: old}), '6.1')!.name).toBe('6.1')
  })

  it('--kernel outside the range or unknown: a usage error naming the profiles and the range', () => {
    expect(() => resolveKernelOption('4.19')).toThrow(/^--kernel 4\.19: outside the modelled range 5\.4 to 7\.3\.x/)
    expect(() => resolveKernelOption('latest')).toThrow('--kernel latest: not a kernel profile (5.10, 6.1, 6.12, mainline) or release (5.4 to 7.3.x)')
    expect(resolveKernelOption('5.15.100').rules.releaseRegionsOnMapError).toBe(true)
  })

  it('a log of an out-of-range kernel with --kernel: the observed side reads it without the logged kernel rules', () => {
    const dev = device({traced: false, messages: [`virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver`]})
    const a = assessDevice(set({devices: [dev], kernel: old}), dev, driver, false)
    expect(a.observed).toBeDefined()
    expect(a.observed!.transport).toBe('unknown')
  })

  it('a dmesg input alone (no Linux version line) is a kernel log: observed side present', () => {
    const dev = device({traced: false})
    const withLog = set({devices: [dev], inputs: [{file: 'dmesg.txt', format: 'dmesg', bytes: 100, records: 3, unknownEvents: {}}]})
    expect(assessDevice(withLog, dev, driver, false).observed).toMatchObject({transport: 'unknown'})
    expect(assessDevice(withLog, dev, driver, false).observed!.messagesKnown).toBeUndefined()
  })

  it('lspci -k alone (a kernel driver named) gives an observed side; a traced device too', () => {
    const lspci = {...device({traced: false}), kernelDriver: {name: 'virtio-pci', src: {file: 'lspci.txt', line: 4}}}
    expect(assessDevice(set({devices: [lspci]}), lspci, driver, false).observed).toMatchObject({acknowledged: true, messagesKnown: false})
    const traced = device({traced: true})
    expect(assessDevice(set({devices: [traced]}), traced, driver, false).observed).toBeDefined()
  })

  it('setup_vq runs only after a modern probe, and only with the queue registers traced', () => {
    const traced = device({traced: true})
    const a = assessDevice(set({devices: [traced]}), traced, driver, false)
    expect(a.setupVq).toBeUndefined()
    expect(a.result.predicted.transport).toBe('undetermined')
  })
})

describe('assess: the observed side reads the log with the logged kernel rules, not the profile asked for', () => {
  const ENUM = 'pci 0000:00:03.0: [1af4:1000] type 00 class 0x020000'
  const LEAVING = 'virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver'
  const k510 = {release: '5.10.0-46-amd64', banner: 'Linux version 5.10.0-46-amd64 (...) #1 SMP Debian 5.10.223-1 (2024-08-10)', src: {file: 'dmesg.txt', line: 1}}
  const k61 = {release: '6.1.0-28-amd64', banner: 'Linux version 6.1.0-28-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)', src: {file: 'dmesg.txt', line: 1}}

  it.each([
    ['5.10', k510, 'legacy'],
    ['6.1', k61, 'unknown'],
  ] as const)('a %s log: "leaving for legacy driver", revision unknown, no ABI line -> %s, whatever --kernel says', (_, kernel, transport) => {
    const dev = device({traced: false, messages: [ENUM, LEAVING]})
    for (const asked of ['5.10', '6.12']) {
      const a = assessDevice(set({devices: [dev], kernel}), dev, linuxVirtioPci(profileByName(asked)!), false)
      expect(a.observed!.transport).toBe(transport)
    }
  })

  it('a 5.10 log whose other lines hold the ABI printk: the revision may have been wrong, unknown', () => {
    const dev = device({traced: false, messages: [ENUM, LEAVING]})
    const s = set({devices: [dev], kernel: k510, otherMessages: [{kind: 'kmsg', text: 'virtio_pci: expected ABI version 0, got 1', src: {file: 'dmesg.txt', line: 9}}]})
    expect(assessDevice(s, dev, linuxVirtioPci(profileByName('5.10')!), false).observed!.transport).toBe('unknown')
  })

  it('force_legacy on the command line: the log is read as force_legacy', () => {
    const dev = device({traced: false, messages: [ENUM, LEAVING]})
    const s = set({devices: [dev], kernel: k61, cmdline: {text: 'virtio_pci.force_legacy=1', src: {file: 'dmesg.txt', line: 2}}})
    expect(assessDevice(s, dev, linuxVirtioPci(profileByName('6.1')!), false).observed).toMatchObject({transport: 'none', acknowledged: false})
  })
})

describe('assess: setup_vq after a traced modern probe', () => {
  // QEMU's modern layout (test/model/builders.ts) as a dump, BAR 4 of 0x4000 bytes.
  const dump = (mult: number) => {
    const reader = qemuModern({mult}).reader()
    return Uint8Array.from({length: 256}, (_, at) => {
      const r = reader.read(at, 1)
      return r.known ? r.value : 0
    })
  }
  function traced(mult: number, notifyOff: number): DeviceEvidence {
    const image = new ConfigImage()
    image.observeDump(dump(mult), (at) => ({file: 'config.txt', line: at + 1}), 0)
    const base = device({status: LINUX_OK})
    const common = (line: number, op: 'read' | 'write', offset: number, value: number) => ({region: 'common' as const, op, offset, size: 2, value, src: {file: 'trace.log', line}, addr: 0xfe000000 + offset, bar: 4})
    return {
      ...base,
      config: image,
      bars: base.bars.map((b) => (b.index === 4 ? {...b, kind: 'mem' as const, size: 0x4000, addr: 0xfe000000} : b.index === 1 ? {...b, kind: 'mem' as const, size: 0x1000, addr: 0xfebc0000} : {...b, size: 0})),
      regionAccesses: [common(101, 'read', 0x12, 1), common(102, 'write', 0x16, 0), common(103, 'read', 0x18, 256), common(104, 'read', 0x1c, 0), common(105, 'read', 0x1e, notifyOff)],
    }
  }
  const driver = linuxVirtioPci(profileByName('6.1')!)

  it('the queue the kernel set up, and no verdict change when it fits', () => {
    const dev = traced(4, 1)
    const a = assessDevice(set({devices: [dev]}), dev, driver, false)
    expect(a.result.predicted).toMatchObject({rc: '0', transport: 'modern'})
    expect(a.setupVq).toEqual([expect.objectContaining({index: 0, rc: '0', notify: {bar: 4, offset: '0x3004'}, messages: []})])
  })

  it('a queue whose notify offset is past the structure: setup_vq predicts its line', () => {
    const dev = traced(4, 0x400)
    const a = assessDevice(set({devices: [dev]}), dev, driver, false)
    expect(a.setupVq![0]).toMatchObject({rc: 'ENOMEM', messages: [{level: 'warn', text: 'virtio-pci 0000:00:03.0: bad notification offset 1024 (x 4) for queue 0 > 4096'}]})
  })

  it('the driver without a setup_vq model: none', () => {
    const dev = traced(4, 1)
    const {setupQueues: _, ...probeOnly} = driver
    expect(assessDevice(set({devices: [dev]}), dev, probeOnly, false).setupVq).toBeUndefined()
  })
})
