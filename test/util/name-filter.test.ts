import {describe, expect, it} from 'vitest'
import {nameMatches} from '../../src/util/name-filter.js'

describe('--filter: exact names or globs', () => {
  it('matches a plain name exactly (k6.1 is not a prefix of k6.12 cases)', () => {
    expect(nameMatches('k6.1-pc-modern-only', 'k6.1-pc-modern-only')).toBe(true)
    expect(nameMatches('k6.12-pc-modern-only', 'k6.1')).toBe(false)
    expect(nameMatches('k6.1-pc-modern-only', 'k6.1')).toBe(false)
  })
  it('matches globs on the whole name, with . taken literally', () => {
    expect(nameMatches('k6.1-pc-modern-only', 'k6.1-*')).toBe(true)
    expect(nameMatches('k6.12-pc-modern-only', 'k6.1-*')).toBe(false)
    expect(nameMatches('k6x1-pc', 'k6.1-*')).toBe(false)
    expect(nameMatches('fault-short-common', '*-common')).toBe(true)
    expect(nameMatches('k5.10-pc-legacy-only', 'k[56].1?-*')).toBe(true)
    expect(nameMatches('k6.12-pc', 'k[!6].*')).toBe(false)
    expect(nameMatches('a', '?')).toBe(true)
    expect(nameMatches('ab', '?')).toBe(false)
  })
})
