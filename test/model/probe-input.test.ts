import {describe, expect, it} from 'vitest'
import {ConfigImage} from '../../src/evidence/config-image.js'
import {configReader, resourceFacts, toProbeInput} from '../../src/model/probe-input.js'
import type {BarEvidence, DeviceEvidence} from '../../src/evidence/types.js'

const src = (line: number) => ({file: 't', line})

function deviceWith(image: ConfigImage, bars: BarEvidence[]): DeviceEvidence {
  return {
    address: {domain: 0, bus: 0, slot: 3, func: 0},
    bdf: '0000:00:03.0',
    config: image,
    bars,
    regionAccesses: [],
    regionSummary: [],
    status: [],
    acknowledged: false,
    driverOk: false,
    messages: [],
    traced: true,
  }
}

describe('configReader', () => {
  it('reads little-endian values with their distinct sources', () => {
    const image = new ConfigImage()
    image.observeRead(0, 0x1af4, 2, src(1), 1)
    image.observeRead(2, 0x1041, 2, src(2), 2)
    expect(configReader(image).read(0, 4)).toEqual({known: true, value: 0x10411af4, sources: [src(1), src(2)], inferred: false})
    expect(configReader(image).read(1, 1)).toEqual({known: true, value: 0x1a, sources: [src(1)], inferred: false})
  })

  it('is unknown if any byte is, listing the missing offsets', () => {
    const image = new ConfigImage()
    image.observeRead(0, 0x1af4, 2, src(1), 1)
    expect(configReader(image).read(0, 4)).toEqual({known: false, missing: [2, 3]})
  })

  it('flags values resting on inferred bytes', () => {
    const image = new ConfigImage()
    image.observeRead(0x34, 0x98, undefined, src(1), 1)
    expect(configReader(image).read(0x34, 4)).toMatchObject({known: true, value: 0x98, inferred: true})
    expect(configReader(image).read(0x34, 1)).toMatchObject({known: true, value: 0x98, inferred: false})
  })

  it('bytes of one file told apart by line or by record (simpletrace) are distinct sources', () => {
    const image = new ConfigImage()
    image.observeRead(0, 0xf4, 1, {file: 'trace-1', record: 7}, 1)
    image.observeRead(1, 0x1a, 1, {file: 'trace-1', record: 8}, 2)
    image.observeRead(2, 0x41, 1, {file: 't', line: 3}, 3)
    image.observeRead(3, 0x10, 1, {file: 't', line: 4}, 4)
    const read = configReader(image).read(0, 4)
    expect(read).toStrictEqual({known: true, value: 0x10411af4, sources: [{file: 'trace-1', record: 7}, {file: 'trace-1', record: 8}, src(3), src(4)], inferred: false})
  })

  it('reads past the image size are unknown', () => {
    const image = new ConfigImage()
    image.observeRead(0xfc, 0x12345678, 4, src(1), 1)
    expect(configReader(image).read(0x100, 4)).toEqual({known: false, missing: [0x100, 0x101, 0x102, 0x103]})
  })
})

describe('resourceFacts', () => {
  it('reports Linux resources: upper halves and unimplemented BARs are empty, unknown stays unknown', () => {
    const bars: BarEvidence[] = [
      {index: 0, kind: 'io', size: 0x20, addr: 0xc080, sources: [src(1)], how: ['sizing']},
      {index: 1, sources: [], how: []},
      {index: 2, size: 0, sources: [src(2)], how: ['sizing']},
      {index: 3, kind: 'mem', sources: [src(3)], how: ['register']},
      {index: 4, kind: 'mem', is64: true, size: 0x4000, addr: 0xfebf4000, sources: [src(4)], how: ['mapping']},
      {index: 5, upperHalfOf: 4, size: 0, sources: [], how: ['upper-half']},
    ]
    expect(bars.map(resourceFacts)).toStrictEqual([
      {index: 0, len: 0x20, type: 'io', start: 0xc080, sources: [src(1)]},
      {index: 1, sources: []},
      {index: 2, len: 0, type: 'none', start: 0, sources: [src(2)]},
      {index: 3, type: 'mem', sources: [src(3)]},
      {index: 4, len: 0x4000, type: 'mem', start: 0xfebf4000, sources: [src(4)]},
      {index: 5, len: 0, type: 'none', start: 0, sources: []},
    ])
  })

  it('toProbeInput carries the bdf, six resources and force_legacy', () => {
    const bars = Array.from({length: 6}, (_, index): BarEvidence => ({index, sources: [], how: []}))
    const input = toProbeInput(deviceWith(new ConfigImage(), bars), {forceLegacy: true})
    expect(input.bdf).toBe('0000:00:03.0')
    expect(input.forceLegacy).toBe(true)
    expect(input.resources).toHaveLength(6)
    expect(input.config.read(0, 2)).toEqual({known: false, missing: [0, 1]})
  })
})
