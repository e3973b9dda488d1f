import {describe, expect, it} from 'vitest'
import {ConfigImage, narrowestWidth, widestAlignedWidth} from '../../src/evidence/config-image.js'
import type {ByteFact} from '../../src/evidence/types.js'

const src = (line: number) => ({file: 't', line})
const values = (image: ConfigImage, from: number, n: number) =>
  Array.from({length: n}, (_, i) => image.byte(from + i)?.current.value)
const origins = (image: ConfigImage, from: number, n: number) =>
  Array.from({length: n}, (_, i) => image.byte(from + i)?.current.origin)

describe('width helpers', () => {
  it('narrowest width holds the value', () => {
    expect([0, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff].map(narrowestWidth)).toEqual([1, 1, 2, 2, 4, 4])
  })
  it('widest aligned width follows the offset alignment', () => {
    expect([0, 1, 2, 3, 4, 0x3e].map(widestAlignedWidth)).toEqual([4, 1, 2, 1, 4, 2])
  })
})

describe('ConfigImage', () => {
  it('a read of known width sets exactly those bytes, little-endian', () => {
    const image = new ConfigImage()
    image.observeRead(0, 0x10011af4, 4, src(1), 1)
    expect(values(image, 0, 5)).toEqual([0xf4, 0x1a, 0x01, 0x10, undefined])
    expect(origins(image, 0, 4)).toEqual(['read', 'read', 'read', 'read'])
    expect(image.knownCount).toBe(4)
    expect(image.byte(2)?.current.src).toEqual(src(1))
  })

  it('a 16-bit read leaves the next bytes unknown', () => {
    const image = new ConfigImage()
    image.observeRead(0, 0x1af4, 2, src(1), 1)
    expect(values(image, 0, 4)).toEqual([0xf4, 0x1a, undefined, undefined])
  })

  it('without a width: narrowest bytes are certain, the rest of the aligned dword inferred 0', () => {
    const image = new ConfigImage()
    image.observeRead(0, 0x1af4, undefined, src(1), 1)
    expect(values(image, 0, 5)).toEqual([0xf4, 0x1a, 0, 0, undefined])
    expect(origins(image, 0, 4)).toEqual(['read-narrowest', 'read-narrowest', 'inferred', 'inferred'])
  })

  it('without a width at an odd offset nothing is inferred', () => {
    const image = new ConfigImage()
    image.observeRead(0x0d, 0, undefined, src(1), 1)
    expect(origins(image, 0x0c, 4)).toEqual([undefined, 'read-narrowest', undefined, undefined])
  })

  it('without a width at a word offset only the word is reached', () => {
    const image = new ConfigImage()
    image.observeRead(0x06, 0x10, undefined, src(1), 1)
    expect(origins(image, 0x04, 5)).toEqual([undefined, undefined, 'read-narrowest', 'inferred', undefined])
  })

  it('a certain read replaces an inferred byte without recording a change', () => {
    const image = new ConfigImage()
    image.observeRead(0, 0x1af4, undefined, src(1), 1)
    image.observeRead(2, 0x1000, undefined, src(2), 2)
    expect(values(image, 0, 4)).toEqual([0xf4, 0x1a, 0x00, 0x10])
    expect(image.byte(3)?.current.origin).toBe('read-narrowest')
    expect(image.byte(3)?.history).toBeUndefined()
  })

  it('an inference never replaces a certain byte', () => {
    const image = new ConfigImage()
    image.observeRead(0, 0x12378086, 4, src(1), 1)
    image.observeRead(0, 0x86, undefined, src(2), 2)
    expect(values(image, 0, 4)).toEqual([0x86, 0x80, 0x37, 0x12])
    expect(origins(image, 0, 4)).toEqual(['read', 'read', 'read', 'read'])
  })

  it('writes go to history only', () => {
    const image = new ConfigImage()
    image.observeWrite(0x04, 0x0107, 2, src(1), 1)
    expect(image.byte(0x04)).toBeUndefined()
    expect(image.knownCount).toBe(0)
    image.observeRead(0x04, 0x0107, 2, src(2), 2)
    const history = image.byte(0x04)?.history?.map((f: ByteFact) => [f.origin, f.value])
    expect(history).toEqual([
      ['write', 7],
      ['read', 7],
    ])
  })

  it('BAR sizing keeps a history; the current value is the last read', () => {
    const image = new ConfigImage()
    image.observeRead(0x10, 0xc081, 4, src(1), 1)
    image.observeWrite(0x10, 0xffffffff, 4, src(2), 2)
    image.observeRead(0x10, 0xffffffe1, 4, src(3), 3)
    image.observeWrite(0x10, 0xc081, 4, src(4), 4)
    const b0 = image.byte(0x10)!
    expect(b0.current.value).toBe(0xe1)
    expect(b0.history?.map((f) => [f.origin, f.value])).toEqual([
      ['read', 0x81],
      ['write', 0xff],
      ['read', 0xe1],
      ['write', 0x81],
    ])
  })

  it('an unchanged value read again adds no history', () => {
    const image = new ConfigImage()
    for (let i = 0; i < 5; i++) image.observeRead(0, 0x1af4, 2, src(i), i)
    expect(image.byte(0)?.history).toBeUndefined()
  })

  it('history is capped with a count of the rest', () => {
    const image = new ConfigImage()
    for (let i = 0; i < 100; i++) image.observeRead(0x04, i % 2 === 0 ? 0x03 : 0x07, 1, src(i), i)
    const b = image.byte(0x04)!
    expect(b.history).toHaveLength(64)
    expect(b.historyOmitted).toBe(100 - 64)
  })

  it('a changed read-only header byte is reported, a writable one is not', () => {
    const conflicts: number[] = []
    const image = new ConfigImage((offset) => conflicts.push(offset))
    image.observeRead(0x00, 0x1af4, 2, src(1), 1)
    image.observeRead(0x04, 0x03, 1, src(2), 2)
    image.observeRead(0x00, 0x8086, 2, src(3), 3)
    image.observeRead(0x04, 0x07, 1, src(4), 4)
    expect(conflicts).toEqual([0x00, 0x01])
  })

  it('a dump sets bytes with their row source; extended bytes make the image 4096', () => {
    const image = new ConfigImage()
    const bytes = new Uint8Array(0x110).map((_, i) => i & 0xff)
    image.observeDump(bytes, (off) => src(100 + Math.floor(off / 16)), 1)
    expect(image.size).toBe(4096)
    expect(image.byte(0x21)?.current).toMatchObject({value: 0x21, origin: 'dump', src: src(102)})
    expect(image.byte(0x110)).toBeUndefined()
  })

  it('a 64-byte dump leaves the rest unknown and the image conventional', () => {
    const image = new ConfigImage()
    image.observeDump(new Uint8Array(64).fill(1), () => src(1), 1)
    expect(image.size).toBe(256)
    expect(image.knownCount).toBe(64)
    expect(image.byte(64)).toBeUndefined()
  })
})
