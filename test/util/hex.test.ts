import {describe, expect, it} from 'vitest'
import {hex, hexPadded} from '../../src/util/hex.js'

describe('hex', () => {
  it('writes 0x and lower-case digits, padded only on request', () => {
    expect(hex(0x1af4)).toBe('0x1af4')
    expect(hexPadded(8, 2)).toBe('0x08')
  })
  it('is safe to pass to map (the index is not taken as a width)', () => {
    expect([0x43, 0x53, 0x63].map(hex)).toEqual(['0x43', '0x53', '0x63'])
  })
})
