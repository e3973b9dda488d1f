import {describe, expect, it} from 'vitest'
import type {EvidenceSet} from '../../src/evidence/types.js'
import {linuxVirtioPci} from '../../src/model/driver.js'
import {profileByName} from '../../src/model/profiles.js'
import {assessDevice, forceLegacyOf, profileOf} from '../../src/outcome/assess.js'
import {UsageError} from '../../src/util/errors.js'
import {device} from './builders.js'

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
