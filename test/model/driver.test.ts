/** The Driver seam: the Linux virtio-pci probe behind it, and the pipeline driving any driver through it. */
import {describe, expect, it} from 'vitest'
import {type Driver, linuxVirtioPci} from '../../src/model/driver.js'
import {PROFILE_NAMES} from '../../src/model/profiles.js'
import {setupVqs} from '../../src/model/setup-vq.js'
import {predict, probe} from '../../src/model/virtio-pci-probe.js'
import {assessDevice} from '../../src/outcome/assess.js'
import {device} from '../outcome/builders.js'
import {input, MODERN_BARS, qemuModern} from './builders.js'
import {ALL} from './helpers.js'

describe('linuxVirtioPci', () => {
  it.each(ALL)('is the Linux probe at profile $name', (profile) => {
    const driver = linuxVirtioPci(profile)
    expect(driver.name).toBe('linux-virtio-pci')
    expect(driver.releases).toEqual(PROFILE_NAMES)
    expect(driver.release).toBe(profile.name)
    const i = input(qemuModern().set(0x4c, 4, 55), MODERN_BARS)
    expect(driver.probe(i)).toEqual(probe(i, profile))
  })

  it.each(ALL)('sets queues up with setup_vq at profile $name', (profile) => {
    const i = input(qemuModern(), MODERN_BARS)
    const predicted = predict(i, profile)
    const queues = [{index: 0, size: 256, notifyOff: 0}, {index: 1, size: 256, notifyOff: 0x400}]
    const irq = {msix: 'never-enabled' as const}
    const got = linuxVirtioPci(profile).setupQueues!(i, predicted, 2, queues, irq)
    expect(got).toEqual(setupVqs(i, profile, predicted, 2, queues, irq))
    expect(got.map((q) => q.rc)).toEqual(['0', profile.rules.setupVqBadNotifyErrno])
  })
})

describe('assessDevice through the seam', () => {
  it('runs whatever driver it is given, and skips queue setup for a driver without it', () => {
    const seen: string[] = []
    const other: Driver = {
      name: 'test-double',
      releases: ['1'],
      release: '1',
      probe: (i) => {
        seen.push(i.bdf)
        return {predicted: {transport: 'modern', rc: '0', messages: [], messageDetails: [], attempts: [], path: [], capabilities: [], mappings: []}, lints: []}
      },
    }
    const dev = device({traced: false})
    const set = {devices: [dev], otherMessages: [], inputs: [], warnings: []}
    const a = assessDevice(set, dev, other, false)
    expect(seen).toEqual([dev.bdf])
    expect(a.result.predicted.rc).toBe('0')
    expect(a.setupVq).toBeUndefined()
  })
})
