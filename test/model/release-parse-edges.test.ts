/**
 * Release strings and command-line values at the characters the parsers test (mutation survivors):
 * a two-digit major, a Debian ABI `.0` only before `-N`, and kstrtobool's second character only after
 * an `o` (lib/kstrtox.c: "on" / "of(f)").
 */
import {describe, expect, it} from 'vitest'
import {kv, parseDebianBanner, parseRelease} from '../../src/model/kernel-version.js'
import {forceLegacySetOnCmdline} from '../../src/model/kernel-cmdline.js'

describe('parseRelease / parseDebianBanner', () => {
  it('a two-digit major is read whole', () => {
    expect(parseRelease('10.2.3')).toEqual({major: 10, minor: 2, sublevel: 3})
    expect(parseDebianBanner('#1 SMP Debian 10.2.3-1 (2030)', kv(10, 2))).toEqual(kv(10, 2, 3))
  })

  it('the Debian ABI .0 is dropped only when -N follows it directly', () => {
    expect(parseRelease('6.1.0+deb12-1')).toEqual({major: 6, minor: 1, sublevel: 0})
    expect(parseRelease('6.1.0-1')).toEqual({major: 6, minor: 1})
  })
})

describe('kstrtobool: the second character counts only after an o', () => {
  it.each(['xn', 'xf', '2n'])('force_legacy=%s is rejected', (value) => {
    expect(forceLegacySetOnCmdline(`virtio_pci.force_legacy=${value}`)).toBeUndefined()
  })
})
