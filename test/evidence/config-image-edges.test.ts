/**
 * The edges of the config image (src/evidence/config-image.ts), one comparison at a time, each byte
 * checked in full (value, origin, source, history). Values are those of the real capture
 * test/fixtures/evidence/pc-full-net-excerpt.log (virtio-net-pci 00:02.0: ids 0x10001af4, BAR 0
 * 0xc081 sized with 0xffffffe1, command 0x0007, the capability list at 0x98); offsets at the image's
 * ends (0xff / 0x100, 0xfff / 0x1000) are built and say so.
 */
import {describe, expect, it} from 'vitest'
import {ConfigImage, headerTypeOf} from '../../src/evidence/config-image.js'
import type {ByteFact} from '../../src/evidence/types.js'

const src = (line: number) => ({file: 't', line})
const fact = (value: number, origin: ByteFact['origin'], line: number): ByteFact => ({value, origin, src: src(line), seq: line})

describe('headerTypeOf', () => {
  it('the byte at 0x0e as read or dumped; unknown when unread or only inferred', () => {
    const image = new ConfigImage()
    expect(headerTypeOf(image)).toBeUndefined()
    image.observeRead(0x0c, 0, undefined, src(1), 1)
    expect(headerTypeOf(image)).toBeUndefined()
    image.observeRead(0x0e, 0x80, 1, src(2), 2)
    expect(headerTypeOf(image)).toBe(0x80)
  })
})

describe('ConfigImage: where the image ends', () => {
  it('byte 0xff keeps the image conventional, byte 0x100 makes it extended (built offsets)', () => {
    const image = new ConfigImage()
    image.observeRead(0xfc, 0x10001af4, 4, src(1), 1)
    expect(image.size).toBe(256)
    image.observeRead(0x100, 0, 1, src(2), 2)
    expect(image.size).toBe(4096)
    // a write alone at 0x100 also makes the image extended: its history is kept
    const written = new ConfigImage()
    written.observeWrite(0x100, 0x1, 1, src(1), 1)
    expect(written.size).toBe(4096)
    expect(written.byte(0x100)).toBeUndefined()
    // a decoded byte and an inferred one at 0x100 too
    const decoded = new ConfigImage()
    decoded.observeDecoded(0x100, 0x1, src(1), 1)
    expect(decoded.size).toBe(4096)
    const inferred = new ConfigImage()
    inferred.observeRead(0xfe, 0, undefined, src(1), 1)
    expect(inferred.size).toBe(256)
    // a write at 0x1000 is outside: it leaves the image conventional (built)
    const outside = new ConfigImage()
    outside.observeWrite(0x1000, 0x1, 1, src(1), 1)
    expect(outside.size).toBe(256)
  })

  it('bytes from 0x1000 on are outside the image: a dword read at 0xffe keeps two (built offsets)', () => {
    const image = new ConfigImage()
    image.observeRead(0xffe, 0x10001af4, 4, src(1), 1)
    expect([0xffe, 0xfff, 0x1000, 0x1001].map((o) => image.byte(o)?.current.value)).toEqual([0xf4, 0x1a, undefined, undefined])
    expect(image.knownCount).toBe(2)
    image.observeRead(0xffc, 0x1af4, undefined, src(2), 2)
    expect(image.knownCount).toBe(4)
    // a widthless read at 0x1000 would infer 0x1001..0x1003: outside, nothing is kept
    const inferredOut = new ConfigImage()
    inferredOut.observeRead(0xfff, 0, undefined, src(1), 1)
    expect(inferredOut.knownCount).toBe(1)
    inferredOut.observeRead(0x1000, 0, undefined, src(2), 2)
    inferredOut.observeRead(0x1000, 0, 4, src(3), 3)
    expect(inferredOut.knownCount).toBe(1)
    const writes = new ConfigImage()
    writes.observeWrite(0xfff, 0x0107, 2, src(1), 1)
    writes.observeRead(0xfff, 0x07, 1, src(2), 2)
    expect(writes.byte(0xfff)?.history).toEqual([fact(0x07, 'write', 1), fact(0x07, 'read', 2)])
    expect(writes.byte(0x1000)).toBeUndefined()
    writes.observeDecoded(0x1000, 1, src(3), 3)
    expect(writes.byte(0x1000)).toBeUndefined()
    expect(writes.knownCount).toBe(1)
  })

  it('a dump of more than 4096 bytes keeps the first 4096 (built)', () => {
    const image = new ConfigImage()
    image.observeDump(new Uint8Array(4097).fill(0xaa), () => src(1), 1)
    expect(image.knownCount).toBe(4096)
    expect(image.byte(0xfff)?.current).toEqual(fact(0xaa, 'dump', 1))
    expect(image.byte(0x1000)).toBeUndefined()
  })
})

describe('ConfigImage.observeRead without a width', () => {
  it('a dword value at an aligned offset: 4 certain bytes, nothing inferred', () => {
    const image = new ConfigImage()
    image.observeRead(0x00, 0x10001af4, undefined, src(1), 1)
    expect([0, 1, 2, 3, 4].map((o) => image.byte(o)?.current)).toEqual([
      fact(0xf4, 'read-narrowest', 1), fact(0x1a, 'read-narrowest', 1), fact(0x00, 'read-narrowest', 1), fact(0x10, 'read-narrowest', 1), undefined,
    ])
  })

  it('a byte value at a word offset: one certain byte, one inferred', () => {
    const image = new ConfigImage()
    image.observeRead(0x06, 0x10, undefined, src(1), 1)
    expect([6, 7, 8].map((o) => image.byte(o)?.current)).toEqual([fact(0x10, 'read-narrowest', 1), fact(0, 'inferred', 1), undefined])
    expect(image.knownCount).toBe(2)
  })

  it('a word value at an odd offset reaches past the alignment: both bytes certain', () => {
    const image = new ConfigImage()
    image.observeRead(0x05, 0x0107, undefined, src(1), 1)
    expect([4, 5, 6, 7].map((o) => image.byte(o)?.current)).toEqual([undefined, fact(0x07, 'read-narrowest', 1), fact(0x01, 'read-narrowest', 1), undefined])
  })
})

describe('ConfigImage.observeWrite', () => {
  it('without a width covers the bytes the value spans; the history starts with what was known', () => {
    const image = new ConfigImage()
    image.observeRead(0x04, 0x0007, 2, src(1), 1)
    image.observeWrite(0x04, 0x0107, undefined, src(2), 2)
    expect(image.byte(0x04)).toEqual({current: fact(0x07, 'read', 1), history: [fact(0x07, 'read', 1), fact(0x07, 'write', 2)]})
    expect(image.byte(0x05)).toEqual({current: fact(0x00, 'read', 1), history: [fact(0x00, 'read', 1), fact(0x01, 'write', 2)]})
    expect(image.byte(0x06)).toBeUndefined()
  })

  it('a second write does not restart the history', () => {
    const image = new ConfigImage()
    image.observeRead(0x04, 0x07, 1, src(1), 1)
    image.observeWrite(0x04, 0x03, 1, src(2), 2)
    image.observeWrite(0x04, 0x07, 1, src(3), 3)
    expect(image.byte(0x04)?.history).toEqual([fact(0x07, 'read', 1), fact(0x03, 'write', 2), fact(0x07, 'write', 3)])
  })
})

describe('ConfigImage.observeRestore: a BAR written back after sizing', () => {
  const sized = (width: 4 | undefined) => {
    const image = new ConfigImage()
    image.observeRead(0x10, 0xc081, width, src(1), 1)
    image.observeWrite(0x10, 0xffffffff, width, src(2), 2)
    image.observeRead(0x10, 0xffffffe1, width, src(3), 3)
    image.observeWrite(0x10, 0xc081, width, src(4), 4)
    return image
  }

  it('all 4 bytes certain: each holds the written-back byte, origin restored, the reply kept in the history', () => {
    const image = sized(4)
    image.observeRestore(0x10, 0xc081, 4, src(4), 4)
    expect([0x10, 0x11, 0x12, 0x13, 0x14].map((o) => image.byte(o)?.current)).toEqual([fact(0x81, 'restored', 4), fact(0xc0, 'restored', 4), fact(0, 'restored', 4), fact(0, 'restored', 4), undefined])
    expect(image.byte(0x10)?.history).toEqual([fact(0x81, 'read', 1), fact(0xff, 'write', 2), fact(0xe1, 'read', 3), fact(0x81, 'write', 4), fact(0x81, 'restored', 4)])
  })

  it('2 certain bytes (the first read had no width): the upper two are inferred 0 again', () => {
    const image = sized(undefined)
    image.observeRestore(0x10, 0xc081, 2, src(4), 4)
    expect([0x10, 0x11, 0x12, 0x13].map((o) => image.byte(o)?.current)).toEqual([fact(0x81, 'restored', 4), fact(0xc0, 'restored', 4), fact(0, 'inferred', 4), fact(0, 'inferred', 4)])
  })

  it('1 certain byte: bytes 1..3 inferred (built: certainBytes at its lowest)', () => {
    const image = sized(4)
    image.observeRestore(0x10, 0x81, 1, src(4), 4)
    expect([0x10, 0x11, 0x12, 0x13].map((o) => image.byte(o)?.current.origin)).toEqual(['restored', 'inferred', 'inferred', 'inferred'])
  })

  it('the restore covers its dword only: the next register keeps its read', () => {
    const image = sized(4)
    image.observeRead(0x14, 0xfebc0000, 4, src(5), 5)
    image.observeRestore(0x10, 0xc081, 4, src(6), 6)
    expect(image.byte(0x14)).toEqual({current: fact(0x00, 'read', 5)})
  })

  it('bytes nobody saw stay unknown', () => {
    const image = new ConfigImage()
    image.observeRead(0x10, 0x81, 1, src(1), 1)
    image.observeRestore(0x10, 0xc081, 4, src(2), 2)
    expect([0x10, 0x11].map((o) => image.byte(o)?.current)).toEqual([fact(0x81, 'restored', 2), undefined])
  })

  it('a read confirming the restored value replaces it and is recorded', () => {
    const image = sized(4)
    image.observeRestore(0x10, 0xc081, 4, src(4), 4)
    image.observeRead(0x10, 0xc081, 4, src(5), 5)
    expect(image.byte(0x10)?.current).toEqual(fact(0x81, 'read', 5))
    expect(image.byte(0x10)?.history?.slice(-2)).toEqual([fact(0x81, 'restored', 4), fact(0x81, 'read', 5)])
    // a read of another value after the restore is a change
    const changed = sized(4)
    changed.observeRestore(0x10, 0xc081, 4, src(4), 4)
    changed.observeRead(0x10, 0xc041, 4, src(5), 5)
    expect(changed.byte(0x10)?.current).toEqual(fact(0x41, 'read', 5))
    expect(changed.byte(0x10)?.history?.slice(-2)).toEqual([fact(0x81, 'restored', 4), fact(0x41, 'read', 5)])
  })
})

describe('ConfigImage: the same value again', () => {
  it('after a write it is recorded (the write did not change it), otherwise not', () => {
    const image = new ConfigImage()
    image.observeRead(0x04, 0x07, 1, src(1), 1)
    image.observeRead(0x04, 0x07, 1, src(2), 2)
    expect(image.byte(0x04)).toEqual({current: fact(0x07, 'read', 1)})
    image.observeWrite(0x04, 0x07, 1, src(3), 3)
    image.observeRead(0x04, 0x07, 1, src(4), 4)
    image.observeRead(0x04, 0x07, 1, src(5), 5)
    expect(image.byte(0x04)).toEqual({current: fact(0x07, 'read', 1), history: [fact(0x07, 'read', 1), fact(0x07, 'write', 3), fact(0x07, 'read', 4)]})
  })

  it('an inferred 0 then a certain 0: replaced, counted once, no history', () => {
    const image = new ConfigImage()
    image.observeRead(0x0c, 0, undefined, src(1), 1)
    image.observeRead(0x0d, 0, 1, src(2), 2)
    expect(image.byte(0x0d)).toEqual({current: fact(0, 'read', 2)})
    expect(image.knownCount).toBe(4)
  })

  it('a write before a first read: the read joins the history', () => {
    const image = new ConfigImage()
    image.observeWrite(0x04, 0x07, 1, src(1), 1)
    image.observeRead(0x04, 0x07, 1, src(2), 2)
    expect(image.byte(0x04)).toEqual({current: fact(0x07, 'read', 2), history: [fact(0x07, 'write', 1), fact(0x07, 'read', 2)]})
    // an inferred byte replaced after a write is recorded too
    const inferred = new ConfigImage()
    inferred.observeRead(0x0c, 0, undefined, src(1), 1)
    inferred.observeWrite(0x0d, 0x40, 1, src(2), 2)
    inferred.observeRead(0x0d, 0x40, 1, src(3), 3)
    expect(inferred.byte(0x0d)).toEqual({current: fact(0x40, 'read', 3), history: [fact(0, 'inferred', 1), fact(0x40, 'write', 2), fact(0x40, 'read', 3)]})
  })
})

describe('ConfigImage: read-only bytes by header type', () => {
  it('a changed subsystem id (0x2c) is a conflict on an endpoint, not on a bridge nor with no header type', () => {
    const on = (headerType: number | undefined) => {
      const conflicts: [number, ByteFact, ByteFact][] = []
      const image = new ConfigImage((offset, before, after) => conflicts.push([offset, before, after]))
      if (headerType !== undefined) image.observeRead(0x0e, headerType, 1, src(1), 1)
      image.observeRead(0x2c, 0x1af4, 2, src(2), 2)
      image.observeRead(0x2c, 0x1af5, 2, src(3), 3)
      return conflicts
    }
    expect(on(0x00)).toEqual([[0x2c, fact(0xf4, 'read', 2), fact(0xf5, 'read', 3)]])
    expect(on(0x01)).toEqual([])
    expect(on(undefined)).toEqual([])
  })
})

describe('ConfigImage without conflict handlers', () => {
  it('a changed read-only byte and a decode conflict are only not reported', () => {
    const image = new ConfigImage()
    image.observeRead(0x00, 0x1af4, 2, src(1), 1)
    image.observeRead(0x00, 0x8086, 2, src(2), 2)
    image.observeDecoded(0x00, 0x87, src(3), 3)
    image.observeDecoded(0x08, 0x01, src(4), 4)
    image.observeRead(0x08, 0x00, 1, src(5), 5)
    expect([image.byte(0x00)?.current, image.byte(0x08)?.current]).toEqual([fact(0x86, 'read', 2), fact(0x00, 'read', 5)])
  })
})

describe('ConfigImage.observeDecoded', () => {
  it('fills an unknown byte and counts it; an inferred one is replaced without counting it again', () => {
    const image = new ConfigImage()
    image.observeDecoded(0x08, 0x00, src(1), 1)
    expect(image.byte(0x08)).toEqual({current: fact(0, 'lspci-decode', 1)})
    expect(image.knownCount).toBe(1)
    image.observeRead(0x0c, 0, undefined, src(2), 2)
    expect(image.knownCount).toBe(5)
    image.observeDecoded(0x0e, 0x00, src(3), 3)
    expect(image.byte(0x0e)).toEqual({current: fact(0, 'lspci-decode', 3)})
    expect(image.knownCount).toBe(5)
  })

  it('the same value as a read: kept as read, no conflict; another value: a conflict, the read stays', () => {
    const conflicts: [number, ByteFact, ByteFact][] = []
    const image = new ConfigImage(undefined, (offset, decoded, other) => conflicts.push([offset, decoded, other]))
    image.observeRead(0x00, 0x1af4, 2, src(1), 1)
    image.observeDecoded(0x00, 0xf4, src(2), 2)
    image.observeDecoded(0x01, 0x1b, src(3), 3)
    expect(image.byte(0x00)).toEqual({current: fact(0xf4, 'read', 1)})
    expect(image.byte(0x01)).toEqual({current: fact(0x1a, 'read', 1)})
    expect(conflicts).toEqual([[0x01, fact(0x1b, 'lspci-decode', 3), fact(0x1a, 'read', 1)]])
  })

  it('a read of another value after a decode: the read wins, the conflict names both in full', () => {
    const conflicts: [number, ByteFact, ByteFact][] = []
    const image = new ConfigImage(undefined, (offset, decoded, other) => conflicts.push([offset, decoded, other]))
    image.observeDecoded(0x08, 0x01, src(1), 1)
    image.observeRead(0x08, 0x00, 1, src(2), 2)
    expect(image.byte(0x08)).toEqual({current: fact(0x00, 'read', 2)})
    expect(conflicts).toEqual([[0x08, fact(0x01, 'lspci-decode', 1), fact(0x00, 'read', 2)]])
  })

  it('a read after a decode of the same value replaces it silently', () => {
    const conflicts: unknown[] = []
    const image = new ConfigImage(undefined, (...c) => conflicts.push(c))
    image.observeDecoded(0x00, 0xf4, src(1), 1)
    image.observeRead(0x00, 0x1af4, 2, src(2), 2)
    expect(image.byte(0x00)).toEqual({current: fact(0xf4, 'read', 2)})
    expect(conflicts).toEqual([])
    expect(image.knownCount).toBe(2)
  })
})

describe('ConfigImage: the history cap', () => {
  it('64 facts are kept; the 65th is counted, not kept', () => {
    const toggles = (n: number) => {
      const image = new ConfigImage()
      // the capture's command register toggles between 0x03 and 0x07
      for (let i = 0; i < n; i++) image.observeRead(0x04, i % 2 === 0 ? 0x03 : 0x07, 1, src(i), i)
      return image.byte(0x04)!
    }
    expect([toggles(64).history?.length, toggles(64).historyOmitted]).toEqual([64, undefined])
    expect([toggles(65).history?.length, toggles(65).historyOmitted]).toEqual([64, 1])
  })
})
