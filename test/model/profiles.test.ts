import {describe, expect, it} from 'vitest'
import {formatVersion, kv, parseDebianBanner, parseRelease} from '../../src/model/kernel-version.js'
import {PROFILE_NAMES, profileByName, profileFor, resolveRelease, rulesAt} from '../../src/model/profiles.js'

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

describe('profileFor: release -> profile (nearest lower known version, and says so)', () => {
  it.each([
    ['6.1.0-28-amd64', '6.1', '6.1.192'],
    ['6.12.117+deb13-amd64', '6.12', '6.12.117'],
    ['5.10.0-46-amd64', '5.10', '5.10.223'],
    ['6.6.9', '6.1', '6.1.192'],
    ['6.11.2', '6.1', '6.1.192'],
    ['6.13.1', '6.12', '6.12.117'],
    ['7.2.0', 'mainline', '7.2.0'],
    ['7.3.1', 'mainline', '7.2.13'],
    ['6.18.3', '6.12', '6.12.117'],
    ['4.19.0-27-amd64', '5.10', '5.10.223'],
  ])('%s -> %s (rules at %s)', (release, name, version) => {
    const p = profileFor(release)!
    expect(p.name).toBe(name)
    expect(formatVersion(p.version)).toBe(version)
    expect(p.selection).toContain(release)
  })

  it('a kernel between profiles gets the nearest lower one, and the rules it would differ in are named', () => {
    expect(profileFor('6.6.9')!.selection).toBe('6.6.9: no 6.6 profile; nearest lower known profile 6.1 (rules at 6.1.192; by the rule table 6.6.9 would differ in setupVqPow2Check)')
    expect(profileFor('6.11.2')!.selection).toBe(
      '6.11.2: no 6.11 profile; nearest lower known profile 6.1 (rules at 6.1.192; by the rule table 6.11.2 would differ in commonMapSize, recordsCommonLen, probeFailureReport, setupVqPow2Check)',
    )
  })

  it('a banner refines the 6.1 rules to the running sublevel: 6.1.55 still maps common with 56 bytes', () => {
    const p = profileFor('6.1.0-13-amd64', 'Linux version 6.1.0-13-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)')!
    expect(formatVersion(p.version)).toBe('6.1.55')
    expect(p.rules.commonMapSize).toBe(56)
    expect(profileFor('6.1.0-28-amd64', 'Debian 6.1.119-1 (2024-11-22)')!.rules.commonMapSize).toBe(60)
  })

  it('a release is a profile name or a release string; anything else resolves to nothing', () => {
    expect(PROFILE_NAMES).toEqual(['5.10', '6.1', '6.12', 'mainline'])
    expect(resolveRelease('6.12')!.name).toBe('6.12')
    expect(resolveRelease('6.12')!.selection).toBeUndefined()
    expect(resolveRelease('6.6.9')!.name).toBe('6.1')
    expect(resolveRelease('latest')).toBeUndefined()
    expect(profileByName('6.6')).toBeUndefined()
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
      'releaseRegionsOnMapError',
      'reservedBarRule',
      'setupVqBadNotifyErrno',
      'setupVqIndexErrno',
    ])
    expect(diff(r61, r612)).toEqual(['commonMapSize', 'probeFailureReport', 'recordsCommonLen', 'setupVqPow2Check'])
    expect(diff(r612, rml)).toEqual(['capWalkFn'])
    expect(profileFor('6.18.3')!.selection).toContain('would differ in capWalkFn')
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
