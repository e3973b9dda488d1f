/**
 * Delta debugging over config-space changes (src/regress/minimize.ts) and the --budget syntax.
 * Generated inputs: the images are built here for the property, not captured.
 */
import {describe, expect, it} from 'vitest'
import {parseBudget} from '../../src/commands/regress.js'
import {emptyImage} from '../../src/oracle/fuzz/image.js'
import {applyChanges, changesBetween, ddmin, describeChange, minimizeChanges} from '../../src/regress/minimize.js'

describe('ddmin', () => {
  it('finds a 1-minimal subset: the two items that together make the test fail', async () => {
    const items = Array.from({length: 200}, (_, i) => i)
    let tests = 0
    const got = await ddmin(items, async (s) => {
      tests++
      return s.includes(17) && s.includes(150)
    })
    expect(got).toEqual([17, 150])
    expect(tests).toBeLessThan(100)
  })

  it('returns nothing when the empty set already fails, and everything when all is needed', async () => {
    expect(await ddmin([1, 2, 3], async () => true)).toEqual([])
    expect(await ddmin([1, 2, 3], async (s) => s.length === 3)).toEqual([1, 2, 3])
  })
})

describe('minimizeChanges', () => {
  it('keeps the changes that keep the signature, as bytes, BAR facts and force_legacy from the seed', async () => {
    const seed = emptyImage()
    seed.known[0x300] = 0 // unknown in the seed: counts as 0
    const image = applyChanges(seed, [])
    for (let i = 0x40; i < 0x80; i++) image.bytes[i] = i
    image.bytes[0x300] = 7
    image.bars[2] = {type: 'mem', start: 0xfe000000, len: 0x4000}
    image.forceLegacy = true
    expect(changesBetween(applyChanges(seed, []), image).length).toBe(0x40 + 3)
    // "Differs" when byte 0x4c is 0x4c and BAR 2 is memory.
    const signature = async (img: typeof image) => (img.bytes[0x4c] === 0x4c && img.bars[2]!.type === 'mem' ? 'differs' : undefined)
    const r = await minimizeChanges(seed, image, signature)
    expect(r.changes.map(describeChange)).toEqual(['BAR 2: none -> mem 0xfe000000 len 0x4000', '0x4c: 0x0 -> 0x4c'])
    expect(r.from).toBe(0x40 + 3)
    expect(await signature(r.image)).toBe('differs')
    expect(r.image.bytes[0x40]).toBe(0)
    expect(r.image.forceLegacy).toBe(false)
  })
})

describe('--budget', () => {
  it('is a count or a time', () => {
    expect(parseBudget('500')).toEqual({count: 500})
    expect(parseBudget('30s')).toEqual({seconds: 30})
    expect(parseBudget('2m')).toEqual({seconds: 120})
    expect(parseBudget('1.5m')).toEqual({seconds: 90})
    expect(parseBudget('0')).toBeUndefined()
    for (const bad of ['', '2x', '-1', '1.5', 's']) expect(() => parseBudget(bad), bad).toThrow(/a count of config spaces \(500\) or a time \(30s, 2m\)/)
  })
})
