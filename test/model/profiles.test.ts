import {describe, expect, it} from 'vitest'
import {formatVersion, kv, parseDebianBanner, parseRelease} from '../../src/model/kernel-version.js'
import {PROFILE_NAMES, ReleaseOutOfRange, describeModelledRange, profileByName, profileFor, rulesAt} from '../../src/model/profiles.js'
import {resolveKernelOption} from '../../src/outcome/assess.js'
import {UsageError} from '../../src/util/errors.js'
import {BOOTABLE_SERIES, KERNEL_SERIES} from '../../src/model/series.js'

describe('kernel release strings', () => {
  it('Debian X.Y.0-N-arch hides the stable sublevel; other forms carry it', () => {
    expect(parseRelease('6.1.0-28-amd64')).toEqual({major: 6, minor: 1})
    expect(parseRelease('5.10.0-46-amd64')).toEqual({major: 5, minor: 10})
    expect(parseRelease('6.12.117+deb13-amd64')).toEqual({major: 6, minor: 12, sublevel: 117})
    expect(parseRelease('6.6.9')).toEqual({major: 6, minor: 6, sublevel: 9})
    expect(parseRelease('6.8')).toEqual({major: 6, minor: 8})
    expect(parseRelease('linux')).toBeUndefined()
  })

  it('the Debian banner gives the sublevel of the kernel series, not of gcc', () => {
    const banner =
      'Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02)'
    expect(parseDebianBanner(banner, kv(6, 1))).toEqual(kv(6, 1, 176))
    expect(parseDebianBanner(banner, kv(6, 12))).toBeUndefined()
  })
})

describe('profileFor: every release replays with its own rules (no snapping to a profile)', () => {
  it.each([
    ['6.1.0-28-amd64', '6.1', '6.1.192'],
    ['6.12.117+deb13-amd64', '6.12', '6.12.117'],
    ['5.10.0-46-amd64', '5.10', '5.10.223'],
    ['6.6.9', '6.6', '6.6.9'],
    ['6.11.2', '6.11', '6.11.2'],
    ['6.13.1', '6.13', '6.13.1'],
    ['7.2.0', '7.2', '7.2.0'],
    ['7.3.0', 'mainline', '7.3.0'],
    ['6.18.3', '6.18', '6.18.3'],
    ['5.19.0', '5.19', '5.19.0'],
    ['5.4.286', '5.4', '5.4.286'],
    ['5.4.0-42-generic', '5.4', '5.4'],
  ])('%s -> %s (rules at %s)', (release, name, version) => {
    const p = profileFor(release)!
    expect(p.name).toBe(name)
    expect(formatVersion(p.version)).toBe(version)
    expect(p.selection).toContain(release)
  })

  it('the rules are those of the release itself: 5.19.0 is not 5.10, 6.6.9 is not 6.1', () => {
    expect(profileFor('5.19.0')!.rules).toEqual(rulesAt(kv(5, 19, 0)))
    expect(profileFor('5.19.0')!.rules.mapBarRecheck).toBe(true)
    expect(profileByName('5.10')!.rules.mapBarRecheck).toBe(false)
    expect(profileFor('6.6.9')!.rules.setupVqPow2Check).toBe(false)
    expect(profileFor('6.6.9')!.selection).toBe('6.6.9: rules at 6.6.9 (no 6.6 profile: rule table)')
  })

  it('a series with a stable backport and no sublevel says which rules a later point release changes', () => {
    expect(profileFor('5.15.0-91-generic')!.selection).toBe(
      '5.15.0-91-generic: stable sublevel unknown, rules at 5.15.0 (no 5.15 profile: rule table; a later 5.15 stable release would differ in releaseRegionsOnMapError, setupVqIndexErrno)',
    )
    expect(profileFor('5.15.100')!.rules.releaseRegionsOnMapError).toBe(true)
  })

  it('a release outside the modelled range is an error naming the range', () => {
    expect(describeModelledRange()).toBe('5.4 to 7.3.x')
    expect(() => profileFor('4.19.0-27-amd64')).toThrow(/outside the modelled range 5\.4 to 7\.3\.x/)
    expect(() => profileFor('7.4.1')).toThrow(ReleaseOutOfRange)
    expect(() => resolveKernelOption('5.3.18')).toThrow(/^--kernel 5\.3\.18: outside the modelled range 5\.4 to 7\.3\.x/)
  })

  it('a banner refines the 6.1 rules to the running sublevel: 6.1.55 still maps common with 56 bytes', () => {
    const p = profileFor('6.1.0-13-amd64', 'Linux version 6.1.0-13-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)')!
    expect(formatVersion(p.version)).toBe('6.1.55')
    expect(p.rules.commonMapSize).toBe(56)
    expect(profileFor('6.1.0-28-amd64', 'Debian 6.1.119-1 (2024-11-22)')!.rules.commonMapSize).toBe(60)
  })

  it('--kernel takes a profile name (alias) or a release; anything else is a usage error', () => {
    // One profile per kernel series, at a release of that series (mainline: the newest read).
    expect(PROFILE_NAMES).toEqual(KERNEL_SERIES)
    for (const series of BOOTABLE_SERIES) expect(formatVersion(profileByName(series)!.version)).toMatch(new RegExp(`^${series.replace('.', '\\.')}\\.\\d+$`))
    expect(profileByName('mainline')!.version.major).toBeGreaterThanOrEqual(7)
    expect(resolveKernelOption('6.12').name).toBe('6.12')
    expect(resolveKernelOption('6.12').selection).toBeUndefined()
    expect(resolveKernelOption('6.6.9').name).toBe('6.6')
    expect(() => resolveKernelOption('latest')).toThrow(UsageError)
    expect(profileByName('6.6')).toBeUndefined()
  })

  it('5.4 evaluates every rule as 5.10 does (inline modern probe, virtio_pci_legacy.c)', () => {
    expect(rulesAt(kv(5, 4))).toEqual(rulesAt(kv(5, 10)))
    expect(rulesAt(kv(5, 4)).modernFile).toBe('drivers/virtio/virtio_pci_modern.c')
    expect(rulesAt(kv(5, 4)).legacyFile).toBe('drivers/virtio/virtio_pci_legacy.c')
  })
})

describe('rules per version (the differences between profiles)', () => {
  it('5.10 vs 6.1 vs 6.12 vs mainline differ exactly in these rules', () => {
    const pick = (name: string) => profileByName(name)!.rules
    const r510 = pick('5.10')
    const r61 = pick('6.1')
    const r612 = pick('6.12')
    const rml = pick('mainline')
    const diff = (a: object, b: object) =>
      Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]).sort()
    expect(diff(r510, r61)).toEqual([
      'commonMapSize',
      'driverCoreFn',
      'legacyAbiMessage',
      'legacyFile',
      'legacyIomapErrno',
      'legacyProbeFn',
      'mapBarRecheck',
      'mapCapabilityFn',
      'modernFile',
      'modernProbeFn',
      'queueVectorFn',
      'releaseRegionsOnMapError',
      'reservedBarRule',
      'setupVqBadNotifyErrno',
      'setupVqIndexErrno',
    ])
    expect(diff(r61, r612)).toEqual(['commonMapSize', 'probeFailureReport', 'recordsCommonLen', 'setupVqPow2Check'])
    expect(diff(r612, rml)).toEqual(['capWalkFn'])
    expect(profileFor('6.18.3')!.rules.capWalkFn).toBe('PCI_FIND_NEXT_CAP')
  })

  it.each([
    [kv(5, 18), false, false],
    [kv(5, 19), true, true],
    [kv(5, 15, 99), false, false],
    [kv(5, 15, 100), false, true],
  ])('bar re-check and region release on the map error path from 5.19 (5.15.100 backport of the release): %j', (v, recheck, release) => {
    expect(rulesAt(v).mapBarRecheck).toBe(recheck)
    expect(rulesAt(v).releaseRegionsOnMapError).toBe(release)
  })

  it.each([
    [kv(6, 5), 56],
    [kv(6, 1, 60), 56],
    [kv(6, 1, 61), 60],
    [kv(6, 6), 60],
    [kv(6, 7), 60],
    [kv(6, 8), 64],
  ])('common map size at %j is %i', (v, size) => {
    expect(rulesAt(v).commonMapSize).toBe(size)
  })

  it('legacy ABI message up to 5.15 (vp_legacy_probe, silent, from 5.16); -ENOMEM up to 5.16, -EIO from 5.17', () => {
    expect(rulesAt(kv(5, 15)).legacyAbiMessage).toBe(true)
    expect(rulesAt(kv(5, 16)).legacyAbiMessage).toBe(false)
    expect(rulesAt(kv(5, 16)).legacyIomapErrno).toBe('ENOMEM')
    expect(rulesAt(kv(5, 17)).legacyIomapErrno).toBe('EIO')
  })

  it('dd.c: pr_warn up to 6.8, dev_err from 6.9', () => {
    expect(rulesAt(kv(6, 8)).probeFailureReport).toBe('pr_warn')
    expect(rulesAt(kv(6, 9)).probeFailureReport).toBe('dev_err')
  })
})
