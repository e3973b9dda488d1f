/**
 * Each rule of the profile table at the release it changes in: the release before keeps the old
 * value, the release itself has the new one, and a stable backport switches at its sublevel (one
 * sublevel before it does not). The values are the kernel's (function names, files, sizes, errnos).
 */
import {describe, expect, it} from 'vitest'
import {type KernelVersion, compareSeries, formatVersion, hasChange, kv, parseDebianBanner, parseRelease} from '../../src/model/kernel-version.js'
import {type ProfileRules, MODELLED_RANGE, ReleaseOutOfRange, profileFor, resolveRelease, ruleDifferences, rulesAt} from '../../src/model/profiles.js'

type Edge = readonly [keyof ProfileRules, KernelVersion, KernelVersion, unknown, unknown]

const EDGES: readonly Edge[] = [
  ['modernProbeFn', kv(5, 11), kv(5, 12), 'virtio_pci_modern_probe', 'vp_modern_probe'],
  ['mapCapabilityFn', kv(5, 11), kv(5, 12), 'map_capability', 'vp_modern_map_capability'],
  ['modernFile', kv(5, 11), kv(5, 12), 'drivers/virtio/virtio_pci_modern.c', 'drivers/virtio/virtio_pci_modern_dev.c'],
  ['legacyProbeFn', kv(5, 15), kv(5, 16), 'virtio_pci_legacy_probe', 'vp_legacy_probe'],
  ['legacyFile', kv(5, 15), kv(5, 16), 'drivers/virtio/virtio_pci_legacy.c', 'drivers/virtio/virtio_pci_legacy_dev.c'],
  ['legacyAbiMessage', kv(5, 15), kv(5, 16), true, false],
  ['reservedBarRule', kv(5, 18), kv(5, 19), 'bar > 0x5', 'bar >= PCI_STD_NUM_BARS'],
  ['mapBarRecheck', kv(5, 18), kv(5, 19), false, true],
  ['recordsCommonLen', kv(6, 6), kv(6, 7), false, true],
  ['legacyIomapErrno', kv(5, 16), kv(5, 17), 'ENOMEM', 'EIO'],
  ['releaseRegionsOnMapError', kv(5, 18), kv(5, 19), false, true],
  ['releaseRegionsOnMapError', kv(5, 15, 99), kv(5, 15, 100), false, true],
  ['probeFailureReport', kv(6, 8), kv(6, 9), 'pr_warn', 'dev_err'],
  ['capWalkFn', kv(6, 17), kv(6, 18), '__pci_find_next_cap_ttl', 'PCI_FIND_NEXT_CAP'],
  ['driverCoreFn', kv(5, 13), kv(5, 14), 'really_probe', 'call_driver_probe'],
  ['setupVqIndexErrno', kv(6, 1), kv(6, 2), 'ENOENT', 'EINVAL'],
  ['setupVqIndexErrno', kv(6, 1, 7), kv(6, 1, 8), 'ENOENT', 'EINVAL'],
  ['setupVqIndexErrno', kv(5, 15, 99), kv(5, 15, 100), 'ENOENT', 'EINVAL'],
  ['setupVqPow2Check', kv(6, 3), kv(6, 4), true, false],
  ['setupVqBadNotifyErrno', kv(5, 13), kv(5, 14), 'EINVAL', 'ENOMEM'],
  ['commonMapSize', kv(6, 5), kv(6, 6), 56, 60],
  ['commonMapSize', kv(6, 1, 60), kv(6, 1, 61), 56, 60],
  ['commonMapSize', kv(6, 7), kv(6, 8), 60, 64],
]

describe('rulesAt: each rule switches at its release', () => {
  it.each(EDGES.map(([rule, before, at, old, now]) => [rule, formatVersion(before), formatVersion(at), before, at, old, now] as const))(
    '%s: %s -> %s',
    (rule, _b, _a, before, at, old, now) => {
      expect(rulesAt(before)[rule]).toBe(old)
      expect(rulesAt(at)[rule]).toBe(now)
    },
  )

  it('a backport applies to its own series only: 6.0.99 and 5.14.200 do not get 6.1.8 / 5.15.100 rules', () => {
    expect(rulesAt(kv(6, 0, 99)).setupVqIndexErrno).toBe('ENOENT')
    expect(rulesAt(kv(5, 14, 200)).releaseRegionsOnMapError).toBe(false)
    expect(rulesAt(kv(6, 1)).commonMapSize).toBe(56)
  })
})

describe('kernel versions', () => {
  it('hasChange: from the release on, or a backport from its sublevel on (an unknown sublevel is .0)', () => {
    expect(hasChange(kv(6, 2), kv(6, 2))).toBe(true)
    expect(hasChange(kv(6, 1, 500), kv(6, 2))).toBe(false)
    expect(hasChange(kv(7, 0), kv(6, 2))).toBe(true)
    expect(hasChange(kv(6, 1), kv(6, 2), [kv(6, 1, 8)])).toBe(false)
    expect(hasChange(kv(6, 1, 8), kv(6, 2), [kv(6, 1)])).toBe(true)
    expect(hasChange(kv(6, 1), kv(6, 2), [kv(6, 1)])).toBe(true)
  })

  it('compareSeries compares major first, then minor, and ignores the sublevel', () => {
    expect(compareSeries(kv(6, 1), kv(5, 19))).toBeGreaterThan(0)
    expect(compareSeries(kv(5, 19), kv(6, 1))).toBeLessThan(0)
    expect(compareSeries(kv(6, 1, 3), kv(6, 1, 200))).toBe(0)
    expect(compareSeries(kv(6, 12), kv(6, 2))).toBeGreaterThan(0)
  })

  it('formatVersion: with and without a sublevel, sublevel 0 kept', () => {
    expect(formatVersion(kv(6, 1))).toBe('6.1')
    expect(formatVersion(kv(6, 1, 0))).toBe('6.1.0')
    expect(kv(6, 1)).toEqual({major: 6, minor: 1})
    expect('sublevel' in kv(6, 1)).toBe(false)
  })

  it('parseRelease: Debian ABI .0 dropped only before -N; spaces trimmed; the rest ignored', () => {
    expect(parseRelease('  6.1.0-28-amd64\n')).toEqual({major: 6, minor: 1})
    expect(parseRelease('6.1.0')).toEqual({major: 6, minor: 1, sublevel: 0})
    expect(parseRelease('6.1.0+deb12')).toEqual({major: 6, minor: 1, sublevel: 0})
    expect(parseRelease('6.1.0-rc3')).toEqual({major: 6, minor: 1, sublevel: 0})
    expect(parseRelease('5.15.0-91-generic')).toEqual({major: 5, minor: 15})
    expect(parseRelease('6.1.5-2-amd64')).toEqual({major: 6, minor: 1, sublevel: 5})
    expect(parseRelease('6.x')).toBeUndefined()
    expect(parseRelease('v6.1')).toBeUndefined()
  })

  it('parseDebianBanner: the upstream version after "Debian ", followed by -, + or ~', () => {
    expect(parseDebianBanner('#1 SMP Debian 6.12.117-1 (2026)', kv(6, 12))).toEqual(kv(6, 12, 117))
    expect(parseDebianBanner('#1 SMP Debian 7.3.4+deb13 (2026)', kv(7, 3))).toEqual(kv(7, 3, 4))
    expect(parseDebianBanner('#1 SMP Debian 7.3.4~bpo13+1 (2026)', kv(7, 3))).toEqual(kv(7, 3, 4))
    expect(parseDebianBanner('#1 SMP Debian 6.1.55 (2023)', kv(6, 1))).toBeUndefined()
    expect(parseDebianBanner('#1 SMP NotDebian 6.1.55-1', kv(6, 1))).toBeUndefined()
  })
})

describe('the modelled range and what lies outside it', () => {
  it('5.4 is the oldest release modelled, 5.3 is outside; the newest series is modelled to any sublevel, the next one is not', () => {
    expect(formatVersion(MODELLED_RANGE.oldest)).toBe('5.4')
    expect(profileFor('5.4.0')!.name).toBe('5.4')
    expect(() => profileFor('5.3.18')).toThrow(ReleaseOutOfRange)
    expect(() => profileFor('4.19.0')).toThrow(ReleaseOutOfRange)
    expect(profileFor('7.3.99')!.name).toBe('mainline')
    expect(() => profileFor('7.4.0')).toThrow(ReleaseOutOfRange)
    expect(() => profileFor('8.0.0')).toThrow(ReleaseOutOfRange)
  })

  it('a release without a version is no profile; resolveRelease takes names first', () => {
    expect(profileFor('bogus')).toBeUndefined()
    expect(resolveRelease('bogus')).toBeUndefined()
    expect(resolveRelease('mainline')!.name).toBe('mainline')
    expect(resolveRelease('6.1')!.selection).toBeUndefined()
    expect(resolveRelease('6.1.100')).toMatchObject({name: '6.1', selection: '6.1.100: profile 6.1, rules at 6.1.100'})
  })

  it('a profile series without a sublevel: the profile version, said so', () => {
    const p = profileFor('6.12.0-1-amd64')!
    expect(formatVersion(p.version)).toBe('6.12.117')
    expect(p.selection).toBe('6.12.0-1-amd64: profile 6.12, stable sublevel unknown, rules at 6.12.117')
  })

  it('another series without a sublevel and no backport in it: no caveat; its basis says no tree was read', () => {
    const p = profileFor('6.6.0-1-amd64')!
    expect(p.selection).toBe('6.6.0-1-amd64: stable sublevel unknown, rules at 6.6.0 (no 6.6 profile: rule table)')
    expect(p.basis).toBe('the rule table at 6.6 (no 6.6 tree was read; see profiles.ts for where each boundary was checked)')
  })

  it('ruleDifferences names exactly the rules that differ', () => {
    expect(ruleDifferences(rulesAt(kv(6, 1)), rulesAt(kv(6, 1)))).toEqual([])
    expect(ruleDifferences(rulesAt(kv(6, 8)), rulesAt(kv(6, 9)))).toEqual(['probeFailureReport'])
  })
})
