/**
 * The profile table itself: which series boot (a Debian kernel image to capture with), what each
 * profile says it rests on, and the modelled range's newest end.
 */
import {describe, expect, it} from 'vitest'
import {formatVersion} from '../../src/model/kernel-version.js'
import {MODELLED_RANGE, profileByName, profileFor} from '../../src/model/profiles.js'
import {BOOTABLE_SERIES, KERNEL_SERIES} from '../../src/model/series.js'

describe('the profile table', () => {
  it('every series but mainline has a kernel image to boot', () => {
    expect(BOOTABLE_SERIES).toStrictEqual(KERNEL_SERIES.filter((s) => s !== 'mainline'))
    expect(BOOTABLE_SERIES).toHaveLength(KERNEL_SERIES.length - 1)
  })

  it("each profile's basis is the Debian linux-source it was read from, at the profile's own sublevel", () => {
    for (const series of KERNEL_SERIES) {
      const p = profileByName(series)!
      const pkg = series === 'mainline' ? 'linux-source' : `linux-source-${series}`
      expect(p.basis).toMatch(new RegExp(`^Debian ${pkg} ${formatVersion(p.version).replaceAll('.', '\\.')}-`))
    }
  })

  it('a profile by name has no selection: nothing was chosen for it', () => {
    for (const series of KERNEL_SERIES) expect('selection' in profileByName(series)!).toBe(false)
  })

  it("the modelled range ends at mainline's version", () => {
    expect(MODELLED_RANGE.newest).toStrictEqual(profileByName('mainline')!.version)
  })

  it('a release outside the range names every profile in its message', () => {
    expect(() => profileFor('4.19.0')).toThrow(new RegExp(`give --kernel with a release in that range or a profile \\(${KERNEL_SERIES.join(', ').replaceAll('.', '\\.')}\\)$`))
  })
})
