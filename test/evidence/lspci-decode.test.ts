import {describe, expect, it} from 'vitest'
import {BarTracker} from '../../src/evidence/bars.js'
import {ConfigImage} from '../../src/evidence/config-image.js'
import type {ByteFact} from '../../src/evidence/types.js'
import {WarningSink} from '../../src/util/errors.js'

const src = (line: number) => ({file: 't', line})

function image() {
  const conflicts: [number, ByteFact, ByteFact][] = []
  const img = new ConfigImage(undefined, (offset, decoded, other) => conflicts.push([offset, decoded, other]))
  return {img, conflicts}
}

describe('bytes decoded by lspci in the config image', () => {
  it('fill unknown bytes and inferred ones, marked lspci-decode', () => {
    const {img, conflicts} = image()
    img.observeDecoded(0x48, 0x30, src(1), 1)
    img.observeRead(0x4c, 0x10, undefined, src(2), 2) // 0x4d..0x4f only inferred 0
    img.observeDecoded(0x4d, 0x00, src(3), 3)
    expect(img.byte(0x48)!.current).toMatchObject({value: 0x30, origin: 'lspci-decode'})
    expect(img.byte(0x4d)!.current).toMatchObject({origin: 'lspci-decode', src: src(3)})
    expect(img.knownCount).toBe(5)
    expect(conflicts).toEqual([])
  })

  it('give way to hex or a read, in either order; a different value is a conflict naming both', () => {
    const {img, conflicts} = image()
    img.observeDecoded(0x44, 4, src(1), 1)
    img.observeDump(new Uint8Array(0x48).fill(0).fill(4, 0x44, 0x45), () => src(9), 2)
    expect(img.byte(0x44)!.current).toMatchObject({origin: 'dump', value: 4})
    expect(conflicts).toEqual([])
    img.observeDecoded(0x45, 7, src(3), 3)
    img.observeDecoded(0x46, 0, src(4), 4)
    expect(img.byte(0x45)!.current).toMatchObject({origin: 'dump', value: 0})
    expect(conflicts).toEqual([[0x45, expect.objectContaining({value: 7, src: src(3)}), expect.objectContaining({value: 0, origin: 'dump'})]])
    const other = image()
    other.img.observeDecoded(0x08, 1, src(1), 1)
    other.img.observeRead(0x08, 0, 1, src(2), 2)
    expect(other.img.byte(0x08)!.current).toMatchObject({origin: 'read', value: 0})
    expect(other.conflicts).toHaveLength(1)
  })
})

describe('lspci BAR lines in the BAR evidence', () => {
  it('give type, size and address like a resource line; empty means size 0; a size conflict warns', () => {
    const bars = new BarTracker()
    bars.onLspci(4, {kind: 'mem', is64: true, prefetchable: true, start: 0xfe000000, size: 0x4000}, src(5))
    bars.onLspci(0, 'empty', src(1))
    bars.onResource(1, 0xfebd1000, 0xfebd1fff, 0x40200, src(20))
    bars.onLspci(1, {kind: 'mem', is64: false, prefetchable: false, start: 0xfebd1000, size: 0x2000}, src(2))
    bars.onLspci(6, {kind: 'mem', is64: false, prefetchable: false, start: 0xfeb80000, size: 0x40000, disabled: true}, src(7))
    const warnings = new WarningSink()
    const ev = bars.evidence(warnings, 'dev', 0)
    expect(ev[4]).toMatchObject({kind: 'mem', is64: true, prefetchable: true, size: 0x4000, addr: 0xfe000000, how: ['lspci']})
    expect(ev[5]).toMatchObject({upperHalfOf: 4})
    expect(ev[0]).toMatchObject({size: 0, how: ['lspci']})
    expect(warnings.warnings.map((w) => [w.code, w.source])).toEqual([['bar-size-conflict', src(2)]])
    expect(bars.romEvidence(warnings, 'dev')).toMatchObject({index: 6, size: 0x40000, addr: 0xfeb80000, how: ['lspci']})
  })
})
